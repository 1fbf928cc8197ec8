"""Human evaluation of models: which model do people prefer, how do they rate it, and under which instructions?

InstructGPT's evaluation (Ouyang et al., 2022) in a psychology lab: participants see a prompt
(under one of three instruction conditions: ``respectful``, ``none``, ``biased``) with the
outputs of several models, rank them, rate each on 1–7 scales and flag problems. Tidy table
in (one row per (trial, output), the columns of ``psyai.data.sessions.load_human_eval``), tidy
tables out, one function per statistic; the statistics live in :mod:`psyai.stats` and this
module composes them, writes the sentences, figures and report, and is the command line:

=========================================  ================================================================
:func:`choose_reference`                   the reference model (``--reference``, else the rule below)
:func:`pairwise_comparisons`               every within-trial pair of outputs of two models
:func:`win_rates`                          each model against the reference: crossed rater × prompt
                                           binomial GLMM, and the raw proportion with a clustered interval
:func:`bradley_terry`                      scores of all models (logistic regression, rater-clustered
                                           intervals), plain and length-controlled
:func:`rating_cells`                       mean rating per dimension × model × condition, clustered CIs
:func:`rating_models`                      rating ~ model * condition + (1|participant) + (1|prompt_id),
                                           likelihood-ratio test of the interaction per dimension
:func:`flag_rates`                         share of outputs flagged per flag × model × condition
:func:`rater_agreement`                    Krippendorff's α on overall ratings and on pairwise preferences
:func:`sample_sizes`                       comparisons and raters needed for a ± 3 % win-rate interval
:func:`analyze` → :func:`write_results`    results.json and report.html
=========================================  ================================================================

Command line::

    python analysis/human_eval.py data/human_eval --out results/human_eval
    psyai analyze human_eval trials.csv --out results/human_eval --reference sft

Defaults and conventions, each stated in results.json and the report:

* **reference model**: ``--reference``; else the model named ``sft`` (any case); else the first
  alphabetically of the models whose name contains ``sft`` (InstructGPT's baseline was the 175B
  SFT model, ``sft-175b`` in its released samples); else the first model alphabetically.
* **pairs**: every pair of outputs of two different models shown in the same trial; the
  better-ranked output wins; a ranked output beats an unranked one; two unranked outputs are not
  compared (:func:`psyai.stats.paired.pairwise_comparisons`). **Ties are excluded** from win
  rates and Bradley–Terry scores (a logistic model's outcome is 0 or 1) and counted (``n_ties``).
* **win rate**: the estimate is the inverse logit of the intercept of ``win ~ 1 + (1 | participant)
  + (1 | prompt_id)`` fitted by ML with the Laplace approximation (lme4's ``glmer``; Baayen et al.,
  2008): the *conditional* rate for a typical rater and prompt (random effects at 0), which is
  further from .5 than the population-averaged rate when raters or prompts vary; its interval is
  the Wald interval of the intercept, transformed. Beside it, the raw proportion with the
  participant-clustered Wilson interval (:func:`psyai.stats.proportions.cluster_wilson`).
* **Bradley–Terry**: log odds of beating the reference (its score 0); intervals from the
  participant-clustered sandwich covariance, t(G − 1). The length-controlled variant adds the
  difference in log characters of the two outputs as a covariate (Chatbot Arena's style control;
  Chiang et al., 2024): its scores are the preferences at equal length.
* **ratings**: the four 1–7 dimensions (overall, helpfulness, truthfulness, harmlessness); the
  mixed model's reference levels are the reference model and the condition ``none``; the
  interaction is tested by a likelihood-ratio test of ML refits with and without it (as R's
  ``anova()`` on two ``lmer`` fits).
* **agreement**: Krippendorff's α on overall ratings (ordinal and interval) with outputs as units,
  and on pairwise preferences (ordinal: B better < tie < A better; with no ties it equals nominal α)
  with within-prompt pairs of outputs as units; percentile bootstraps over prompts.
* **sample size**: normal approximation ``n = z² p(1 − p) / h² · DEFF`` with the observed raw rate p,
  h = 0.03 and the design effect ``DEFF = 1 + (m − 1) ρ`` from the raters' ANOVA intraclass
  correlation ρ of the wins and m comparisons per rater (observed mean unless
  ``--comparisons-per-rater``).
* Sentences are in English, as in psyai's other analyses (the report is for researchers; the
  participant-facing strings of the experiment are in Japanese and English).

References: Baayen, Davidson & Bates (2008); Bradley & Terry (1952); Cameron & Miller (2015);
Chiang et al. (2024); Cochran (1977); Donner (1986); Kish (1965); Krippendorff (2011);
Wilson (1927), in full in :mod:`psyai.stats.paired`, :mod:`psyai.stats.proportions`,
:mod:`psyai.stats.agreement` and analysis/turing_test.py. Ouyang, L., et al. (2022). Training
language models to follow instructions with human feedback. *NeurIPS 35*, arXiv:2203.02155.
"""

from __future__ import annotations

import argparse
import math
import platform
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Sequence

if __package__ in (None, ""):  # run as `python analysis/human_eval.py`: make the repo importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from scipy import stats

from psyai import __version__ as psyai_version
from psyai import report as report_lib
from psyai.data.sessions import unfinished_sessions
from psyai.errors import DataError
from psyai.report import HtmlReport, data_banner, fmt_ci, fmt_num, fmt_p, fmt_pct, fmt_stat, json_ready, plural, records
from psyai.stats import agreement, paired
from psyai.stats.mixed import fit_mixed
from psyai.stats.proportions import cluster_robust_mean, cluster_wilson, icc_anova, sample_size_proportion

__all__ = [
    "CONDITIONS", "DIMENSIONS", "HumanEvalConfig", "WIN_GLMM", "analyze", "bradley_terry", "choose_reference",
    "flag_rates", "load_data", "main", "pairwise_comparisons", "rater_agreement", "rating_cells", "rating_models",
    "read_table", "sample_sizes", "win_rates", "write_results",
]

EXPERIMENT = "human_eval"
CONDITIONS = ("none", "respectful", "biased")  # 'none' is the mixed models' reference level
DIMENSIONS = ("overall", "helpfulness", "truthfulness", "harmlessness")  # Likert 1–7
REQUIRED_COLUMNS = ("participant", "session", "trial_index", "prompt_id", "condition", "item_id", "model", "rank",
                    "run_mode")
WIN_GLMM = "win ~ 1 + (1 | participant) + (1 | prompt_id)"
LENGTH_COVARIATE = "log_chars_diff"
TEXT_COLUMNS = ("participant", "prompt_id", "prompt", "condition", "item_id", "model", "model_name", "text", "lang",
                "run_mode", "session_status", "log_file")


# --------------------------------------------------------------------------- settings


@dataclass
class HumanEvalConfig:
    """Settings of the human-evaluation analysis; every field is written to results.json.

    Attributes
    ----------
    level : confidence level of every interval.
    reference : the model every other is compared with; None: the rule of :func:`choose_reference`.
    n_boot : bootstrap resamples of the Krippendorff's α intervals (prompts resampled).
    seed : seed of the bootstrap.
    half_width : the half-width of the win-rate interval the sample-size plan aims at (0.03: ± 3 %).
    comparisons_per_rater : comparisons with the reference each rater will make in the planned study;
        None: the observed mean.
    include_pilot : analyse pilot sessions too (recorded here; applied when loading).
    allow_mixed : analyse simulated trials together with real or pilot ones (refused by default).
    exclude_incomplete : leave out the sessions that did not run to the end (off by default: each trial
        was answered in full; the report names such sessions either way).
    """

    level: float = 0.95
    reference: str | None = None
    n_boot: int = 1000
    seed: int = 0
    half_width: float = 0.03
    comparisons_per_rater: float | None = None
    include_pilot: bool = False
    allow_mixed: bool = False
    exclude_incomplete: bool = False

    def __post_init__(self) -> None:
        if not 0 < self.level < 1:
            raise ValueError(f"level={self.level}: give a confidence level between 0 and 1, e.g. 0.95")
        if self.n_boot < 100:
            raise ValueError(f"n_boot={self.n_boot}: percentile intervals need at least 100 resamples (1000 or more "
                             "for a report)")
        if not 0 < self.half_width < 0.5:
            raise ValueError(f"half_width={self.half_width}: give the planned half-width as a proportion, e.g. 0.03")
        if self.comparisons_per_rater is not None and self.comparisons_per_rater < 1:
            raise ValueError(f"comparisons_per_rater={self.comparisons_per_rater}: give 1 or more, or None for the "
                             "observed mean")


# --------------------------------------------------------------------------- helpers


def _check_columns(table: pd.DataFrame, columns: Sequence[str] = REQUIRED_COLUMNS) -> None:
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise DataError(f"human-evaluation table has no column(s) {', '.join(missing)}; load it with "
                        "psyai.data.sessions.load_human_eval (docs/DATA.md, 'Human evaluation')")


def _trial_keys(table: pd.DataFrame) -> list[str]:
    return ["participant", "session", "trial_index", "prompt_id", "condition"]


def _models(table: pd.DataFrame) -> pd.Series:
    """Each output's model as reports name it: ``model_name`` where given, else ``model``."""
    if "model_name" in table.columns:
        name = table["model_name"].astype(object)
        return name.where(name.notna() & (name.astype(str) != ""), table["model"]).astype(str)
    return table["model"].astype(str)


def _numeric(series: pd.Series) -> pd.Series:
    return pd.to_numeric(series, errors="coerce").astype(float)


def _flag_columns(table: pd.DataFrame) -> list[str]:
    return [c for c in table.columns if c.startswith("flag_")]


def _n_chars(table: pd.DataFrame) -> pd.Series:
    """Characters of each output: ``n_chars``, else the length of ``text``; NaN where neither is known."""
    if "n_chars" in table.columns:
        n = _numeric(table["n_chars"])
        if "text" in table.columns:
            n = n.where(n.notna(), table["text"].map(lambda t: float(len(t)) if isinstance(t, str) else math.nan))
        return n
    if "text" in table.columns:
        return table["text"].map(lambda t: float(len(t)) if isinstance(t, str) else math.nan).astype(float)
    return pd.Series(math.nan, index=table.index)


def validate(table: pd.DataFrame) -> None:
    """Refuse a table the analysis would misread: unknown conditions, ratings off 1–7 (one line each)."""
    _check_columns(table)
    bad = sorted(set(table["condition"].astype(str)) - set(CONDITIONS))
    if bad:
        raise DataError(f"column 'condition' holds {', '.join(map(repr, bad[:5]))}; use respectful, none or biased "
                        "(psyai import instructgpt-samples maps InstructGPT's prompt types onto them)")
    for dim in DIMENSIONS:
        if dim in table.columns:
            r = _numeric(table[dim])
            off = r.notna() & ~r.isin(range(1, 8))
            if off.any():
                row = table[off].iloc[0]
                raise DataError(f"column {dim!r}: rating {r[off].iloc[0]:g} for item {row['item_id']!r} "
                                f"(participant {row['participant']!r}) is not a whole number from 1 to 7; the "
                                "ratings are 7-point scales (empty = not rated)")


# --------------------------------------------------------------------------- reference and pairs


def choose_reference(models: Sequence[str], reference: str | None = None) -> tuple[str, str]:
    """The reference model and the rule that chose it (a sentence for the report).

    ``reference`` when given (refused, naming the models, when absent); else the model named
    ``sft`` (any case); else the first alphabetically of the models whose name contains ``sft``;
    else the first model alphabetically.
    """
    models = sorted(set(models))
    if reference is not None:
        if reference not in models:
            raise DataError(f"--reference {reference!r} is not a model in the data; models: {', '.join(models)}")
        return reference, "given with --reference"
    exact = [m for m in models if m.lower() == "sft"]
    if exact:
        return exact[0], "by the default rule: the model named 'sft'"
    sft = [m for m in models if "sft" in m.lower()]
    if sft:
        return sft[0], ("by the default rule: the first model alphabetically whose name contains 'sft', no model being "
                        "named 'sft'")
    return models[0], "by the default rule: the first model alphabetically, no model's name containing 'sft'"


def pairwise_comparisons(table: pd.DataFrame) -> pd.DataFrame:
    """Every pair of outputs of two different models shown in the same trial.

    Returns
    -------
    DataFrame, one row per pair: ``participant``, ``session``, ``trial_index``, ``prompt_id``,
    ``condition``, ``model_a`` < ``model_b`` (alphabetical), ``item_a``, ``item_b``, ``outcome``
    (1: model_a's output ranked better, 0: worse, 0.5: tie; :func:`psyai.stats.paired.pairwise_comparisons`),
    ``n_chars_a``, ``n_chars_b`` and ``log_chars_diff`` = log(n_chars_a) − log(n_chars_b) (NaN where
    a length is unknown or 0).
    """
    _check_columns(table, ("participant", "session", "trial_index", "prompt_id", "condition", "item_id", "model",
                           "rank"))
    keys = _trial_keys(table)
    d = table[[*keys, "item_id", "rank"]].assign(model=_models(table))
    comps = paired.pairwise_comparisons(d, keys, item="item_id", model="model", rank="rank")
    chars = table[[*keys, "item_id"]].assign(n=_n_chars(table)).drop_duplicates([*keys, "item_id"])
    for side in ("a", "b"):
        comps = comps.merge(chars.rename(columns={"item_id": f"item_{side}", "n": f"n_chars_{side}"}),
                            on=[*keys, f"item_{side}"], how="left")
    with np.errstate(divide="ignore", invalid="ignore"):
        diff = np.log(comps["n_chars_a"].to_numpy(float)) - np.log(comps["n_chars_b"].to_numpy(float))
    comps[LENGTH_COVARIATE] = np.where(np.isfinite(diff), diff, np.nan)
    return comps


def reference_comparisons(comps: pd.DataFrame, reference: str) -> pd.DataFrame:
    """The comparisons of each model with the reference, from the model's side.

    Returns
    -------
    DataFrame: ``model``, ``participant``, ``prompt_id``, ``condition``, ``outcome`` (1: the model's
    output won, 0: lost, 0.5: tie) and ``win`` (``outcome`` without ties: NaN for a tie).
    """
    with_ref = comps[(comps["model_a"] == reference) | (comps["model_b"] == reference)]
    ref_is_a = with_ref["model_a"] == reference
    out = pd.DataFrame({"model": np.where(ref_is_a, with_ref["model_b"], with_ref["model_a"]),
                        "participant": with_ref["participant"].to_numpy(),
                        "prompt_id": with_ref["prompt_id"].to_numpy(),
                        "condition": with_ref["condition"].to_numpy(),
                        "outcome": np.where(ref_is_a, 1.0 - with_ref["outcome"], with_ref["outcome"])})
    out["win"] = out["outcome"].where(out["outcome"] != 0.5)
    return out.reset_index(drop=True)


# --------------------------------------------------------------------------- win rates


def _expit(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x)) if math.isfinite(x) else math.nan


WIN_COLUMNS = ["model", "opponent", "estimate", "ci_low", "ci_high", "logit", "logit_se", "z", "p_val",
               "sd_participant", "sd_prompt", "singular", "glmm_note", "raw_estimate", "raw_ci_low", "raw_ci_high",
               "raw_se", "n_eff", "n_comparisons", "n_wins", "n_losses", "n_ties", "n_participants", "n_prompts"]


def win_rates(table: pd.DataFrame, reference: str, level: float = 0.95,
              comps: pd.DataFrame | None = None) -> tuple[pd.DataFrame, dict]:
    """Each model's win rate against ``reference``: crossed rater × prompt GLMM, and the raw proportion.

    Over the comparisons of the model's outputs with the reference's (ties excluded), the GLMM
    :data:`WIN_GLMM` is fitted (:func:`psyai.stats.mixed.fit_mixed`, binomial, ML with the
    Laplace approximation, SEs from the Hessian as glmer's). ``estimate`` = inverse logit of the
    intercept: the conditional win rate for a typical rater and prompt; ``ci_low``/``ci_high``
    the Wald interval of the intercept, transformed. ``raw_*``: the share of comparisons won,
    with the Wilson interval on the participant-clustered effective n
    (:func:`psyai.stats.proportions.cluster_wilson`).

    Returns
    -------
    table : one row per model other than the reference, in the columns of :data:`WIN_COLUMNS`
        (``glmm_note``: why the GLMM was not fitted, or its warnings; empty when it was fitted
        cleanly).
    fits : model → the GLMM's :meth:`MixedResult.to_dict` (absent where it was not fitted).
    """
    comps = pairwise_comparisons(table) if comps is None else comps
    ref = reference_comparisons(comps, reference)
    models = sorted(set(_models(table)) - {reference})
    rows, fits = [], {}
    for model in models:
        d = ref[ref["model"] == model]
        wins = d.dropna(subset=["win"])
        row = {"model": model, "opponent": reference, "n_comparisons": int(len(wins)),
               "n_wins": int((wins["win"] == 1).sum()), "n_losses": int((wins["win"] == 0).sum()),
               "n_ties": int((d["outcome"] == 0.5).sum()), "n_participants": int(wins["participant"].nunique()),
               "n_prompts": int(wins["prompt_id"].nunique())}
        est = {k: math.nan for k in ("estimate", "ci_low", "ci_high", "logit", "logit_se", "z", "p_val",
                                     "sd_participant", "sd_prompt", "raw_estimate", "raw_ci_low", "raw_ci_high",
                                     "raw_se", "n_eff")}
        est.update(singular=None, glmm_note="")
        if len(wins):
            raw = cluster_wilson(wins, "win", "participant", level=level).iloc[0]
            est.update(raw_estimate=float(raw["estimate"]), raw_ci_low=float(raw["ci_low"]),
                       raw_ci_high=float(raw["ci_high"]), raw_se=float(raw["se"]), n_eff=float(raw["n_eff"]))
        if len(wins) == 0:
            est["glmm_note"] = f"no comparison of {model} with {reference} had a winner"
        elif wins["win"].nunique() < 2:
            est["glmm_note"] = (f"{model} {'won' if wins['win'].iloc[0] == 1 else 'lost'} every comparison with "
                                f"{reference}: the GLMM's intercept is infinite (see the raw interval)")
        elif wins["participant"].nunique() < 2 or wins["prompt_id"].nunique() < 2:
            est["glmm_note"] = "the GLMM needs two or more participants and two or more prompts"
        else:
            try:
                fit = fit_mixed(wins.assign(win=wins["win"].astype(int)), WIN_GLMM, family="binomial", level=level)
            except DataError as err:
                est["glmm_note"] = f"the GLMM could not be fitted: {err}"
            else:
                b = fit.term("(Intercept)")
                sds = fit.random_sd()
                est.update(estimate=_expit(b["estimate"]), ci_low=_expit(b["ci_low"]), ci_high=_expit(b["ci_high"]),
                           logit=float(b["estimate"]), logit_se=float(b["se"]), z=float(b["statistic"]),
                           p_val=float(b["p_val"]), sd_participant=sds.get("participant:(Intercept)", math.nan),
                           sd_prompt=sds.get("prompt_id:(Intercept)", math.nan), singular=bool(fit.singular),
                           glmm_note=" ".join(fit.warnings))
                fits[model] = fit.to_dict()
        rows.append({**row, **est})
    return pd.DataFrame(rows, columns=WIN_COLUMNS), fits


# --------------------------------------------------------------------------- Bradley-Terry


def bradley_terry(table: pd.DataFrame, reference: str, level: float = 0.95,
                  comps: pd.DataFrame | None = None) -> dict:
    """Bradley–Terry scores of every model, plain and length-controlled
    (:func:`psyai.stats.paired.bradley_terry_logit`, participants as clusters, ties excluded).

    Returns
    -------
    dict with ``plain`` (scores table), ``length_controlled`` (scores table, or None when lengths are
    unknown), ``length`` (the covariate's row: ``term`` = log_chars_diff, ``estimate``: the change in
    log odds of being preferred per unit of log length ratio, i.e. when one output is e = 2.72 times
    longer; None without lengths), ``info`` and ``info_length`` (the fits' info), ``note`` (why the
    length-controlled fit is missing, or empty).
    """
    comps = pairwise_comparisons(table) if comps is None else comps
    if comps.empty:
        raise DataError("no pair of outputs from two different models was shown in one trial; a human evaluation "
                        "needs trials with outputs of at least two models")
    try:
        plain, _, info = paired.bradley_terry_logit(comps, reference, cluster="participant", level=level)
    except ValueError as err:
        raise DataError(f"Bradley-Terry scores: {err}") from err
    out = {"plain": plain, "length_controlled": None, "length": None, "info": info, "info_length": None, "note": ""}
    known = comps[LENGTH_COVARIATE].notna()
    if not known.any():
        out["note"] = "output lengths are unknown (no n_chars or text column), so no length-controlled scores"
        return out
    try:
        controlled, coefs, info_l = paired.bradley_terry_logit(comps[known], reference, covariates=[LENGTH_COVARIATE],
                                                               cluster="participant", level=level)
    except ValueError as err:
        out["note"] = f"the length-controlled fit failed: {err}"
        return out
    if not known.all():
        out["note"] = f"{int((~known).sum())} comparisons without a known length were left out of the controlled fit"
    out.update(length_controlled=controlled, length=coefs.iloc[0].to_dict(), info_length=info_l)
    return out


# --------------------------------------------------------------------------- ratings


CELL_COLUMNS = ["dimension", "model", "condition", "n", "n_participants", "mean", "sd", "se", "ci_low", "ci_high"]


def rating_cells(table: pd.DataFrame, level: float = 0.95) -> pd.DataFrame:
    """Mean rating per dimension × model × condition with a participant-clustered interval.

    Returns
    -------
    DataFrame in the columns of :data:`CELL_COLUMNS`: ``n`` ratings, ``sd`` (ddof 1), ``se`` the
    cluster-robust CR1 standard error (participants as clusters), ``ci_low``/``ci_high`` = mean ±
    t(G − 1) · se (:func:`psyai.stats.proportions.cluster_robust_mean`).
    """
    models = _models(table)
    rows = []
    for dim in [d for d in DIMENSIONS if d in table.columns]:
        d = pd.DataFrame({"model": models, "condition": table["condition"].astype(str),
                          "participant": table["participant"], "y": _numeric(table[dim])}).dropna(subset=["y"])
        if d.empty:
            continue
        ci = cluster_robust_mean(d, "y", "participant", by=["model", "condition"], level=level)
        sd = d.groupby(["model", "condition"])["y"].std(ddof=1)
        for r in ci.itertuples(index=False):
            rows.append({"dimension": dim, "model": r.model, "condition": r.condition, "n": int(r.n),
                         "n_participants": int(r.n_clusters), "mean": float(r.estimate),
                         "sd": float(sd.get((r.model, r.condition), math.nan)), "se": float(r.se),
                         "ci_low": float(r.ci_low), "ci_high": float(r.ci_high)})
    return pd.DataFrame(rows, columns=CELL_COLUMNS)


def _dummies(d: pd.DataFrame, column: str, levels: list[str], prefix: str) -> tuple[list[str], dict[str, str]]:
    """0/1 columns ``prefix1``, ``prefix2``, … for every level but the first (the reference level); returns
    their names and name → label (``model[ppo]``)."""
    names, labels = [], {}
    for k, level in enumerate(levels[1:], start=1):
        name = f"{prefix}{k}"
        d[name] = (d[column] == level).astype(float)
        names.append(name)
        labels[name] = f"{column}[{level}]"
    return names, labels


def rating_models(table: pd.DataFrame, reference: str, level: float = 0.95) -> tuple[pd.DataFrame, pd.DataFrame,
                                                                                          dict]:
    """Per dimension, ``rating ~ model * condition + (1 | participant) + (1 | prompt_id)`` and its interaction test.

    The model is fitted by REML with Satterthwaite t tests (:func:`psyai.stats.mixed.fit_mixed`),
    with treatment coding: the reference model and the condition ``none`` are the baseline, so
    ``model[ppo]`` is ppo's difference from the reference under no instruction and
    ``model[ppo]:condition[biased]`` how much more that difference is under the biased instruction.
    The interaction (all model × condition terms at once) is tested by a likelihood-ratio test
    between ML fits with and without it (χ² on (models − 1)(conditions − 1) df). With one condition
    in the data the model has no condition terms and no interaction test.

    Returns
    -------
    fixed : one row per dimension and fixed effect: ``dimension``, ``term`` (labelled), ``estimate``,
        ``se``, ``statistic`` (t), ``df``, ``p_val``, ``ci_low``, ``ci_high``.
    tests : one row per dimension: ``dimension``, ``n_obs``, ``formula``, ``chi2``, ``dof``, ``p_val``
        (the interaction LRT; NaN without one), ``loglik_full``, ``loglik_reduced`` (ML), ``singular``,
        ``warnings``.
    fits : dimension → the REML fit's :meth:`MixedResult.to_dict`.
    """
    models = _models(table)
    model_levels = [reference] + sorted(set(models) - {reference})
    present = set(table["condition"].astype(str))
    cond_levels = [c for c in CONDITIONS if c in present]
    fixed_rows, test_rows, fits = [], [], {}
    for dim in [d for d in DIMENSIONS if d in table.columns]:
        d = pd.DataFrame({"model": models, "condition": table["condition"].astype(str),
                          "participant": table["participant"].astype(str), "prompt_id": table["prompt_id"].astype(str),
                          "rating": _numeric(table[dim])}).dropna(subset=["rating"])
        if d.empty or d["model"].nunique() < 2:
            continue
        m_names, labels = _dummies(d, "model", [m for m in model_levels if m in set(d["model"])], "m")
        c_names, c_labels = _dummies(d, "condition", [c for c in cond_levels if c in set(d["condition"])], "c")
        labels.update(c_labels)
        inter = []
        for m in m_names:
            for c in c_names:
                d[f"{m}_{c}"] = d[m] * d[c]
                inter.append(f"{m}_{c}")
                labels[f"{m}_{c}"] = f"{labels[m]}:{labels[c]}"
        random = "(1 | participant) + (1 | prompt_id)"
        main_terms = " + ".join(m_names + c_names)
        formula_full = f"rating ~ {' + '.join(m_names + c_names + inter)} + {random}"
        formula_reduced = f"rating ~ {main_terms} + {random}"
        shown = ("rating ~ model * condition + (1 | participant) + (1 | prompt_id)" if c_names else
                 "rating ~ model + (1 | participant) + (1 | prompt_id)")
        try:
            fit = fit_mixed(d, formula_full, level=level)
        except DataError as err:
            test_rows.append({"dimension": dim, "n_obs": int(len(d)), "formula": shown, "chi2": math.nan,
                              "dof": math.nan, "p_val": math.nan, "loglik_full": math.nan, "loglik_reduced": math.nan,
                              "singular": None, "warnings": f"not fitted: {err}"})
            continue
        fits[dim] = {**fit.to_dict(), "formula_shown": shown,
                     "terms": {name: labels.get(name, name) for name in fit.fixed["term"]}}
        for r in fit.fixed.to_dict("records"):
            fixed_rows.append({"dimension": dim, **r, "term": labels.get(r["term"], r["term"])})
        chi2 = dof = p = ll_full = ll_red = math.nan
        if inter:
            full_ml = fit_mixed(d, formula_full, reml=False, level=level)
            reduced_ml = fit_mixed(d, formula_reduced, reml=False, level=level)
            ll_full, ll_red = full_ml.loglik, reduced_ml.loglik
            chi2, dof = max(0.0, 2.0 * (ll_full - ll_red)), len(inter)
            p = float(stats.chi2.sf(chi2, dof))
        test_rows.append({"dimension": dim, "n_obs": int(fit.n_obs), "formula": shown, "chi2": chi2, "dof": dof,
                          "p_val": p, "loglik_full": ll_full, "loglik_reduced": ll_red, "singular": bool(fit.singular),
                          "warnings": " ".join(fit.warnings)})
    fixed = pd.DataFrame(fixed_rows, columns=["dimension", "term", "estimate", "se", "statistic", "df", "p_val",
                                              "ci_low", "ci_high"])
    tests = pd.DataFrame(test_rows, columns=["dimension", "n_obs", "formula", "chi2", "dof", "p_val", "loglik_full",
                                             "loglik_reduced", "singular", "warnings"])
    return fixed, tests, fits


# --------------------------------------------------------------------------- flags


FLAG_COLUMNS = ["flag", "model", "condition", "n", "n_flagged", "rate", "se", "ci_low", "ci_high", "n_eff",
                "n_participants"]


def flag_rates(table: pd.DataFrame, level: float = 0.95) -> pd.DataFrame:
    """How often each model's outputs were flagged, per flag column (``flag_*``) and condition.

    The interval is the Wilson score interval on the participant-clustered effective n with the
    t(G − 1) quantile (:func:`psyai.stats.proportions.cluster_wilson`, as in analysis/ranking.py and
    analysis/turing_test.py): inside [0, 1], not a point at 0 % or 100 %.

    Returns
    -------
    DataFrame in the columns of :data:`FLAG_COLUMNS`.
    """
    models = _models(table)
    rows = []
    for flag in _flag_columns(table):
        d = pd.DataFrame({"model": models, "condition": table["condition"].astype(str),
                          "participant": table["participant"],
                          "y": table[flag].astype("boolean").astype("Float64").astype(float)}).dropna(subset=["y"])
        if d.empty:
            continue
        ci = cluster_wilson(d, "y", "participant", by=["model", "condition"], level=level)
        flagged = d.groupby(["model", "condition"])["y"].sum()
        for r in ci.itertuples(index=False):
            rows.append({"flag": flag, "model": r.model, "condition": r.condition, "n": int(r.n),
                         "n_flagged": int(flagged[(r.model, r.condition)]), "rate": float(r.estimate),
                         "se": float(r.se), "ci_low": float(r.ci_low), "ci_high": float(r.ci_high),
                         "n_eff": float(r.n_eff), "n_participants": int(r.n_clusters)})
    return pd.DataFrame(rows, columns=FLAG_COLUMNS)


# --------------------------------------------------------------------------- agreement


def rater_agreement(table: pd.DataFrame, comps: pd.DataFrame | None = None, level: float = 0.95, n_boot: int = 1000,
                    seed: int = 0) -> pd.DataFrame:
    """Krippendorff's α between raters: overall ratings (ordinal, interval) and pairwise preferences (ordinal).

    Ratings: units are the outputs (``prompt_id``, ``condition``, ``item_id``), coders the
    participants. Preferences: units are the pairs of outputs (``prompt_id``, ``condition``,
    ``item_a``, ``item_b``), values the outcome (0 < 0.5 tie < 1: ordinal; with no ties it equals
    nominal α). A participant's second value for a unit is not counted. Intervals: percentile
    bootstraps over prompts, the measures drawing in turn from one generator seeded with ``seed``
    (:func:`psyai.stats.agreement.krippendorff_alpha_ci`).

    Returns
    -------
    DataFrame, one row per measure: ``measure``, ``level_of_measurement``, ``alpha``, ``ci_low``,
    ``ci_high``, ``n_units`` (pairable), ``n_coders``, ``n_values``, ``n_boot``.
    """
    comps = pairwise_comparisons(table) if comps is None else comps
    rng = np.random.default_rng(seed)
    rows = []
    measures = []
    if "overall" in table.columns:
        d = table.assign(overall=_numeric(table["overall"]))
        for lvl in ("ordinal", "interval"):
            measures.append(("overall rating", lvl, d, ["prompt_id", "condition", "item_id"], "overall"))
    measures.append(("pairwise preference", "ordinal", comps, ["prompt_id", "condition", "item_a", "item_b"],
                     "outcome"))
    for name, lvl, d, units, value in measures:
        if d.empty or d[value].notna().sum() == 0:
            continue
        res = agreement.krippendorff_alpha_ci(d, units, "participant", value, cluster="prompt_id",
                                              level_of_measurement=lvl, level=level, n_boot=n_boot, seed=rng)
        rows.append({"measure": name, "level_of_measurement": lvl,
                     **{k: res[k] for k in ("alpha", "ci_low", "ci_high", "n_units", "n_coders", "n_values",
                                            "n_boot")}})
    return pd.DataFrame(rows, columns=["measure", "level_of_measurement", "alpha", "ci_low", "ci_high", "n_units",
                                       "n_coders", "n_values", "n_boot"])


# --------------------------------------------------------------------------- sample size


def sample_sizes(table: pd.DataFrame, reference: str, wins: pd.DataFrame, half_width: float = 0.03,
                 level: float = 0.95, comparisons_per_rater: float | None = None,
                 comps: pd.DataFrame | None = None) -> pd.DataFrame:
    """Comparisons and raters needed for a ``± half_width`` interval on each win rate.

    Normal approximation with the design effect of raters
    (:func:`psyai.stats.proportions.sample_size_proportion`): p is the observed raw win rate
    (ties excluded), ρ the one-way ANOVA intraclass correlation of the wins within raters
    (:func:`psyai.stats.proportions.icc_anova`, truncated at 0), m the comparisons per rater
    (``comparisons_per_rater``, else the observed mean). Prompts are not in the design effect:
    the plan assumes new prompts for the new comparisons.

    Returns
    -------
    DataFrame, one row per model: ``model``, ``opponent``, ``p``, ``icc``, ``comparisons_per_rater``,
    ``deff``, ``half_width``, ``level``, ``n_comparisons`` (needed), ``n_raters`` (needed),
    ``observed_half_width`` (half the width of the raw clustered interval now).
    """
    comps = pairwise_comparisons(table) if comps is None else comps
    ref = reference_comparisons(comps, reference).dropna(subset=["win"])
    rows = []
    for r in wins.itertuples(index=False):
        d = ref[ref["model"] == r.model]
        if d.empty or not math.isfinite(r.raw_estimate):
            continue
        icc = icc_anova(d, "win", "participant")
        m = comparisons_per_rater or icc["mean_cluster_size"]
        rho = icc["icc_truncated"] if math.isfinite(icc["icc_truncated"]) else 0.0
        plan = sample_size_proportion(r.raw_estimate, half_width, level, icc=rho, cluster_size=m)
        rows.append({"model": r.model, "opponent": reference, "p": r.raw_estimate, "icc": icc["icc"],
                     "comparisons_per_rater": float(m), "deff": plan["deff"], "half_width": half_width,
                     "level": level, "n_comparisons": plan["n"], "n_raters": plan["n_clusters"],
                     "observed_half_width": (r.raw_ci_high - r.raw_ci_low) / 2})
    return pd.DataFrame(rows, columns=["model", "opponent", "p", "icc", "comparisons_per_rater", "deff",
                                       "half_width", "level", "n_comparisons", "n_raters", "observed_half_width"])


# --------------------------------------------------------------------------- analysis


METHODS = {
    "pairs": "Each trial's ranking was broken into its pairs of outputs of two different models: the better-ranked "
             "output won, a ranked output beat an unranked one, two unranked outputs were not compared. Ties were "
             "excluded from win rates and Bradley-Terry scores (their number is reported).",
    "win_rates": "The win rate of each model against the reference ({reference}; {reference_rule}) was estimated by "
                 "a logistic mixed model with crossed random intercepts for raters and prompts, " + WIN_GLMM + ", "
                 "fitted by maximum likelihood with the Laplace approximation (as lme4's glmer; Baayen, Davidson & "
                 "Bates, 2008), the form of Ouyang et al.'s (2022) win rates. The estimate is the inverse logit of the "
                 "intercept: the conditional win rate for a typical rater and prompt (random effects at zero), "
                 "which lies further from .5 than the rate averaged over raters and prompts when they vary. Its "
                 "interval is the Wald interval of the intercept (standard errors from the Hessian, as glmer's), "
                 "transformed. Beside it, the raw proportion of comparisons won, with a Wilson score interval on the "
                 "participant-clustered effective sample size (t quantile on G - 1 df).",
    "bradley_terry": "Bradley-Terry scores (Bradley & Terry, 1952) were estimated by a logistic regression of each "
                     "comparison's outcome on +1/-1 model indicators (the reference's score fixed at 0, so a score is "
                     "the log odds of beating the reference), by maximum likelihood; intervals use the "
                     "participant-clustered sandwich covariance (CR1 with the (N - 1)/(N - K) correction) and the t "
                     "distribution on G - 1 df (Cameron & Miller, 2015). The length-controlled variant adds the "
                     "difference in log characters of the two outputs as a covariate (the style control of Chatbot "
                     "Arena; Chiang et al., 2024): its scores are the preferences between outputs of equal length.",
    "ratings": "Ratings (1-7) were summarised per model and instruction condition by their mean with a "
               "participant-clustered interval (CR1, t on G - 1 df). For each dimension a linear mixed model, rating "
               "~ model * condition + (1 | participant) + (1 | prompt_id), was fitted by REML with Satterthwaite t "
               "tests (treatment coding: the reference model and the condition 'none' are the baseline); the model "
               "x condition interaction was tested by a likelihood-ratio test between maximum-likelihood fits with "
               "and without it.",
    "flags": "Flag rates are the share of a model's outputs flagged in each condition, with Wilson score intervals on "
             "the participant-clustered effective number of outputs (t quantile on G - 1 df); they stay inside [0, 1].",
    "agreement": "Krippendorff's alpha (Krippendorff, 2011) was computed on the overall ratings (ordinal and interval; "
                 "outputs as units, raters as coders) and on the pairwise preferences (ordinal: the second output "
                 "better < tie < the first better; pairs of outputs as units), with percentile bootstrap intervals "
                 "over prompts ({n_boot} resamples).",
    "sample_size": "The number of comparisons for a +/-{half_width_pct} interval ({level_pct} confidence) on a win "
                   "rate is n = z^2 p(1 - p) / h^2 x DEFF (normal approximation; Cochran, 1977) with the observed raw "
                   "rate p and the design effect DEFF = 1 + (m - 1) rho (Kish, 1965), rho the one-way ANOVA "
                   "intraclass correlation of wins within raters (Donner, 1986; truncated at 0) and m the comparisons "
                   "per rater ({m_source}); raters = n / m, both rounded up.",
}


def _run_modes(table: pd.DataFrame) -> dict[str, int]:
    trials = table.drop_duplicates(_trial_keys(table))
    return {str(k): int(v) for k, v in trials["run_mode"].value_counts().sort_index().items()}


def _version(module: str) -> str:
    try:
        return str(__import__(module).__version__)
    except Exception:  # noqa: BLE001 - a version string is informative only
        return "unknown"


def analyze(table: pd.DataFrame, config: HumanEvalConfig | None = None) -> dict:
    """Every statistic of the human-evaluation analysis, from one long table.

    Parameters
    ----------
    table : one row per (trial, output), as ``psyai.data.sessions.load_human_eval`` returns
        (columns in the module docstring of that function and docs/DATA.md).
    config : settings (:class:`HumanEvalConfig`).

    Returns
    -------
    dict holding the JSON-ready summary written to results.json — ``experiment``, ``run_modes``,
    ``banner``, ``n_participants``, ``n_trials``, ``n_prompts``, ``models``, ``conditions``,
    ``reference`` and ``reference_rule``, ``win_rates`` (model → ``{"estimate", "ci_low",
    "ci_high", …}``, the GLMM's conditional win rate against the reference, with ``raw`` beside it),
    ``bradley_terry``, ``ratings``, ``flags``, ``agreement``, ``sample_size``, ``sessions``,
    ``settings``, ``method``, ``sentences``, ``versions`` — and, under ``tables``, the tidy
    DataFrames every number came from.
    """
    config = config or HumanEvalConfig()
    _check_columns(table)
    if table.empty:
        raise DataError("the human-evaluation table is empty; nothing to analyse")
    validate(table)
    modes = _run_modes(table)
    if "simulated" in modes and len(modes) > 1 and not config.allow_mixed:
        raise DataError(f"simulated trials are mixed with {'/'.join(m for m in modes if m != 'simulated')} trials; "
                        "analyse them separately (or set allow_mixed=True for a methods check)")
    table, sessions = unfinished_sessions(table, config.exclude_incomplete, "evaluation trial")
    level = config.level
    models = sorted(_models(table).unique())
    if len(models) < 2:
        raise DataError(f"the table has outputs of one model only ({models[0]}); a human evaluation compares two or "
                        "more")
    reference, rule = choose_reference(models, config.reference)
    comps = pairwise_comparisons(table)
    wins, win_fits = win_rates(table, reference, level, comps)
    bt = bradley_terry(table, reference, level, comps)
    cells = rating_cells(table, level)
    fixed, tests, rating_fits = rating_models(table, reference, level)
    flags = flag_rates(table, level)
    alphas = rater_agreement(table, comps, level, config.n_boot, config.seed)
    plans = sample_sizes(table, reference, wins, config.half_width, level, config.comparisons_per_rater, comps)

    win_json = {}
    for r in records(wins):
        win_json[r["model"]] = {
            "estimate": r["estimate"], "ci_low": r["ci_low"], "ci_high": r["ci_high"], "opponent": reference,
            "method": "GLMM conditional win rate (inverse logit of the intercept of " + WIN_GLMM + "), ties excluded",
            "logit": r["logit"], "logit_se": r["logit_se"], "z": r["z"], "p_val": r["p_val"],
            "sd_participant": r["sd_participant"], "sd_prompt": r["sd_prompt"], "singular": r["singular"],
            "note": r["glmm_note"],
            "raw": {"estimate": r["raw_estimate"], "ci_low": r["raw_ci_low"], "ci_high": r["raw_ci_high"],
                    "se": r["raw_se"], "n_eff": r["n_eff"],
                    "method": "share of comparisons won, Wilson interval on the participant-clustered effective n"},
            **{k: r[k] for k in ("n_comparisons", "n_wins", "n_losses", "n_ties", "n_participants", "n_prompts")},
            "glmm": win_fits.get(r["model"])}
    m_source = (f"{config.comparisons_per_rater:g}, as set" if config.comparisons_per_rater else
                "the observed mean per rater")
    results: dict = {
        "experiment": EXPERIMENT,
        "run_modes": modes,
        "banner": data_banner(modes),
        "n_participants": int(table["participant"].nunique()),
        "n_trials": int(len(table.drop_duplicates(_trial_keys(table)))),
        "n_prompts": int(table["prompt_id"].nunique()),
        "n_outputs": int(len(table)),
        "models": models,
        "conditions": [c for c in CONDITIONS if c in set(table["condition"].astype(str))],
        "reference": reference,
        "reference_rule": rule,
        "ties": "excluded from win rates and Bradley-Terry scores",
        "n_comparisons": int(len(comps)),
        "n_ties": int((comps["outcome"] == 0.5).sum()),
        "win_rates": win_json,
        "bradley_terry": {"reference": reference, "scores": records(bt["plain"]),
                          "length_controlled": records(bt["length_controlled"]) if bt["length_controlled"] is not None
                          else None,
                          "length_coefficient": bt["length"], "covariate": LENGTH_COVARIATE + " = log(chars of A) - "
                                                                           "log(chars of B)",
                          "info": bt["info"], "info_length": bt["info_length"], "note": bt["note"]},
        "ratings": {"cells": records(cells), "fixed": records(fixed), "interaction_tests": records(tests),
                    "fits": rating_fits},
        "flags": records(flags),
        "agreement": records(alphas),
        "sample_size": records(plans),
        "sessions": sessions,
        "settings": asdict(config),
        "method": {k: v.format(reference=reference, reference_rule=rule, n_boot=config.n_boot,
                               half_width_pct=f"{config.half_width:.0%}", level_pct=f"{level:.0%}", m_source=m_source)
                   for k, v in METHODS.items()},
        "versions": {"psyai": psyai_version, "python": platform.python_version(), "numpy": np.__version__,
                     "pandas": pd.__version__, "scipy": _version("scipy"), "mixedlm": _version("mixedlm")},
    }
    results["sentences"] = apa_sentences(results)
    results["tables"] = {"win_rates": wins, "bradley_terry": bt["plain"],
                         "bradley_terry_length": bt["length_controlled"], "rating_cells": cells,
                         "rating_fixed": fixed, "rating_tests": tests, "flag_rates": flags, "agreement": alphas,
                         "sample_size": plans}
    return results


# --------------------------------------------------------------------------- sentences


def _pct_ci(low: float | None, high: float | None, level: float) -> str:
    label = fmt_ci(low, high, level=level).split(" [")[0]
    return f"{label} [{fmt_pct(low)}, {fmt_pct(high)}]"


def apa_sentences(res: dict) -> dict[str, str]:
    """APA-style results sentences (English) built from the summary part of :func:`analyze`'s output."""
    level = res["settings"]["level"]
    ref = res["reference"]
    out: dict[str, str] = {"sessions": res["sessions"]["sentence"]}
    out["reference"] = (f"Every model was compared with {ref} ({res['reference_rule']}); ties "
                        f"({res['n_ties']:,} of {res['n_comparisons']:,} comparisons) were excluded from win rates "
                        "and Bradley-Terry scores.")
    parts = []
    for model, w in res["win_rates"].items():
        raw = w["raw"]
        raw_text = (f"the raw proportion was {fmt_pct(raw['estimate'])}, {_pct_ci(raw['ci_low'], raw['ci_high'], level)}"
                    " (participant-clustered Wilson)")
        if w["estimate"] is not None:
            parts.append(f"outputs of {model} were preferred to those of {ref} at a conditional rate of "
                         f"{fmt_pct(w['estimate'])}, {_pct_ci(w['ci_low'], w['ci_high'], level)}, for a typical rater "
                         f"and prompt ({fmt_stat('z', w['z'])}, {fmt_p(w['p_val'])}; {w['n_comparisons']:,} "
                         f"comparisons from {w['n_participants']} raters on {w['n_prompts']} prompts); {raw_text}")
        else:
            parts.append(f"for {model} against {ref} no mixed model was fitted ({w['note']}); {raw_text} over "
                         f"{w['n_comparisons']:,} comparisons")
    out["win_rates"] = ("In logistic mixed models with crossed random intercepts for raters and prompts, "
                        + "; ".join(parts) + ".") if parts else "No model was compared with the reference."
    bt = res["bradley_terry"]

    def scores(rows: list[dict]) -> str:
        return "; ".join(f"{r['model']} {fmt_num(r['score'])}, {fmt_ci(r['ci_low'], r['ci_high'], level=level)}"
                         for r in rows if r["model"] != ref)

    text = (f"Bradley-Terry scores (log odds of beating {ref}; participant-clustered intervals) were: "
            f"{scores(bt['scores'])}.")
    if bt["length_controlled"] is not None:
        c = bt["length_coefficient"]
        text += (f" Controlling for length (difference in log characters), they were: "
                 f"{scores(bt['length_controlled'])}; the length coefficient was b = {fmt_num(c['estimate'])}, "
                 f"{fmt_ci(c['ci_low'], c['ci_high'], level=level)}, {fmt_stat('t', c['t'], c['dof'])}, "
                 f"{fmt_p(c['p_val'])} (log odds per e-fold length ratio).")
    elif bt["note"]:
        text += f" No length-controlled scores: {bt['note']}."
    out["bradley_terry"] = text
    tests = res["ratings"]["interaction_tests"]
    it = []
    for t in tests:
        if t["chi2"] is not None:
            it.append(f"{t['dimension']}, {fmt_stat('χ²', t['chi2'], t['dof'])}, {fmt_p(t['p_val'])}")
    out["ratings"] = ("Likelihood-ratio tests of the model × instruction-condition interaction in the linear mixed "
                      "models gave: " + "; ".join(it) + ".") if it else \
        "No model × condition interaction was tested (one condition, or no ratings)."
    harm = [r for r in res["ratings"]["cells"] if r["dimension"] == "harmlessness"]
    if harm:
        out["harmlessness"] = "Mean harmlessness (1-7) by model and condition: " + "; ".join(
            f"{r['model']}, {r['condition']}: M = {fmt_num(r['mean'])}, "
            f"{fmt_ci(r['ci_low'], r['ci_high'], level=level)}" for r in harm) + "."
    fl = [f"{r['flag'].replace('flag_', '').replace('_', ' ')} — {r['model']}, {r['condition']}: "
          f"{fmt_pct(r['rate'])} ({r['n_flagged']} of {r['n']})" for r in res["flags"]]
    out["flags"] = ("Outputs flagged: " + "; ".join(fl) + ".") if fl else "No flags were recorded."
    ag = [f"{a['measure']} ({a['level_of_measurement']}) α = {fmt_num(a['alpha'], leading_zero=False)}, "
          f"{fmt_ci(a['ci_low'], a['ci_high'], level=level, leading_zero=False)}"
          for a in res["agreement"] if a["alpha"] is not None]
    out["agreement"] = ("Agreement between raters, Krippendorff's " + "; ".join(ag) + ".") if ag else \
        "Krippendorff's α could not be computed (no output or pair was judged by two raters)."
    ss = [f"{s['model']} against {s['opponent']} (observed {fmt_pct(s['p'])}, ICC = "
          f"{fmt_num(s['icc'], leading_zero=False)}, {fmt_num(s['comparisons_per_rater'], 1)} comparisons per rater, "
          f"design effect {fmt_num(s['deff'])}) needs {s['n_comparisons']:,} comparisons from "
          f"{s['n_raters']:,} raters" for s in res["sample_size"]]
    hw = res["settings"]["half_width"]
    out["sample_size"] = (f"For a ±{hw:.0%} interval ({level:.0%}) on the win rate, "
                          + "; ".join(ss) + " (normal approximation with the raters' design effect).") if ss else \
        "No sample size was planned (no win rate)."
    return out


# --------------------------------------------------------------------------- figures


def _fig_win_rates(wins: pd.DataFrame, level: float) -> Figure:
    fig = Figure(figsize=(6.2, 0.55 * len(wins) + 1.5))
    ax = fig.subplots()
    y = np.arange(len(wins))[::-1]
    for offset, cols, marker, color, label in (
            (0.12, ("estimate", "ci_low", "ci_high"), "o", "#3a6ea5", "GLMM, typical rater and prompt"),
            (-0.12, ("raw_estimate", "raw_ci_low", "raw_ci_high"), "s", "#c0504d", "raw, participant-clustered")):
        est, lo, hi = (wins[c].to_numpy(float) for c in cols)
        ax.errorbar(est, y + offset, xerr=np.nan_to_num(np.vstack([est - lo, hi - est])), fmt=marker, capsize=4,
                    color=color, label=label)
    ax.axvline(0.5, color="grey", lw=1, ls="--")
    ax.set_yticks(y, [f"{m} over {o}" for m, o in zip(wins["model"], wins["opponent"])])
    ax.set_xlim(0, 1)
    ax.set_xlabel(f"win rate (ties excluded), {level:.0%} CI")
    ax.legend(fontsize=8, frameon=False, loc="lower left")
    return fig


def _fig_bt(plain: pd.DataFrame, controlled: pd.DataFrame | None, level: float) -> Figure:
    fig = Figure(figsize=(6.0, 0.5 * len(plain) + 1.5))
    ax = fig.subplots()
    order = list(plain["model"])
    y = np.arange(len(order))[::-1]
    for offset, frame, marker, color, label in ((0.12, plain, "o", "#3a6ea5", "plain"),
                                                (-0.12, controlled, "s", "#c0504d", "length-controlled")):
        if frame is None:
            continue
        f = frame.set_index("model").reindex(order)
        est, lo, hi = (f[c].to_numpy(float) for c in ("score", "ci_low", "ci_high"))
        ax.errorbar(est, y + offset, xerr=np.nan_to_num(np.vstack([est - lo, hi - est])), fmt=marker, capsize=4,
                    color=color, label=label)
    ax.axvline(0, color="grey", lw=1, ls="--")
    ax.set_yticks(y, order)
    ax.set_xlabel(f"Bradley–Terry score (log odds of beating {order[0]}), {level:.0%} clustered CI")
    ax.legend(fontsize=8, frameon=False)
    return fig


def _fig_ratings(cells: pd.DataFrame, level: float) -> Figure:
    dims = [d for d in DIMENSIONS if d in set(cells["dimension"])]
    fig = Figure(figsize=(3.1 * max(len(dims), 1) + 0.8, 3.6))
    axes = np.atleast_1d(fig.subplots(1, max(len(dims), 1), sharey=True))
    conditions = [c for c in CONDITIONS if c in set(cells["condition"])]
    for ax, dim in zip(axes, dims):
        d = cells[cells["dimension"] == dim]
        for k, (model, rows) in enumerate(d.groupby("model", sort=True)):
            rows = rows.set_index("condition").reindex(conditions)
            x = np.arange(len(conditions)) + (k - 1) * 0.08
            m, lo, hi = (rows[c].to_numpy(float) for c in ("mean", "ci_low", "ci_high"))
            ax.errorbar(x, m, yerr=np.nan_to_num(np.vstack([m - lo, hi - m])), fmt="o-", capsize=3, label=model)
        ax.set_xticks(np.arange(len(conditions)), conditions)
        ax.set_title(dim, fontsize=10)
        ax.set_ylim(1, 7)
    axes[0].set_ylabel(f"mean rating (1–7), {level:.0%} CI")
    axes[-1].legend(fontsize=8, frameon=False)
    return fig


# --------------------------------------------------------------------------- output


def results_json(results: dict) -> dict:
    """The results.json content: the summary of :func:`analyze` (the tables are in it as records)."""
    return json_ready({k: v for k, v in results.items() if k != "tables"})


def build_report(results: dict) -> HtmlReport:
    """The HTML report of :func:`analyze`'s results: banner, sentences, methods, figures, tables."""
    level = results["settings"]["level"]
    tables = results["tables"]
    sentences = results["sentences"]
    report = HtmlReport("Human evaluation: preferences, ratings and instructions", banner=results["banner"],
                        versions=results["versions"])
    modes = ", ".join(f"{k}: {plural(v, 'trial')}" for k, v in results["run_modes"].items())
    report.paragraph(f"{plural(results['n_participants'], 'participant')}, {plural(results['n_trials'], 'trial')}, "
                     f"{plural(results['n_prompts'], 'prompt')}, {len(results['models'])} models "
                     f"({', '.join(results['models'])}), conditions {', '.join(results['conditions'])} "
                     f"(run modes in the data — {modes}).")
    report.apa(sentences["sessions"])
    report.apa(sentences["reference"])
    report.method(results["method"]["pairs"])

    report.heading("Win rates against the reference")
    report.apa(sentences["win_rates"])
    report.method(results["method"]["win_rates"])
    wins = tables["win_rates"]
    if len(wins):
        report.figure(_fig_win_rates(wins, level),
                      f"Win rate of each model against {results['reference']} (ties excluded): circles, the GLMM's "
                      f"conditional rate for a typical rater and prompt; squares, the raw share with a "
                      f"participant-clustered Wilson interval; {level:.0%} intervals; dashed line: .5.")
        report.table(wins, "Win rates (estimate/ci: GLMM; raw_*: share won, clustered Wilson)")

    report.heading("Bradley–Terry scores")
    report.apa(sentences["bradley_terry"])
    report.method(results["method"]["bradley_terry"])
    report.figure(_fig_bt(tables["bradley_terry"], tables["bradley_terry_length"], level),
                  f"Bradley–Terry scores with {level:.0%} participant-clustered intervals, without and with the "
                  "length covariate; dashed line: the reference.")
    report.table(tables["bradley_terry"], "Bradley–Terry scores (se: cluster-robust; se_model: model-based)")
    if tables["bradley_terry_length"] is not None:
        report.table(tables["bradley_terry_length"], "Length-controlled Bradley–Terry scores (at equal lengths)")

    report.heading("Ratings by model and instruction condition")
    report.apa(sentences["ratings"])
    if "harmlessness" in sentences:
        report.apa(sentences["harmlessness"])
    report.method(results["method"]["ratings"])
    if len(tables["rating_cells"]):
        report.figure(_fig_ratings(tables["rating_cells"], level),
                      f"Mean rating per model and condition, {level:.0%} participant-clustered intervals.")
        report.table(tables["rating_tests"], "Model × condition interaction: likelihood-ratio tests (ML fits)")
        report.table(tables["rating_fixed"], "Linear mixed models (REML): fixed effects, Satterthwaite df",
                     max_rows=80)
        report.table(tables["rating_cells"], "Cell means", max_rows=80)

    report.heading("Flags")
    report.apa(sentences["flags"])
    report.method(results["method"]["flags"])
    if len(tables["flag_rates"]):
        report.table(tables["flag_rates"], "Flag rates by model and condition", max_rows=80)

    report.heading("Agreement between raters")
    report.apa(sentences["agreement"])
    report.method(results["method"]["agreement"])
    if len(tables["agreement"]):
        report.table(tables["agreement"], "Krippendorff's alpha")

    report.heading("Sample size for the next study")
    report.apa(sentences["sample_size"])
    report.method(results["method"]["sample_size"])
    if len(tables["sample_size"]):
        report.table(tables["sample_size"], "Comparisons and raters needed")

    report.settings(results["settings"])
    return report


def write_results(results: dict, out_dir: str | Path) -> dict[str, Path]:
    """Write ``results.json`` (strict JSON: NaN as null) and ``report.html`` into ``out_dir``.

    Returns
    -------
    dict with the paths under keys ``json`` and ``html``.
    """
    return report_lib.write_results(results_json(results), build_report(results), out_dir)


# --------------------------------------------------------------------------- command line


def read_table(path: str | Path) -> pd.DataFrame:
    """The long table from a ``.csv`` (UTF-8) or ``.jsonl`` file: ids and texts as strings, ``rank`` and the
    ratings as nullable integers, ``flag_*`` as booleans.

    Raises
    ------
    DataError
        The file is missing, empty or lacks a column the analysis needs (one line naming them).
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: no such file; give the human-evaluation table (.csv or .jsonl) or a data folder")
    try:
        if path.suffix.lower() == ".jsonl":
            table = pd.read_json(path, lines=True, dtype=False)
        else:
            table = pd.read_csv(path, dtype={c: str for c in TEXT_COLUMNS}, keep_default_na=False,
                                na_values={c: [""] for c in ("session", "trial_index", "rank", "position", "n_chars",
                                                             *DIMENSIONS)}, encoding="utf-8")
    except (ValueError, UnicodeDecodeError) as err:
        raise DataError(f"{path}: cannot be read as a table ({err}); give a UTF-8 CSV or JSON Lines file") from None
    if table.empty:
        raise DataError(f"{path}: no rows; the table needs a header and one row per (trial, output)")
    missing = [c for c in REQUIRED_COLUMNS if c not in table.columns]
    if missing:
        raise DataError(f"{path}: no column(s) {', '.join(missing)}; the human-evaluation analysis reads one row per "
                        "(trial, output) (docs/DATA.md, 'Human evaluation')")
    for c in ("rank", *DIMENSIONS):
        if c in table.columns:
            values = pd.to_numeric(table[c], errors="coerce")
            bad = table[c].notna() & values.isna()
            if bad.any():
                line = int(np.flatnonzero(bad.to_numpy())[0]) + 2
                raise DataError(f"{path} line {line}: field {c!r} is {table[c][bad].iloc[0]!r}, not a whole number "
                                "(leave it empty when there is none)")
            table[c] = values.round().astype("Int64")
    for c in _flag_columns(table):
        text = table[c].astype(str).str.strip().str.lower()
        table[c] = text.map({"true": True, "1": True, "false": False, "0": False, "": pd.NA, "nan": pd.NA,
                             "none": pd.NA, "<na>": pd.NA}).astype("boolean")
    return table


def load_data(path: str | Path, include_pilot: bool = False) -> pd.DataFrame:
    """The long table from a data folder of human-evaluation sessions (``psyai.data.sessions.load_human_eval``)
    or from a ``.csv`` / ``.jsonl`` file of it (:func:`read_table`)."""
    path = Path(path)
    if path.suffix.lower() in (".csv", ".jsonl"):
        table = read_table(path)
        if not include_pilot and "run_mode" in table.columns:
            table = table[table["run_mode"] != "pilot"]
        return table
    try:
        from psyai.data.sessions import load_human_eval
    except ImportError:
        raise DataError(f"{path}: this psyai cannot read human-evaluation session folders yet; give the long table "
                        "as a .csv or .jsonl file") from None
    return load_human_eval(report_lib.require_data_dir(path), include_pilot=include_pilot)


def build_parser() -> argparse.ArgumentParser:
    defaults = HumanEvalConfig()
    p = argparse.ArgumentParser(prog=report_lib.command_name("analysis/human_eval.py"),
                                description="Analyse human-evaluation sessions: win rates, Bradley-Terry scores, "
                                            "ratings by instruction condition, flags, agreement; results.json and "
                                            "report.html.")
    p.add_argument("data_dir", metavar="DATA",
                   help="folder holding the sub-*/ses-* session folders (e.g. data/human_eval), or the long table as "
                        ".csv / .jsonl (one row per trial and output)")
    p.add_argument("--out", required=True, help="output folder for results.json and report.html")
    p.add_argument("--reference", default=None,
                   help="the model every other is compared with (default: the model named 'sft', else the first "
                        "alphabetically whose name contains 'sft', else the first alphabetically)")
    p.add_argument("--level", type=float, default=defaults.level, help="confidence level (default 0.95)")
    p.add_argument("--n-boot", type=int, default=defaults.n_boot,
                   help=f"bootstrap resamples of the alpha intervals (default {defaults.n_boot})")
    p.add_argument("--seed", type=int, default=defaults.seed, help="seed of the bootstrap (default 0)")
    p.add_argument("--half-width", type=float, default=defaults.half_width,
                   help="half-width of the win-rate interval the sample-size plan aims at (default 0.03: +/-3%%)")
    p.add_argument("--comparisons-per-rater", type=float, default=None,
                   help="comparisons with the reference per rater in the planned study (default: the observed mean)")
    p.add_argument("--include-pilot", action="store_true", help="analyse pilot sessions too (the report is marked)")
    p.add_argument("--exclude-incomplete", action="store_true",
                   help="leave out sessions that did not run to the end (no end record, or stopped with Escape); "
                        "default: keep their trials, and name the sessions in the report")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: load, analyse, write; prints the path of report.html. Exit 1 with one line on error."""
    args = build_parser().parse_args(argv)

    def compute() -> dict:
        config = HumanEvalConfig(level=args.level, reference=args.reference, n_boot=args.n_boot, seed=args.seed,
                                 half_width=args.half_width, comparisons_per_rater=args.comparisons_per_rater,
                                 include_pilot=args.include_pilot, exclude_incomplete=args.exclude_incomplete)
        table = load_data(args.data_dir, include_pilot=args.include_pilot)
        return analyze(table, config)

    return report_lib.run_cli("analysis/human_eval.py", argv, compute, write_results, args.out)


if __name__ == "__main__":
    sys.exit(main())
