"""Attention analysis: do the words people attend to match the words a transformer attends to?

Tidy tables in (a HUMAN WORD TABLE and a MODEL MEASURES table, both documented in
:mod:`psyai.data.word_tables`), tidy tables out, one function per statistic:

=====================================  ==================================================================
:func:`human_word_scores`              per (item, word) human score: selection rate; mean over people
                                       (raw, default) or residualised log duration (``--human-score residual``)
:func:`item_correlations`              per item × human measure × model measure × layer: rho, permutation
                                       baseline, and rho of the human score with word length and frequency
:func:`layer_agreement`                across items: mean rho − baseline, t test and Wilcoxon, Holm; mean
                                       length and frequency baselines beside every model measure
:func:`reading_time_lmm`               log RT ~ surprisal + attention + length + log_freq + position,
                                       crossed random intercepts for participants and items
:func:`analyze` → :func:`write_results`  results.json and report.html
=====================================  ==================================================================

The statistics come from :mod:`psyai.stats`: Spearman's rho and its permutation baseline
(:mod:`psyai.stats.correlation`), the one-sample t and Wilcoxon signed-rank tests
(:mod:`psyai.stats.means`), Holm's adjustment (:mod:`psyai.stats.multiple`) and the mixed
model (:func:`psyai.stats.mixed.fit_mixed`).

Command line::

    python analysis/attention.py HUMAN_TABLE_OR_DATA --model-measures FILE --out OUT

Method notes. Model measures are head averages (``head == -1`` rows, or the mean over
heads). Human selection is the share of participants who marked the word. Other human
measures are, by default (``human_score="raw"``), the mean over participants per word, as in
the published human–model comparisons (per-sentence Spearman of raw relative fixation
duration against attention and saliency, Hollenstein & Beinborn 2021). With
``human_score="residual"`` durations (reading time, fixation times) are logged,
residualised on word length, log frequency and position by ordinary least squares over
all rows, and averaged over participants per word; proportions (relative fixation
duration) are residualised unlogged. Word
frequency comes from the wordfreq norms (English and Japanese; ``--frequency local`` uses
the item set's own counts instead; see :func:`psyai.data.word_tables.word_predictors`).
The permutation baseline shuffles the model values across the words of one item,
``n_perm`` times; its mean is the chance level of rho for that item (exactly 0 over all
shuffles, so the item's baseline is 0 up to Monte-Carlo error) and the item's ``p_perm``
counts shuffles with rho at least as large, (k + 1) / (n_perm + 1).
Across items, each (human measure, model measure, layer) is tested with a one-sample
t test of rho − baseline against 0 and a Wilcoxon signed-rank test (R's rule: exact
below 50 items without ties or zeros, else the normal approximation with continuity
correction), both Holm-corrected over all rows. The reading-time mixed model (:data:`RT_FORMULA`,
or ``--rt-formula``) is fitted whenever the human table has reading times, by REML with
Satterthwaite t tests (:mod:`psyai.stats.mixed`, checked against lme4 and lmerTest).

References
----------
Baayen, R. H., Davidson, D. J., & Bates, D. M. (2008). Mixed-effects modeling with crossed
random effects for subjects and items. *Journal of Memory and Language, 59*, 390–412.
Hollenstein, N., & Beinborn, L. (2021). Relative importance in sentence processing. *Proceedings
of the 59th Annual Meeting of the ACL (Volume 2: Short Papers)*, 141–150.
Holm, S. (1979). A simple sequentially rejective multiple test procedure. *Scandinavian
Journal of Statistics, 6*, 65–70.
Sood, E., Tannert, S., Frassinelli, D., Bulling, A., & Vu, N. T. (2020). Interpreting attention
models with human visual attention in machine reading comprehension. *CoNLL 2020*.
Smith, N. J., & Levy, R. (2013). The effect of word predictability on reading time is
logarithmic. *Cognition, 128*, 302–319.
"""

from __future__ import annotations

import argparse
import logging
import platform
import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import math

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from psyai import __version__ as psyai_version
from psyai import report as report_lib
from psyai.report import HtmlReport, data_banner, fmt_ci, fmt_num, fmt_p, fmt_stat, json_ready, plural, records
from psyai.report import write_results as _write
from psyai.data.word_tables import (BINARY_MEASURES, DURATION_MEASURES, FREQUENCY_SOURCES, check_same_words,
                                  head_average, load_human_table, read_model_measures, validate_human_table,
                                  validate_model_measures, within_item_z, word_predictors)
from psyai.data.sessions import unfinished_sessions, word_session_trials
from psyai.errors import DataError
from psyai.stats.correlation import permutation_baseline, spearman_rho
from psyai.stats.means import one_sample_ttest, wilcoxon_signed_rank
from psyai.stats.multiple import holm

log = logging.getLogger(__name__)
EXPERIMENT = "attention"


@dataclass
class AttentionConfig:
    """Settings of the attention analysis (one description per field)."""

    n_perm: int = 200  # shuffles of the words within an item for the permutation baseline
    seed: int = 0  # seed of the permutation shuffles
    level: float = 0.95  # confidence level of intervals
    human_score: str = "raw"  # raw: mean over participants (the published convention); residual: log durations residualised on length, log frequency and position
    min_words: int = 4  # items with fewer words (having both a human and a model value) are left out of the correlations; at least 3
    lmm_attention_measure: str = "attention"  # model measure entering the mixed model as attention
    lmm_attention_layer: int | None = None  # its layer; None: the layer agreeing best with reading times
    surprisal_measure: str = "surprisal"  # the model measure used as surprisal in the mixed model
    rt_measure: str = "reading_time"  # the human measure modelled by the mixed model
    rt_formula: str | None = None  # the reading-time mixed model (lme4 syntax); None: RT_FORMULA (+ attention)
    n_examples: int = 3  # example texts drawn with human and model heat maps
    example_model_measure: str = "attention"  # model measure drawn beside the human one
    frequency: str = "wordfreq"  # word frequency: wordfreq norms, or "local" (the item set's own counts)
    allow_mixed: bool = False  # analyse simulated participants together with real or pilot ones (refused by default)
    exclude_incomplete: bool = False  # leave out sessions that did not run to the end (no end record, or Escape)


# --------------------------------------------------------------------------- correlations

HUMAN_SCORES = ("raw", "residual")  # --human-score; what each is: HUMAN_SCORE_METHOD
HUMAN_SCORE_METHOD = {
    "raw": ("Human word scores are raw (--human-score raw, the default): the share of participants who selected "
            "the word, or the mean of the measure over participants (durations in ms, a skipped word counting as "
            "0); nothing is regressed out, as in the published human-model comparisons (per-item Spearman of raw "
            "scores, Hollenstein & Beinborn 2021). Word length and frequency therefore stay in the score: their own "
            "per-item correlations with it are reported beside every model measure. --human-score residual "
            "removes them instead."),
    "residual": ("Human word scores are residualised (--human-score residual): durations are logged (skipped "
                 "words left out), regressed on word length, log frequency and position by ordinary least squares "
                 "over all rows, and the residuals averaged over participants; proportions are residualised "
                 "unlogged; selection is the share of participants who selected the word. This departs from the "
                 "published convention of correlating raw scores (Hollenstein & Beinborn 2021; --human-score raw, "
                 "the default): a model measure that agrees with people through word length or frequency alone "
                 "scores near zero here."),
}


def score_name(measure: str, human_score: str = "raw") -> str:
    """The name of a human measure's per-word score: ``selection_rate`` for ``selected`` (``<m>_rate`` for
    another binary measure), else ``<measure>_mean`` (raw) or ``<measure>_resid`` (residual)."""
    if measure in BINARY_MEASURES:
        return "selection_rate" if measure == "selected" else f"{measure}_rate"
    return f"{measure}_{'mean' if human_score == 'raw' else 'resid'}"


def human_word_scores(human: pd.DataFrame, predictors: pd.DataFrame | None = None,
                      human_score: str = "raw") -> pd.DataFrame:
    """One human score per (item, word_index, measure).

    Binary measures (``selected``): the share of participants who marked the word, in either mode.

    Other measures, ``human_score="raw"`` (the default, the published convention of human–model
    comparisons, e.g. Hollenstein & Beinborn, 2021): the mean of the recorded value over
    participants (durations in ms with skipped words as 0; proportions as they are); nothing is
    regressed out, so word length and frequency stay in the score (see the ``rho_length`` and
    ``rho_freq`` baselines of :func:`item_correlations`).

    ``human_score="residual"``: logged if a duration (zeros, i.e. skipped words, are left out),
    residualised on length, log frequency and position by OLS over all rows, averaged over
    participants: what people attend to beyond what those three predict.

    Returns
    -------
    DataFrame with columns ``item``, ``word_index``, ``word``, ``measure`` (:func:`score_name`:
    ``selection_rate``, ``<measure>_mean`` or ``<measure>_resid``), ``value``, ``n_participants``.
    """
    if human_score not in HUMAN_SCORES:
        raise DataError(f"human score {human_score!r}: use one of {', '.join(HUMAN_SCORES)} (--human-score)")
    out = []
    for measure, rows in human.groupby("measure", sort=True):
        name = score_name(measure, human_score)
        if measure in BINARY_MEASURES or human_score == "raw":
            g = rows.groupby(["item", "word_index"], as_index=False).agg(
                word=("word", "first"), value=("value", "mean"), n_participants=("participant", "nunique"))
            out.append(g.assign(measure=name))
            continue
        if predictors is None:
            predictors = word_predictors(human)
        d = rows.merge(predictors[["item", "word_index", "length", "log_freq", "position"]], on=["item", "word_index"])
        if measure in DURATION_MEASURES:
            d = d[d["value"] > 0]
            y = np.log(d["value"].to_numpy())
        else:
            y = d["value"].to_numpy(float)
        X = np.column_stack([np.ones(len(d)), d[["length", "log_freq", "position"]].to_numpy(float)])
        beta, *_ = np.linalg.lstsq(X, y, rcond=None)
        d = d.assign(resid=y - X @ beta)
        g = d.groupby(["item", "word_index"], as_index=False).agg(
            word=("word", "first"), value=("resid", "mean"), n_participants=("participant", "nunique"))
        out.append(g.assign(measure=name))
    return pd.concat(out, ignore_index=True)[["item", "word_index", "word", "measure", "value", "n_participants"]]


def item_correlations(scores: pd.DataFrame, model: pd.DataFrame, n_perm: int = 200, seed: int = 0,
                      min_words: int = 4, predictors: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per item, Spearman rho between each human score and each model measure × layer, beside the
    word-length and word-frequency baselines on the same words.

    Parameters
    ----------
    scores : :func:`human_word_scores` output.
    model : :func:`psyai.data.word_tables.head_average` output (text_id, word_index, measure, layer, value).
    min_words : items with fewer words having both values are left out.
    predictors : :func:`psyai.data.word_tables.word_predictors` output (``item``, ``word_index``,
        ``length``, ``log_freq``); computed from ``scores`` with the wordfreq norms if omitted.

    Returns
    -------
    DataFrame, one row per (item, human_measure, model_measure, layer): ``n_words``,
    ``rho``, ``rho_perm_mean``, ``rho_perm_sd``, ``p_perm``, ``rho_minus_baseline``, and the
    baselines ``rho_length`` (Spearman rho of the human score with word length, in characters)
    and ``rho_freq`` (with word frequency; rank-based, so the same for log frequency; usually
    negative, rarer words being read longer), both over the row's words, as the published
    human–model comparisons report them (Hollenstein & Beinborn, 2021).
    """
    rng = np.random.default_rng(seed)
    predictors = word_predictors(scores) if predictors is None else predictors
    pred = predictors.set_index(["item", "word_index"])[["length", "log_freq"]]
    m = model.rename(columns={"text_id": "item", "measure": "model_measure"})
    rows = []
    for (hm, item), h in scores.groupby(["measure", "item"], sort=True):
        h = h.set_index("word_index")["value"]
        p = pred.loc[item] if item in pred.index.get_level_values("item") else pd.DataFrame(columns=pred.columns)
        for (mm, layer), g in m[m["item"] == item].groupby(["model_measure", "layer"], sort=True):
            joined = pd.concat([h.rename("h"), g.set_index("word_index")["value"].rename("m")], axis=1).dropna()
            if len(joined) < min_words:
                continue
            res = permutation_baseline(joined["h"].to_numpy(), joined["m"].to_numpy(), n_perm, rng)
            words = p.reindex(joined.index)  # (n_words, 2)
            rows.append({"item": item, "human_measure": hm, "model_measure": mm, "layer": int(layer),
                         "n_words": len(joined), **res,
                         "rho_length": spearman_rho(joined["h"], words["length"].astype(float)),
                         "rho_freq": spearman_rho(joined["h"], words["log_freq"].astype(float))})
    out = pd.DataFrame(rows, columns=["item", "human_measure", "model_measure", "layer", "n_words", "rho",
                                      "rho_perm_mean", "rho_perm_sd", "p_perm", "rho_length", "rho_freq"])
    if out.empty:
        raise DataError("no item has human scores and model measures for the same words (check that item IDs "
                        "match text_id and word indices match)")
    out["rho_minus_baseline"] = out["rho"] - out["rho_perm_mean"]
    return out[["item", "human_measure", "model_measure", "layer", "n_words", "rho", "rho_perm_mean", "rho_perm_sd",
                "p_perm", "rho_minus_baseline", "rho_length", "rho_freq"]]


def layer_agreement(corrs: pd.DataFrame, level: float = 0.95) -> pd.DataFrame:
    """Across items: which layers and measures agree with people beyond the permutation baseline.

    Returns
    -------
    DataFrame, one row per (human_measure, model_measure, layer): ``n_items``, ``mean_rho``,
    ``mean_baseline``, ``mean_diff`` (rho − baseline), ``mean_rho_length`` and ``mean_rho_freq``
    (the mean over the same items of the word-length and word-frequency baselines, NaN when
    ``corrs`` lacks ``rho_length``/``rho_freq``), ``ci_low``/``ci_high`` (t interval of
    mean_diff), ``t``, ``dof``, ``p_val`` (two-sided one-sample t test,
    :func:`psyai.stats.means.one_sample_ttest`), ``p_holm``, ``w_stat``, ``p_wilcoxon``
    (:func:`psyai.stats.means.wilcoxon_signed_rank`, R's rule), ``p_wilcoxon_holm`` (Holm over
    all rows, :func:`psyai.stats.multiple.holm`), ``rank`` (1 = best mean_diff within the
    human measure).
    """
    defined = corrs.dropna(subset=["rho"])
    if defined.empty:
        raise DataError("no item has a rank correlation: every item's human scores (or model values) are the same "
                        "for all its words, e.g. nobody selected any word; check the human table's values")
    rows = []
    for (hm, mm, layer), g in defined.groupby(["human_measure", "model_measure", "layer"]):
        d = g["rho_minus_baseline"].to_numpy()  # (n_items,)
        n = len(d)
        tt = one_sample_ttest(d, 0.0, level).iloc[0]  # NaN test columns with < 2 items or no spread
        w = wilcoxon_signed_rank(d, 0.0).iloc[0]  # NaN with < 2 items or every difference 0
        rows.append({"human_measure": hm, "model_measure": mm, "layer": int(layer), "n_items": n,
                     "mean_rho": float(g["rho"].mean()), "mean_baseline": float(g["rho_perm_mean"].mean()),
                     "mean_diff": float(d.mean()),
                     "mean_rho_length": float(g["rho_length"].mean()) if "rho_length" in g else np.nan,
                     "mean_rho_freq": float(g["rho_freq"].mean()) if "rho_freq" in g else np.nan,
                     "ci_low": float(tt["ci_low"]), "ci_high": float(tt["ci_high"]),
                     "t": float(tt["t"]), "dof": n - 1, "p_val": float(tt["p_val"]),
                     "w_stat": float(w["w_stat"]), "p_wilcoxon": float(w["p_val"])})
    out = pd.DataFrame(rows)
    out["p_holm"] = holm(out["p_val"].to_numpy())
    out["p_wilcoxon_holm"] = holm(out["p_wilcoxon"].to_numpy())
    out["rank"] = out.groupby("human_measure")["mean_diff"].rank(ascending=False, method="min").astype(int)
    cols = ["human_measure", "model_measure", "layer", "n_items", "mean_rho", "mean_baseline", "mean_diff",
            "mean_rho_length", "mean_rho_freq", "ci_low", "ci_high", "t", "dof", "p_val", "p_holm", "w_stat", "p_wilcoxon", "p_wilcoxon_holm", "rank"]
    return out[cols].sort_values(["human_measure", "rank", "model_measure", "layer"]).reset_index(drop=True)


def best_layers(agreement: pd.DataFrame) -> pd.DataFrame:
    """The best-agreeing (model measure, layer) per human measure, and the best layer per model measure."""
    return agreement.loc[agreement.groupby(["human_measure", "model_measure"])["mean_diff"].idxmax()].reset_index(drop=True)


# --------------------------------------------------------------------------- mixed model


RT_FORMULA = ("log_rt ~ surprisal + length + log_freq + position + prev_surprisal + prev_length + prev_log_freq"
              " + (1 + surprisal | participant) + (1 | item)")
WORD_PREDICTORS = ("surprisal", "attention", "length", "log_freq", "position")


def rt_formula(config: AttentionConfig, has_surprisal: bool, has_attention: bool) -> str:
    """The reading-time model to fit: ``config.rt_formula`` as given, or the default :data:`RT_FORMULA`
    (surprisal, length, log frequency and position of the word and of the word before it — spillover,
    Smith & Levy, 2013 — with by-participant surprisal slopes and random intercepts for participants
    and texts) with ``+ attention`` where the model has the attention measure and without the
    surprisal terms where it has no surprisal."""
    if config.rt_formula:
        return config.rt_formula
    words = [w for w in ("surprisal", "length", "log_freq", "position") if has_surprisal or w != "surprisal"]
    fixed = words + (["attention"] if has_attention else []) + [f"prev_{w}" for w in words if w != "position"]
    slope = "(1 + surprisal | participant)" if has_surprisal else "(1 | participant)"
    formula = f"log_rt ~ {' + '.join(fixed)} + {slope} + (1 | item)"
    return formula


def lmm_data(human: pd.DataFrame, model: pd.DataFrame, attention_layer: int | None, config: AttentionConfig,
             predictors: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per reading time: participant, item, word_index, log_rt and the word's predictors, with
    the previous word's as ``prev_<name>`` (spillover; the first word of a text, having none, is left out).

    ``surprisal`` is the model measure ``config.surprisal_measure`` (raw); ``attention`` the model measure
    ``config.lmm_attention_measure`` at ``attention_layer``, z-scored within the item (raw attention
    depends on text length); either column is absent when the model measures lack it. Skipped words
    (0 ms) are left out.
    """
    predictors = word_predictors(human) if predictors is None else predictors
    rt = human[(human["measure"] == config.rt_measure) & (human["value"] > 0)]
    if rt.empty:
        raise DataError(f"no {config.rt_measure!r} rows in the human table; the mixed model needs reading times")
    m = model.rename(columns={"text_id": "item"})
    words = predictors[["item", "word_index", "length", "log_freq", "position"]].copy()
    surp = m[m["measure"] == config.surprisal_measure].groupby(["item", "word_index"])["value"].mean()
    if len(surp):
        words = words.join(surp.rename("surprisal"), on=["item", "word_index"])
    if attention_layer is not None:
        att = m[(m["measure"] == config.lmm_attention_measure) & (m["layer"] == attention_layer)].set_index(
            ["item", "word_index"])["value"]
        if len(att):
            words = words.join(within_item_z(att, att.index.get_level_values("item")).rename("attention"),
                               on=["item", "word_index"])
    names = [c for c in WORD_PREDICTORS if c in words.columns]
    prev = words[["item", "word_index", *[c for c in names if c != "attention"]]].copy()
    prev["word_index"] += 1
    prev = prev.rename(columns={c: f"prev_{c}" for c in names if c != "attention"})
    d = rt.merge(words, on=["item", "word_index"]).merge(prev, on=["item", "word_index"], how="left")
    d = d.assign(log_rt=np.log(d["value"]))
    keep = ["participant", "item", "word_index", "log_rt", *names, *[f"prev_{c}" for c in names if c != "attention"]]
    return d[keep].dropna().reset_index(drop=True)


def reading_time_lmm(data: pd.DataFrame, formula: str = RT_FORMULA, level: float = 0.95):
    """The mixed model of log reading time, :func:`psyai.stats.mixed.fit_mixed` (REML, Satterthwaite t
    tests, Wald t intervals) on :func:`lmm_data`'s columns; a singular fit is simplified by
    :func:`psyai.stats.mixed.simplification_ladder` and the model kept is named.

    Returns
    -------
    (fixed, info): ``fixed`` one row per term with ``estimate``, ``se``, ``t``, ``df`` (Satterthwaite),
    ``p_val``, ``ci_low``, ``ci_high``; ``info`` with ``formula`` (fitted), ``tried``, ``random`` (SDs and
    correlations), ``sd_residual``, ``n_obs``, ``n_participants``, ``n_items``, ``converged``,
    ``singular``, ``loglik_reml``, ``warnings``, ``method`` (a Methods sentence).
    """
    from psyai.stats.mixed import fit_first_nonsingular, simplification_ladder

    fit, tried = fit_first_nonsingular(data, simplification_ladder(formula), level=level)
    fixed = fit.fixed.rename(columns={"statistic": "t"})
    random = {f"{g}:{t}": float(e) for g, t, e in zip(fit.random.group, fit.random.term, fit.random.estimate)}
    return fixed, {"formula": fit.formula, "tried": tried, "random": random, "sd_residual": fit.sigma,
                   "n_obs": fit.n_obs, "n_participants": fit.n_groups.get("participant"),
                   "n_items": fit.n_groups.get("item"), "converged": fit.converged, "singular": fit.singular,
                   "loglik_reml": fit.loglik, "warnings": fit.warnings, "method": fit.describe()}


# --------------------------------------------------------------------------- analysis


def _run_modes(human: pd.DataFrame) -> dict[str, int]:
    """Participants per run mode (``real``, ``pilot``, ``simulated``); a table without ``run_mode`` counts as real."""
    modes = human["run_mode"] if "run_mode" in human.columns else pd.Series("real", index=human.index)
    return {str(k): int(v) for k, v in human.groupby(modes)["participant"].nunique().sort_index().items()}


MEASURE_SETTINGS = {"rt_measure": ("human", "--rt-measure"), "surprisal_measure": ("model", "--surprisal-measure"),
                    "lmm_attention_measure": ("model", "--lmm-attention-measure"),
                    "example_model_measure": ("model", "--example-model-measure")}


def _check_settings(config: AttentionConfig, human: pd.DataFrame, model_measures: pd.DataFrame) -> None:
    """Refuse settings that would silently change the analysis: fewer than 3 words per item (rho of two words is
    ±1), an unknown human score, and a measure name changed from its default that the tables do not have (the
    defaults may be absent: highlight data has no reading times, and the mixed model is then not fitted)."""
    if config.min_words < 3:
        raise DataError(f"min_words {config.min_words}: Spearman's rho of fewer than 3 words is ±1 or undefined; "
                        "use --min-words 3 or more")
    if config.human_score not in HUMAN_SCORES:
        raise DataError(f"human score {config.human_score!r}: use one of {', '.join(HUMAN_SCORES)} (--human-score)")
    defaults = AttentionConfig()
    for field, (side, flag) in MEASURE_SETTINGS.items():
        name = getattr(config, field)
        have = sorted((human if side == "human" else model_measures)["measure"].unique())
        if name != getattr(defaults, field) and name not in have:
            raise DataError(f"{flag} {name!r} is not a measure of the {side} table ({', '.join(have)}); "
                            "pass one of those")


def analyze(human: pd.DataFrame, model_measures: pd.DataFrame, config: AttentionConfig | None = None,
            sessions: pd.DataFrame | None = None) -> dict:
    """Every statistic of the attention analysis.

    ``sessions``: the trials of the session logs the human table was made from
    (:func:`psyai.data.sessions.word_session_trials`), to say which sessions did not run to the end and,
    with ``config.exclude_incomplete``, to leave them out; None for a table without session logs.

    Returns
    -------
    dict: JSON-ready summary (``experiment``, ``run_modes``, ``banner``, ``n_participants``,
    ``n_items``, ``human_measures``, ``model_measures``, ``best``, ``agreement``, ``lmm``,
    ``sessions`` (:func:`psyai.data.sessions.unfinished_report`), ``settings``, ``method``,
    ``sentences``, ``versions``) and, under ``tables``, the tidy DataFrames (``scores``, ``model``,
    ``item_correlations``, ``agreement``, ``lmm_fixed``).
    """
    config = config or AttentionConfig()
    human = validate_human_table(human)
    human, finished = unfinished_sessions(sessions, config.exclude_incomplete, "text", words=human)
    modes = _run_modes(human)
    if "simulated" in modes and len(modes) > 1 and not config.allow_mixed:
        raise DataError(f"simulated participants are mixed with {'/'.join(m for m in modes if m != 'simulated')} ones; "
                        "analyse them separately (or set allow_mixed=True for a methods check)")
    model_measures = validate_model_measures(model_measures)
    check_same_words(human, model_measures)
    _check_settings(config, human, model_measures)
    lacking = sorted(set(human["item"]) - set(model_measures["text_id"]))
    if lacking:
        raise DataError(f"{len(lacking)} of {human['item'].nunique()} items have no model measures "
                        f"(first: {', '.join(map(repr, lacking[:5]))}); extract them too (a set of English and "
                        "Japanese texts needs `psyai attention extract --lang en` and `--lang ja`) and pass every "
                        "table to --model-measures")
    predictors = word_predictors(human, source=config.frequency)
    model = head_average(model_measures)
    scores = human_word_scores(human, predictors, config.human_score)
    corrs = item_correlations(scores, model, config.n_perm, config.seed, config.min_words, predictors)
    agreement = layer_agreement(corrs, config.level)
    best = agreement[agreement["rank"] == 1].drop_duplicates("human_measure")

    lmm = None
    fixed = pd.DataFrame()
    if (human["measure"] == config.rt_measure).any():  # fitted whenever there are reading times
        layer = config.lmm_attention_layer
        has_attention = (model["measure"] == config.lmm_attention_measure).any()
        if layer is None and has_attention:
            cand = agreement[(agreement["human_measure"] == score_name(config.rt_measure, config.human_score))
                             & (agreement["model_measure"] == config.lmm_attention_measure)]
            layer = int(cand.sort_values("mean_diff", ascending=False)["layer"].iloc[0]) if len(cand) else None
        formula = rt_formula(config, (model["measure"] == config.surprisal_measure).any(), layer is not None)
        fixed, info = reading_time_lmm(lmm_data(human, model, layer, config, predictors), formula, config.level)
        lmm = {**info, "attention_layer": layer, "fixed": records(fixed)}

    results: dict = {
        "experiment": EXPERIMENT,
        "run_modes": modes,  # participants per run mode
        "banner": data_banner(modes, unit="participants"),
        "n_participants": int(human["participant"].nunique()),
        "n_items": int(human["item"].nunique()),
        "n_items_correlated": int(corrs["item"].nunique()),  # items with at least min_words words with values
        "human_measures": sorted(human["measure"].unique()),
        "model_measures": sorted(model["measure"].unique()),
        "best": records(best[["human_measure", "model_measure", "layer", "mean_rho", "mean_diff", "p_holm",
                              "mean_rho_length", "mean_rho_freq"]]),
        "agreement": records(agreement),
        "lmm": lmm,
        "sessions": finished,
        "settings": asdict(config),
        "method": {
            "human_score": HUMAN_SCORE_METHOD[config.human_score],
            "correlation": "Spearman rank correlation per item between the human word score and the head-averaged "
                           "model measure; permutation baseline from shuffling model values within the item. Beside "
                           "every model measure, the same items' Spearman correlations of the human score with word "
                           "length (characters) and with word frequency, averaged over items (mean_rho_length, "
                           "mean_rho_freq): the baselines a model measure is read against.",
            "across_items": "one-sample t test and Wilcoxon signed-rank test of rho minus baseline, Holm-corrected "
                            "over all rows; the Wilcoxon p value is exact below 50 items without ties or zeros, else "
                            "the normal approximation with continuity correction (R's wilcox.test).",
            "frequency": ("natural log of the word's relative frequency in the wordfreq norms (Speer 2022), "
                          "morphemes of a Japanese word combined as 1/f = sum of 1/f_i."
                          if config.frequency == "wordfreq" else
                          "natural log of the word's relative frequency within the item set (local frequency)."),
            "lmm": "Linear mixed model of log reading time (ms; skipped words and each text's first word, which "
                   "has no previous word, left out), by default " + RT_FORMULA + " (+ attention where the model "
                   "has it; --rt-formula for another): the word's surprisal, length, log frequency and position "
                   "and the previous word's (spillover; Smith & Levy, 2013), by-participant surprisal slopes, "
                   "random intercepts for participants and texts. REML (psyai.stats.mixed, engine mixedlm, checked "
                   "against lme4::lmer and lmerTest); t tests with Satterthwaite degrees of freedom and t intervals; "
                   "a singular fit is simplified (slopes uncorrelated, then dropped) and the model kept is named. "
                   "Coefficients are differences in log reading time: exp(b) is the ratio of reading times.",
        },
        "versions": {"psyai": psyai_version, "python": platform.python_version(), "numpy": np.__version__,
                     "pandas": pd.__version__, "scipy": _version("scipy"), "mixedlm": _version("mixedlm")},
    }
    results["sentences"] = apa_sentences(results)
    results["tables"] = {"scores": scores, "model": model, "item_correlations": corrs, "agreement": agreement,
                         "lmm_fixed": fixed}
    return results


def _score_words(human_measure: str, human_score: str) -> str:
    """How a human score was made, in the words of a results sentence."""
    if not human_measure.endswith(("_mean", "_resid")):
        return "share of participants"
    if human_score == "raw":
        return "raw: mean over participants, nothing regressed out"
    return "residualised on word length, log frequency and position"


def _version(module: str) -> str:
    try:
        return __import__(module).__version__
    except ImportError:
        return "not installed"


def apa_sentences(res: dict) -> dict[str, str]:
    """Results sentences: the best-agreeing layer per human measure, and the surprisal slope."""
    out = {"sessions": res["sessions"]["sentence"]}
    level = res["settings"]["level"]
    for b in res["best"]:
        row = next(r for r in res["agreement"] if r["human_measure"] == b["human_measure"]
                   and r["model_measure"] == b["model_measure"] and r["layer"] == b["layer"])
        out[b["human_measure"]] = (
            f"{b['human_measure']} ({_score_words(b['human_measure'], res['settings']['human_score'])}) agreed best with {b['model_measure']} at layer {b['layer']}: mean Spearman "
            f"rho = {fmt_num(row['mean_rho'], leading_zero=False)}, {fmt_num(row['mean_diff'], leading_zero=False)} "
            f"above the permutation baseline, {fmt_ci(row['ci_low'], row['ci_high'], level=level)}, "
            f"{fmt_stat('t', row['t'], row['dof'])}, {fmt_p(row['p_holm'])} (Holm), over {row['n_items']} items; "
            f"on the same items word length alone gave mean rho = {fmt_num(row['mean_rho_length'], leading_zero=False)} "
            f"and word frequency mean rho = {fmt_num(row['mean_rho_freq'], leading_zero=False)}.")
    if res["lmm"]:
        lm = res["lmm"]
        parts = []
        for term, what in (("surprisal", "each unit (bit) of surprisal"), ("prev_surprisal", "each unit of the previous "
                           "word's surprisal"), ("attention", "one SD of attention")):
            r = next((r for r in lm["fixed"] if r["term"] == term), None)
            if r is not None:
                parts.append(f"{what} changed reading time by a factor of {fmt_num(math.exp(r['estimate']), 3)} "
                             f"(b = {fmt_num(r['estimate'], 3)} on the log scale, "
                             f"{fmt_ci(r['ci_low'], r['ci_high'], 3, level=level)}, {fmt_stat('t', r['t'], r['df'])}, "
                             f"{fmt_p(r['p_val'])})")
        out["lmm"] = (f"In the mixed model of log reading time ({lm['formula']}; {plural(lm['n_obs'], 'reading time')}, "
                      f"{plural(lm['n_participants'], 'participant')}, {plural(lm['n_items'], 'text')}), "
                      + ("; ".join(parts) if parts else "no surprisal or attention term was fitted") + ".")
        if len(lm["tried"]) > 1:
            out["lmm"] += f" The fuller model ({lm['tried'][0]['formula']}) was singular, so this simpler one was fitted."
        if not lm["converged"]:
            out["lmm"] += " Caution: the fit did not converge cleanly; treat these numbers as provisional."
    return out


# --------------------------------------------------------------------------- figures


def _fig_heatmap(agreement: pd.DataFrame, human_measure: str) -> Figure:
    a = agreement[agreement["human_measure"] == human_measure]
    grid = a.pivot_table(index="model_measure", columns="layer", values="mean_diff")
    fig = Figure(figsize=(max(4, 0.5 * grid.shape[1] + 2), 0.5 * grid.shape[0] + 1.5))
    ax = fig.subplots()
    lim = float(np.nanmax(np.abs(grid.to_numpy()))) or 1.0
    im = ax.imshow(grid.to_numpy(), cmap="RdBu_r", vmin=-lim, vmax=lim, aspect="auto")
    ax.set_xticks(range(grid.shape[1]), [("none" if c == -1 else str(c)) for c in grid.columns])
    ax.set_yticks(range(grid.shape[0]), list(grid.index))
    ax.set_xlabel("layer")
    ax.set_title(f"{human_measure}: mean rho − permutation baseline")
    fig.colorbar(im, ax=ax)
    fig.tight_layout()
    return fig


def _draw_words(ax, words: Sequence[str], values: np.ndarray, cmap: str) -> None:
    """The words left to right, wrapped, each on a box coloured by its value; widths are measured by the
    renderer (a kanji is about twice as wide as a Latin letter), so boxes never overlap."""
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    v = np.asarray(values, float)
    span = np.nanmax(v) - np.nanmin(v)
    norm = (v - np.nanmin(v)) / span if span > 0 else np.zeros_like(v)
    colours = matplotlib.colormaps[cmap](norm)
    fig = ax.figure
    canvas = fig.canvas if isinstance(fig.canvas, FigureCanvasAgg) else FigureCanvasAgg(fig)
    renderer = canvas.get_renderer()
    axes_width = ax.get_window_extent(renderer).width
    gap = 6.0 / axes_width  # pixels between boxes, in axes units
    x, y = 0.0, 0.85
    for w, c in zip(words, colours):
        t = ax.text(x, y, str(w), fontsize=9, va="top", ha="left", bbox={"facecolor": c, "edgecolor": "none",
                                                                           "pad": 1.5})
        width = t.get_window_extent(renderer).width / axes_width + gap
        if x > 0 and x + width > 1.0:
            x, y = 0.0, y - 0.28
            t.set_position((x, y))
        x += width


def _fig_examples(scores: pd.DataFrame, model: pd.DataFrame, human_measure: str, model_measure: str,
                  layer: int, items: Sequence[str]) -> Figure:
    fig = Figure(figsize=(10, 1.6 * len(items) + 0.5))
    axes = fig.subplots(len(items), 2, squeeze=False)
    for row, item in zip(axes, items):
        for ax, title in zip(row, (f"{item} — people ({human_measure})",
                                   f"{item} — model ({model_measure}, layer {layer})")):
            ax.set_axis_off()
            ax.set_title(title, fontsize=9, loc="left")
    fig.tight_layout()  # before the words, whose widths are measured against the final axes
    for row, item in zip(axes, items):
        h = scores[(scores["item"] == item) & (scores["measure"] == human_measure)].sort_values("word_index")
        m = model[(model["text_id"] == item) & (model["measure"] == model_measure)
                  & (model["layer"] == layer)].set_index("word_index")["value"].reindex(h["word_index"])
        _draw_words(row[0], h["word"].tolist(), h["value"].to_numpy(), "Oranges")
        _draw_words(row[1], h["word"].tolist(), m.to_numpy(), "Blues")
    return fig


def results_json(results: dict) -> dict:
    """The results.json content: the summary plus the per-item correlations table."""
    summary = {k: v for k, v in results.items() if k != "tables"}
    summary["tables"] = {"item_correlations": results["tables"]["item_correlations"]}
    return json_ready(summary)


def build_report(results: dict) -> HtmlReport:
    """report.html: method, agreement heat maps, example texts, the mixed model, settings."""
    rep = HtmlReport("Attention: people and a transformer", banner=results["banner"], versions=results["versions"])
    rep.paragraph(f"{results['n_participants']} participants, {results['n_items']} items "
                  f"({results['n_items_correlated']} with at least {results['settings']['min_words']} words "
                  "to correlate); human measures "
                  f"{', '.join(results['human_measures'])}; model measures {', '.join(results['model_measures'])}.")
    rep.apa(results["sentences"]["sessions"])
    for text in results["method"].values():
        rep.method(text)
    tables = results["tables"]
    rep.heading("Which layers and measures agree with people")
    for hm in sorted(tables["agreement"]["human_measure"].unique()):
        rep.figure(_fig_heatmap(tables["agreement"], hm),
                   f"Layer × measure agreement with {hm} (mean per-item Spearman rho minus permutation baseline).")
        if hm in results["sentences"]:
            rep.apa(results["sentences"][hm])
    rep.table(tables["agreement"], "Agreement per human measure, model measure and layer", max_rows=60)
    rep.heading("Example texts")
    cfg = results["settings"]
    for b in results["best"]:
        hm = b["human_measure"]
        mm = cfg["example_model_measure"] if (tables["model"]["measure"] == cfg["example_model_measure"]).any() \
            else b["model_measure"]
        layer_rows = tables["agreement"][(tables["agreement"]["human_measure"] == hm)
                                         & (tables["agreement"]["model_measure"] == mm)]
        layer = int(layer_rows.sort_values("mean_diff", ascending=False)["layer"].iloc[0])
        items = sorted(tables["scores"].loc[tables["scores"]["measure"] == hm, "item"].unique())[:cfg["n_examples"]]
        rep.figure(_fig_examples(tables["scores"], tables["model"], hm, mm, layer, items),
                   f"Example texts: {hm} (left) and {mm} at layer {layer} (right); darker = higher.")
    if results["lmm"]:
        rep.heading("Mixed model of log reading time")
        rep.apa(results["sentences"]["lmm"])
        rep.table(tables["lmm_fixed"], "Fixed effects (log reading time; t tests with Satterthwaite df, t intervals)")
        lm = results["lmm"]
        sds = ", ".join(f"{k.replace(':sd__', ' ').replace(':cor__', ' correlation ')} {fmt_num(v, 3)}"
                        for k, v in lm["random"].items())
        att = f"; attention from layer {lm['attention_layer']}" if lm["attention_layer"] is not None else ""
        rep.paragraph(f"Random effects: {sds}{att}. {lm['method']}")
    rep.settings(results["settings"])
    return rep


def write_results(results: dict, out_dir: str | Path) -> dict[str, Path]:
    """Write results.json and report.html into ``out_dir``."""
    return _write(results_json(results), build_report(results), out_dir)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog=report_lib.command_name("analysis/attention.py"),
                                description=__doc__.splitlines()[0])
    p.add_argument("human", help="human word table (CSV/TSV/Parquet, long or wide eye-tracking export) or data folder: "
                                 "psyai's session folders, or the --out folder of `psyai import eye-tracking` / "
                                 "`psyai import self-paced-reading` (per-subject reports and corpora are imported "
                                 "first)")
    p.add_argument("--model-measures", required=True, nargs="+", metavar="TABLE",
                   help="model-measure tables from `psyai attention extract` (several are joined, e.g. one per "
                        "language)")
    p.add_argument("--out", required=True, help="output folder for results.json and report.html")
    p.add_argument("--n-perm", type=int, default=AttentionConfig.n_perm)
    p.add_argument("--seed", type=int, default=AttentionConfig.seed)
    p.add_argument("--level", type=float, default=AttentionConfig.level)
    p.add_argument("--min-words", type=int, default=AttentionConfig.min_words,
                   help="items with fewer words having both a human and a model value are left out of the "
                        "correlations, at least 3 (default %(default)s)")
    p.add_argument("--rt-measure", default=AttentionConfig.rt_measure,
                   help="human measure modelled by the mixed model (default %(default)s)")
    p.add_argument("--surprisal-measure", default=AttentionConfig.surprisal_measure,
                   help="model measure entering the mixed model as surprisal (default %(default)s)")
    p.add_argument("--lmm-attention-measure", default=AttentionConfig.lmm_attention_measure,
                   help="model measure entering the mixed model as attention (default %(default)s)")
    p.add_argument("--rt-formula", default=None, metavar="FORMULA",
                   help="the reading-time mixed model in lme4 syntax, on columns log_rt, surprisal, attention, length, "
                        "log_freq, position, prev_surprisal, prev_length, prev_log_freq, participant, item (default: "
                        f"{RT_FORMULA}, + attention where the model has it)")
    p.add_argument("--lmm-attention-layer", type=int, default=None,
                   help="its layer (default: the layer agreeing best with the --rt-measure score)")
    p.add_argument("--example-model-measure", default=AttentionConfig.example_model_measure,
                   help="model measure drawn beside people's in the example texts (default %(default)s)")
    p.add_argument("--human-score", choices=HUMAN_SCORES, default=AttentionConfig.human_score,
                   help="human word score correlated with the model: raw (mean over participants, the published "
                        "convention) or residual (log durations with length, log frequency and position regressed "
                        "out) (default %(default)s)")
    p.add_argument("--frequency", choices=FREQUENCY_SOURCES, default=AttentionConfig.frequency,
                   help="word frequency for the predictors: wordfreq norms (en, ja, …) or local (the item set's own "
                        "counts) (default %(default)s)")
    p.add_argument("--exclude-incomplete", action="store_true",
                   help="leave out sessions that did not run to the end (no end record, or stopped with Escape); "
                        "needs a data folder of session logs; default: keep their texts, and name the sessions in "
                        "the report")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: load, analyse, write; prints the path of report.html. Exit 1 with one line on error."""
    args = build_parser().parse_args(argv)

    def compute() -> dict:
        config = AttentionConfig(n_perm=args.n_perm, seed=args.seed, level=args.level,
                                 lmm_attention_layer=args.lmm_attention_layer, frequency=args.frequency,
                                 human_score=args.human_score, min_words=args.min_words,
                                 rt_measure=args.rt_measure, surprisal_measure=args.surprisal_measure,
                                 lmm_attention_measure=args.lmm_attention_measure,
                                 example_model_measure=args.example_model_measure, rt_formula=args.rt_formula,
                                 exclude_incomplete=args.exclude_incomplete)
        model = pd.concat([read_model_measures(path) for path in args.model_measures], ignore_index=True)
        return analyze(load_human_table(args.human), model, config, sessions=word_session_trials(args.human))

    return report_lib.run_cli("analysis/attention.py", argv, compute, write_results, args.out)


if __name__ == "__main__":
    sys.exit(main())
