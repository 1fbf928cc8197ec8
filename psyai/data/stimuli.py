"""Stimulus sets: loading and validation before any participant sits down.

A stimulus file is UTF-8 CSV or JSON Lines, one row per text, with the
columns documented in docs/DATA.md. :func:`load_stimuli` reads it, checks
every row and raises :class:`~psyai.errors.StimulusError` naming the file,
the line and what to do for each problem found (all of them, not only the
first), so a researcher can fix a file in one pass.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from psyai.errors import StimulusError
from psyai.data.tables import read_rows

REQUIRED_COLUMNS = ("item_id", "lang", "source", "text", "origin")
OPTIONAL_COLUMNS = (
    "prompt", "prompt_id", "model", "model_name", "practice",
    "revision", "temperature", "top_p", "max_new_tokens", "seed", "chat_template",
    "question", "answer", "mixed_script", "quality", "quality_scale", "condition",
)
LANGS = ("ja", "en")
SOURCES = ("human", "model")
ITEM_ID_PATTERN = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
MAX_REPORTED_PROBLEMS = 25
# JSON Lines values other than a string that a column takes (null is an empty value in every column):
# generation parameters and scores as numbers, flags as 0/1 or true/false, as `psyai generate` writes them
NUMBER_COLUMNS = ("temperature", "top_p", "max_new_tokens", "seed", "quality")
FLAG_COLUMNS = ("practice", "mixed_script", "chat_template")
# C0 controls other than TAB, LF and CR, DEL and the C1 controls: invisible on screen, and a NUL cuts a text short
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_CONTROL_NAMES = {0x00: "NUL", 0x1B: "ESC", 0x7F: "DEL", 0x85: "NEL"}


@dataclass
class StimulusSet:
    """A validated stimulus file.

    Attributes
    ----------
    path : Path
        The file as given.
    sha256 : str
        Hash of the file's bytes, recorded in every session header so an
        analysis can tell which version of the set a participant saw.
    items : list of dict
        One dict per row, every column a string except ``practice`` (bool).
    """

    path: Path
    sha256: str
    items: list[dict] = field(default_factory=list)

    def for_lang(self, lang: str, practice: bool = False) -> list[dict]:
        """Items in ``lang`` for the practice block (``practice=True``) or the main block."""
        return [it for it in self.items if it["lang"] == lang and it["practice"] == practice]

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.items)


def model_display_name(model: str | None, revision: str | None = None) -> str | None:
    """The name a report shows for a model: a hub name as it is (``gpt2``, ``rinna/japanese-gpt2-small``);
    a local folder by its last path component, with the first 8 hex digits of its weights' sha256
    when the revision gives them (``_model_900@07cbe507``). None for no model.

    A stimulus file's own ``model_name`` column, where given, is used instead (see :func:`load_stimuli`).
    """
    if not model or not str(model).strip():
        return None
    model = str(model).strip()
    parts = [p for p in re.split(r"[\\/]+", model) if p]
    local = (model.startswith(("/", ".", "~")) or "\\" in model or len(parts) > 2
             or str(revision or "").startswith("sha256:"))
    if not local:
        return model
    name = parts[-1] if parts else model
    rev = str(revision or "")
    return f"{name}@{rev[7:15]}" if rev.startswith("sha256:") and len(rev) >= 15 else name


# Characters of Japanese writing (and of other East Asian scripts an English text should not hold):
# hiragana, katakana (with half-width and phonetic extensions), CJK ideographs, CJK punctuation,
# full-width forms and hangul.
_EAST_ASIAN = re.compile(
    "[\u3000-\u303f\u3040-\u309f\u30a0-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff"
    "\uf900-\ufaff\uff00-\uffef\uac00-\ud7af\U00020000-\U0002fa1f]"
)
_JAPANESE = re.compile("[\u3040-\u309f\u30a0-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
                       "\uff66-\uff9d\U00020000-\U0002fa1f]")
SCRIPT_CHECKED = ("text", "prompt", "question")  # the columns a participant reads


def script_problem(text: str, lang: str) -> str | None:
    """Why ``text`` is not in the script of ``lang``, or None.

    English (``en``): no Japanese or other East Asian character (kana, kanji, full-width forms,
    CJK punctuation, hangul) — the first is named with its position. Japanese (``ja``): at least
    one kana or kanji; Latin words inside Japanese (AI, Python) are normal and pass. Chinese, which
    shares the kanji, is not told apart from a Japanese text written in kanji alone (a word list).
    """
    if not text.strip():
        return None
    if lang == "en":
        m = _EAST_ASIAN.search(text)
        if m:
            return (f"has {m.group()!r} (U+{ord(m.group()):04X}, character {m.start() + 1}), "
                    "a Japanese or other East Asian character, in an English item")
    elif lang == "ja" and not _JAPANESE.search(text):
        return "has no Japanese character (kana or kanji)"
    return None


def file_sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _json_value(where: str, column: str, value: object) -> tuple[str, str | None]:
    """A JSON Lines value as the string a CSV would hold, and the problem with its type (or None)."""
    if value is None:
        return "", None
    if isinstance(value, str):
        return value, None
    if column in FLAG_COLUMNS and (isinstance(value, bool) or value in (0, 1)):
        return ("1" if value else "0"), None
    if column in NUMBER_COLUMNS and isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value), None
    kind = {bool: "true/false", int: "number", float: "number", list: "list", dict: "object"}[type(value)]
    shown = json.dumps(value, ensure_ascii=False)
    shown = shown if len(shown) <= 40 else shown[:37] + "..."
    if column in FLAG_COLUMNS:
        expected = "0 or 1 (or true/false)"
    elif column in NUMBER_COLUMNS:
        expected = "a number (or a string holding one)"
    else:
        expected = 'a string (in double quotes: "...")'
    return "", f"{where}: {column} is a JSON {kind} ({shown}); it must be {expected}"


def _control_problems(where: str, row: dict[str, str]) -> list[str]:
    problems = []
    for column, value in row.items():
        m = CONTROL_CHARACTERS.search(value)
        if m:
            code = ord(m.group())
            name = f" ({_CONTROL_NAMES[code]})" if code in _CONTROL_NAMES else ""
            problems.append(f"{where}: {column} has the control character U+{code:04X}{name} at character "
                            f"{m.start() + 1}, which does not show on screen; delete it (re-export the file if "
                            "it came from another program)")
    return problems


def _check_row(path: Path, lineno: int, row: dict) -> list[str]:
    where = f"{path} line {lineno}"
    problems = _control_problems(where, row)
    item_id = row.get("item_id", "").strip()
    if not item_id:
        problems.append(f"{where}: item_id is empty; give every text a unique id")
    elif not ITEM_ID_PATTERN.match(item_id):
        problems.append(f"{where}: item_id {item_id!r} may only use letters, digits, '.', '-' and '_' (at most 64)")
    lang = row.get("lang", "").strip()
    if lang not in LANGS:
        problems.append(f"{where}: lang is {lang!r}; use 'ja' or 'en'")
    source = row.get("source", "").strip()
    if source not in SOURCES:
        problems.append(f"{where}: source is {source!r}; use 'human' or 'model'")
    text = row.get("text", "")
    if not text.strip():
        problems.append(f"{where}: text is empty; every item needs the text to show")
    elif "\ufffd" in text:
        problems.append(f"{where}: text contains U+FFFD (a character lost in an encoding conversion); re-export the file as UTF-8")
    model = row.get("model", "").strip()
    if source == "model" and not model:
        problems.append(f"{where}: source is 'model' but the model column is empty; name the model that wrote it")
    if source == "human" and model:
        problems.append(f"{where}: source is 'human' but model is {model!r}; leave model empty for human texts")
    if source == "human" and row.get("model_name", "").strip():
        problems.append(f"{where}: source is 'human' but model_name is {row['model_name'].strip()!r}; leave it empty")
    if not row.get("origin", "").strip():
        problems.append(f"{where}: origin is empty; say where the text came from")
    if row.get("answer", "").strip() not in ("", "yes", "no"):
        problems.append(f"{where}: answer is {row['answer']!r}; a comprehension question's answer is 'yes' or 'no'")
    if row.get("question", "").strip() and not row.get("answer", "").strip():
        problems.append(f"{where}: question has no answer; give 'yes' or 'no' in the answer column")
    if lang in LANGS and row.get("mixed_script", "").strip() != "1":
        for column in SCRIPT_CHECKED:
            why = script_problem(row.get(column, ""), lang)
            if why:
                problems.append(f"{where}: {column} {why}; set lang to the language it is written in, fix the "
                                "text, or put 1 in a mixed_script column if the other script belongs there")
    quality = row.get("quality", "").strip()
    if quality:
        try:
            ok = math.isfinite(float(quality))
        except ValueError:
            ok = False
        if not ok:
            problems.append(f"{where}: quality is {quality!r}; give the published score as a number, or leave it empty")
        elif not row.get("quality_scale", "").strip():
            problems.append(f"{where}: quality {quality} has no quality_scale; say what the score is and its range "
                            "(who judged, on what scale)")
    if row.get("mixed_script", "").strip() not in ("", "0", "1"):
        problems.append(f"{where}: mixed_script is {row['mixed_script']!r}; use 1 (other scripts intended) or 0/empty")
    if row.get("practice", "").strip() not in ("", "0", "1"):
        problems.append(f"{where}: practice is {row['practice']!r}; use 1 (practice item) or 0/empty")
    return problems


def load_stimuli(path: str | Path) -> StimulusSet:
    """Read and validate a stimulus file.

    Raises
    ------
    StimulusError
        With every problem found, one per line, each naming the file and line.
    """
    path = Path(path)
    columns, rows = read_rows(path, StimulusError)
    if not rows:
        raise StimulusError(f"{path}: no items; add at least one row under the header")
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        raise StimulusError(
            f"{path} line 1: missing column(s) {', '.join(missing)}; required are {', '.join(REQUIRED_COLUMNS)} (see docs/DATA.md)"
        )
    problems: list[str] = []
    as_text = []
    for lineno, row in rows:  # JSON Lines values keep their JSON type; CSV values are strings already
        text_row, mistyped = {}, []
        for column, value in row.items():
            if column not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS:  # a column psyai does not read: any type
                text_row[column] = value if isinstance(value, str) else ""
                continue
            text_row[column], problem = _json_value(f"{path} line {lineno}", column, value)
            if problem:
                mistyped.append(problem)
        problems += mistyped
        as_text.append((lineno, text_row, not mistyped))
    first_line_of_id: dict[str, int] = {}
    first_line_of_text: dict[str, int] = {}
    prompts: dict[str, tuple[int, str, str]] = {}
    items = []
    for lineno, row, typed in as_text:
        if typed:  # a value of the wrong type is reported as that, not as the empty value it stands for
            problems += _check_row(path, lineno, row)
        item_id = row.get("item_id", "").strip()
        if item_id in first_line_of_id:
            problems.append(f"{path} line {lineno}: item_id {item_id!r} already used on line {first_line_of_id[item_id]}; ids must be unique")
        elif item_id:
            first_line_of_id[item_id] = lineno
        norm_text = " ".join(row.get("text", "").split())
        if norm_text in first_line_of_text:
            problems.append(f"{path} line {lineno}: same text as line {first_line_of_text[norm_text]}; remove the duplicate")
        elif norm_text:
            first_line_of_text[norm_text] = lineno
        pid = row.get("prompt_id", "").strip()
        if pid:
            seen = prompts.setdefault(pid, (lineno, row.get("lang", ""), row.get("prompt", "")))
            if seen[1] != row.get("lang", "") or seen[2] != row.get("prompt", ""):
                problems.append(
                    f"{path} line {lineno}: prompt_id {pid!r} has a different lang or prompt than on line {seen[0]}; "
                    "versions of one prompt must share both"
                )
        item = {c: row.get(c, "").strip() for c in REQUIRED_COLUMNS + OPTIONAL_COLUMNS}
        item["text"] = row.get("text", "").strip()
        item["practice"] = item["practice"] == "1"
        item["model_name"] = item["model_name"] or model_display_name(item["model"], item["revision"]) or ""
        item["line"] = lineno
        items.append(item)
    quality_by_prompt: dict[str, list[tuple[int, bool]]] = {}
    for item in items:
        if item["prompt_id"]:
            quality_by_prompt.setdefault(item["prompt_id"], []).append((item["line"], bool(item["quality"])))
    for pid, marks in quality_by_prompt.items():
        if len({has for _, has in marks}) > 1:
            missing = [str(line) for line, has in marks if not has]
            problems.append(f"{path} line {', '.join(missing)}: prompt_id {pid!r} has a quality score on some rows "
                            "and not on these; give every version of a prompt one, or none")
    if problems:
        shown = problems[:MAX_REPORTED_PROBLEMS]
        more = len(problems) - len(shown)
        raise StimulusError("\n".join(shown) + (f"\n… and {more} more problem(s)" if more else ""))
    return StimulusSet(path=path, sha256=file_sha256(path), items=items)
