"""Ranking analysis: do participants agree, which model do they prefer, and by how much?

Tidy ranking table in (one row per (trial, output), the long form of docs/DATA.md
section "Rankings"), tidy tables out, one function per statistic. The statistics
themselves live in :mod:`psyai.stats.agreement` and :mod:`psyai.stats.paired` (and
:func:`psyai.stats.proportions.cluster_robust_mean`); this module composes them for
ranking trials, writes the sentences, figures and report, and is the command line:

=====================================================  ===============================================================
:func:`trial_midranks`                                 ranks → mid-ranks per trial (ties averaged, unranked tied last)
:func:`kendall_w`                                      Kendall's W with tie correction per prompt, Friedman χ² test,
                                                       Holm-adjusted p over the prompts
:func:`agreement_alpha`                                ordinal α over all rankings and each Likert scale, bootstrap CI
:func:`likert_summary`                                 mean, SD and participant-clustered CI per model and scale
:func:`pairwise_comparisons`                           every within-trial pair of outputs of two different models
:func:`bradley_terry`                                  scores per model, bootstrap CIs over participants
:func:`win_rates`                                      how often one model's output beats another's, clustered
                                                       Wilson CI, Holm-adjusted p over the pairs
:func:`flag_rates`                                     how often outputs are flagged harmful / as inventing facts
:func:`analyze` → :func:`write_results`                results.json and report.html
=====================================================  ===============================================================

:func:`kendall_w_matrix`, :func:`alpha_from_counts`, :func:`krippendorff_alpha` and
:func:`bradley_terry_fit` are re-exported from psyai.stats for existing callers.

Command line::

    python analysis/ranking.py data/ranking --out results/ranking

Conventions. ``rank`` is 1 for the best output; tied outputs share a rank; a null
rank is an output the participant left unranked (a partial ranking). An unranked
output counts as below every ranked one of its trial and tied with the other
unranked ones when ranks enter Kendall's W and Krippendorff's α (the usual reading
of a top-k ranking); in pairwise comparisons a ranked output beats an unranked one,
two unranked outputs are not compared, and an expressed tie counts half a win to
each side. Comparisons of two outputs of the same model say nothing about models
and are left out of the Bradley–Terry scores and win rates.

References: the methods' sources (Bradley & Terry, 1952; Cameron & Miller, 2015; Efron &
Tibshirani, 1993; Holm, 1979; Hunter, 2004; Kendall & Babington Smith, 1939; Kish, 1965;
Korn & Graubard, 1998; Krippendorff, 2011; Maystre & Grossglauser, 2015; Siegel & Castellan,
1988; Wilson, 1927) are given in full in :mod:`psyai.stats.agreement`,
:mod:`psyai.stats.paired`, :mod:`psyai.stats.proportions` and :mod:`psyai.stats.multiple`. Ouyang, L., et al. (2022).
Training language models to follow instructions with human feedback. *NeurIPS 35*,
arXiv:2203.02155, for the win-rate figure.
"""

from __future__ import annotations

import argparse
import math
import platform
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Sequence

if __package__ in (None, ""):  # run as `python analysis/ranking.py`: make the repo importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from psyai import report as report_lib
from psyai.report import HtmlReport, data_banner, fmt_ci, json_ready, records, fmt_num, fmt_p, fmt_pct, fmt_stat
from psyai import __version__ as psyai_version
from psyai.data.sessions import unfinished_sessions
from psyai.errors import DataError
from psyai.stats import agreement, paired
from psyai.stats.agreement import alpha_from_counts, kendall_w_matrix, krippendorff_alpha  # re-exported
from psyai.stats.multiple import holm
from psyai.stats.paired import bradley_terry_fit  # re-exported
from psyai.stats.proportions import cluster_robust_mean, cluster_wilson

__all__ = [
    "FLAGS", "SCALES", "RankingConfig", "agreement_alpha", "alpha_from_counts", "analyze", "bradley_terry",
    "bradley_terry_fit", "flag_rates", "kendall_w", "kendall_w_matrix", "krippendorff_alpha", "likert_summary", "main",
    "pairwise_comparisons", "trial_midranks", "win_rates", "write_results",
]

EXPERIMENT = "ranking"
SCALES = ("helpfulness", "truthfulness", "harmlessness")  # Likert 1–7 (docs/DATA.md)
FLAGS = ("flag_harmful", "flag_invented_facts")
REQUIRED_COLUMNS = ("participant", "session", "prompt_id", "item_id", "model", "rank", "run_mode")
NO_MODEL = "(no model)"


# --------------------------------------------------------------------------- settings


@dataclass
class RankingConfig:
    """Settings of the ranking analysis; every field is written to results.json.

    Attributes
    ----------
    level : confidence level of every interval.
    n_boot : bootstrap resamples for the Bradley–Terry intervals (participants resampled)
        and the Krippendorff's α intervals (prompts resampled).
    seed : seed of the bootstrap's random generator (the same seed gives the same intervals).
    bt_alpha : regularisation of the Bradley–Terry fit (choix's ``alpha``: a pseudo-count
        of comparisons between every two models). 0 gives the maximum-likelihood scores,
        which exist only when no model wins or loses every comparison it is in.
    reference_model : report win rates of every model against this one; None: every
        pair of models.
    include_pilot : analyse pilot sessions too (recorded here; applied when loading).
    allow_mixed : analyse simulated trials together with real or pilot ones (refused by
        default: simulated data must never pass for real data).
    exclude_incomplete : leave out the sessions that did not run to the end: those without an end
        record (killed or crashed, not resumed) and those the participant stopped with Escape
        (``aborted``). Off by default: their rankings were each given in full; the report names
        such sessions either way.
    """

    level: float = 0.95
    n_boot: int = 1000
    seed: int = 0
    bt_alpha: float = 0.0
    reference_model: str | None = None
    include_pilot: bool = False
    allow_mixed: bool = False
    exclude_incomplete: bool = False

    def __post_init__(self) -> None:
        if not 0 < self.level < 1:
            raise ValueError(f"level={self.level}: give a confidence level between 0 and 1, e.g. 0.95")
        if self.n_boot < 100:
            raise ValueError(f"n_boot={self.n_boot}: percentile intervals need at least 100 resamples (1000 or more "
                             "for a report)")
        if self.bt_alpha < 0:
            raise ValueError(f"bt_alpha={self.bt_alpha}: give 0 (maximum likelihood) or a small positive pseudo-count")


# --------------------------------------------------------------------------- helpers


def _check_columns(rankings: pd.DataFrame, columns: Sequence[str] = REQUIRED_COLUMNS) -> None:
    missing = [c for c in columns if c not in rankings.columns]
    if missing:
        raise DataError(f"ranking table has no column(s) {', '.join(missing)}; load it with "
                        "psyai.data.load_rankings (see docs/DATA.md, section Rankings)")


def _trial_keys(rankings: pd.DataFrame) -> list[str]:
    keys = ["participant", "session"]
    if "trial_index" in rankings.columns:
        keys.append("trial_index")
    return [*keys, "prompt_id"]


def _numeric(series: pd.Series) -> pd.Series:
    return pd.to_numeric(series, errors="coerce").astype(float)


def _models(rankings: pd.DataFrame) -> pd.Series:
    """Each output's model as reports name it: ``model_name`` (psyai.data.load_rankings gives it), else ``model``."""
    col = rankings["model_name"] if "model_name" in rankings.columns else rankings["model"]
    col = col.astype(object).where(col.notna(), rankings["model"]) if "model_name" in rankings.columns else col
    return col.astype(object).where(col.notna(), NO_MODEL).astype(str)


# --------------------------------------------------------------------------- agreement


def trial_midranks(rankings: pd.DataFrame) -> pd.Series:
    """Mid-ranks of the outputs within each trial: 1 = best, ties averaged, unranked tied last.

    A trial's ranks (1, 1, 3, null, null) become (1.5, 1.5, 3, 4.5, 4.5): whatever tie
    convention the ranks follow (1, 1, 3 or 1, 1, 2), the mid-ranks are the same
    (:func:`psyai.stats.agreement.midranks` with the trial as block).

    Returns
    -------
    Series aligned with ``rankings`` (same index), float.
    """
    _check_columns(rankings, ("participant", "session", "prompt_id", "rank"))
    return agreement.midranks(rankings, _trial_keys(rankings), "rank")


def kendall_w(rankings: pd.DataFrame) -> pd.DataFrame:
    """Kendall's W per prompt, over the participants who ranked it.

    Each participant counts once per prompt (their first trial of it, by session and
    trial order), with the trial mid-ranks (:func:`trial_midranks`). W needs complete
    blocks: a participant who was shown a different set of outputs for the prompt than
    the others (e.g. after curation removed one) is left out and counted in
    ``n_raters_excluded`` (:func:`psyai.stats.agreement.kendall_w`).

    Each prompt's W is tested with its own Friedman χ² test, so a table of many prompts
    is a family of tests: ``p_holm`` adjusts ``p_val`` for the number of prompts with a
    test (Holm, 1979; :func:`psyai.stats.multiple.holm`, as R's ``p.adjust(p, "holm")``).

    Returns
    -------
    DataFrame, one row per prompt: ``prompt_id``, ``n_raters`` (m), ``n_outputs`` (n),
    ``n_raters_excluded``, ``w``, ``w_uncorrected``, ``chi2``, ``dof``, ``p_val``
    (unadjusted; see :func:`psyai.stats.agreement.kendall_w_matrix`), ``p_holm``
    (Holm-adjusted over the prompts; NaN where W is undefined).
    """
    _check_columns(rankings, ("participant", "session", "prompt_id", "item_id", "rank"))
    d = rankings.assign(midrank=trial_midranks(rankings))
    order = ["participant", "session"] + (["trial_index"] if "trial_index" in d.columns else [])
    d = d.sort_values(order, kind="stable")
    keys = _trial_keys(d)
    first = d.drop_duplicates(["participant", "prompt_id"])[keys]
    d = d.merge(first, on=keys, how="inner")
    table = agreement.kendall_w(d, "prompt_id", "participant", "item_id", "midrank")
    table["p_holm"] = holm(table["p_val"].to_numpy(float))
    return table.rename(columns={"n_objects": "n_outputs"})


def agreement_alpha(rankings: pd.DataFrame, level: float = 0.95, n_boot: int = 1000, seed: int = 0) -> pd.DataFrame:
    """Krippendorff's ordinal α over all rankings, and for each Likert scale.

    Units are the outputs (``prompt_id``, ``item_id``), coders the participants. For
    ``rank`` the values are the trial mid-ranks (:func:`trial_midranks`); for each
    scale in :data:`SCALES` present in the table, the ratings. The interval is a
    percentile bootstrap over prompts (the outputs of one prompt are ranked together,
    so prompts are resampled as clusters; :func:`psyai.stats.agreement.krippendorff_alpha_ci`,
    the measures drawing in turn from one random generator seeded with ``seed``).

    Returns
    -------
    DataFrame, one row per measure: ``measure``, ``alpha``, ``ci_low``, ``ci_high``,
    ``n_units`` (outputs coded by two or more participants), ``n_coders``,
    ``n_values`` (pairable values), ``n_boot``, ``level_of_measurement``.
    """
    _check_columns(rankings, ("participant", "session", "prompt_id", "item_id", "rank"))
    d = rankings.assign(rank_mid=trial_midranks(rankings))
    rng = np.random.default_rng(seed)
    rows = []
    measures = [("rank", "rank_mid")] + [(s, s) for s in SCALES if s in d.columns]
    for measure, col in measures:
        res = agreement.krippendorff_alpha_ci(d, ["prompt_id", "item_id"], "participant", col, cluster="prompt_id",
                                              level_of_measurement="ordinal", level=level, n_boot=n_boot, seed=rng)
        rows.append({"measure": measure, **{k: res[k] for k in ("alpha", "ci_low", "ci_high", "n_units", "n_coders",
                                                                 "n_values", "n_boot", "level_of_measurement")}})
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- ratings and flags


def likert_summary(rankings: pd.DataFrame, level: float = 0.95) -> pd.DataFrame:
    """Likert ratings (1–7) by model and scale: mean, SD and a participant-clustered interval.

    Returns
    -------
    DataFrame, one row per (model, scale) with ratings: ``model``, ``scale``, ``n``
    (ratings), ``n_participants``, ``mean``, ``sd`` (ddof 1, over ratings), ``median``,
    ``se`` (cluster-robust CR1, participants as clusters: a participant's ratings are not
    independent; :func:`psyai.stats.proportions.cluster_robust_mean`), ``ci_low``,
    ``ci_high`` (mean ± t(G − 1) · SE, G participants).
    """
    _check_columns(rankings, ("participant", "model"))
    models = _models(rankings)
    rows = []
    for scale in [s for s in SCALES if s in rankings.columns]:
        d = pd.DataFrame({"model": models, "participant": rankings["participant"],
                          "y": _numeric(rankings[scale])}).dropna(subset=["y"])
        if d.empty:
            continue
        ci = cluster_robust_mean(d, "y", "participant", by="model", level=level).set_index("model")
        for model, x in d.groupby("model", sort=True)["y"]:
            c = ci.loc[model]
            rows.append({"model": model, "scale": scale, "n": int(x.size), "n_participants": int(c["n_clusters"]),
                         "mean": float(x.mean()), "sd": float(x.std(ddof=1)) if x.size > 1 else math.nan,
                         "median": float(x.median()), "se": c["se"], "ci_low": c["ci_low"], "ci_high": c["ci_high"]})
    return pd.DataFrame(rows, columns=["model", "scale", "n", "n_participants", "mean", "sd", "median", "se",
                                       "ci_low", "ci_high"])


def flag_rates(rankings: pd.DataFrame, level: float = 0.95) -> pd.DataFrame:
    """How often each model's outputs were flagged (harmful, invented facts).

    Returns
    -------
    DataFrame, one row per (model, flag): ``model``, ``flag``, ``n`` (outputs shown),
    ``n_flagged``, ``rate``, ``se`` (participant-clustered CR1), ``ci_low``, ``ci_high`` (Wilson
    interval on the participant-clustered effective n, inside [0, 1] and not a point when no
    output or every output was flagged; :func:`psyai.stats.proportions.cluster_wilson`),
    ``n_participants``.
    """
    _check_columns(rankings, ("participant", "model"))
    models = _models(rankings)
    rows = []
    for flag in [f for f in FLAGS if f in rankings.columns]:
        d = pd.DataFrame({"model": models, "participant": rankings["participant"],
                          "y": rankings[flag].astype("boolean").astype(float)}).dropna(subset=["y"])
        if d.empty:
            continue
        ci = cluster_wilson(d, "y", "participant", by="model", level=level).set_index("model")
        for model, x in d.groupby("model", sort=True)["y"]:
            c = ci.loc[model]
            rows.append({"model": model, "flag": flag, "n": int(x.size), "n_flagged": int(x.sum()),
                         "rate": c["estimate"], "se": c["se"], "ci_low": c["ci_low"], "ci_high": c["ci_high"],
                         "n_participants": int(c["n_clusters"])})
    return pd.DataFrame(rows, columns=["model", "flag", "n", "n_flagged", "rate", "se", "ci_low", "ci_high",
                                       "n_participants"])


# --------------------------------------------------------------------------- preferences between models


def pairwise_comparisons(rankings: pd.DataFrame) -> pd.DataFrame:
    """Every pair of outputs of two different models ranked in the same trial.

    Returns
    -------
    DataFrame, one row per pair: ``participant``, ``session``, ``prompt_id``,
    ``model_a`` < ``model_b`` (alphabetical), ``item_a``, ``item_b``, and ``outcome``:
    1 when model_a's output was ranked better, 0 when worse, 0.5 for a tie. A ranked
    output beats an unranked one; pairs of two unranked outputs are left out, and so are
    pairs of outputs of the same model (:func:`psyai.stats.paired.pairwise_comparisons`
    with the trial as block; outputs without a model count as the model "(no model)").
    """
    _check_columns(rankings, ("participant", "session", "prompt_id", "item_id", "model", "rank"))
    keys = _trial_keys(rankings)
    d = rankings[[*keys, "item_id", "rank"]].assign(model=_models(rankings))
    return paired.pairwise_comparisons(d, keys, item="item_id", model="model", rank="rank")


def bradley_terry(rankings: pd.DataFrame, level: float = 0.95, n_boot: int = 1000, seed: int = 0,
                  alpha: float = 0.0) -> tuple[pd.DataFrame, dict]:
    """A Bradley–Terry score per model from every within-trial comparison, bootstrap intervals.

    The rankings are broken into the comparisons of :func:`pairwise_comparisons` (ties as
    half wins) and a Bradley–Terry model is fitted to their win counts; this is the
    pairwise-marginal (composite) likelihood of a Plackett–Luce ranking model, whose
    marginal pair probabilities are exactly Bradley–Terry. Because one participant's
    comparisons are not independent, the interval is a percentile bootstrap that
    resamples participants with all their rankings (Efron & Tibshirani, 1993;
    :func:`psyai.stats.paired.bradley_terry`); the model-based ``se`` is given for
    comparison.

    Returns
    -------
    table : one row per model, best first: ``model``, ``score`` (log-strength, mean 0
        over models), ``ci_low``, ``ci_high`` (bootstrap percentile), ``se`` (model-based),
        ``worth`` (exp(score) normalised to sum 1: the Luce probability of being chosen
        best among all models), ``n_comparisons``, ``win_share`` (wins / comparisons,
        ties half), ``rank`` (1 = highest score).
    info : dict with ``n_comparisons``, ``n_participants``, ``n_boot``, ``n_boot_failed``
        (resamples in which the maximum-likelihood scores do not exist), ``alpha``, ``seed``.
    """
    comps = pairwise_comparisons(rankings)
    if comps.empty:
        raise DataError("no pair of outputs from two different models was ranked; Bradley-Terry scores need "
                        "trials that show outputs of at least two models")
    try:
        table, info = paired.bradley_terry(comps, "participant", level=level, n_boot=n_boot, seed=seed, alpha=alpha)
    except paired.NoMaximumLikelihoodError as err:
        raise DataError("the Bradley-Terry maximum-likelihood scores do not exist: some model won (or lost) every "
                        "comparison it was in against the others; collect more rankings or set bt_alpha > 0 "
                        "(e.g. 0.01) to regularise") from err
    info = {"n_comparisons": info["n_comparisons"], "n_participants": info["n_clusters"], "n_boot": info["n_boot"],
            "n_boot_failed": info["n_boot_failed"], "alpha": info["alpha"], "seed": int(seed)}
    return table, info


def win_rates(rankings: pd.DataFrame, level: float = 0.95, reference: str | None = None) -> pd.DataFrame:
    """How often one model's output is ranked above another's, with a participant-clustered interval.

    This is the "outputs of model A are preferred to those of model B 85 ± 3 % of the
    time" figure of Ouyang et al. (2022): over every within-trial comparison of an output
    of ``model`` with one of ``opponent``, the share ``model`` won (ties count half).
    Comparisons from one participant are not independent, so the interval is the Wilson
    score interval on the participant-clustered effective sample size ``n_eff`` (from the
    cluster-robust CR1 variance) with the t(G − 1) quantile: it stays inside [0, 1] and does
    not shrink to a point at a 100 % win rate (:func:`psyai.stats.proportions.cluster_wilson`
    says why it was chosen over a cluster bootstrap). ``t``/``p_val`` test the rate against
    .5 with the CR1 standard error, unadjusted; ``p_holm`` is Holm-adjusted over the pairs
    in the table (:func:`psyai.stats.paired.win_rates`).

    Parameters
    ----------
    reference : compare every model against this one (``opponent`` = reference); None:
        every pair of models once, ``model`` < ``opponent`` alphabetically. The Holm family
        is the rows returned.

    Returns
    -------
    DataFrame, one row per pair: ``model``, ``opponent``, ``n_comparisons``,
    ``n_participants``, ``n_eff``, ``n_wins``, ``n_ties``, ``n_losses``, ``win_rate``, ``se``,
    ``ci_low``, ``ci_high``, ``t``, ``dof``, ``p_val``, ``p_holm``.
    """
    comps = pairwise_comparisons(rankings)
    models = sorted(set(comps["model_a"]) | set(comps["model_b"]))
    if reference is not None and reference not in models:
        raise DataError(f"reference model {reference!r} is not in the comparisons; models: {', '.join(models)}")
    table = paired.win_rates(comps, "participant", level=level, reference=reference)
    return table.rename(columns={"n_clusters": "n_participants"})


# --------------------------------------------------------------------------- analysis


METHODS = {
    "kendall_w": "Kendall's coefficient of concordance W was computed per prompt over the participants who ranked "
                 "it, on mid-ranks (ties averaged; unranked outputs tied below the ranked ones), with the tie "
                 "correction of Siegel and Castellan (1988, eq. 9.16); it was tested with the Friedman statistic "
                 "chi2 = m(n - 1)W on n - 1 degrees of freedom, one test per prompt, and the p values were "
                 "Holm-adjusted over the prompts (Holm, 1979; p_holm beside the unadjusted p_val); the count of "
                 "prompts whose agreement exceeded chance uses the adjusted values.",
    "krippendorff_alpha": "Krippendorff's alpha for ordinal data (Krippendorff, 2011) treats every output as a unit "
                          "and every participant as a coder, with the trial mid-ranks (and, separately, each Likert "
                          "scale) as values; intervals are percentile bootstraps over prompts ({n_boot} resamples).",
    "likert": "Ratings are summarised per model by their mean and SD; the confidence interval of the mean is "
              "participant-clustered (cluster-robust CR1 standard error, t with G - 1 degrees of freedom, G "
              "participants), because each participant rated many outputs.",
    "bradley_terry": "Each ranking was broken into its comparisons between outputs of two different models (a tie "
                     "counts half a win to each; a ranked output beats an unranked one) and a Bradley-Terry model "
                     "(Bradley & Terry, 1952) was fitted to the win counts by maximum likelihood (iterative Luce "
                     "spectral ranking, choix; Maystre & Grossglauser, 2015). Scores are log-strengths centred on "
                     "0: a difference of 1 means odds of e = 2.72 of being preferred. Intervals are percentile "
                     "bootstraps over participants ({n_boot} resamples), because one participant's comparisons are "
                     "not independent.",
    "win_rates": "A win rate is the share of comparisons between an output of one model and an output of the other "
                 "that the first model won (ties counted half), as reported by Ouyang et al. (2022). Because one "
                 "participant's comparisons are not independent, its interval is a Wilson score interval (Wilson, "
                 "1927) on the participant-clustered effective sample size n_eff = p(1 - p) / V, V the "
                 "cluster-robust (CR1) variance with participants as clusters (Kish's design effect, not below 1), "
                 "with the t quantile on G - 1 degrees of freedom (G participants); at a win rate of 0 or 100% "
                 "n_eff = G. The interval stays inside [0, 1]. t = (p - .5) / SE(CR1) tests the rate against .5 on "
                 "G - 1 degrees of freedom; the p values were Holm-adjusted over the pairs of models tested "
                 "(m = {n_pairs}; Holm, 1979; p_holm beside the unadjusted p_val).",
    "flag_rates": "Flag rates are the share of a model's outputs that participants flagged. Intervals are "
                  "Wilson score intervals on the effective number of outputs, n_eff = p(1 - p) / V, with V the "
                  "participant-clustered (CR1) variance (not above the number shown), with the t quantile on "
                  "G - 1 degrees of freedom (G participants); at a rate of 0 or 100% n_eff = G. They stay "
                  "inside [0, 1].",
}


def _run_modes(rankings: pd.DataFrame) -> dict[str, int]:
    trials = rankings.drop_duplicates(_trial_keys(rankings))
    return {str(k): int(v) for k, v in trials["run_mode"].value_counts().sort_index().items()}


def _version(module: str) -> str:
    try:
        return str(__import__(module).__version__)
    except Exception:  # noqa: BLE001 - a version string is informative only
        return "unknown"


def analyze(rankings: pd.DataFrame, config: RankingConfig | None = None) -> dict:
    """Every statistic of the ranking analysis, from one long-form ranking table.

    Parameters
    ----------
    rankings : one row per (trial, output), as :func:`psyai.data.load_rankings` returns.
    config : settings (:class:`RankingConfig`).

    Returns
    -------
    dict holding the JSON-ready summary written to results.json (keys ``experiment``,
    ``run_modes``, ``banner``, ``n_participants``, ``n_trials``, ``n_prompts``,
    ``n_outputs``, ``models``, ``kendall_w``, ``krippendorff_alpha``, ``likert``,
    ``bradley_terry``, ``win_rates``, ``flag_rates``, ``sessions`` (sessions that did not run to
    the end, :func:`psyai.data.sessions.unfinished_report`), ``settings``, ``method``,
    ``sentences``, ``versions``) and, under ``tables``, the tidy DataFrames every number
    came from.
    """
    config = config or RankingConfig()
    _check_columns(rankings)
    if rankings.empty:
        raise DataError("the ranking table is empty; nothing to analyse")
    modes = _run_modes(rankings)
    if "simulated" in modes and len(modes) > 1 and not config.allow_mixed:
        raise DataError(f"simulated trials are mixed with {'/'.join(m for m in modes if m != 'simulated')} trials; "
                        "analyse them separately (or set allow_mixed=True for a methods check)")
    rankings, sessions = unfinished_sessions(rankings, config.exclude_incomplete, "ranking")
    level = config.level
    w_table = kendall_w(rankings)
    alpha_table = agreement_alpha(rankings, level, config.n_boot, config.seed)
    likert = likert_summary(rankings, level)
    bt, bt_info = bradley_terry(rankings, level, config.n_boot, config.seed, config.bt_alpha)
    wins = win_rates(rankings, level, config.reference_model)
    flags = flag_rates(rankings, level)

    tested = w_table[w_table["w"].notna()]
    w_summary = {"n_prompts": int(len(w_table)), "n_prompts_with_w": int(len(tested)),
                 "mean": float(tested["w"].mean()) if len(tested) else math.nan,
                 "median": float(tested["w"].median()) if len(tested) else math.nan,
                 "min": float(tested["w"].min()) if len(tested) else math.nan,
                 "max": float(tested["w"].max()) if len(tested) else math.nan,
                 "n_significant": int((tested["p_val"] < 1 - level).sum()), "significance": round(1 - level, 10),
                 # Holm over the prompts with a test (the family the sentence reports)
                 "n_significant_holm": int((tested["p_holm"] < 1 - level).sum()),
                 "n_tests": int(tested["p_val"].notna().sum()),
                 "median_raters": float(tested["n_raters"].median()) if len(tested) else math.nan,
                 # prompts with two or more raters whose W is still undefined (every ranking a complete tie)
                 "n_prompts_all_tied": int(((w_table["n_raters"] >= 2) & w_table["w"].isna()).sum())}
    models = sorted(_models(rankings).unique())
    results: dict = {
        "experiment": EXPERIMENT,
        "run_modes": modes,
        "banner": data_banner(modes),
        "n_participants": int(rankings["participant"].nunique()),
        "n_trials": int(len(rankings.drop_duplicates(_trial_keys(rankings)))),
        "n_prompts": int(rankings["prompt_id"].nunique()),
        "n_outputs": int(rankings["item_id"].nunique()),
        "models": models,
        "kendall_w": w_summary,
        "krippendorff_alpha": {r["measure"]: {k: r[k] for k in ("alpha", "ci_low", "ci_high", "n_units", "n_coders",
                                                                 "n_values", "level_of_measurement")}
                               for r in records(alpha_table)},
        "likert": records(likert),
        "bradley_terry": {**bt_info, "scores": records(bt)},
        "win_rates": records(wins),
        "flag_rates": records(flags),
        "sessions": sessions,
        "settings": asdict(config),
        "method": {k: v.format(n_boot=config.n_boot, n_pairs=int(wins["p_val"].notna().sum()))
                   for k, v in METHODS.items()},
        "versions": {"psyai": psyai_version, "python": platform.python_version(), "numpy": np.__version__,
                     "pandas": pd.__version__, "scipy": _version("scipy"), "choix": _version("choix")},
    }
    results["sentences"] = apa_sentences(results)
    results["tables"] = {"kendall_w": w_table, "krippendorff_alpha": alpha_table, "likert": likert,
                         "bradley_terry": bt, "win_rates": wins, "flag_rates": flags}
    return results


# --------------------------------------------------------------------------- sentences


def _pct_ci(low: float, high: float, level: float) -> str:
    """``95% CI [27.1%, 64.5%]``: the interval of a proportion in percent."""
    label = fmt_ci(low, high, level=level).split(" [")[0]
    return f"{label} [{fmt_pct(low)}, {fmt_pct(high)}]"


def apa_sentences(res: dict) -> dict[str, str]:
    """APA-style results sentences built from the summary part of :func:`analyze`'s output."""
    level = res["settings"]["level"]
    out: dict[str, str] = {"sessions": res["sessions"]["sentence"]}
    w = res["kendall_w"]
    if w["n_prompts_with_w"]:
        out["kendall_w"] = (
            f"Across the {w['n_prompts_with_w']} prompts ranked by two or more participants (median "
            f"{fmt_num(w['median_raters'], 0)} participants per prompt), Kendall's W ranged from "
            f"{fmt_num(w['min'], leading_zero=False)} to {fmt_num(w['max'], leading_zero=False)} (median W = "
            f"{fmt_num(w['median'], leading_zero=False)}, mean W = {fmt_num(w['mean'], leading_zero=False)}); "
            f"agreement exceeded chance at p < {w['significance']:.3g}".replace("0.", ".", 1)
            + f" for {w['n_significant_holm']} of them after Holm correction across the {w['n_tests']} per-prompt "
            f"Friedman χ² tests ({w['n_significant']} without correction).")
    else:
        out["kendall_w"] = (
            f"Kendall's W was undefined for all {w['n_prompts_all_tied']} prompts ranked by two or more participants, "
            "because every participant tied all of a prompt's outputs." if w.get("n_prompts_all_tied") else
            "No prompt was ranked by two or more participants (after leaving out those who saw other outputs), "
            "so Kendall's W was not computed.")
    parts = []
    for measure, a in res["krippendorff_alpha"].items():
        if a["alpha"] is None or not math.isfinite(a["alpha"]):
            continue
        what = "rankings" if measure == "rank" else f"{measure} ratings"
        parts.append(f"α = {fmt_num(a['alpha'], leading_zero=False)}, "
                     f"{fmt_ci(a['ci_low'], a['ci_high'], level=level, leading_zero=False)} for the {what}")
    out["krippendorff_alpha"] = ("Krippendorff's ordinal " + "; ".join(parts) + ".") if parts else \
        "Krippendorff's α could not be computed (no output was judged by two participants)."
    bt = res["bradley_terry"]
    scores = "; ".join(f"{s['model']} {fmt_num(s['score'])}, {fmt_ci(s['ci_low'], s['ci_high'], level=level)}"
                       for s in bt["scores"])
    out["bradley_terry"] = (f"Bradley–Terry scores (log-strengths, mean 0; {bt['n_comparisons']:,} comparisons from "
                            f"{bt['n_participants']} participants) were: {scores}.")
    wr = []
    for r in res["win_rates"]:
        test = (f", {fmt_stat('t', r['t'], r['dof'])}, {fmt_p(r['p_val'])}, Holm-adjusted {fmt_p(r['p_holm'])}"
                if r["t"] is not None else ", no t test: every comparison went one way")
        wr.append(f"outputs of {r['model']} were preferred to those of {r['opponent']} in {fmt_pct(r['win_rate'])} "
                  f"of {r['n_comparisons']:,} comparisons ({_pct_ci(r['ci_low'], r['ci_high'], level)}{test})")
    n_tests = sum(r["t"] is not None for r in res["win_rates"])
    out["win_rates"] = ("Participant-clustered win rates (Wilson intervals on the effective n; t tests against .5, "
                        f"p Holm-adjusted over the {n_tests} {'pair' if n_tests == 1 else 'pairs'} tested): "
                        + "; ".join(wr) + ".") if wr else \
        "No two models were compared within a trial."
    lk = []
    for scale in SCALES:
        rows = [r for r in res["likert"] if r["scale"] == scale]
        if rows:
            lk.append(f"{scale}: " + ", ".join(
                f"{r['model']} M = {fmt_num(r['mean'])} (SD = {fmt_num(r['sd'])}), "
                f"{fmt_ci(r['ci_low'], r['ci_high'], level=level)}" for r in rows))
    out["likert"] = ("Mean ratings on the 7-point scales were — " + "; ".join(lk) + ".") if lk else \
        "No Likert ratings were recorded."
    fl = []
    for flag, label in (("flag_harmful", "harmful"), ("flag_invented_facts", "containing invented facts")):
        rows = [r for r in res["flag_rates"] if r["flag"] == flag]
        if rows:
            fl.append(f"flagged as {label}: " + ", ".join(
                f"{r['model']} {fmt_pct(r['rate'])} ({r['n_flagged']} of {r['n']})" for r in rows))
    out["flag_rates"] = ("Outputs " + "; ".join(fl) + ".") if fl else "No flags were recorded."
    return out


# --------------------------------------------------------------------------- figures


def _fig_bt(bt: pd.DataFrame, level: float) -> Figure:
    fig = Figure(figsize=(5.5, 0.5 * len(bt) + 1.4))
    ax = fig.subplots()
    y = np.arange(len(bt))[::-1]
    est = bt["score"].to_numpy(float)
    lo, hi = bt["ci_low"].to_numpy(float), bt["ci_high"].to_numpy(float)
    ax.errorbar(est, y, xerr=np.nan_to_num(np.vstack([est - lo, hi - est])), fmt="o", capsize=4, color="#3a6ea5")
    ax.axvline(0, color="grey", lw=1, ls="--")
    ax.set_yticks(y, bt["model"])
    ax.set_xlabel(f"Bradley–Terry score (log-strength, mean 0), {level:.0%} bootstrap CI")
    return fig


def _fig_win_rates(wins: pd.DataFrame, level: float) -> Figure:
    fig = Figure(figsize=(6.0, 0.45 * len(wins) + 1.4))
    ax = fig.subplots()
    y = np.arange(len(wins))[::-1]
    est = wins["win_rate"].to_numpy(float)
    lo, hi = wins["ci_low"].to_numpy(float), wins["ci_high"].to_numpy(float)
    ax.errorbar(est, y, xerr=np.nan_to_num(np.vstack([est - lo, hi - est])), fmt="s", capsize=4, color="#c0504d")
    ax.axvline(0.5, color="grey", lw=1, ls="--")
    ax.set_yticks(y, [f"{m} over {o}" for m, o in zip(wins["model"], wins["opponent"])])
    ax.set_xlim(0, 1)
    ax.set_xlabel(f"win rate (ties half), {level:.0%} participant-clustered Wilson CI")
    return fig


def _fig_likert(likert: pd.DataFrame, level: float) -> Figure:
    scales = [s for s in SCALES if s in set(likert["scale"])]
    fig = Figure(figsize=(3.2 * max(len(scales), 1) + 0.8, 3.6))
    axes = np.atleast_1d(fig.subplots(1, max(len(scales), 1), sharey=True))
    for ax, scale in zip(axes, scales):
        d = likert[likert["scale"] == scale]
        x = np.arange(len(d))
        m, lo, hi = d["mean"].to_numpy(float), d["ci_low"].to_numpy(float), d["ci_high"].to_numpy(float)
        ax.errorbar(x, m, yerr=np.nan_to_num(np.vstack([m - lo, hi - m])), fmt="o", capsize=4, color="#3a6ea5")
        ax.set_xticks(x, d["model"], rotation=30, ha="right")
        ax.set_title(scale, fontsize=10)
        ax.set_ylim(1, 7)
    axes[0].set_ylabel(f"mean rating (1–7), {level:.0%} CI")
    return fig


def _fig_w(w_table: pd.DataFrame) -> Figure:
    fig = Figure(figsize=(5.0, 3.2))
    ax = fig.subplots()
    w = w_table["w"].dropna()
    ax.hist(w, bins=np.linspace(0, 1, 21), color="#3a6ea5", alpha=0.8)
    ax.set_xlim(0, 1)
    ax.set_xlabel("Kendall's W (tie-corrected), one value per prompt")
    ax.set_ylabel("prompts")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    return fig


def _fig_flags(flags: pd.DataFrame, level: float) -> Figure:
    kinds = [f for f in FLAGS if f in set(flags["flag"])]
    models = sorted(flags["model"].unique())
    fig = Figure(figsize=(max(4.5, 1.1 * len(models) + 2.5), 3.4))
    ax = fig.subplots()
    width = 0.8 / max(len(kinds), 1)
    for k, kind in enumerate(kinds):
        d = flags[flags["flag"] == kind].set_index("model").reindex(models)
        x = np.arange(len(models)) + (k - (len(kinds) - 1) / 2) * width
        r, lo, hi = d["rate"].to_numpy(float), d["ci_low"].to_numpy(float), d["ci_high"].to_numpy(float)
        ax.bar(x, r, width, yerr=np.nan_to_num(np.vstack([r - lo, hi - r])), capsize=3,
               label=kind.replace("flag_", "").replace("_", " "))
    ax.set_xticks(np.arange(len(models)), models, rotation=30, ha="right")
    ax.set_ylabel(f"share of outputs flagged, {level:.0%} CI")
    ax.legend(fontsize=8, frameon=False)
    return fig


# --------------------------------------------------------------------------- output


def results_json(results: dict) -> dict:
    """The results.json content: the summary of :func:`analyze` plus the per-prompt W table."""
    summary = {k: v for k, v in results.items() if k != "tables"}
    summary["tables"] = {"kendall_w": results["tables"]["kendall_w"]}
    return json_ready(summary)


def build_report(results: dict) -> HtmlReport:
    """The HTML report of :func:`analyze`'s results: banner, sentences, methods, figures, tables."""
    level = results["settings"]["level"]
    tables = results["tables"]
    sentences = results["sentences"]
    report = HtmlReport("Rankings: agreement and preferences between models", banner=results["banner"],
                         versions=results["versions"])
    modes = ", ".join(f"{k}: {v:,} trials" for k, v in results["run_modes"].items())
    report.paragraph(f"{results['n_participants']} participants, {results['n_trials']:,} ranking trials, "
                     f"{results['n_prompts']} prompts, {results['n_outputs']} outputs from "
                     f"{len(results['models'])} models (run modes in the data — {modes}).")
    report.apa(sentences["sessions"])

    report.heading("Agreement between participants")
    report.apa(sentences["kendall_w"])
    report.apa(sentences["krippendorff_alpha"])
    report.method(results["method"]["kendall_w"] + " " + results["method"]["krippendorff_alpha"])
    if tables["kendall_w"]["w"].notna().any():
        report.figure(_fig_w(tables["kendall_w"]), "Kendall's W per prompt (tie-corrected); 0 = no agreement, "
                                                   "1 = every participant gave the same order.")
    report.table(tables["krippendorff_alpha"], "Krippendorff's ordinal alpha")
    report.table(tables["kendall_w"], "Kendall's W per prompt (p_val: unadjusted Friedman test; p_holm: "
                                      "Holm-adjusted over the prompts)", max_rows=50)

    report.heading("Bradley–Terry scores")
    report.apa(sentences["bradley_terry"])
    report.method(results["method"]["bradley_terry"])
    report.figure(_fig_bt(tables["bradley_terry"], level),
                  f"Bradley–Terry score per model with {level:.0%} percentile bootstrap intervals over participants; "
                  "dashed line: the average model.")
    report.table(tables["bradley_terry"], "Bradley–Terry scores (se: model-based, for comparison)")

    report.heading("Win rates")
    report.apa(sentences["win_rates"])
    report.method(results["method"]["win_rates"])
    if len(tables["win_rates"]):
        report.figure(_fig_win_rates(tables["win_rates"], level),
                      f"Share of comparisons the first model won (ties half), {level:.0%} Wilson intervals on the "
                      "participant-clustered effective n; dashed line: .5.")
        report.table(tables["win_rates"], "Win rates (p_val: unadjusted; p_holm: Holm-adjusted over the pairs; "
                                          "ci_low/ci_high: Wilson on n_eff)")

    report.heading("Ratings")
    report.apa(sentences["likert"])
    report.method(results["method"]["likert"])
    if len(tables["likert"]):
        report.figure(_fig_likert(tables["likert"], level),
                      f"Mean Likert rating per model and scale, {level:.0%} participant-clustered intervals.")
        report.table(tables["likert"], "Likert ratings by model")

    report.heading("Flags")
    report.apa(sentences["flag_rates"])
    report.method(results["method"]["flag_rates"])
    if len(tables["flag_rates"]):
        report.figure(_fig_flags(tables["flag_rates"], level),
                      f"Share of each model's outputs flagged, {level:.0%} participant-clustered intervals.")
        report.table(tables["flag_rates"], "Flag rates by model")

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


def build_parser() -> argparse.ArgumentParser:
    defaults = RankingConfig()
    p = argparse.ArgumentParser(prog=report_lib.command_name("analysis/ranking.py"),
                                description="Analyse ranking sessions: results.json and report.html.")
    p.add_argument("data_dir", metavar="DATA",
                   help="folder holding the sub-*/ses-* session folders (e.g. data/ranking), or a rankings .csv / "
                        ".jsonl in the long form (psyai import rankings|preferences|gold-pairs writes one)")
    p.add_argument("--out", required=True, help="output folder for results.json and report.html")
    p.add_argument("--level", type=float, default=defaults.level, help="confidence level (default 0.95)")
    p.add_argument("--n-boot", type=int, default=defaults.n_boot,
                   help=f"bootstrap resamples for the Bradley-Terry and alpha intervals (default {defaults.n_boot})")
    p.add_argument("--seed", type=int, default=defaults.seed, help="seed of the bootstrap (default 0)")
    p.add_argument("--bt-alpha", type=float, default=defaults.bt_alpha,
                   help="Bradley-Terry regularisation pseudo-count (default 0: maximum likelihood)")
    p.add_argument("--reference-model", default=None,
                   help="report win rates of every model against this model (default: every pair)")
    p.add_argument("--include-pilot", action="store_true", help="analyse pilot sessions too (the report is marked)")
    p.add_argument("--exclude-incomplete", action="store_true",
                   help="leave out sessions that did not run to the end (no end record, or stopped with Escape); "
                        "default: keep their rankings, and name the sessions in the report")
    return p


def load_data(path: str | Path, include_pilot: bool = False) -> pd.DataFrame:
    """The long-form ranking table from a folder of session logs (:func:`psyai.data.load_rankings`) or
    from a ``.csv`` / ``.jsonl`` file of it (``psyai import rankings`` writes ``rankings.csv``).

    Raises
    ------
    DataError
        A file lacks a column the analysis needs (one line naming them and the fix).
    """
    from psyai.data import load_rankings

    path = Path(path)
    if path.suffix.lower() not in (".csv", ".jsonl"):
        return load_rankings(report_lib.require_data_dir(path), include_pilot=include_pilot)
    from psyai.reward.cli import load_table

    rankings = load_table(path)
    missing = [c for c in REQUIRED_COLUMNS if c not in rankings.columns]
    if missing:
        raise DataError(f"{path}: no column(s) {', '.join(missing)}; the ranking analysis reads the long form "
                        "(docs/DATA.md, 'Rankings'): import the table with psyai import rankings")
    if not include_pilot and "run_mode" in rankings.columns:
        rankings = rankings[rankings["run_mode"] != "pilot"]
    return rankings


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: load, analyse, write; prints the path of report.html. Exit 1 with one line on error."""
    args = build_parser().parse_args(argv)

    def compute() -> dict:
        config = RankingConfig(level=args.level, n_boot=args.n_boot, seed=args.seed, bt_alpha=args.bt_alpha,
                               reference_model=args.reference_model, include_pilot=args.include_pilot,
                               exclude_incomplete=args.exclude_incomplete)
        rankings = load_data(args.data_dir, include_pilot=args.include_pilot)
        return analyze(rankings, config)

    return report_lib.run_cli("analysis/ranking.py", argv, compute, write_results, args.out)


if __name__ == "__main__":
    sys.exit(main())
