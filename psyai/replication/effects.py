"""Each kit's judged effect, from one group's data: the number a replication is judged on.

A kit names ONE effect (``kit.yaml`` → ``effect.name``); :data:`EXTRACTORS` maps that name
to a function ``(kit, data_dir, *, measures=None) -> GroupEffect`` that reads the group's
session folder with :mod:`psyai.data` and computes the estimate with :mod:`psyai.stats`.
The computation itself is a table-level function (``*_effect``) that the fast power path
(:mod:`psyai.replication.power`) calls on synthetic tables, so the power analysis and the
report use one definition.

================================  ==============================================================
``accuracy_above_chance``         each participant's proportion correct (main, non-check trials)
                                  minus .5, averaged over participants; t on n − 1 df
``surprisal_slope``               each participant's least-squares slope of reading time (ms) on
                                  the model's surprisal (bits), controlling for word length,
                                  averaged over participants; t on n − 1 df
``saliency_minus_attention``      per sentence, Spearman ρ of human importance (share of
                                  participants who marked the word) with gradient saliency minus
                                  ρ with attention (heads and layers averaged), averaged over
                                  sentences; t on (sentences − 1) df
``win_rate_above_half``           each participant's share of comparisons the kit's model won
                                  against the reference (ties half) minus .5, averaged over
                                  participants; t on n − 1 df
================================  ==============================================================

The within-participant designs are analysed at the participant level (the unit the
original's N counts and the small-telescopes d33 is computed for). ``psyai`` never imports
``analysis/``; the tests check each extractor against what the experiment's analysis script
computes on the same data.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd
from scipy import stats as sps

from psyai.errors import DataError, PsyaiError

__all__ = ["EXTRACTORS", "POOLED", "GroupEffect", "accuracy_effect", "group_effect", "one_group_test",
           "pooled_model", "saliency_attention_effect", "surprisal_slope_effect", "win_rate_effect",
           "word_surprisal"]

MIN_RT_MS, MAX_RT_MS = 80.0, 5000.0  # self-paced reading times outside these are left out (key bounces, pauses)


@dataclass
class GroupEffect:
    """One group's estimate of the kit's effect.

    ``estimate`` in the kit's units (``effect.scale``), ``se`` its standard error, ``n`` the
    units it is averaged over (participants; sentences for ``saliency_minus_attention``),
    ``dof`` the t test's degrees of freedom (None: a z test), ``n_trials`` the observations
    behind it, ``method`` a sentence naming the computation (``{"en": …, "ja": …}``).
    """

    estimate: float
    se: float
    n: int
    dof: float | None
    n_trials: int
    method: dict[str, str]

    def to_dict(self) -> dict:
        return {k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in asdict(self).items()}


def one_group_test(effect: GroupEffect, direction: str = "positive", alpha: float = 0.05) -> dict:
    """The test one group's verdict (and the power analysis) uses: one-sided t (z without dof) of
    ``estimate`` against 0 in the hypothesised ``direction``.

    Returns ``statistic``, ``dof``, ``p_val`` (one-sided) and ``significant`` (p < alpha).
    """
    if direction not in ("positive", "negative"):
        raise ValueError(f"direction={direction!r}: use positive or negative")
    if not (math.isfinite(effect.se) and effect.se > 0 and math.isfinite(effect.estimate)):
        return {"statistic": math.nan, "dof": effect.dof, "p_val": math.nan, "significant": False}
    t = effect.estimate / effect.se
    signed = t if direction == "positive" else -t
    p = float(sps.t.sf(signed, effect.dof) if effect.dof else sps.norm.sf(signed))
    return {"statistic": float(t), "dof": effect.dof, "p_val": p, "significant": bool(p < alpha)}


def _mean_se(values: np.ndarray, n_trials: int, method: dict[str, str]) -> GroupEffect:
    """The mean of participant-level values with its SE (sd/√n) and n − 1 df
    (:func:`psyai.stats.means.one_sample_ttest`)."""
    from psyai.stats.means import one_sample_ttest

    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    if values.size == 0:
        raise DataError("no participant has data for the kit's effect; check that the sessions ran to the end")
    row = one_sample_ttest(values, 0.0).iloc[0]
    n = int(row["n"])
    se = float(row["sd"]) / math.sqrt(n) if n > 1 else math.nan
    return GroupEffect(estimate=float(row["mean"]), se=se, n=n, dof=float(n - 1) if n > 1 else None,
                       n_trials=int(n_trials), method=method)


# --------------------------------------------------------------------------- Turing test: accuracy − .5

ACCURACY_METHOD = {
    "en": ("each participant's proportion correct on the main, non-check trials minus .5, averaged over "
           "participants, with its standard error (SD/√n) and a t test on n − 1 df"),
    "ja": ("参加者ごとの本試行(確認試行を除く)の正答率から .5 を引いた値を参加者で平均し,その標準誤差(SD/√n)と"
           "自由度 n − 1 の t 検定")}


def accuracy_effect(trials: pd.DataFrame) -> GroupEffect:
    """Participant-level accuracy − .5 from a trial table (:func:`psyai.data.load` of ``turing_test``)."""
    missing = {"participant", "phase", "is_check", "source", "response"} - set(trials.columns)
    if missing:
        raise DataError(f"the trial table lacks {', '.join(sorted(missing))}; load it with psyai.data.load")
    main = trials[(trials["phase"] == "main") & ~trials["is_check"].astype(bool)
                  & trials["source"].isin(("human", "model"))]
    correct = (main["response"] == main["source"]).astype(float)
    acc = correct.groupby(main["participant"]).mean() - 0.5
    return _mean_se(acc.to_numpy(), len(main), ACCURACY_METHOD)


def _accuracy(kit, data_dir: Path, measures=None) -> GroupEffect:
    from psyai.data import load

    return accuracy_effect(load(data_dir, experiment=kit.experiment, allow_mixed=True))


# --------------------------------------------------------------------------- surprisal slope of reading time

SLOPE_METHOD = {
    "en": ("each participant's least-squares slope of reading time (ms) on the word's surprisal (bits), "
           f"controlling for word length, on words read in {MIN_RT_MS:.0f}–{MAX_RT_MS:.0f} ms, averaged over "
           "participants, with its standard error (SD/√n) and a t test on n − 1 df"),
    "ja": (f"{MIN_RT_MS:.0f}–{MAX_RT_MS:.0f} ミリ秒で読まれた語について,参加者ごとに読み時間(ミリ秒)を語のサプライザル"
           "(ビット)に最小二乗回帰した傾き(語長を統制)を参加者で平均し,その標準誤差(SD/√n)と自由度 n − 1 の t 検定")}


def word_surprisal(measures: pd.DataFrame | str | Path, measure: str = "surprisal") -> pd.DataFrame:
    """``item``, ``word_index``, ``surprisal`` from a model-measure table (``psyai attention extract``:
    ``text_id``, ``word_index``, ``measure``, ``value``) or a CSV with ``text_id``, ``word_index``,
    ``value`` (the one-measure file the simulated readers take)."""
    if not isinstance(measures, pd.DataFrame):
        path = Path(measures)
        if not path.is_file():
            raise PsyaiError(f"{path}: no such model-measure file; make one with `psyai attention extract`")
        measures = pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path, dtype={"text_id": str})
    missing = {"text_id", "word_index", "value"} - set(measures.columns)
    if missing:
        raise DataError(f"the model-measure table lacks {', '.join(sorted(missing))}; use `psyai attention extract`")
    m = measures
    if "measure" in m.columns:
        m = m[m["measure"] == measure]
        if m.empty:
            raise DataError(f"the model-measure table has no {measure!r} rows; extract it with --measures {measure}")
    out = m.groupby([m["text_id"].astype(str), "word_index"])["value"].mean().rename("surprisal").reset_index()
    return out.rename(columns={"text_id": "item"})


def _reading_table(words: pd.DataFrame, surprisal: pd.DataFrame) -> pd.DataFrame:
    rt = words[words["measure"] == "reading_time"]
    d = rt.merge(surprisal, on=["item", "word_index"], how="inner")
    d = d.assign(rt=d["value"].astype(float), length=d["word"].astype(str).str.len().astype(float))
    return d[(d["rt"] > MIN_RT_MS) & (d["rt"] < MAX_RT_MS) & np.isfinite(d["surprisal"])]


def surprisal_slope_effect(words: pd.DataFrame, surprisal: pd.DataFrame) -> GroupEffect:
    """Participant-level surprisal slope (ms per bit) from a word table (:func:`psyai.data.load_word_measures`)
    and :func:`word_surprisal`."""
    d = _reading_table(words, surprisal)
    if d.empty:
        raise DataError("no word of the reading data has a model surprisal; extract surprisal from the same stimuli")
    slopes = []
    for _, g in d.groupby("participant"):
        if len(g) < 4 or g["surprisal"].std() == 0:
            continue
        x = np.column_stack([np.ones(len(g)), g["surprisal"].to_numpy(), g["length"].to_numpy()])
        beta, *_ = np.linalg.lstsq(x, g["rt"].to_numpy(), rcond=None)
        slopes.append(beta[1])
    return _mean_se(np.array(slopes), len(d), SLOPE_METHOD)


def _measures_or_refuse(kit, measures):
    if measures is None:
        raise PsyaiError(f"kit {kit.id}: its effect needs the model's word measures of the stimuli; pass --measures "
                         "CSV (from `psyai attention extract`) or --model NAME_OR_PATH")
    return measures


def _slope(kit, data_dir: Path, measures=None) -> GroupEffect:
    from psyai.data import load_word_measures

    surprisal = word_surprisal(_measures_or_refuse(kit, measures))
    return surprisal_slope_effect(load_word_measures(data_dir, experiment=kit.experiment), surprisal)


# --------------------------------------------------------------------------- word importance: saliency vs attention

IMPORTANCE_METHOD = {
    "en": ("per sentence, Spearman's ρ of human importance (the share of participants who marked each word) "
           "with the model's gradient saliency minus ρ with its attention (received, averaged over layers "
           "and heads), averaged over sentences, with its standard error (SD/√k) and a t test on k − 1 df"),
    "ja": ("文ごとに,人の重要度(各語に印をつけた参加者の割合)とモデルの勾配サリエンシーとのスピアマンの ρ から,"
           "アテンション(受け取った量を層とヘッドで平均)との ρ を引いた値を文で平均し,その標準誤差(SD/√k)と"
           "自由度 k − 1 の t 検定")}


def saliency_attention_effect(words: pd.DataFrame, measures: pd.DataFrame) -> GroupEffect:
    """Mean per-sentence ρ(human, saliency) − ρ(human, attention) from a highlight word table
    (:func:`psyai.data.load_word_measures` of ``attention_highlight``) and a model-measure table."""
    from psyai.stats.correlation import spearman_rho

    sel = words[words["measure"] == "selected"]
    human = sel.groupby(["item", "word_index"])["value"].mean().rename("human")
    m = measures.assign(item=measures["text_id"].astype(str))
    model = {}
    for name in ("saliency", "attention"):
        rows = m[m["measure"] == name]
        if rows.empty:
            raise DataError(f"the model-measure table has no {name!r} rows; extract it with --measures saliency,attention")
        model[name] = rows.groupby(["item", "word_index"])["value"].mean().rename(name)
    d = pd.concat([human, model["saliency"], model["attention"]], axis=1, join="inner").reset_index()
    diffs = []
    for _, g in d.groupby("item"):
        if len(g) < 3 or g["human"].std() == 0:
            continue
        diffs.append(spearman_rho(g["human"], g["saliency"]) - spearman_rho(g["human"], g["attention"]))
    return _mean_se(np.array(diffs), len(sel), IMPORTANCE_METHOD)


def _importance(kit, data_dir: Path, measures=None) -> GroupEffect:
    from psyai.data import load_word_measures

    table = _measures_or_refuse(kit, measures)
    words = load_word_measures(data_dir, experiment=kit.experiment)
    if not isinstance(table, pd.DataFrame):
        path = Path(table)
        table = pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path, dtype={"text_id": str})
    return saliency_attention_effect(words, table)


# --------------------------------------------------------------------------- RLHF preference: win rate − .5

WIN_METHOD = {
    "en": ("each participant's share of comparisons the model won against the reference (ties counted half) minus "
           ".5, averaged over participants, with its standard error (SD/√n) and a t test on n − 1 df"),
    "ja": ("参加者ごとに,モデルが基準モデルに勝った比較の割合(引き分けは半分)から .5 を引いた値を参加者で平均し,"
           "その標準誤差(SD/√n)と自由度 n − 1 の t 検定")}


def _model_names(table: pd.DataFrame) -> pd.Series:
    """Each output's model as reports name it: ``model_name`` where given, else ``model``
    (as analysis/human_eval.py names them)."""
    if "model_name" in table.columns:
        name = table["model_name"].astype(object)
        return name.where(name.notna() & (name.astype(str) != ""), table["model"]).astype(str)
    return table["model"].astype(str)


def win_rate_effect(table: pd.DataFrame, model: str | None = None, reference: str | None = None) -> GroupEffect:
    """Participant-level win rate − .5 of ``model`` against ``reference`` from :func:`psyai.data.load_human_eval`.

    ``reference`` defaults to the model named ``sft`` (else the one whose name contains ``sft``), ``model``
    to the only other model (analysis/human_eval.py's default rule)."""
    from psyai.stats.paired import pairwise_comparisons

    table = table.assign(model=_model_names(table))
    names = sorted(set(table["model"].dropna()))
    if model is None and reference is None and {"policy", "base"} <= set(names):
        model, reference = "policy", "base"  # the rlhf_preference kit: the RLHF policy against its base model
    if reference is None:
        sft = [n for n in names if n.lower() == "sft"] or [n for n in names if "sft" in n.lower()]
        reference = sft[0] if sft else None
    others = [n for n in names if n != reference]
    if model is None and len(others) == 1:
        model = others[0]
    if reference not in names or model not in names:
        raise DataError(f"kit effect: name the model and the reference (effect.model, effect.reference) among the "
                        f"models in the data: {', '.join(names)}")
    keys = [k for k in ("participant", "session", "trial_index") if k in table.columns]
    comps = pairwise_comparisons(table[table["model"].isin((model, reference))], keys, item="item_id",
                                 model="model", rank="rank")
    won = np.where(comps["model_a"] == model, comps["outcome"], 1.0 - comps["outcome"])
    per = pd.Series(won, index=comps.index).groupby(comps["participant"]).mean() - 0.5
    return _mean_se(per.to_numpy(), len(comps), WIN_METHOD)


def _win(kit, data_dir: Path, measures=None) -> GroupEffect:
    from psyai.data import load_human_eval

    return win_rate_effect(load_human_eval(data_dir), kit.effect.get("model"), kit.effect.get("reference"))


EXTRACTORS: dict[str, Callable[..., GroupEffect]] = {
    "accuracy_above_chance": _accuracy,
    "surprisal_slope": _slope,
    "saliency_minus_attention": _importance,
    "saliency_minus_attention_rho": _importance,  # the name the word_importance kit uses
    "win_rate_above_half": _win,
}


def _extractor(kit) -> Callable[..., GroupEffect]:
    name = kit.effect.get("name")
    if name not in EXTRACTORS:
        raise PsyaiError(f"{Path(kit.path) / 'kit.yaml'}: effect.name {name!r} is not an extractor; use one of "
                         f"{', '.join(EXTRACTORS)}")
    return EXTRACTORS[name]


def group_effect(kit, data_dir: str | Path, *, measures=None) -> GroupEffect:
    """The kit's effect from one group's session folder. ``measures``: the model's word measures
    (DataFrame or file) for the kits whose effect compares people with a model."""
    data_dir = Path(data_dir)
    if not data_dir.exists():
        raise DataError(f"{data_dir}: no such data folder; give the group's folder of sub-* sessions")
    return _extractor(kit)(kit, data_dir, measures=measures)


# --------------------------------------------------------------------------- the kit's mixed model on pooled data

def _pooled_turing(frames: dict[str, pd.DataFrame], measures=None) -> dict:
    from psyai.stats.mixed import fit_mixed

    rows = []
    for group, trials in frames.items():
        main = trials[(trials["phase"] == "main") & ~trials["is_check"].astype(bool)
                      & trials["source"].isin(("human", "model"))]
        rows.append(pd.DataFrame({"correct": (main["response"] == main["source"]).astype(float).to_numpy(),
                                  "group": group, "participant": f"{group}/" + main["participant"].astype(str),
                                  "item": main["item_id"].astype(str).to_numpy()}))
    data = pd.concat(rows, ignore_index=True)
    formula = "correct ~ 1 + (1 | group) + (1 | participant) + (1 | item)"
    fit = fit_mixed(data, formula, family="binomial")
    t = fit.term("(Intercept)")
    expit = lambda x: 1.0 / (1.0 + math.exp(-x))  # noqa: E731
    return {"formula": formula,
            "scale": {"en": "proportion correct minus .5 at the random effects' zero (inverse logit of the intercept)",
                      "ja": "変量効果が 0 のときの正答率 − .5(切片の逆ロジット)"},
            "estimate": expit(t["estimate"]) - 0.5, "ci_low": expit(t["ci_low"]) - 0.5,
            "ci_high": expit(t["ci_high"]) - 0.5, "p_val": t["p_val"], "fit": fit.to_dict(),
            "description": {lang: fit.describe(lang) for lang in ("en", "ja")}}


def _pooled_slope(frames: dict[str, pd.DataFrame], measures=None) -> dict:
    from psyai.stats.mixed import fit_mixed

    surprisal = word_surprisal(measures)
    data = pd.concat([_reading_table(w, surprisal).assign(group=g, participant=lambda d, g=g: f"{g}/" + d["participant"])
                      for g, w in frames.items()], ignore_index=True)
    formula = "rt ~ surprisal + length + (1 | group) + (1 | participant) + (1 | item)"
    fit = fit_mixed(data[["rt", "surprisal", "length", "group", "participant", "item"]], formula)
    t = fit.term("surprisal")
    return {"formula": formula, "scale": {"en": "ms per bit", "ja": "ミリ秒/ビット"}, "estimate": t["estimate"],
            "ci_low": t["ci_low"], "ci_high": t["ci_high"], "p_val": t["p_val"], "fit": fit.to_dict(),
            "description": {lang: fit.describe(lang) for lang in ("en", "ja")}}


def _read_trials(kit, data_dir: Path) -> pd.DataFrame:
    from psyai.data import load

    return load(data_dir, experiment=kit.experiment, allow_mixed=True)


def _read_words(kit, data_dir: Path) -> pd.DataFrame:
    from psyai.data import load_word_measures

    return load_word_measures(data_dir, experiment=kit.experiment)


# effect name -> (how a group's folder is read, the mixed model on the pooled groups)
POOLED: dict[str, tuple[Callable, Callable]] = {
    "accuracy_above_chance": (_read_trials, _pooled_turing),
    "surprisal_slope": (_read_words, _pooled_slope),
}


def pooled_model(kit, group_dirs: dict[str, Path], *, measures=None) -> dict | None:
    """The kit's mixed model on every group's trials together, groups as a random effect (None when the
    kit's effect has no pooled model: then the meta-analysis is the only pooled estimate)."""
    name = kit.effect.get("name")
    if name not in POOLED:
        return None
    read, fit = POOLED[name]
    frames = {g: read(kit, Path(d)) for g, d in group_dirs.items()}
    return fit(frames, measures)
