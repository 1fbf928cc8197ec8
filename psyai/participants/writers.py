"""Simulated writers: participants who write demonstrations from a corpus of answers, with known habits.

A :class:`SimulatedWriter` plugs in where the demonstrations experiment reads the
typed text (:meth:`psyai.booth.writing.WritingScreens.edit` asks it for an
:class:`~psyai.booth.writing.Edit` instead of opening the editor) and where the
window reads E and Enter (``decide``), so a simulated session runs the real script,
window and log.

What it writes: for each prompt, an answer drawn (seeded) from a corpus of answers
per prompt (:func:`load_answers`; the committed developer-written
``stimuli/demonstrations/answers.csv`` by default), fitted to the session's length
limits. How it writes it, each with a known probability or rate:

- ``p_revise``: it first writes part of the answer (the first 40–80 %), looks at it in
  the window, and opens the editor again to finish it (one revision);
- ``p_too_short``: it first tries to confirm a few words only, gets the window's
  length refusal, then writes the answer (exercises the refusal as a person meets it);
- key presses: every character typed costs ``keys_per_char`` presses (1 for English;
  about 2 for Japanese typed in romaji through an input method, which then commits
  one phrase per ``chars_per_commit`` characters), plus ``error_rate`` of the typed
  characters typed wrong and deleted (2 presses each), plus one press per character
  deleted when a draft is cut back;
- time: a thinking pause (log-normal, median ``think_median`` s) and the characters
  typed at ``chars_per_second``; the prompt is read at ``read_chars_per_second``.

Settings are stored in ``__init__``; randomness comes only from ``seed``
(scikit-learn's conventions, as :mod:`psyai.participants.observers`).
"""

from __future__ import annotations

import zlib
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from psyai.booth.writing import Edit, WritingState, clean_answer
from psyai.errors import StimulusError

__all__ = ["DEFAULT_ANSWERS", "ANSWER_COLUMNS", "load_answers", "fit_length", "keystrokes", "SimulatedWriter",
           "CohortWriters"]



def _default_answers() -> Path:
    """The shipped corpus: in the checkout, or in psyai/_study of a wheel (:func:`psyai.study.packaged_root`)."""
    from psyai.errors import PsyaiError
    from psyai.study import packaged_root

    try:
        root = packaged_root()
    except PsyaiError:  # an installation without its study files: load_answers will name the missing file
        root = Path(__file__).resolve().parents[2]
    return root / "stimuli" / "demonstrations" / "answers.csv"


DEFAULT_ANSWERS = _default_answers()
ANSWER_COLUMNS = ("answer_id", "prompt_id", "lang", "text")
# typing habits by language: key presses per character typed, characters per second, characters per IME commit
TYPING = {"en": {"keys_per_char": 1.0, "chars_per_second": 3.5, "chars_per_commit": 0.0},
          "ja": {"keys_per_char": 2.1, "chars_per_second": 1.5, "chars_per_commit": 4.0}}


def load_answers(path: str | Path) -> dict[tuple[str, str], list[str]]:
    """``(lang, prompt_id) -> answers`` from a CSV or JSON Lines file with columns answer_id, prompt_id, lang,
    text (each row one answer; several per prompt allowed). Bad files are refused naming the file and line."""
    from psyai.data.tables import read_rows

    path = Path(path)
    columns, rows = read_rows(path, StimulusError)
    missing = [c for c in ANSWER_COLUMNS if c not in columns]
    if missing:
        raise StimulusError(f"{path} line 1: missing column(s) {', '.join(missing)}; an answer corpus needs "
                            f"{', '.join(ANSWER_COLUMNS)}")
    answers: dict[tuple[str, str], list[str]] = {}
    for line, row in rows:
        lang, pid, text = (str(row.get(c) or "").strip() for c in ("lang", "prompt_id", "text"))
        if lang not in ("en", "ja"):
            raise StimulusError(f"{path} line {line}: lang is {lang!r}; use 'ja' or 'en'")
        if not pid or not text:
            raise StimulusError(f"{path} line {line}: {'prompt_id' if not pid else 'text'} is empty; every answer "
                                "needs the prompt it answers and its text")
        answers.setdefault((lang, pid), []).append(text)
    if not answers:
        raise StimulusError(f"{path}: no answers; add rows under the header")
    return answers


def fit_length(text: str, min_chars: int, max_chars: int) -> str:
    """``text`` within the limits: cut at the last sentence end (else the last space) before ``max_chars``,
    or repeated until it reaches ``min_chars`` (a corpus answer shorter than a lab's minimum)."""
    text = clean_answer(text)
    while text and len(text) < min_chars:
        text = text + ("" if text.endswith(("。", "！", "？")) else " ") + text
    if len(text) > max_chars:
        cut = text[:max_chars]
        ends = [cut.rfind(p) for p in ("。", ". ", "！", "？", "! ", "? ")]
        end = max(ends)
        if end >= min_chars:
            cut = cut[: end + 1]
        elif " " in cut[min_chars:]:
            cut = cut[: cut.rindex(" ")]
        text = cut.strip()
    return text


def common_prefix(a: str, b: str) -> int:
    n = min(len(a), len(b))
    i = 0
    while i < n and a[i] == b[i]:
        i += 1
    return i


def keystrokes(before: str, after: str, keys_per_char: float) -> tuple[int, int, int]:
    """``(key presses, characters typed, characters deleted)`` of the shortest edit from ``before`` to
    ``after`` that keeps their common start: delete the rest of ``before`` (one Backspace a character),
    type the rest of ``after``."""
    keep = common_prefix(before, after)
    deleted, typed = len(before) - keep, len(after) - keep
    return int(round(typed * keys_per_char)) + deleted, typed, deleted


@dataclass
class CohortWriters:
    """Group-level habits of a simulated cohort of writers; each participant's own values are drawn
    around them (typing speed varies across people by ``speed_sd`` on the log scale)."""

    p_revise: float = 0.3
    p_too_short: float = 0.1
    error_rate: float = 0.05
    think_median: float = 8.0
    speed_sd: float = 0.25
    seed: int = 0

    def participant(self, index: int, answers: dict | None = None) -> "SimulatedWriter":
        rng = np.random.default_rng([self.seed, index, 3])
        return SimulatedWriter(answers=answers, p_revise=self.p_revise, p_too_short=self.p_too_short,
                               error_rate=self.error_rate, think_median=self.think_median,
                               speed=float(np.exp(rng.normal(0.0, self.speed_sd))), seed=int(rng.integers(2**31)))

    def to_dict(self) -> dict:
        return asdict(self)


class SimulatedWriter:
    """A simulated participant of the demonstrations experiment (see the module docstring).

    ``answers``: ``(lang, prompt_id) -> answers`` (:func:`load_answers`); a prompt without an answer there
    gets one of another prompt in its language (counted in ``borrowed_``). ``speed`` multiplies the typing
    rate of :data:`TYPING`.
    """

    def __init__(self, answers: dict | None = None, *, p_revise: float = 0.3, p_too_short: float = 0.1,
                 error_rate: float = 0.05, think_median: float = 8.0, speed: float = 1.0,
                 read_chars_per_second: float = 20.0, seed: int = 0) -> None:
        self.answers = answers if answers is not None else load_answers(DEFAULT_ANSWERS)
        self.p_revise = p_revise
        self.p_too_short = p_too_short
        self.error_rate = error_rate
        self.think_median = think_median
        self.speed = speed
        self.read_chars_per_second = read_chars_per_second
        self.seed = seed
        self.rng_ = np.random.default_rng(seed)
        self.borrowed_ = 0
        self._plan: dict | None = None

    def params(self) -> dict:
        return {k: getattr(self, k) for k in ("p_revise", "p_too_short", "error_rate", "think_median", "speed",
                                              "read_chars_per_second", "seed")}

    # screens every experiment has
    def quick_rt(self) -> float:
        return float(0.8 + self.rng_.lognormal(np.log(2.0), 0.4))

    def passes_comprehension(self) -> bool:
        return True

    # -- what to write -------------------------------------------------------------------------
    def answer_for(self, lang: str, prompt_id: str) -> str:
        """The corpus answer this writer gives to a prompt (seeded by the writer and the prompt)."""
        pool = self.answers.get((lang, prompt_id))
        rng = np.random.default_rng([self.seed, zlib.crc32(prompt_id.encode("utf-8"))])
        if not pool:
            self.borrowed_ += 1
            pool = [a for (la, _), texts in sorted(self.answers.items()) if la == lang for a in texts]
            if not pool:
                raise StimulusError(f"the simulated writers' answer corpus has no {lang!r} answers; give one "
                                    "with --sim-answers")
        return pool[int(rng.integers(len(pool)))]

    def plan(self, context: dict) -> list[tuple[str, str]]:
        """The steps of one trial: ``("write", text)`` opens the editor and leaves ``text``; ``("confirm", "")``
        presses Enter."""
        final = fit_length(self.answer_for(context["lang"], context["prompt_id"]), context["min_chars"],
                           context["max_chars"])
        steps: list[tuple[str, str]] = []
        if self.rng_.random() < self.p_too_short and context["min_chars"] > 1:
            short = final[: max(1, min(context["min_chars"] - 1, len(final) // 4))].strip() or final[:1]
            steps += [("write", short), ("confirm", "")]
        if self.rng_.random() < self.p_revise and len(final) >= 2:
            part = final[: max(1, int(len(final) * self.rng_.uniform(0.4, 0.8)))].rstrip()
            if part and part != final and not (steps and steps[0][1] == part):
                steps.append(("write", part))
        steps += [("write", final), ("confirm", "")]
        return steps

    def _steps(self, context: dict) -> list[tuple[str, str]]:
        key = (context["prompt_id"], context.get("trial_index"))
        if self._plan is None or self._plan["key"] != key:
            self._plan = {"key": key, "steps": self.plan(context)}
        return self._plan["steps"]

    # -- where a person presses keys and types ---------------------------------------------------
    def decide(self, context: dict, keys: list[str]) -> tuple[str, float]:
        if context["kind"] != "demo_review":
            raise ValueError(f"SimulatedWriter has no answer for a {context['kind']!r} screen")
        steps = self._steps(context)
        state: WritingState = context["state"]
        reading = (len(context["prompt"]) / self.read_chars_per_second) if not state.edits else 0.0
        look = float(0.4 + self.rng_.lognormal(np.log(0.8), 0.3))
        if steps[0][0] == "confirm":
            steps.pop(0)
            if not steps:  # the last confirm: the trial ends here; a new plan for the next trial
                self._plan = None
            return "return", reading + look + len(state.draft) / (self.read_chars_per_second * 2)
        return "e", reading + look

    def write(self, context: dict) -> Edit:
        """One visit to the editor: the next planned text, with its key presses and time."""
        steps = self._steps(context)
        kind, text = steps.pop(0)
        if kind != "write":  # internal invariant: the window asks for an edit only after "e"
            raise AssertionError("the simulated writer was asked to write when it planned to confirm")
        state: WritingState = context["state"]
        habits = TYPING[context["lang"]]
        keys, typed, _deleted = keystrokes(state.draft, text, habits["keys_per_char"])
        errors = int(self.rng_.binomial(typed, self.error_rate)) if typed else 0
        keys += 2 * errors
        commits = int(np.ceil(typed / habits["chars_per_commit"])) if habits["chars_per_commit"] and typed else 0
        think = float(self.rng_.lognormal(np.log(self.think_median), 0.5))
        seconds = think + (typed + errors) / (habits["chars_per_second"] * self.speed)
        return Edit(text=text, seconds=round(seconds, 3), n_keys=keys, n_ime_commits=commits, accepted=True)
