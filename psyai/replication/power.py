"""Power of a kit by simulation, through the kit's own effect and test: ``psyai class power``.

For each sample size N of the grid, ``n_sims`` simulated groups of N participants are
generated with a given effect, the kit's effect is extracted from each
(:mod:`psyai.replication.effects`, the function the report uses) and tested with the test a
group's verdict uses (:func:`~psyai.replication.effects.one_group_test`: one-sided, in the
hypothesised direction, at ``alpha``). Power is the share of significant groups, with its
Monte-Carlo standard error √(p(1 − p)/n_sims); the N for 80, 90 and 95 % power is read off
the curve (linear interpolation between grid points, rounded up).

The effect is one of ``original`` (the original study's estimate), ``sesoi`` (the kit's
smallest effect of interest), ``d33`` (the effect the original had 33 % power to detect,
Simonsohn, 2015, :func:`psyai.stats.meta.d33_for`, turned into the kit's units with the
original's SD = SE·√N) or a number in the kit's units. It is turned into the experiment's
``--sim-*`` observer flags (:func:`simulation_flags`): exactly where the observer model gives
the effect in closed form (Turing test: accuracy of an equal-variance SDT observer;
self-paced reading: the expected slope of exp(log-linear) reading times; human evaluation: the
evaluators' true win rate), else linearly between the kit's ``simulation.null`` and
``simulation.original`` flags — an approximation, said so in the result's ``method`` (word
importance: the highlighters' weight, whose effect saturates; the effect a model allows depends
on the model's saliency and attention).

Two paths give the simulated groups:

- the fast path (default): synthetic tables from the same observers with no window
  (:func:`psyai.participants.synthetic.simulate_trials`; for reading and highlighting, the
  scripts' :class:`~psyai.participants.observers.ReadingObserver` and
  :class:`~psyai.participants.observers.HighlightObserver` on the model's words; for human
  evaluation, :func:`psyai.participants.evaluators.simulate_human_eval`);
- the real-script path (``script=True``): :func:`psyai.participants.cohort.run_cohort` runs
  ``experiments/<experiment>.py --simulate`` once per participant. A test checks that both
  give the same power within Monte-Carlo error.

References: Simonsohn, U. (2015). Small telescopes: Detectability and the evaluation of
replication results. *Psychological Science, 26*, 559–569.
"""

from __future__ import annotations

import math
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import optimize
from scipy.stats import norm

from psyai.errors import PsyaiError
from psyai.progress import progress
from psyai.replication.effects import (
    GroupEffect, accuracy_effect, one_group_test, surprisal_slope_effect, word_surprisal,
)

__all__ = ["PowerResult", "d33_design", "d33_value", "effect_value", "n_for_power", "power_curve", "power_figure",
           "importance_measures", "simulate_class", "simulate_group", "simulation_flags", "surprisal_measures"]

TARGETS = (0.8, 0.9, 0.95)
IMPORTANCE = ("saliency_minus_attention", "saliency_minus_attention_rho")
DEFAULT_GRID = (10, 20, 40, 80, 160)
READER_INTERCEPT_SD = 0.15  # experiments/self_paced_reading.py draws each reader's intercept with this SD
READER_SD = 0.25            # ReadingObserver's word-level SD (log ms)


# --------------------------------------------------------------------------- which effect

def d33_design(kit) -> str:
    """The design :func:`psyai.stats.meta.d33_for` needs: ``original.test_design`` when the kit gives one,
    else ``one_sample`` — every kit's effect is a mean tested against 0 at the unit of the original's N
    (a paired design gives the same d33)."""
    return str(kit.original.get("test_design") or "one_sample")


def d33_value(kit) -> float:
    """d33 in the kit's units: d33 (standardised, for the original's N and design) × the original's SD
    (SE·√N; for a two-sample design SE·√(N/2), N per group)."""
    from psyai.stats.meta import d33_for

    design = d33_design(kit)
    n = int(kit.original["n"])
    d33 = float(d33_for(design, n))
    if design == "correlation":
        return d33
    sd = kit.original_se() * math.sqrt(n / 2 if design == "two_sample" else n)
    return d33 * sd


def between_sd(kit) -> float:
    """How much participants' own effects differ (SD, in the kit's units), for the simulated participants of
    the reading kit: ``simulation.between_sd`` when the kit gives it, else 0 (every simulated reader has
    the same sensitivity, so that only word-level noise separates them)."""
    return float(kit.simulation.get("between_sd") or 0.0)


def effect_value(kit, which: str | float, lang: str = "en") -> tuple[float, str]:
    """The effect to simulate, in the kit's units, and how it was chosen (for the report, in ``lang``)."""
    ja = lang == "ja"
    if isinstance(which, (int, float)):
        return float(which), "指定値" if ja else "given"
    if which == "original":
        return float(kit.original["estimate"]), "原研究の推定値" if ja else "the original study's estimate"
    if which == "sesoi":
        return float(kit.effect["sesoi"]), ("関心のある最小の効果量(effect.sesoi)" if ja
                                            else "the smallest effect of interest (effect.sesoi)")
    if which == "d33":
        return d33_value(kit), (f"d33:原研究(N = {kit.original['n']})が 33% の検定力で検出できた効果" if ja
                                else f"d33: the effect the original (N = {kit.original['n']}) had 33% power to detect")
    try:
        return float(which), "指定値" if ja else "given"
    except ValueError:
        raise PsyaiError(f"--effect {which!r}: use original, sesoi, d33 or a number in the kit's units "
                         f"({kit.effect['scale']['en']})") from None


# --------------------------------------------------------------------------- effect → observer flags

def _sdt_accuracy(dprime: float, f: dict) -> float:
    """Mean accuracy of equal-variance SDT observers with d' ~ N(dprime, dprime_sd), c ~ N(criterion,
    criterion_sd) and item offsets N(0, item_sd): ½[Φ((d'/2 − c)/s) + Φ((d'/2 + c)/s)],
    s = √(1 + dprime_sd²/4 + criterion_sd² + item_sd²)."""
    s = math.sqrt(1 + f.get("dprime_sd", 0.3) ** 2 / 4 + f.get("criterion_sd", 0.2) ** 2 + f.get("item_sd", 0.0) ** 2)
    c = f.get("criterion", 0.0)
    return 0.5 * (norm.cdf((dprime / 2 - c) / s) + norm.cdf((dprime / 2 + c) / s))


def _reading_slope(b: float, f: dict, surprisal: np.ndarray, length: np.ndarray) -> float:
    """Expected least-squares slope (ms per bit) of RT = exp(a + b_length·len + b·surprisal + noise) on
    surprisal and length over the kit's words."""
    a = f.get("intercept", 5.7) + (READER_SD ** 2 + READER_INTERCEPT_SD ** 2) / 2
    expected = np.exp(a + f.get("b_length", 0.04) * length + b * surprisal)
    x = np.column_stack([np.ones_like(surprisal), surprisal, length])
    return float(np.linalg.lstsq(x, expected, rcond=None)[0][1])


def _reading_spread(value: float, spread: float, f: dict, surprisal: np.ndarray,
                    length: np.ndarray) -> tuple[float, float]:
    """``b_measure`` and ``b_measure_sd`` (log ms per bit) of readers whose slopes (ms per bit) have mean
    ``value`` and SD ``spread`` across readers. RT is exponential in b, so a reader's slope is convex in
    their b: the mean and SD of slopes are taken over b ~ N(b, sd) by Gauss–Hermite quadrature and both
    solved for, alternately, until neither moves."""
    z, w = np.polynomial.hermite_e.hermegauss(41)
    w = w / w.sum()

    def moments(b: float, sd: float) -> tuple[float, float]:
        slopes = np.array([_reading_slope(b + sd * zk, f, surprisal, length) for zk in z])
        mean = float(w @ slopes)
        return mean, float(np.sqrt(w @ (slopes - mean) ** 2))

    b = optimize.brentq(lambda b: _reading_slope(b, f, surprisal, length) - value, -0.5, 0.5)
    step = 1e-4
    per_b = (_reading_slope(b + step, f, surprisal, length) - _reading_slope(b - step, f, surprisal, length)) / (2 * step)
    sd = spread / per_b
    for _ in range(50):
        b_new = optimize.brentq(lambda x: moments(x, sd)[0] - value, b - 0.5, b + 0.5)
        sd_new = optimize.brentq(lambda x: moments(b_new, x)[1] - spread, 1e-9, 10 * sd + 1e-3)
        done = abs(b_new - b) < 1e-10 and abs(sd_new - sd) < 1e-10
        b, sd = b_new, sd_new
        if done:
            break
    return float(b), float(sd)


def _flags(flags: dict | None) -> dict:
    """Observer flags with ``_`` in their names (kit.yaml may write ``b-measure`` or ``b_measure``)."""
    return {str(k).replace("-", "_"): v for k, v in (flags or {}).items()}


def simulation_flags(kit, value: float, *, words: pd.DataFrame | None = None) -> dict:
    """The experiment's ``--sim-*`` flags (names without ``--sim-``) that give the effect ``value``.

    ``words`` (``surprisal``, ``length`` per word) is needed for ``surprisal_slope``."""
    name = kit.effect.get("name")
    base = _flags(kit.simulation.get("original"))
    if name == "accuracy_above_chance":
        if not -0.5 < value < 0.5:
            raise PsyaiError(f"effect {value}: accuracy minus .5 must lie between -.5 and .5")
        lo, hi = -20.0, 20.0
        dprime = optimize.brentq(lambda d: _sdt_accuracy(d, base) - 0.5 - value, lo, hi)
        return {**base, "dprime": round(float(dprime), 6)}
    if name == "surprisal_slope" and words is not None:
        s, ln = words["surprisal"].to_numpy(float), words["length"].to_numpy(float)
        spread = between_sd(kit)
        if not spread:
            b = optimize.brentq(lambda b: _reading_slope(b, base, s, ln) - value, -0.5, 0.5)
            return {**base, "b_measure": round(float(b), 8)}
        b, sd = _reading_spread(value, spread, base, s, ln)
        return {**base, "b_measure": round(b, 8), "b_measure_sd": round(sd, 8)}
    if name == "win_rate_above_half":
        return {**base, "utilities": _utilities_for(kit, value, base)}
    null, orig = _flags(kit.simulation.get("null")), base
    est = float(kit.original["estimate"])
    share = value / est if est else 0.0
    out = dict(orig)
    for key, v in orig.items():
        if isinstance(v, (int, float)) and not isinstance(v, bool) and isinstance(null.get(key, v), (int, float)):
            out[key] = null.get(key, v) + share * (v - null.get(key, v))
    return out


def _win_pair(kit, utilities: dict) -> tuple[str, str]:
    model = kit.effect.get("model") if kit.effect.get("model") in utilities else "policy"
    reference = kit.effect.get("reference") if kit.effect.get("reference") in utilities else "base"
    if model not in utilities or reference not in utilities:
        raise PsyaiError(f"{Path(kit.path) / 'kit.yaml'}: simulation.original.utilities must name the model and the "
                         f"reference (effect.model, effect.reference; default policy and base): {utilities}")
    return model, reference


def _utilities_for(kit, value: float, base: dict) -> str:
    """``--sim-utilities`` whose true win rate of the kit's model over its reference (ties half) is .5 + value
    (:func:`psyai.participants.evaluators.true_win_rate`), other models' utilities kept."""
    from psyai.participants.evaluators import EvaluatorCohort, parse_utilities, true_win_rate

    if not -0.5 < value < 0.5:
        raise PsyaiError(f"effect {value}: a win rate minus .5 must lie between -.5 and .5")
    utilities = parse_utilities(str(base.get("utilities", "policy=1,sft=0.6,base=0")))
    model, reference = _win_pair(kit, utilities)

    def gap(u: float) -> float:
        cohort = EvaluatorCohort(utilities={**utilities, model: utilities[reference] + u})
        return true_win_rate(cohort, model, reference) - 0.5 - value

    u = optimize.brentq(gap, -20.0, 20.0)
    utilities[model] = utilities[reference] + u
    return ",".join(f"{m}={v:.6g}" for m, v in utilities.items())


def _flag_args(flags: dict) -> list[str]:
    args = []
    for key, v in flags.items():
        flag = "--sim-" + str(key).replace("_", "-")
        if isinstance(v, bool):
            args += [flag] if v else []
        else:
            args += [flag, str(v)]
    return args


def _setting_args(settings: dict) -> list[str]:
    args = []
    for key, v in settings.items():
        if key in ("lang", "trials"):
            continue
        flag = "--" + str(key).replace("_", "-")
        if isinstance(v, bool):
            args += [flag] if v else []
        elif v is not None:
            args += [flag, str(v)]
    return args


# --------------------------------------------------------------------------- model surprisal of the stimuli

def _kit_measures(kit, model: str | None, out: Path, measures: tuple[str, ...]):
    """``psyai attention extract``'s long table of ``measures`` for the kit's stimuli (``text_id`` = item id);
    ``model`` None: the tiny local demo model, built beside ``out``. ``out``'s folder is made."""
    from psyai.attention.cli import read_texts
    from psyai.attention.measures import MeasureConfig, extract, load_model, to_table

    if kit.stimuli is None:
        raise PsyaiError(f"kit {kit.id}: no stimulus file; make it first ({kit.stimuli_command})")
    lang = kit.settings.get("lang", "en")
    if model is None:
        from psyai.models.demo import tiny_causal_lm

        model = str(out.parent / "_model_tiny")
        if not (Path(model) / "config.json").is_file():
            tiny_causal_lm(model, train_steps=150)
    ids, texts = read_texts(Path(kit.stimuli), lang)
    table = to_table(extract(texts, load_model(model, device="cpu"), MeasureConfig(measures=measures, lang=lang)))
    table["text_id"] = [ids[int(i)] for i in table["text_id"]]
    out.parent.mkdir(parents=True, exist_ok=True)
    return table


def surprisal_measures(kit, model: str | None, out: Path) -> Path:
    """Surprisal of every word of the kit's stimuli under ``model`` (psyai.attention), written as the
    ``text_id, word_index, word, value`` CSV the simulated readers take (``--sim-measures``) and
    :func:`~psyai.replication.effects.word_surprisal` reads. ``model`` None: the tiny local demo model
    (psyai.models.demo, trained briefly), built into ``out``'s folder."""
    table = _kit_measures(kit, model, out, ("surprisal",))
    table[["text_id", "word_index", "word", "value"]].to_csv(out, index=False)
    return out


def importance_measures(kit, model: str | None, out: Path) -> Path:
    """Gradient saliency and attention of every word of the kit's stimuli under ``model`` (psyai.attention),
    the long table of ``psyai attention extract`` (``text_id`` = the stimulus item id); ``model`` None: the
    tiny local demo model."""
    table = _kit_measures(kit, model, out, ("saliency", "attention"))
    table.to_csv(out, index=False)
    return out


def _synthetic_highlight(measures: pd.DataFrame, flags: dict, n: int, seed: int, max_select: int,
                         min_select: int) -> pd.DataFrame:
    """Highlight word table of ``n`` simulated participants (:class:`HighlightObserver`, the script's observer),
    their selections driven by the model's saliency."""
    from psyai.participants.observers import HighlightObserver

    sal = measures[measures["measure"] == "saliency"].groupby(["text_id", "word_index"])["value"].mean()
    values = {(str(t), int(w)): float(v) for (t, w), v in sal.items()}
    words = measures[measures["measure"] == "saliency"].drop_duplicates(["text_id", "word_index"])
    by_item = {str(t): list(g.sort_values("word_index")["word"].astype(str)) for t, g in words.groupby("text_id")}
    rows = []
    for i in range(n):
        rng = np.random.default_rng([seed, i])
        obs = HighlightObserver(intercept=flags.get("intercept", -1.5), weight=flags.get("weight", 1.5),
                                measures=values, seed=int(rng.integers(2**31)))
        for item, ws in by_item.items():
            chosen = set(obs.choose(item, len(ws), max_select, min_select))
            rows += [(f"sim{i + 1:03d}", item, k, w, "selected", float(k in chosen)) for k, w in enumerate(ws)]
    return pd.DataFrame(rows, columns=["participant", "item", "word_index", "word", "measure", "value"])


def _words(measures_csv: Path) -> pd.DataFrame:
    table = pd.read_csv(measures_csv, dtype={"text_id": str})
    return word_surprisal(table).merge(
        table[["text_id", "word_index", "word"]].rename(columns={"text_id": "item"}), on=["item", "word_index"]
    ).assign(length=lambda d: d["word"].astype(str).str.len().astype(float))


# --------------------------------------------------------------------------- one simulated group

def _synthetic_reading(words: pd.DataFrame, flags: dict, n: int, seed: int, n_texts: int | None) -> pd.DataFrame:
    """Word table of ``n`` simulated readers, drawn as experiments/self_paced_reading.py draws them
    (:class:`ReadingObserver`, each reader's intercept ± 0.15 and, with ``b_measure_sd``, their own
    ``b_measure``)."""
    from psyai.participants.observers import ReadingObserver

    items = sorted(words["item"].unique())
    values = {(r.item, int(r.word_index)): float(r.surprisal) for r in words.itertuples()}
    by_item = {item: [(int(r.word_index), str(r.word)) for r in g.itertuples()] for item, g in words.groupby("item")}
    rows = []
    for i in range(n):
        rng = np.random.default_rng([seed, i])
        obs = ReadingObserver(intercept=flags.get("intercept", 5.7) + rng.normal(0, READER_INTERCEPT_SD),
                              b_length=flags.get("b_length", 0.04), b_measure=flags.get("b_measure", 0.0),
                              measures=values, seed=int(rng.integers(2**31)))
        if flags.get("b_measure_sd", 0.0) > 0:
            obs.b_measure = flags.get("b_measure", 0.0) + float(rng.normal(0, flags["b_measure_sd"]))
        shown = items if n_texts is None else list(rng.permutation(items))[:n_texts]
        for item in shown:
            rows.append((f"sim{i + 1:03d}", item, obs.reading_times(item, by_item[item]) * 1000.0))
    sizes = [len(by_item[item]) for _, item, _ in rows]
    return pd.DataFrame({"participant": np.repeat([r[0] for r in rows], sizes),
                         "item": np.repeat([r[1] for r in rows], sizes),
                         "word_index": np.concatenate([[k for k, _ in by_item[r[1]]] for r in rows]),
                         "word": np.concatenate([[w for _, w in by_item[r[1]]] for r in rows]),
                         "measure": "reading_time", "value": np.concatenate([r[2] for r in rows])})


def simulate_group(kit, n: int, flags: dict, seed: int, *, script: bool = False, out: Path | None = None,
                   measures_csv: Path | None = None, jobs: int = 2) -> GroupEffect:
    """The kit's effect in one simulated group of ``n`` participants with observer ``flags``.

    ``script``: run experiments/<experiment>.py per participant (:func:`run_cohort`) into ``out``
    (a new folder) instead of the synthetic tables."""
    name = kit.effect.get("name")
    trials = kit.settings.get("trials")
    if script:
        from psyai.participants.cohort import CohortRun, run_cohort
        from psyai.replication.effects import group_effect

        if out is None:
            raise ValueError("script=True needs an out folder")
        sim = dict(flags)
        if name == "surprisal_slope":
            sim["measures"] = str(measures_csv)
        run_cohort(CohortRun(experiment=kit.experiment, n_participants=n, out=Path(out), seed=seed,
                             observer_args=_flag_args(sim), experiment_args=_setting_args(kit.settings),
                             n_trials=trials, lang=kit.settings.get("lang", "en"),
                             stimuli=str(kit.stimuli) if kit.stimuli else None, jobs=jobs))
        return group_effect(kit, out, measures=measures_csv)
    if name == "accuracy_above_chance":
        from psyai.participants.observers import CohortSpec
        from psyai.participants.synthetic import simulate_trials

        fields = set(CohortSpec.__dataclass_fields__) - {"seed"}
        spec = CohortSpec(**{k: v for k, v in flags.items() if k in fields}, seed=seed)
        n_items = int(trials or 40)
        n_items += n_items % 2
        return accuracy_effect(simulate_trials(spec, n, n_items, int(kit.settings.get("checks", 3))))
    if name == "surprisal_slope":
        if measures_csv is None:
            raise ValueError("the surprisal kit needs measures_csv (surprisal of its words)")
        words = _words(measures_csv)
        return surprisal_slope_effect(_synthetic_reading(words, flags, n, seed, trials), word_surprisal(measures_csv))
    if name in IMPORTANCE:
        from psyai.replication.effects import saliency_attention_effect

        if measures_csv is None:
            raise ValueError("the word-importance kit needs measures_csv (saliency and attention of its words)")
        table = pd.read_csv(measures_csv, dtype={"text_id": str})
        words = _synthetic_highlight(table, flags, n, seed, int(kit.settings.get("max_select", 3)),
                                     int(kit.settings.get("min_select", 1)))
        return saliency_attention_effect(words, table)
    if name == "win_rate_above_half":
        from psyai.participants.evaluators import EvaluatorCohort, parse_utilities, simulate_human_eval
        from psyai.replication.effects import win_rate_effect

        utilities = parse_utilities(str(flags["utilities"]))
        model, reference = _win_pair(kit, utilities)
        table = simulate_human_eval(EvaluatorCohort(utilities=utilities, seed=seed), n, n_prompts=int(trials or 12))
        return win_rate_effect(table, model, reference)
    raise PsyaiError(f"kit {kit.id}: power by simulation has no synthetic path for effect {name!r} yet; "
                     "every shipped kit but this one has one")


# --------------------------------------------------------------------------- the curve

@dataclass
class PowerResult:
    """A power curve: ``curve`` (``n``, ``power``, ``mc_se``, ``n_sims``, ``mean_estimate``), the effect
    simulated (``effect``, ``effect_source``), the observer ``flags``, ``alpha``, the ``n_for`` each target
    power (None: beyond the grid) and the ``method`` sentence."""

    kit: str
    effect: float
    effect_source: str
    flags: dict
    alpha: float
    curve: pd.DataFrame
    n_for: dict = field(default_factory=dict)
    method: str = ""
    path: str = "synthetic"
    effect_source_ja: str = ""
    method_ja: str = ""
    groups: int | None = None  # a class's power (this many groups of N), or one group's (None)

    def to_dict(self) -> dict:
        return {"kit": self.kit, "effect": self.effect, "effect_source": self.effect_source, "flags": self.flags,
                "alpha": self.alpha, "path": self.path, "curve": self.curve.to_dict("records"),
                "n_for": {f"{int(t * 100)}": v for t, v in self.n_for.items()}, "method": self.method,
                "effect_sources": {"en": self.effect_source, "ja": self.effect_source_ja or self.effect_source},
                "methods": {"en": self.method, "ja": self.method_ja or self.method}, "groups": self.groups}


def n_for_power(curve: pd.DataFrame, targets=TARGETS) -> dict:
    """The N reaching each target power: linear interpolation between the grid points around it,
    rounded up; None when the grid's largest N falls short."""
    c = curve.sort_values("n")
    ns, ps = c["n"].to_numpy(float), c["power"].to_numpy(float)
    out = {}
    for t in targets:
        above = np.nonzero(ps >= t)[0]
        if above.size == 0:
            out[t] = None
            continue
        k = int(above[0])
        if k == 0:
            out[t] = int(ns[0])
            continue
        n0, n1, p0, p1 = ns[k - 1], ns[k], ps[k - 1], ps[k]
        out[t] = int(math.ceil(n0 + (t - p0) * (n1 - n0) / (p1 - p0))) if p1 > p0 else int(n1)
    return out


def power_curve(kit, *, effect: str | float = "original", n_grid=None, n_sims: int = 200, alpha: float = 0.05,
                seed: int = 0, script: bool = False, work: Path | None = None, model: str | None = None,
                measures_csv: Path | None = None, jobs: int = 2, groups: int | None = None) -> PowerResult:
    """Power over ``n_grid`` (default: the kit's ``power.n_grid``) from ``n_sims`` simulated groups per N.

    ``groups``: the class's power instead of one group's. Each simulation is a class of ``groups`` groups of
    N, judged as ``psyai class report`` judges it (:func:`psyai.replication.report.judge`); power is the
    share of classes called "replicated", and the curve also gives the shares called "not replicated"
    and "inconclusive"."""
    if groups is not None and groups < 2:
        raise PsyaiError(f"--groups {groups}: a class report pools at least 2 groups")
    if groups is not None and script:
        raise PsyaiError("--groups with --script would run every participant of every simulated class through "
                         "the real script; drop --script (the fast path is checked against it per group)")
    value, source = effect_value(kit, effect)
    measured = _measures_note(kit, model, measures_csv)
    grid = [int(n) for n in (n_grid or kit.power.get("n_grid") or DEFAULT_GRID)]
    if any(n < 2 for n in grid):
        raise PsyaiError(f"--n {grid}: every N needs at least 2 participants (a t test)")
    if n_sims < 1:
        raise PsyaiError(f"--seeds {n_sims}: simulate at least one group per N")
    tmp = None
    if work is None:
        tmp = tempfile.TemporaryDirectory(prefix="psyai-power-")
        work = Path(tmp.name)
    work = Path(work)
    words = None
    if kit.effect.get("name") == "surprisal_slope":
        measures_csv = Path(measures_csv) if measures_csv else surprisal_measures(kit, model, work / "surprisal.csv")
        words = _words(measures_csv)
    elif kit.effect.get("name") in IMPORTANCE and not measures_csv:
        measures_csv = importance_measures(kit, model, work / "measures.csv")
    flags = simulation_flags(kit, value, words=words)
    direction = kit.effect.get("direction", "positive")
    rows = []
    try:
        with progress(f"power of {kit.id}", len(grid) * n_sims) as advance:
            for n in grid:
                sig, est, verdicts = [], [], []
                for s in range(n_sims):
                    sim_seed = seed * 100003 + n * 1009 + s
                    if groups is not None:
                        from psyai.replication.report import judge

                        cls = {f"g{g + 1:02d}": simulate_group(kit, n, flags, sim_seed * 7919 + g,
                                                               measures_csv=measures_csv) for g in range(groups)}
                        # a group whose participants all have the same effect has no SE: the report refuses
                        # it and asks for it to be left out, so it is left out here too
                        cls = {k: g for k, g in cls.items() if math.isfinite(g.se) and g.se > 0}
                        if len(cls) < 2:
                            verdicts.append("inconclusive")
                            sig.append(False)
                            advance()
                            continue
                        res = judge(kit, cls, alpha=alpha)
                        verdicts.append(res["verdict"])
                        sig.append(res["verdict"] == "replicated")
                        est.append(res["meta"]["estimate"])
                    else:
                        g = simulate_group(kit, n, flags, sim_seed, script=script,
                                           out=work / f"n{n}-s{s}" if script else None, measures_csv=measures_csv,
                                           jobs=jobs)
                        sig.append(one_group_test(g, direction, alpha)["significant"])
                        est.append(g.estimate)
                    advance()
                p = float(np.mean(sig))
                row = {"n": n, "power": p, "mc_se": math.sqrt(p * (1 - p) / n_sims), "n_sims": n_sims,
                       "mean_estimate": float(np.mean(est)) if est else math.nan}
                if groups is not None:
                    row.update({f"share_{v.replace(' ', '_')}": verdicts.count(v) / n_sims
                                for v in ("replicated", "not replicated", "inconclusive")})
                rows.append(row)
    finally:
        if tmp is not None:
            tmp.cleanup()
    curve = pd.DataFrame(rows)
    exact = kit.effect.get("name") in ("accuracy_above_chance", "surprisal_slope", "win_rate_above_half")
    source_ja = effect_value(kit, effect, "ja")[1]
    if groups is not None:
        method = (f"Power of the class by simulation: {n_sims} simulated classes of {groups} groups of N per N, with the "
                  f"effect {value:.4g} ({kit.effect['scale']['en']}; {source}), observer flags {flags}; each class "
                  f"judged as psyai class report judges it (random-effects meta-analysis, REML, Knapp–Hartung; "
                  f"small telescopes against d33; TOST against ±{kit.effect['sesoi']:g}; alpha = {alpha}), a group "
                  "without a standard error left out as the report asks (a class with fewer than 2 groups left "
                  "counts as inconclusive); power is the share of classes called replicated; synthetic tables "
                  "from the same observers as the experiment script." + measured["en"])
        method_ja = (f"シミュレーションによるクラス全体の検定力:N ごとに {groups} グループ × N 人のクラスを {n_sims} 回模擬し,"
                     f"効果 {value:.4g}({kit.effect['scale']['ja']};{source_ja}),"
                     f"観察者のフラグ {flags};各クラスを psyai class report と同じ規則で判定(ランダム効果メタ分析,REML,"
                     f"Knapp–Hartung;d33 に対するスモール・テレスコープ法;±{kit.effect['sesoi']:g} の TOST;α = {alpha})。"
                     "標準誤差のないグループはレポートの指示どおり除き,残りが 2 グループ未満のクラスは判定不能とした。"
                     "検定力は「再現された」と判定されたクラスの割合;実験スクリプトと同じ観察者から作った合成データ。"
                     + measured["ja"])
    else:
        method = (f"Power by simulation: {n_sims} simulated groups per N with the effect {value:.4g} "
                  f"({kit.effect['scale']['en']}; {source}), observer flags {flags} "
                  f"({'solved exactly from the observer model' if exact else 'linear between the null and original flags: approximate'}); "
                  "each group's effect computed "
                  f"as the report computes it and tested one-sided ({direction}) at alpha = {alpha}; "
                  f"{'the real experiment script per participant' if script else 'synthetic tables from the same observers'}."
                  + measured["en"])
        method_ja = (f"シミュレーションによる検定力:N ごとに {n_sims} の模擬グループ,効果 {value:.4g}"
                     f"({kit.effect['scale']['ja']};{source_ja}),観察者のフラグ {flags}"
                     f"({'観察者モデルから厳密に解いた値' if exact else '帰無と原研究のフラグの線形補間による近似'});"
                     f"各グループの効果はレポートと同じ方法で計算し,片側({'正' if direction == 'positive' else '負'}の方向)"
                     f"α = {alpha} で検定;{'参加者ごとに実際の実験スクリプトを実行' if script else '同じ観察者から作った合成データ'}。"
                     + measured["ja"])
    return PowerResult(kit=kit.id, effect=value, effect_source=source, flags=flags, alpha=alpha, curve=curve,
                       n_for=n_for_power(curve), method=method, path="script" if script else "synthetic",
                       effect_source_ja=source_ja, method_ja=method_ja, groups=groups)


def _measures_note(kit, model: str | None, measures_csv) -> dict[str, str]:
    """The sentence (en, ja) that says whose word measures the simulated participants responded to."""
    if kit.effect.get("name") not in ("surprisal_slope", *IMPORTANCE):
        return {"en": "", "ja": ""}
    if measures_csv is not None:
        return {"en": f" Word measures: {measures_csv}.", "ja": f"単語の指標:{measures_csv}。"}
    if model is not None:
        return {"en": f" Word measures from {model}.", "ja": f"単語の指標は {model} による。"}
    return {"en": (" Word measures from psyai's tiny local demo model, not a real language model: its surprisal "
                   "spreads far wider than a real model's (tens of bits), which changes how precisely a slope is "
                   "estimated; run with --model (the model the class will use, e.g. gpt2) for the class's power."),
            "ja": ("単語の指標は psyai の小さなローカルのデモモデルによる(実際の言語モデルではない。サプライザルの散らばりが"
                   "実際のモデルよりはるかに大きく,傾きの推定精度が変わるので,クラスの検定力には --model(クラスが使う"
                   "モデル,例:gpt2)を指定して実行する)。")}


def power_figure(result: PowerResult, *, lang: str = "en"):
    """The power curve with ±2 Monte-Carlo SE and the 80/90/95 % lines."""
    from matplotlib.figure import Figure

    c = result.curve
    fig = Figure(figsize=(6, 4))
    ax = fig.add_subplot()
    ax.errorbar(c["n"], c["power"], yerr=2 * c["mc_se"], marker="o", capsize=3, color="#1f4e79")
    for t in TARGETS:
        ax.axhline(t, color="grey", lw=0.8, ls=":")
    ax.set_xscale("log")
    ax.set_xticks(c["n"].tolist())
    ax.set_xticklabels([str(n) for n in c["n"]])
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("参加者数 N（グループあたり）" if lang == "ja" else "participants per group (N)")
    ax.set_ylabel("検定力" if lang == "ja" else "power")
    source = result.effect_source_ja if lang == "ja" and result.effect_source_ja else result.effect_source
    if result.groups:
        source += (f";{result.groups} グループのクラスが「再現された」と判定される割合" if lang == "ja"
                   else f"; share of classes of {result.groups} groups called replicated")
    ax.set_title(f"{result.kit}: {result.effect:.3g} ({source})", fontsize=9)
    fig.tight_layout()
    return fig


def simulate_class(kit, *, groups: int, n: int, effect: str | float = "original", seed: int = 0,
                   measures_csv: Path | None = None, flags: dict | None = None) -> dict[str, GroupEffect]:
    """Fast path for a whole class: ``groups`` synthetic groups of ``n`` participants with the ``effect``
    (or the observer ``flags`` given), each group's :class:`GroupEffect` keyed ``g01`` … (for verdict
    recovery checks of :func:`psyai.replication.report.judge`)."""
    if flags is None:
        value, _ = effect_value(kit, effect)
        words = _words(measures_csv) if kit.effect.get("name") == "surprisal_slope" else None
        flags = simulation_flags(kit, value, words=words)
    return {f"g{g + 1:02d}": simulate_group(kit, n, flags, seed * 7919 + g, measures_csv=measures_csv)
            for g in range(groups)}
