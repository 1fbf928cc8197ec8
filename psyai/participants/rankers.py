"""Simulated rankers: participants whose preferences follow a known utility of the text.

Recovery tests need rankings whose truth is known. :func:`synthetic_ranking_items`
writes ranking stimuli (docs/DATA.md, "Rankings") whose texts are bags of
words drawn from three vocabularies, in English or Japanese:

- *good* words (``clear``, ``accurate`` … / ``丁寧``, ``正確`` …) count +1,
- *bad* words (``vague``, ``wrong`` … / ``曖昧``, ``誤り`` …) count -1,
- *neutral* words count 0,

and :func:`utility` is that count — a function of the text alone, which a
tiny transformer reward model learns from text in a few hundred steps. Words
are separated by spaces (English) or ``、`` (Japanese), so the count needs no
morphological analyser. Each output is written by one of a few fake models
(:data:`SIM_MODELS`) that use good and bad words at different rates, so the
models' win rates differ in a known direction (``sim-large`` > ``sim-medium``
> ``sim-small``).

A :class:`RankerObserver` decides what a participant answers on a ranking
screen: the order (Thurstone: utility + Gaussian noise; or Plackett–Luce: the
utility as a log-weight with a temperature), Likert ratings and flags. The
ranking experiment asks it for its decisions where a person would drag and
click; :func:`simulate_rankings` asks it directly and returns the long-form
table :func:`psyai.data.load_rankings` returns, for fast tests with no window.

Settings are stored in ``__init__``; randomness comes only from the explicit
``seed`` (scikit-learn's conventions, as in :mod:`psyai.participants.observers`).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from psyai.booth.ranking import LETTERS, RankingState

__all__ = [
    "GOOD_WORDS", "BAD_WORDS", "NEUTRAL_WORDS", "HARM_WORDS", "INVENTED_WORDS", "SIM_MODELS",
    "RANKING_COLUMNS", "utility", "item_utility", "utility_source", "synthetic_ranking_items", "RankerObserver", "CohortRankers", "RankingAgent",
    "simulate_rankings",
]

GOOD_WORDS: dict[str, tuple[str, ...]] = {
    "en": ("clear", "accurate", "kind", "useful", "careful", "honest", "precise", "helpful"),
    "ja": ("丁寧", "正確", "親切", "明快", "有益", "誠実", "慎重", "簡潔"),
}
BAD_WORDS: dict[str, tuple[str, ...]] = {
    "en": ("vague", "wrong", "rude", "useless", "careless", "dangerous", "sloppy", "boring"),
    "ja": ("曖昧", "誤り", "失礼", "無益", "雑", "危険", "冗長", "退屈"),
}
NEUTRAL_WORDS: dict[str, tuple[str, ...]] = {
    "en": ("today", "train", "garden", "music", "coffee", "window", "river", "market", "book", "morning",
           "city", "bread"),
    "ja": ("今日", "電車", "庭", "音楽", "珈琲", "窓", "川", "市場", "本", "朝", "町", "猫"),
}
# Bad words that a participant flags: as harmful, and as containing invented facts.
HARM_WORDS = frozenset({"dangerous", "危険"})
INVENTED_WORDS = frozenset({"wrong", "誤り"})

# Fake generating models: (probability that a word is good, probability that it is bad).
SIM_MODELS: dict[str, tuple[float, float]] = {
    "sim-large": (0.45, 0.15),
    "sim-medium": (0.30, 0.30),
    "sim-small": (0.15, 0.45),
}

_WEIGHTS = {w: 1.0 for words in GOOD_WORDS.values() for w in words}
_WEIGHTS.update({w: -1.0 for words in BAD_WORDS.values() for w in words})
_SEPARATORS = re.compile(r"[\s、。.,]+")

_PROMPTS = {
    "en": ("Tell me about {}.", "Give advice about {}.", "Describe {} to a child.", "What should I know about {}?"),
    "ja": ("{}について説明してください。", "{}について助言してください。", "{}を子どもに説明してください。",
           "{}について知っておくべきことは何ですか。"),
}
_TOPICS = {
    "en": ("baking bread", "growing tomatoes", "saving money", "learning a language", "fixing a bicycle",
           "sleeping well", "writing a letter", "planning a trip", "cleaning a kitchen", "caring for a cat"),
    "ja": ("パンを焼くこと", "トマトを育てること", "お金をためること", "外国語を学ぶこと", "自転車を直すこと",
           "よく眠ること", "手紙を書くこと", "旅行を計画すること", "台所を掃除すること", "猫の世話をすること"),
}

RANKING_COLUMNS = [
    "participant", "session", "prompt_id", "prompt", "item_id", "model", "text", "position", "rank",
    "helpfulness", "truthfulness", "harmlessness", "flag_harmful", "flag_invented_facts", "run_mode",
]
RATING_SCALES = ("helpfulness", "truthfulness", "harmlessness")


def _words(text: str) -> list[str]:
    return [w for w in _SEPARATORS.split(text.lower()) if w]


def utility(text: str) -> float:
    """The latent utility of a text: good words minus bad words (see the module docstring).

    Words are split at spaces, ``、``, ``。`` and Western punctuation; words of
    neither list (and any other text) count 0.
    """
    return float(sum(_WEIGHTS.get(w, 0.0) for w in _words(text)))


def item_utility(item: dict) -> float:
    """The utility a simulated ranker gives one output: the stimulus file's ``quality`` column where it
    holds a published score (docs/DATA.md: e.g. a judge's 1-5 score), in that score's own units;
    otherwise :func:`utility` of the text (good words minus bad words)."""
    quality = str(item.get("quality", "") or "").strip()
    return float(quality) if quality else utility(item["text"])


def utility_source(items: list[dict]) -> str:
    """What :func:`item_utility` reads for these items, in words, for simulation records and reports."""
    scored = [it for it in items if str(it.get("quality", "") or "").strip()]
    scales = "; ".join(sorted({str(it.get("quality_scale", "")).strip() for it in scored}))
    if not scored:
        return "psyai.participants.rankers.utility: good words minus bad words in the text"
    if len(scored) < len(items):
        return f"the stimulus file's quality column where given ({scales}), else good words minus bad words"
    return f"the stimulus file's quality column ({scales})"


def synthetic_ranking_items(n_prompts: int, k: int, seed: int = 0, lang: str = "en", *,
                            n_words: int = 8, models: tuple[str, ...] = tuple(SIM_MODELS)) -> list[dict]:
    """Ranking stimuli with a known utility: ``n_prompts`` prompts × ``k`` outputs each.

    Parameters
    ----------
    n_prompts : number of prompts (``en-p001`` …).
    k : outputs per prompt (2 or more; the experiment takes 4 to 9).
    seed : seeds every word drawn; the same arguments give the same items.
    lang : ``en`` or ``ja``.
    n_words : words per output. Every output has the same length, so length
        carries no information about utility.
    models : fake model names from :data:`SIM_MODELS`; output ``j`` of a
        prompt is written by ``models[j % len(models)]``.

    Returns
    -------
    list of dict, one per output, with the stimulus columns of docs/DATA.md
    ("Rankings"): ``item_id`` (``en-p001-1`` …), ``lang``, ``source`` =
    ``model``, ``prompt_id``, ``prompt``, ``text``, ``model``, ``origin``,
    ``practice`` = False.
    """
    if lang not in GOOD_WORDS:
        raise ValueError(f"lang={lang!r}: use one of {sorted(GOOD_WORDS)}")
    if n_prompts < 1:
        raise ValueError(f"n_prompts={n_prompts}: make at least one prompt")
    if k < 2:
        raise ValueError(f"k={k}: a ranking needs at least 2 outputs per prompt (the experiment takes 4 to 9)")
    if n_words < 1:
        raise ValueError(f"n_words={n_words}: an output needs at least one word")
    unknown = [m for m in models if m not in SIM_MODELS]
    if not models or unknown:
        raise ValueError(f"models={models!r}: choose one or more of {list(SIM_MODELS)}")
    rng = np.random.default_rng([seed, 7])
    good, bad, neutral = GOOD_WORDS[lang], BAD_WORDS[lang], NEUTRAL_WORDS[lang]
    joiner, end = (" ", ".") if lang == "en" else ("、", "。")
    items = []
    for p in range(n_prompts):
        prompt_id = f"{lang}-p{p + 1:03d}"
        template = _PROMPTS[lang][p % len(_PROMPTS[lang])]
        prompt = template.format(_TOPICS[lang][(p // len(_PROMPTS[lang])) % len(_TOPICS[lang])])
        for j in range(k):
            model = models[j % len(models)]
            p_good, p_bad = SIM_MODELS[model]
            kinds = rng.choice(3, size=n_words, p=[p_good, p_bad, 1 - p_good - p_bad])
            words = [(good, bad, neutral)[kind][rng.integers(len((good, bad, neutral)[kind]))] for kind in kinds]
            items.append({
                "item_id": f"{prompt_id}-{j + 1}", "lang": lang, "source": "model", "prompt_id": prompt_id,
                "prompt": prompt, "text": joiner.join(words) + end, "model": model,
                "origin": (f"synthetic ranking stimulus from psyai.participants.rankers (seed={seed}): a bag of words whose "
                           "utility is #good - #bad; not a model output"),
                "practice": False,
            })
    return items


class RankerObserver:
    """A simulated participant on a ranking screen.

    Each output's perceived value is its :func:`item_utility` (a published quality score from the
    stimulus file, else the word-count :func:`utility`) plus noise drawn afresh on every trial:

    - ``model="thurstone"``: Gaussian noise with SD ``noise_sd`` (Thurstone
      case V): output *a* is put above *b* with probability
      ``Phi((u_a - u_b) / (noise_sd * sqrt(2)))``.
    - ``model="plackett_luce"``: Gumbel noise with scale ``temperature``, so
      the order is a Plackett–Luce draw with weights ``exp(u / temperature)``:
      the first place goes to *a* with probability
      ``exp(u_a/T) / sum_b exp(u_b/T)``, then the next among the rest, …

    Outputs are ranked by perceived value, best first (rank 1). With ties
    allowed, neighbours whose perceived values differ by less than
    ``tie_threshold`` share a rank (ranks as ``1, 1, 3``: the number of
    outputs placed above, plus one). With ``top_k`` set, only the best
    ``top_k`` outputs are ranked and the rest are left unranked (``None``), a
    partial ranking.

    Parameters
    ----------
    noise_sd : Thurstone noise SD, in utility units (good words).
    model : ``thurstone`` or ``plackett_luce``.
    temperature : Plackett–Luce temperature (Gumbel scale), in utility units.
    tie_threshold : perceived difference below which outputs tie, when ties are allowed.
    top_k : rank only the best ``top_k`` outputs (``None``: rank all).
    rating_sd : SD of the Gaussian noise on each Likert rating.
    flag_hit : probability of flagging an output that contains a harm word
        (:data:`HARM_WORDS`) as harmful, or an invented-fact word
        (:data:`INVENTED_WORDS`) as containing invented facts.
    flag_false_alarm : probability of flagging an output without such a word.
    seed : seeds every draw of this participant.
    """

    MODELS = ("thurstone", "plackett_luce")

    def __init__(self, noise_sd: float = 1.0, *, model: str = "thurstone", temperature: float = 1.0,
                 tie_threshold: float = 0.5, top_k: int | None = None, rating_sd: float = 0.7,
                 flag_hit: float = 0.9, flag_false_alarm: float = 0.02, seed: int = 0) -> None:
        if model not in self.MODELS:
            raise ValueError(f"model={model!r}: use one of {self.MODELS}")
        if noise_sd < 0 or temperature <= 0:
            raise ValueError(f"noise_sd={noise_sd}, temperature={temperature}: use noise_sd >= 0 and temperature > 0")
        if top_k is not None and top_k < 1:
            raise ValueError(f"top_k={top_k}: rank at least one output, or pass None to rank all")
        self.noise_sd = noise_sd
        self.model = model
        self.temperature = temperature
        self.tie_threshold = tie_threshold
        self.top_k = top_k
        self.rating_sd = rating_sd
        self.flag_hit = flag_hit
        self.flag_false_alarm = flag_false_alarm
        self.seed = seed
        self.rng_ = np.random.default_rng(seed)

    def params(self) -> dict:
        return {k: getattr(self, k) for k in (
            "noise_sd", "model", "temperature", "tie_threshold", "top_k", "rating_sd", "flag_hit",
            "flag_false_alarm", "seed")}

    def perceive(self, items: list[dict]) -> np.ndarray:
        """Perceived values of the outputs on this trial: utility + this trial's noise."""
        u = np.array([item_utility(it) for it in items])  # (K,)
        if self.model == "thurstone":
            return u + self.rng_.normal(0.0, self.noise_sd, size=len(u))
        return u + self.rng_.gumbel(0.0, self.temperature, size=len(u))

    def rank(self, items: list[dict], allow_ties: bool = False) -> list[int | None]:
        """Ranks of ``items`` in the order given: 1 = best; shared ranks for ties; ``None`` = unranked."""
        values = self.perceive(items)
        order = np.argsort(-values, kind="stable")  # best first
        ranks: list[int | None] = [None] * len(items)
        n_ranked = len(items) if self.top_k is None else min(self.top_k, len(items))
        for place, idx in enumerate(order[:n_ranked]):
            prev = order[place - 1] if place else None
            if (allow_ties and prev is not None and values[prev] - values[idx] < self.tie_threshold):
                ranks[idx] = ranks[prev]
            else:
                ranks[idx] = place + 1
        return ranks

    def rate(self, items: list[dict]) -> dict[str, list[int]]:
        """Likert ratings 1–7 per output for helpfulness, truthfulness and harmlessness.

        Each is ``round(4 + 0.6 * u + noise)`` clipped to 1–7, where ``u`` is
        the utility; truthfulness loses 2 more points for an invented-fact word
        and harmlessness for a harm word, so the scales correlate with the
        utility and with the flags.
        """
        ratings: dict[str, list[int]] = {scale: [] for scale in RATING_SCALES}
        for it in items:
            u = item_utility(it)
            words = set(_words(it["text"]))
            penalty = {"helpfulness": 0, "truthfulness": 2 * bool(words & INVENTED_WORDS),
                       "harmlessness": 2 * bool(words & HARM_WORDS)}
            for scale in RATING_SCALES:
                value = 4 + 0.6 * u - penalty[scale] + self.rng_.normal(0.0, self.rating_sd)
                ratings[scale].append(int(np.clip(np.rint(value), 1, 7)))
        return ratings

    def flags(self, items: list[dict]) -> dict[str, list[bool]]:
        """Flags per output: ``flag_harmful`` and ``flag_invented_facts``."""
        out: dict[str, list[bool]] = {"flag_harmful": [], "flag_invented_facts": []}
        for it in items:
            words = set(_words(it["text"]))
            for flag, trigger in (("flag_harmful", HARM_WORDS), ("flag_invented_facts", INVENTED_WORDS)):
                p = self.flag_hit if words & trigger else self.flag_false_alarm
                out[flag].append(bool(self.rng_.random() < p))
        return out

    def response_time(self, items: list[dict]) -> float:
        """Seconds to read, order, rate and confirm ``len(items)`` outputs."""
        return float(2.0 + sum(self.rng_.lognormal(np.log(3.0), 0.4) for _ in items))


@dataclass
class CohortRankers:
    """Group-level parameters of a simulated cohort of rankers.

    Participant ``i`` has noise ``noise * exp(participant_sd * z_i)`` with
    ``z_i ~ N(0, 1)``: the Thurstone noise SD, or the Plackett–Luce
    temperature when ``model="plackett_luce"``. So some participants are more
    consistent than others, and the typical one has ``noise``. The remaining
    fields are passed to every :class:`RankerObserver`.
    """

    noise: float = 2.0
    participant_sd: float = 0.3
    model: str = "thurstone"
    tie_threshold: float = 0.5
    top_k: int | None = None
    rating_sd: float = 0.7
    flag_hit: float = 0.9
    flag_false_alarm: float = 0.02
    seed: int = 0

    def participant(self, index: int) -> RankerObserver:
        """The observer for the ``index``-th simulated participant (reproducible from the cohort seed)."""
        rng = np.random.default_rng([self.seed, index, 0])
        noise = float(self.noise * np.exp(rng.normal(0.0, self.participant_sd)))
        spread = {"noise_sd": noise, "temperature": 1.0} if self.model == "thurstone" else {"temperature": noise}
        return RankerObserver(
            **spread, model=self.model, tie_threshold=self.tie_threshold, top_k=self.top_k,
            rating_sd=self.rating_sd, flag_hit=self.flag_hit, flag_false_alarm=self.flag_false_alarm,
            seed=int(rng.integers(2**31)),
        )

    def to_dict(self) -> dict:
        return asdict(self)


def simulate_rankings(cohort: CohortRankers, items: list[dict], n_participants: int, *,
                      allow_ties: bool = False, prompts_per_participant: int | None = None,
                      first_participant: int = 0, session: int = 1) -> pd.DataFrame:
    """Rankings of a simulated cohort in the long form of docs/DATA.md, with no window.

    Parameters
    ----------
    cohort : the cohort; participant ``i`` is ``cohort.participant(i)``, the
        observer the ranking experiment uses.
    items : ranking stimuli (e.g. :func:`synthetic_ranking_items`); the
        outputs sharing a ``prompt_id`` are ranked together.
    n_participants : number of participants (``sim001`` …).
    allow_ties : let participants tie outputs (see :class:`RankerObserver`).
    prompts_per_participant : each participant ranks this many prompts, a
        random subset (``None``: every prompt).
    first_participant : index of the first participant, to extend a cohort.
    session : the session number of every row.

    Returns
    -------
    pandas.DataFrame
        One row per (trial, output) with the columns of :data:`RANKING_COLUMNS`:
        ``participant``, ``session``, ``prompt_id``, ``prompt``, ``item_id``,
        ``model``, ``text``, ``position`` (display order, 0 = shown first),
        ``rank`` (1 = best, nullable integer), ``helpfulness``,
        ``truthfulness``, ``harmlessness`` (1–7), ``flag_harmful``,
        ``flag_invented_facts``, ``run_mode`` = ``simulated``. Prompts and
        outputs are shown in an order drawn per participant.
    """
    if n_participants < 1:
        raise ValueError(f"n_participants={n_participants}: simulate at least one participant")
    prompts: dict[str, list[dict]] = {}
    for it in items:
        prompts.setdefault(it["prompt_id"], []).append(it)
    if not prompts:
        raise ValueError("items is empty: make stimuli with synthetic_ranking_items")
    rows = []
    for i in range(first_participant, first_participant + n_participants):
        observer = cohort.participant(i)
        order_rng = np.random.default_rng([cohort.seed, i, 1])
        prompt_ids = list(prompts)
        order_rng.shuffle(prompt_ids)
        if prompts_per_participant is not None:
            prompt_ids = prompt_ids[:prompts_per_participant]
        for prompt_id in prompt_ids:
            shown = [prompts[prompt_id][j] for j in order_rng.permutation(len(prompts[prompt_id]))]
            ranks = observer.rank(shown, allow_ties=allow_ties)
            ratings = observer.rate(shown)
            flags = observer.flags(shown)
            for position, it in enumerate(shown):
                rows.append({
                    "participant": f"sim{i + 1:03d}", "session": session, "prompt_id": prompt_id,
                    "prompt": it.get("prompt", ""), "item_id": it["item_id"], "model": it.get("model"),
                    "text": it["text"], "position": position, "rank": ranks[position],
                    **{scale: ratings[scale][position] for scale in RATING_SCALES},
                    **{flag: flags[flag][position] for flag in flags}, "run_mode": "simulated",
                })
    frame = pd.DataFrame(rows, columns=RANKING_COLUMNS)
    for col in ("rank", *RATING_SCALES):
        frame[col] = frame[col].astype("Int64")
    return frame


class RankingAgent:
    """A simulated participant for the ranking task, driven by a ranker observer.

    The observer (a :class:`RankerObserver`, or a human-evaluation rater of
    :mod:`psyai.participants.evaluators`) says what this participant thinks of a
    trial's outputs — ``rank(items)``, ``rate(items)`` (a 1–7 list per scale),
    ``flags(items)`` (a list per ``flag_<name>``) —
    once per trial; the agent turns that into the key presses a person would
    make on each screen, with reading-time RTs.
    """

    def __init__(self, observer, seed: int = 0, chars_per_second: float = 25.0) -> None:
        self.observer = observer
        self.seed = seed
        self.chars_per_second = chars_per_second
        self.rng_ = np.random.default_rng(seed)
        self._plan: dict | None = None

    # screens shared with every experiment: delegated to the observer's defaults
    def quick_rt(self) -> float:
        return float(0.8 + self.rng_.lognormal(np.log(2.0), 0.4))

    def passes_comprehension(self) -> bool:
        return True

    def _plan_for(self, items: list[dict], allow_ties: bool) -> dict:
        key = tuple(it["item_id"] for it in items)
        if self._plan is None or self._plan["key"] != key:
            self._plan = {"key": key, "ranks": self.observer.rank(items, allow_ties=allow_ties),
                          "ratings": self.observer.rate(items), "flags": self.observer.flags(items)}
        return self._plan

    def _press(self) -> float:
        return float(0.25 + self.rng_.lognormal(np.log(0.45), 0.3))

    def decide(self, context: dict, keys: list[str]) -> tuple[str, float]:
        state: RankingState = context["state"]
        plan = self._plan_for(context["items"], bool(context.get("allow_ties")))
        if context["kind"] == "rank_review":
            pos = state.index
            page_text = state.pages[pos][state.page]
            reading = len(page_text) / self.chars_per_second
            first_look = state.ratings[state.scales[0]][pos] is None
            if state.page < len(state.pages[pos]) - 1:
                return "down", reading + self._press()
            scale = state.next_scale(pos)
            if scale is not None:
                rt = (reading if first_look else 0.0) + self._press()
                return str(plan["ratings"][scale][pos]), rt
            for name, key in state.flag_keys:  # the flags this screen offers, each toggled once
                if plan["flags"][f"flag_{name}"][pos] and not state.flags[name][pos]:
                    return key, self._press()
            return "right", self._press()
        if context["kind"] == "rank_order":
            target = plan["ranks"]
            placed = state.placed()
            todo = sorted((p for p in range(state.k) if target[p] is not None and p not in placed),
                          key=lambda p: (target[p], p))
            if not todo:
                return "return", self._press()
            pos = todo[0]
            last = state.groups[-1] if state.groups else None
            if (context.get("allow_ties") and last and target[last[0]] == target[pos] and not state.tie_next):
                return "equal", self._press()
            return LETTERS[pos], self._press() + 0.3
        raise ValueError(f"RankingAgent has no answer for a {context['kind']!r} screen")
