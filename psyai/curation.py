"""Curation of ranking data before reward-model training, as the InstructGPT team did.

Ouyang et al. (2022, appendix A) deduplicated prompts "by checking for prompts that
share a long common prefix", limited "the number of prompts to 200 per user ID" and
filtered prompts for personally identifiable information. :func:`curate` applies the
same three rules to the long-form ranking table of docs/DATA.md (one row per
(trial, output)) and returns the rows it keeps together with one report row for
every row it drops — nothing is dropped silently::

    kept, dropped = curate(rankings, CurationConfig(max_prompts_per_participant=200))
    curation_summary(rankings, kept, dropped)      # one row per rule, for a report

Rules, applied in this order (a row is reported under the first rule that drops it):

``pii_prompt``       the prompt text contains personal information: every row of every
                     trial of that prompt is dropped.
``pii_output``       an output's text contains personal information: that output's
                     rows are dropped (the rest of the ranking stays; ranks keep their
                     values, so a gap is possible but the order is unchanged).
``too_few_outputs``  fewer than ``min_outputs`` outputs of a trial are left: the trial
                     can no longer be ranked and its remaining rows are dropped.
``shared_prefix``    the prompt shares at least ``min_shared_prefix`` characters of
                     common prefix with an earlier kept prompt (a different
                     ``prompt_id``), or is identical to it: every trial of the later
                     prompt is dropped. Prompts are compared after Unicode NFKC
                     normalisation, case folding and collapsing white space, character
                     by character — so the rule works for Japanese, which has no spaces.
                     "Earlier" is the order in which prompts first appear in the table
                     (:func:`psyai.data.load_rankings` orders rows by participant,
                     session and trial). The same ``prompt_id`` ranked by many
                     participants is the design of the experiment, not a duplicate.
``max_prompts``      a participant's prompts beyond the first ``max_prompts_per_participant``
                     are dropped; "first" is session order, then ``trial_index`` (when the
                     table has it), then row order. Only prompts that survived the rules
                     above count towards the limit.

Personal information is found by named regular-expression detectors (:data:`DETECTORS`,
:func:`find_pii`) on NFKC-normalised text, so full-width digits (``０９０``) and
full-width ``＠`` are caught, and dash-like characters between digits (``ー``, ``−``,
``–``) count as hyphens. Each detector is a pattern plus, where one exists, a check
that removes look-alikes: digit counts for phone numbers, the Luhn checksum for card
numbers, the check digit of a Japanese My Number. Matched text is never written to a
report: :func:`mask` keeps its first character and its punctuation only.

Why not a library: Microsoft Presidio finds names and places with spaCy models that are
downloaded from a model hub (not possible offline here) and has no Japanese
recognisers without further models; its phone, e-mail and card recognisers are
regular expressions like these. ``phonenumbers`` validates numbers against national
numbering plans, which would let through realistic but unallocated numbers
(``555``-numbers, drama ranges) that still read as someone's phone number; for a
privacy filter we prefer to err on the side of dropping.

Known limits: personal names are found only where a participant introduces
themselves (``私の名前は…``, ``…と申します``, ``My name is …``); other names are not
detected (no offline named-entity model), nor
numbers written in kanji numerals (``〇九〇``), nor addresses without a prefecture or
postal code (``渋谷区神南1-2-3``). Inspect the report.

References
----------
Ouyang, L., Wu, J., Jiang, X., et al. (2022). Training language models to follow
instructions with human feedback. *NeurIPS 35*. arXiv:2203.02155.
"""

from __future__ import annotations

import bisect
import logging
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Callable, NamedTuple

import pandas as pd

from psyai.errors import DataError

__all__ = [
    "DETECTORS", "RULES", "CurationConfig", "PiiMatch", "common_prefix_length", "curate", "curation_summary",
    "find_pii", "luhn_valid", "mask", "my_number_valid", "normalize_text",
]

logger = logging.getLogger(__name__)

RULES = ("pii_prompt", "pii_output", "too_few_outputs", "shared_prefix", "max_prompts")
REQUIRED_COLUMNS = ("participant", "session", "prompt_id", "prompt", "item_id", "text")
REPORT_COLUMNS = ("rule", "participant", "session", "trial_index", "prompt_id", "item_id", "model", "detector",
                  "detail")


# --------------------------------------------------------------------------- text normalisation

_DASHES = "‐‑‒–—―−ーｰ－﹣"
_DASH_BETWEEN_DIGITS = re.compile(rf"(?<=[0-9])[{_DASHES}](?=[0-9])")
_SPACES = re.compile(r"\s+")


def normalize_text(text: str) -> str:
    """NFKC-normalised text in which a dash-like character between two digits is ``-``.

    NFKC turns full-width digits, letters and punctuation into ASCII (``０９０`` → ``090``,
    ``＠`` → ``@``, ``（`` → ``(``); Japanese writers often separate phone-number groups
    with ``ー`` or ``−``, which NFKC keeps, so those become ``-`` when they stand between
    digits (and nowhere else: ``コーヒー`` is unchanged).

    >>> normalize_text("０９０ー１２３４ー５６７８")
    '090-1234-5678'
    """
    return _DASH_BETWEEN_DIGITS.sub("-", unicodedata.normalize("NFKC", text))


def _prefix_key(text: str) -> str:
    """The form in which prompts are compared for shared prefixes."""
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", text)).strip().casefold()


def common_prefix_length(a: str, b: str) -> int:
    """Number of leading characters ``a`` and ``b`` share (characters, not words).

    >>> common_prefix_length("東京の天気を教えて", "東京の人口を教えて")
    3
    """
    n = min(len(a), len(b))
    i = 0
    while i < n and a[i] == b[i]:
        i += 1
    return i


def mask(span: str) -> str:
    """A matched span with everything but its first character and its punctuation hidden.

    Letters, digits and CJK characters become ``*``; ``@``, ``-``, ``.``, spaces and
    brackets stay, so a reader sees the shape of what matched but not its content.

    >>> mask("taro@example.co.jp")
    't***@*******.**.**'
    >>> mask("090-1234-5678")
    '0**-****-****'
    """
    out = [span[:1]]
    for ch in span[1:]:
        out.append("*" if ch.isalnum() else ch)
    return "".join(out)


# --------------------------------------------------------------------------- validators


def _digits(s: str) -> str:
    return "".join(ch for ch in s if ch.isdigit())


def luhn_valid(number: str) -> bool:
    """Whether the digits of ``number`` pass the Luhn checksum (ISO/IEC 7812-1, payment cards).

    >>> luhn_valid("4111 1111 1111 1111"), luhn_valid("4111 1111 1111 1112")
    (True, False)
    """
    digits = [int(c) for c in _digits(number)]
    if not digits:
        return False
    total = 0
    for k, d in enumerate(reversed(digits)):
        if k % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def my_number_valid(number: str) -> bool:
    """Whether 12 digits form a valid Japanese Individual Number (マイナンバー) check digit.

    The check digit rule of the Ministry of Internal Affairs and Communications
    (総務省令第八十五号, 2014): with P_n the n-th digit counted from the right excluding
    the check digit (n = 1 … 11) and Q_n = n + 1 for n ≤ 6, n − 5 for n ≥ 7, the check
    digit is 0 if Σ P_n Q_n mod 11 ≤ 1, else 11 − (Σ P_n Q_n mod 11).

    >>> my_number_valid("1234 5678 9018"), my_number_valid("1234 5678 9012")
    (True, False)
    """
    digits = _digits(number)
    if len(digits) != 12:
        return False
    body, check = digits[:11], int(digits[11])
    total = sum(int(p) * (n + 1 if n <= 6 else n - 5) for n, p in enumerate(reversed(body), start=1))
    rem = total % 11
    return check == (0 if rem <= 1 else 11 - rem)


def _digit_count(lo: int, hi: int) -> Callable[[str], bool]:
    def check(span: str) -> bool:
        return lo <= len(_digits(span)) <= hi
    return check


def _nanp_valid(span: str) -> bool:
    """North American numbers: area code and exchange start with 2–9 (NANP)."""
    d = _digits(span)
    if len(d) == 11 and d[0] == "1":
        d = d[1:]
    return len(d) == 10 and d[0] in "23456789" and d[3] in "23456789"


def _uk_valid(span: str) -> bool:
    d = _digits(span)
    return len(d) in (10, 11) and d[:2] in ("01", "02", "03", "05", "07", "08")


def _card_valid(span: str) -> bool:
    d = _digits(span)
    return 13 <= len(d) <= 19 and d[0] in "23456" and luhn_valid(d)


# --------------------------------------------------------------------------- detectors

_PREFECTURES = (
    "北海道|青森県|岩手県|宮城県|秋田県|山形県|福島県|茨城県|栃木県|群馬県|埼玉県|千葉県|東京都|神奈川県|"
    "新潟県|富山県|石川県|福井県|山梨県|長野県|岐阜県|静岡県|愛知県|三重県|滋賀県|京都府|大阪府|兵庫県|"
    "奈良県|和歌山県|鳥取県|島根県|岡山県|広島県|山口県|徳島県|香川県|愛媛県|高知県|福岡県|佐賀県|長崎県|"
    "熊本県|大分県|宮崎県|鹿児島県|沖縄県"
)
_US_STATES = (
    "AL|AK|AZ|AR|CA|CO|CT|DE|DC|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|NE|NV|NH|NJ|NM|NY|NC|ND|"
    "OH|OK|OR|PA|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY"
)
_STREET_TYPES = (
    "Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Place|Pl|Terrace|Parkway|Pkwy|"
    "Circle|Cir|Highway|Hwy|Square|Sq"
)
_CJK = r"\u3040-\u30ff\u4e00-\u9fff々ヶ"  # hiragana, katakana, CJK ideographs
_NAME_JA = r"\u4e00-\u9fff々ヶ\u30a0-\u30ff"  # kanji and katakana: the script of most Japanese names
_NOT_ALNUM_BEFORE = r"(?<![0-9A-Za-z])"
_NOT_DIGIT_AFTER = r"(?![0-9])"
# for digit groups (cards, My Number): not part of a longer run of digit groups
_NO_GROUP_BEFORE = r"(?<![0-9])(?<![0-9][ -])"
_NO_GROUP_AFTER = r"(?![0-9]|[ -][0-9])"


# Japanese phone numbers: grouped by hyphens, dots, ・, spaces or brackets, or written without separators
_PHONE_JP = (r"0[0-9]{1,4}[-. ・(][0-9]{1,4}[-. ・)] ?[0-9]{4}"   # 090-1234-5678, 03(1234)5678, 090.1234.5678
             r"|\(0[0-9]{1,4}\) ?[0-9]{1,4}[-. ・]?[0-9]{4}"      # (03)1234-5678
             r"|0[0-9]{2,4}[-.・][0-9]{6,8}"                       # 080-12345678
             r"|0120[- ]?[0-9]{3}[- ]?[0-9]{3}"                    # toll-free 0120-123-456
             r"|0[0-9]{9,10}")                                     # 0312345678, 09012345678
# not inside a longer number or word, unless right after a label: TEL03-…, Tel.090-…, ℡ (NFKC: TEL)
_PHONE_JP_BEFORE = "(?:(?<![0-9A-Za-z+.-])|" + "|".join(
    f"(?<={label}{sep})" for label in ("TEL", "Tel", "tel", "FAX", "Fax", "fax") for sep in ("", r"\.")) + ")"


@dataclass(frozen=True)
class Detector:
    """One kind of personal information: a name, a description, a pattern and an optional check.

    ``pattern`` runs on :func:`normalize_text` output; a match counts only when
    ``check(matched_text)`` is true (None: every match counts).
    """

    name: str
    description: str
    pattern: re.Pattern
    check: Callable[[str], bool] | None = None


DETECTORS: dict[str, Detector] = {d.name: d for d in (
    Detector(
        "email", "e-mail address (local@domain.tld)",
        re.compile(r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9][A-Za-z0-9._%+-]*@"
                   r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z]{2,}(?![A-Za-z0-9-])")),
    Detector(
        "phone_intl", "international phone number (+CC …, 8–15 digits, E.164)",
        re.compile(_NOT_ALNUM_BEFORE + r"\+[1-9][0-9]{0,2}(?:[ .-]?\(?[0-9]{1,5}\)?){2,6}" + _NOT_DIGIT_AFTER),
        _digit_count(8, 15)),
    Detector(
        "phone_jp", "Japanese phone number (090-1234-5678, 03-1234-5678, 03(1234)5678, (03)1234-5678, "
                    "0120-123-456, 090.1234.5678, 080-12345678, 09012345678, TEL./FAX/電話 before it; "
                    "10–11 digits from 0)",
        re.compile(_PHONE_JP_BEFORE + r"(?:" + _PHONE_JP + r")" + _NOT_DIGIT_AFTER),
        _digit_count(10, 11)),
    Detector(
        "phone_us", "North American phone number ((415) 555-2671, 415-555-2671, 415.555.2671)",
        re.compile(_NOT_ALNUM_BEFORE + r"(?<![+.-])(?:1[-. ])?(?:\([0-9]{3}\) ?|[0-9]{3}[-.])[0-9]{3}[-.][0-9]{4}"
                   + _NOT_DIGIT_AFTER),
        _nanp_valid),
    Detector(
        "phone_uk", "UK phone number (020 7946 0958, 07700 900123, 01632 960983)",
        re.compile(_NOT_ALNUM_BEFORE + r"(?<![+.-])(?:0[0-9]{2,4}(?: [0-9]{3,4}){1,2}|0[0-9]{4} [0-9]{6})"
                   + _NOT_DIGIT_AFTER),
        _uk_valid),
    Detector(
        "postal_jp", "Japanese postal code (〒123-4567, 郵便番号1234567, or 123-4567 before a prefecture)",
        re.compile(r"〒 ?[0-9]{3}-?[0-9]{4}" + _NOT_DIGIT_AFTER
                   + r"|郵便番号[:： ]*[0-9]{3}-?[0-9]{4}" + _NOT_DIGIT_AFTER
                   + r"|(?<![0-9-])[0-9]{3}-[0-9]{4}(?![0-9-])(?= ?(?:" + _PREFECTURES + "))")),
    Detector(
        "address_jp", "Japanese street address (prefecture, municipality, block number: 東京都千代田区千代田1-1, "
                      "大阪府大阪市北区梅田3丁目)",
        re.compile(r"(?:" + _PREFECTURES + r")[" + _CJK + r"]{0,10}?(?:市|区|町|村|郡)[" + _CJK + r"0-9]{0,14}?"
                   r" ?(?:[0-9]{1,4}(?:丁目|番地)|[一二三四五六七八九十]{1,3}丁目"
                   r"|[0-9]{1,4}-[0-9]{1,4}(?:-[0-9]{1,4})?|[0-9]{1,4}番[0-9]{1,4}号?)")),
    Detector(
        "address_us", "US street address (1600 Pennsylvania Avenue) or state + ZIP code (CA 94103)",
        re.compile(r"(?<![0-9A-Za-z])[0-9]{1,6} (?:[NSEW]\.? )?(?:[A-Z][A-Za-z]+ ){1,3}(?:" + _STREET_TYPES
                   + r")\b\.?"
                   + r"|\b(?:" + _US_STATES + r") [0-9]{5}(?:-[0-9]{4})?" + _NOT_DIGIT_AFTER)),
    Detector(
        "postcode_uk", "UK postcode (SW1A 1AA, M1 1AE)",
        re.compile(r"\b(?:[A-PR-UWYZ][A-HK-Y]?[0-9][A-Z0-9]?|GIR) ?[0-9][ABD-HJLNP-UW-Z]{2}\b")),
    Detector(
        "card_number", "payment card number (13–19 digits passing the Luhn check)",
        re.compile(_NO_GROUP_BEFORE + r"[0-9](?:[ -]?[0-9]){12,18}" + _NO_GROUP_AFTER),
        _card_valid),
    Detector(
        "my_number_jp", "Japanese Individual Number (マイナンバー, 12 digits with a valid check digit)",
        re.compile(_NO_GROUP_BEFORE + r"[0-9]{4}[ -]?[0-9]{4}[ -]?[0-9]{4}" + _NO_GROUP_AFTER),
        my_number_valid),
    Detector(
        "self_introduction", "a participant giving their own name (私の名前は山田…, 山田太郎と申します, 氏名：…, "
                             "My name is John Smith, call me John)",
        re.compile(r"(?:私|僕|俺|わたし|ぼく)の名前は ?[" + _NAME_JA + r"]{1,10}"
                   r"|(?:氏名|お名前|名前)[:：] ?[" + _NAME_JA + r"]{1,10}"
                   r"|[" + _NAME_JA + r"]{1,10}と申します"
                   r"|\b(?:[Mm]y name is|[Mm]y name's|[Cc]all me|I am called|I'm called) [A-Z][a-z]+(?: [A-Z][a-z]+)?")),
    Detector(
        "ssn_us", "US Social Security number (123-45-6789; not 000/666/9xx areas)",
        re.compile(r"(?<![0-9-])(?!000|666|9[0-9]{2})[0-9]{3}-(?!00)[0-9]{2}-(?!0000)[0-9]{4}(?![0-9-])")),
)}


class PiiMatch(NamedTuple):
    """One match of a detector: its name, the span in the normalised text, the masked text."""

    detector: str
    start: int
    end: int
    masked: str


def find_pii(text: str | None, detectors: tuple[str, ...] | None = None) -> list[PiiMatch]:
    """Every stretch of ``text`` that a detector takes for personal information.

    Parameters
    ----------
    text : any text (None or NaN: no matches).
    detectors : names from :data:`DETECTORS` to run (None: all).

    Returns
    -------
    list of :class:`PiiMatch`, ordered by position then detector name; spans refer to
    :func:`normalize_text` (text), and the matched text is only given masked.
    """
    if not isinstance(text, str) or not text:
        return []
    norm = normalize_text(text)
    found = []
    for name in detectors or tuple(DETECTORS):
        det = DETECTORS[name]
        for m in det.pattern.finditer(norm):
            span = m.group(0)
            if det.check is None or det.check(span):
                found.append(PiiMatch(name, m.start(), m.end(), mask(span)))
    return sorted(found, key=lambda p: (p.start, p.detector))


# --------------------------------------------------------------------------- curation


@dataclass
class CurationConfig:
    """Settings of :func:`curate`; each rule can be switched off.

    Attributes
    ----------
    max_prompts_per_participant : keep at most this many prompts per participant, the
        first ones in session and trial order (InstructGPT: 200). None: no limit.
    min_shared_prefix : drop a prompt whose normalised text shares at least this many
        leading characters with an earlier kept prompt, or equals it. Characters, not
        words: Japanese packs roughly two to three times as much into a character as
        English, so a lab with Japanese prompts may want a smaller number. None: off.
    pii_detectors : names of the detectors in :data:`DETECTORS` to run; an empty tuple
        switches the personal-information rules off.
    check_prompts : look for personal information in prompts (rule ``pii_prompt``).
    check_outputs : look for personal information in outputs (rule ``pii_output``).
    min_outputs : a trial with fewer outputs than this left is dropped
        (``too_few_outputs``); a ranking needs at least two. 1 for demonstrations
        (one text per trial: :mod:`psyai.data.exporters.sft`), where the rule then
        never fires.
    """

    max_prompts_per_participant: int | None = 200
    min_shared_prefix: int | None = 50
    pii_detectors: tuple[str, ...] = field(default_factory=lambda: tuple(DETECTORS))
    check_prompts: bool = True
    check_outputs: bool = True
    min_outputs: int = 2

    def __post_init__(self) -> None:
        if self.max_prompts_per_participant is not None and self.max_prompts_per_participant < 1:
            raise ValueError(f"max_prompts_per_participant={self.max_prompts_per_participant}: give 1 or more, "
                             "or None for no limit")
        if self.min_shared_prefix is not None and self.min_shared_prefix < 1:
            raise ValueError(f"min_shared_prefix={self.min_shared_prefix}: give a number of characters >= 1, "
                             "or None to keep prompts with shared prefixes")
        self.pii_detectors = tuple(self.pii_detectors)
        unknown = [d for d in self.pii_detectors if d not in DETECTORS]
        if unknown:
            raise ValueError(f"unknown PII detector(s) {', '.join(unknown)}; choose from {', '.join(DETECTORS)}")
        if self.min_outputs < 1:
            raise ValueError(f"min_outputs={self.min_outputs}: give 2 or more for rankings (a ranking needs 2 "
                             "outputs), 1 for demonstrations")


def _trial_keys(frame: pd.DataFrame) -> list[str]:
    keys = ["participant", "session"]
    if "trial_index" in frame.columns:
        keys.append("trial_index")
    return [*keys, "prompt_id"]


def _pii_detail(matches: list[PiiMatch]) -> tuple[str, str]:
    detectors = ", ".join(dict.fromkeys(m.detector for m in matches))
    detail = "; ".join(f"{m.detector}: {m.masked}" for m in matches)
    return detectors, detail


def _report_rows(rows: pd.DataFrame, rule: str, detector: pd.Series | str | None,
                 detail: pd.Series | str) -> pd.DataFrame:
    out = pd.DataFrame({
        "rule": rule,
        "participant": rows["participant"].to_numpy(),
        "session": rows["session"].to_numpy(),
        "trial_index": rows["trial_index"].to_numpy() if "trial_index" in rows.columns else None,
        "prompt_id": rows["prompt_id"].to_numpy(),
        "item_id": rows["item_id"].to_numpy(),
        "model": rows["model"].to_numpy() if "model" in rows.columns else None,
        "detector": detector.to_numpy() if isinstance(detector, pd.Series) else detector,
        "detail": detail.to_numpy() if isinstance(detail, pd.Series) else detail,
    }, index=rows.index)
    return out


def _pii_by_text(texts: pd.Series, detectors: tuple[str, ...]) -> dict[str, tuple[str, str]]:
    """Distinct text → (detector names, masked detail) for the texts with personal information."""
    hits = {}
    for text in pd.unique(texts.dropna()):
        matches = find_pii(text, detectors)
        if matches:
            hits[text] = _pii_detail(matches)
    return hits


def curate(rankings: pd.DataFrame, config: CurationConfig | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Apply the curation rules; return the rows kept and a report of every row dropped.

    Parameters
    ----------
    rankings : the long-form ranking table of docs/DATA.md (one row per (trial, output),
        as :func:`psyai.data.load_rankings` returns it); needs at least ``participant``,
        ``session``, ``prompt_id``, ``prompt``, ``item_id`` and ``text``.
    config : the rules' settings (:class:`CurationConfig`).

    Returns
    -------
    kept : the rows of ``rankings`` that pass every rule, unchanged, in their order
        (the index is kept, so ``rankings.loc[kept.index]`` are the same rows).
    dropped : one row per dropped row of ``rankings`` (same index), columns

        - ``rule`` — the first rule that dropped the row (one of :data:`RULES`)
        - ``participant``, ``session``, ``trial_index`` (None when the table has none),
          ``prompt_id``, ``item_id``, ``model`` — which row
        - ``detector`` — for ``pii_*``: the names of the detectors that matched
        - ``detail`` — why, in words: the masked matches, the earlier prompt and the
          prefix length, the number of outputs left, or the prompt's position

    ``len(kept) + len(dropped) == len(rankings)`` always.
    """
    config = config or CurationConfig()
    missing = [c for c in REQUIRED_COLUMNS if c not in rankings.columns]
    if missing:
        raise DataError(f"ranking table has no column(s) {', '.join(missing)}; load it with "
                        "psyai.data.load_rankings (see docs/DATA.md, section Rankings)")
    if rankings.index.has_duplicates:
        raise DataError("ranking table has a duplicated index; call .reset_index(drop=True) first")
    alive = pd.Series(True, index=rankings.index)
    reports: list[pd.DataFrame] = []

    def drop(mask_rows: pd.Series, rule: str, detector, detail) -> None:
        rows = rankings[mask_rows & alive]
        if rows.empty:
            return
        if isinstance(detector, pd.Series):
            detector = detector[rows.index]
        if isinstance(detail, pd.Series):
            detail = detail[rows.index]
        reports.append(_report_rows(rows, rule, detector, detail))
        alive[rows.index] = False

    detectors = config.pii_detectors
    # 1. personal information in prompts: the whole prompt goes
    if detectors and config.check_prompts:
        hits = _pii_by_text(rankings["prompt"], detectors)
        if hits:
            flagged = rankings["prompt"].isin(list(hits))
            info = rankings.loc[flagged, "prompt"].map(hits)
            drop(flagged, "pii_prompt", info.str[0], "prompt: " + info.str[1])
    # 2. personal information in outputs: that output goes
    if detectors and config.check_outputs:
        hits = _pii_by_text(rankings["text"], detectors)
        if hits:
            flagged = rankings["text"].isin(list(hits))
            info = rankings.loc[flagged, "text"].map(hits)
            drop(flagged, "pii_output", info.str[0], "output: " + info.str[1])
    # 3. trials left with too few outputs to rank
    keys = _trial_keys(rankings)
    left = rankings[alive].groupby(keys, dropna=False, sort=False)["item_id"].transform("size")
    few = pd.Series(False, index=rankings.index)
    few[left.index] = left < config.min_outputs
    if few.any():
        detail = left[few[few].index].map(lambda n: f"{n} output(s) left after removing personal information; "
                                                     f"a ranking needs {config.min_outputs}")
        drop(few, "too_few_outputs", None, detail)
    # 4. prompts sharing a long prefix with an earlier kept prompt
    if config.min_shared_prefix is not None:
        later = _shared_prefix_prompts(rankings[alive], config.min_shared_prefix)
        if later:
            flagged = rankings["prompt_id"].isin(list(later))
            detail = rankings.loc[flagged, "prompt_id"].map(later)
            drop(flagged, "shared_prefix", None, detail)
    # 5. at most N prompts per participant
    if config.max_prompts_per_participant is not None:
        over = _over_limit(rankings[alive], config.max_prompts_per_participant)
        if not over.empty:
            flagged = pd.Series(False, index=rankings.index)
            flagged[over.index] = True
            drop(flagged, "max_prompts", None, over)

    kept = rankings[alive]
    if reports:
        dropped = pd.concat(reports)
        dropped = dropped.loc[rankings.index[rankings.index.isin(dropped.index)]]  # the input's row order
    else:
        dropped = pd.DataFrame(columns=list(REPORT_COLUMNS), index=rankings.index[:0])
    if len(kept) + len(dropped) != len(rankings):  # internal invariant: every row is kept or reported
        raise AssertionError("curation lost rows")
    for rule, n in dropped["rule"].value_counts().items():
        logger.info("curation: %s dropped %d row(s)", rule, n)
    return kept, dropped


def _shared_prefix_prompts(rows: pd.DataFrame, min_prefix: int) -> dict[str, str]:
    """prompt_id → reason, for each prompt that repeats the start of an earlier kept prompt.

    Prompts are visited in order of first appearance. Among strings in lexicographic
    order, the longest common prefix of a new string with any kept string is reached at
    one of its two neighbours, so each prompt is compared with two kept prompts only.
    """
    prompts = rows.drop_duplicates("prompt_id")[["prompt_id", "prompt"]]
    kept_keys: list[str] = []
    owner: dict[str, str] = {}
    later: dict[str, str] = {}
    for pid, text in zip(prompts["prompt_id"], prompts["prompt"]):
        key = _prefix_key(text if isinstance(text, str) else "")
        if not key:  # no prompt text (outputs ranked without one): nothing to repeat
            continue
        pos = bisect.bisect_left(kept_keys, key)
        best, best_len = None, -1
        for j in (pos - 1, pos):
            if 0 <= j < len(kept_keys):
                n = common_prefix_length(key, kept_keys[j])
                if n > best_len:
                    best, best_len = kept_keys[j], n
        if best is not None and (best_len >= min_prefix or key == best):
            how = "the same text as" if key == best else f"a {best_len}-character common prefix with"
            later[pid] = f"prompt has {how} earlier prompt {owner[best]} (limit {min_prefix} characters)"
            continue
        kept_keys.insert(pos, key)
        owner.setdefault(key, pid)
    return later


def _over_limit(rows: pd.DataFrame, limit: int) -> pd.Series:
    """Row index → reason, for the rows of each participant's prompts after the first ``limit``."""
    order = ["participant", "session"] + (["trial_index"] if "trial_index" in rows.columns else [])
    ordered = rows.sort_values(order, kind="stable")
    firsts = ordered.drop_duplicates(["participant", "prompt_id"])[["participant", "prompt_id"]].copy()
    firsts["n"] = firsts.groupby("participant").cumcount() + 1
    number = ordered.merge(firsts, on=["participant", "prompt_id"], how="left")["n"].to_numpy()
    number = pd.Series(number, index=ordered.index)
    over = number[number > limit]
    return over.map(lambda n: f"participant's prompt number {n}; at most {limit} prompts per participant are kept")


def curation_summary(rankings: pd.DataFrame, kept: pd.DataFrame, dropped: pd.DataFrame) -> pd.DataFrame:
    """What curation did, one row per rule plus ``kept`` and ``total``, for a report.

    Returns
    -------
    DataFrame with columns ``rule``, ``n_rows`` (rows of the ranking table),
    ``n_trials``, ``n_prompts``, ``n_items``, ``n_participants`` (distinct ones among
    those rows) and ``share_rows`` (n_rows / rows in the input). Rules that dropped
    nothing appear with zeros, so the report shows every rule was applied.
    """
    keys = _trial_keys(rankings)
    total = max(len(rankings), 1)

    def counts(name: str, rows: pd.DataFrame) -> dict:
        trials = rows[keys].drop_duplicates() if len(rows) else rows
        return {"rule": name, "n_rows": int(len(rows)), "n_trials": int(len(trials)),
                "n_prompts": int(rows["prompt_id"].nunique()), "n_items": int(rows["item_id"].nunique()),
                "n_participants": int(rows["participant"].nunique()), "share_rows": len(rows) / total}

    out = [counts(rule, rankings.loc[dropped.index[dropped["rule"] == rule]]) for rule in RULES]
    out.append(counts("kept", kept))
    out.append(counts("total", rankings))
    return pd.DataFrame(out)
