"""Simulated participants: observers with known parameters.

An observer decides what a participant would answer on a screen; it does not
press anything itself. :class:`psyai.booth.ui.SimulatedInput` turns its decisions
into key presses at the point where the experiment reads the keyboard, so a
simulated session runs the same script, window and log as a person's.

Settings are stored in ``__init__``; randomness comes only from the explicit
``seed`` (scikit-learn's conventions).
"""

from __future__ import annotations

import math
import zlib
from dataclasses import asdict, dataclass

import numpy as np

# Confidence 1..6 from the distance between the evidence and the criterion.
CONFIDENCE_CUTS = np.array([0.25, 0.55, 0.9, 1.35, 1.9])


@dataclass
class CohortSpec:
    """Group-level parameters of a simulated cohort (equal-variance SDT).

    ``dprime`` and ``criterion`` are the group means; each participant's own
    values are drawn around them with ``dprime_sd`` and ``criterion_sd``.
    ``item_sd`` gives every item a fixed offset on the evidence axis (some
    texts read as more human than others), shared by all participants.
    """

    dprime: float = 1.0
    criterion: float = 0.0
    dprime_sd: float = 0.3
    criterion_sd: float = 0.2
    item_sd: float = 0.0
    check_lapse: float = 0.0
    comprehension_fail: float = 0.1
    rt_shift: float = 0.6
    rt_median: float = 1.4
    rt_sigma: float = 0.45
    seed: int = 0

    def participant(self, index: int) -> "SDTObserver":
        """The observer for the ``index``-th simulated participant (reproducible from the cohort seed)."""
        rng = np.random.default_rng([self.seed, index, 0])
        return SDTObserver(
            dprime=float(self.dprime + rng.normal(0, self.dprime_sd)),
            criterion=float(self.criterion + rng.normal(0, self.criterion_sd)),
            item_sd=self.item_sd, item_seed=self.seed, check_lapse=self.check_lapse,
            comprehension_fail=self.comprehension_fail, rt_shift=self.rt_shift,
            rt_median=self.rt_median, rt_sigma=self.rt_sigma,
            seed=int(rng.integers(2**31)),
        )

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Judgment:
    response: str      # "human" or "model"
    confidence: int    # 1..6
    rt: float          # seconds
    confidence_rt: float


class SDTObserver:
    """An equal-variance signal-detection observer for person-or-model judgments.

    The signal is "written by a model". For each text the observer draws
    evidence ``x ~ N(+d'/2 + e_item, 1)`` for model texts and
    ``N(-d'/2 + e_item, 1)`` for human texts and answers "model" when
    ``x > c``. So its hit rate is ``Phi(d'/2 - c)`` and false-alarm rate
    ``Phi(-d'/2 - c)``: ``d' = z(H) - z(F)``, ``c = -(z(H) + z(F)) / 2``.
    Confidence grows with ``|x - c|``; response times follow a shifted
    log-normal that is faster when confidence is high.
    """

    def __init__(self, dprime: float, criterion: float, *, item_sd: float = 0.0, item_seed: int = 0,
                 check_lapse: float = 0.0, comprehension_fail: float = 0.0, rt_shift: float = 0.6,
                 rt_median: float = 1.4, rt_sigma: float = 0.45, seed: int = 0) -> None:
        self.dprime = dprime
        self.criterion = criterion
        self.item_sd = item_sd
        self.item_seed = item_seed
        self.check_lapse = check_lapse
        self.comprehension_fail = comprehension_fail
        self.rt_shift = rt_shift
        self.rt_median = rt_median
        self.rt_sigma = rt_sigma
        self.seed = seed
        self.rng_ = np.random.default_rng(seed)
        self.last_: Judgment | None = None

    def params(self) -> dict:
        return {k: getattr(self, k) for k in (
            "dprime", "criterion", "item_sd", "item_seed", "check_lapse", "comprehension_fail",
            "rt_shift", "rt_median", "rt_sigma", "seed")}

    def item_offset(self, item_id: str) -> float:
        """The item's fixed offset: the same for every participant of the cohort."""
        if self.item_sd == 0:
            return 0.0
        rng = np.random.default_rng([self.item_seed, zlib.crc32(item_id.encode("utf-8"))])
        return float(rng.normal(0.0, self.item_sd))

    def _rt(self, confidence: int) -> float:
        median = self.rt_median * np.exp(-0.08 * (confidence - 1))
        return float(self.rt_shift + self.rng_.lognormal(np.log(median), self.rt_sigma))

    def judge(self, item: dict) -> Judgment:
        """Answer one trial. Attention checks (``source == 'check'``) ask for ``item['expected']``."""
        if item["source"] == "check":
            follow = self.rng_.random() >= self.check_lapse
            other = "model" if item["expected"] == "human" else "human"
            response, confidence = (item["expected"] if follow else other), 6
        else:
            mean = (self.dprime / 2 if item["source"] == "model" else -self.dprime / 2)
            x = self.rng_.normal(mean + self.item_offset(item["item_id"]), 1.0)
            response = "model" if x > self.criterion else "human"
            confidence = int(1 + np.searchsorted(CONFIDENCE_CUTS, abs(x - self.criterion)))
        rt = self._rt(confidence)
        conf_rt = float(0.3 + self.rng_.lognormal(np.log(0.7), 0.35))
        return Judgment(response, confidence, rt, conf_rt)

    def decide(self, context: dict, keys: list[str]) -> tuple[str, float]:
        """The key for a judgment screen (``kind='judge'``) or the confidence rating after it (``'rate'``)."""
        if context["kind"] == "judge":
            self.last_ = self.judge(context["item"])
            return context["keymap"][self.last_.response], self.last_.rt
        if context["kind"] == "rate":
            return str(self.last_.confidence), self.last_.confidence_rt
        raise ValueError(f"SDTObserver has no answer for a {context['kind']!r} screen")

    def passes_comprehension(self) -> bool:
        return bool(self.rng_.random() >= self.comprehension_fail)

    def quick_rt(self) -> float:
        """Time to read an instruction screen and press a key."""
        return float(0.8 + self.rng_.lognormal(np.log(2.0), 0.4))


# The longest a simulated reader spends on one word, in seconds. At the default weights only a word of
# about 130 characters or more (a long URL, a run of text without spaces) reaches it; without it a
# 100,000-character word gave exp(4000) ms, an infinite time that the log (allow_nan=False) refuses.
MAX_WORD_RT = 60.0


class ReadingObserver:
    """A simulated self-paced reader: one key press per word, reading time from known weights.

    ``log(rt_ms) = intercept + b_length * characters + b_measure * measure + noise``,
    where ``measure`` is a per-word value from a table (e.g. a model's
    surprisal from ``psyai attention extract``) keyed by ``(item_id,
    word_index)`` — so an analysis can be checked to recover ``b_measure``.
    A reading time is capped at :data:`MAX_WORD_RT` (60 s): the linear model
    is meant for words, and a long enough string would make it infinite.
    Comprehension questions are answered correctly with ``p_correct``.
    """

    def __init__(self, *, intercept: float = 5.7, b_length: float = 0.04, b_measure: float = 0.0,
                 measures: dict | None = None, sd: float = 0.25, p_correct: float = 0.9, seed: int = 0) -> None:
        self.intercept = intercept
        self.b_length = b_length
        self.b_measure = b_measure
        self.measures = measures or {}
        self.sd = sd
        self.p_correct = p_correct
        self.seed = seed
        self.rng_ = np.random.default_rng(seed)

    def params(self) -> dict:
        return {k: getattr(self, k) for k in ("intercept", "b_length", "b_measure", "sd", "p_correct", "seed")}

    def quick_rt(self) -> float:
        return float(0.8 + self.rng_.lognormal(np.log(2.0), 0.4))

    def passes_comprehension(self) -> bool:
        return True

    def reading_time(self, item_id: str, index: int, word: str) -> float:
        """Seconds spent on one word, at most :data:`MAX_WORD_RT`."""
        return float(self.reading_times(item_id, [(index, word)])[0])

    def reading_times(self, item_id: str, words: list[tuple[int, str]]) -> np.ndarray:
        """Seconds spent on each ``(index, word)`` of one text, at most :data:`MAX_WORD_RT` each; the noise
        is drawn for the whole text at once (fast synthetic readers for power analyses), the same draws
        as one word at a time."""
        length = np.array([len(w) for _, w in words], dtype=float)
        measure = np.array([self.measures.get((item_id, i), 0.0) for i, _ in words], dtype=float)
        log_ms = (self.intercept + self.b_length * length + self.b_measure * measure
                  + self.rng_.normal(0.0, self.sd, size=len(words)))
        cap = math.log(MAX_WORD_RT * 1000.0)  # checked before exp, which overflows past ~709
        return np.where(log_ms >= cap, MAX_WORD_RT, np.exp(np.minimum(log_ms, cap)) / 1000.0)

    def decide(self, context: dict, keys: list[str]) -> tuple[str, float]:
        if context["kind"] == "spr_word":
            return "space", self.reading_time(context["item_id"], context["index"], context["word"])
        if context["kind"] == "spr_question":
            right = "y" if context["answer"] == "yes" else "n"
            wrong = "n" if right == "y" else "y"
            return (right if self.rng_.random() < self.p_correct else wrong), self.quick_rt()
        raise ValueError(f"ReadingObserver has no answer for a {context['kind']!r} screen")


class HighlightObserver:
    """A simulated participant who clicks the words that mattered most.

    Each word is selected with probability ``sigmoid(intercept + weight * z)``,
    where ``z`` is a per-word measure (e.g. a model layer's attention from
    ``psyai attention extract``) keyed by ``(item_id, word_index)`` and
    standardised within the text; at most ``max_select`` words, the most
    probable first when more are drawn. Words are clicked in random order.
    """

    def __init__(self, *, intercept: float = -1.5, weight: float = 1.5, measures: dict | None = None,
                 seed: int = 0) -> None:
        self.intercept = intercept
        self.weight = weight
        self.measures = measures or {}
        self.seed = seed
        self.rng_ = np.random.default_rng(seed)
        self._plan: tuple[str, list[int]] | None = None

    def params(self) -> dict:
        return {k: getattr(self, k) for k in ("intercept", "weight", "seed")}

    def quick_rt(self) -> float:
        return float(0.8 + self.rng_.lognormal(np.log(2.0), 0.4))

    def passes_comprehension(self) -> bool:
        return True

    def choose(self, item_id: str, n_words: int, max_select: int, min_select: int = 0) -> list[int]:
        """The words this participant selects in one text, in click order: each with its probability, then
        the most probable of the rest up to ``min_select`` (the task takes no fewer)."""
        z = np.array([self.measures.get((item_id, i), 0.0) for i in range(n_words)], dtype=float)
        if z.std() > 0:
            z = (z - z.mean()) / z.std()
        p = 1.0 / (1.0 + np.exp(-(self.intercept + self.weight * z)))
        picked = np.flatnonzero(self.rng_.random(n_words) < p)
        if len(picked) > max_select:
            picked = picked[np.argsort(-p[picked], kind="stable")[:max_select]]
        short = min(min_select, n_words) - len(picked)
        if short > 0:
            rest = np.setdiff1d(np.arange(n_words), picked)
            picked = np.concatenate([picked, rest[np.argsort(-p[rest], kind="stable")[:short]]])
        return [int(i) for i in self.rng_.permutation(picked)]

    def decide(self, context: dict, keys: list[str]) -> tuple[str, float]:
        if context["kind"] != "highlight":
            raise ValueError(f"HighlightObserver has no answer for a {context['kind']!r} screen")
        if self._plan is None or self._plan[0] != context["item_id"] or context["n_clicks"] == 0:
            self._plan = (context["item_id"], self.choose(context["item_id"], context["n_words"], context["max_select"],
                                                          context.get("min_select", 0)))
        todo = [i for i in self._plan[1] if i not in context["selected"]]
        if todo:
            return f"click:{todo[0]}", float(0.4 + self.rng_.lognormal(np.log(0.8), 0.4))
        return "return", float(0.3 + self.rng_.lognormal(np.log(0.6), 0.3))
