"""Turing-test analysis: was this text written by a person or a model, and how sure?

Tidy trial table in (one row per trial, the fields of docs/DATA.md), tidy
tables out, one function per statistic:

=========================  ===================================================
:func:`apply_exclusions`   fast/slow trials, attention-check and practice failures
:func:`participant_accuracy` / :func:`accuracy_binomial` / :func:`accuracy_ttest`
:func:`dprime_criterion` / :func:`sdt_participants` / :func:`sdt_group`
:func:`judged_human_rate`  per source or per model, trial-level and participant-clustered CIs
:func:`fit_source_glmm` / :func:`glmm_table`  crossed random effects logistic regression
:func:`type2_roc` / :func:`type2_auc` / :func:`type2_auc_test`  confidence–accuracy
:func:`rt_summary`         median and IQR of response times
:func:`analyze` → :func:`write_results`  results.json and report.html
=========================  ===================================================

Command line::

    python analysis/turing_test.py data/turing_test --out results/turing_test

Conventions of every number reported:

* response bias is positive toward answering "human": the criterion c > 0, and the GLMM's
  intercept (the log odds of a "human" response midway between the sources, so the same
  sign) (:data:`BIAS_CONVENTION`);
* Cohen's d of a one-sample t test over participants is named ``cohen_dz`` and "Cohen's
  d_z" (mean difference over the SD of participants' values), never "d", so it cannot be
  read as the sensitivity d′;
* the headline accuracy is participant-level (mean of participants' accuracies, t test);
  the pooled trial-level accuracy and its exact binomial test treat trials as independent
  and come second, labelled so; the per-participant binomial tests are descriptive, with
  Holm-adjusted p beside the unadjusted ones.

References
----------
Baayen, R. H., Davidson, D. J., & Bates, D. M. (2008). Mixed-effects modeling with
crossed random effects for subjects and items. *Journal of Memory and Language, 59*, 390–412.
Clopper, C. J., & Pearson, E. S. (1934). The use of confidence or fiducial limits
illustrated in the case of the binomial. *Biometrika, 26*, 404–413.
Fleming, S. M., & Lau, H. C. (2014). How to measure metacognition. *Frontiers in Human
Neuroscience, 8*, 443.
Holm, S. (1979). A simple sequentially rejective multiple test procedure. *Scandinavian
Journal of Statistics, 6*, 65–70.
Hautus, M. J. (1995). Corrections for extreme proportions and their biasing effects on
estimated values of d'. *Behavior Research Methods, Instruments, & Computers, 27*, 46–51.
Lakens, D. (2013). Calculating and reporting effect sizes to facilitate cumulative science:
A practical primer for t-tests and ANOVAs. *Frontiers in Psychology, 4*, 863 (d_z).
Jones, C. R., & Bergen, B. K. (2024). People cannot distinguish GPT-4 from a human in a
Turing test. arXiv:2405.08007.
Macmillan, N. A., & Creelman, C. D. (2005). *Detection theory: A user's guide* (2nd ed.). Erlbaum.
"""

from __future__ import annotations

import argparse
import logging
import math
import platform
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal, Sequence

if __package__ in (None, ""):  # run as `python analysis/turing_test.py`: make the repo importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np
import pandas as pd
import pingouin as pg
from matplotlib.figure import Figure

from psyai import report as report_lib
from psyai.report import (HtmlReport, data_banner, json_ready, plural, records, fmt_ci, fmt_num, fmt_p, fmt_pct,
                             fmt_stat)
from psyai import __version__ as psyai_version
from psyai.data.sessions import unfinished_sessions
from psyai.errors import DataError, PsyaiError
from psyai.stats.descriptives import quantile_summary
from psyai.stats.means import mean_ci, one_sample_ttest
from psyai.stats.mixed import TURING_GLMM
from psyai.stats.multiple import holm
from psyai.stats.proportions import binomial_test, clopper_pearson
from psyai.stats.sdt import CORRECTIONS, sdt_table
from psyai.stats.sdt import type2_auc as sdt_type2_auc
from psyai.stats.sdt import type2_roc as sdt_type2_roc

__all__ = [
    "TuringConfig", "accuracy_binomial", "accuracy_ttest", "analyze", "apply_exclusions",
    "exclusion_summary", "fit_source_glmm", "glmm_table", "judged_human_rate", "main",
    "participant_accuracy", "rt_summary", "sdt_group", "sdt_participants",
    "type2_auc", "type2_auc_test", "type2_roc", "write_results",
]

logger = logging.getLogger(__name__)

EXPERIMENT = "turing_test"
SOURCES = ("human", "model")
CONFIDENCE_LEVELS = tuple(range(1, 7))  # docs/DATA.md: 1 (guessing) … 6 (certain)
REQUIRED_COLUMNS = ("participant", "run_mode", "phase", "item_id", "is_check", "source",
                    "response", "rt", "confidence")
BIAS_CONVENTION = ('response bias is positive toward answering "human": criterion c > 0, and the mixed model\'s '
                   'Intercept > 0 (it is the log odds of a "human" response midway between the sources)')


# --------------------------------------------------------------------------- settings


@dataclass
class TuringConfig:
    """Settings of the Turing-test analysis; every field is written to results.json.

    Attributes
    ----------
    min_rt : trials answered faster than this many seconds are excluded as implausibly
        fast (None: no lower limit).
    max_rt : trials answered slower than this many seconds are excluded (None: no limit).
    max_failed_checks : participants who fail more attention checks than this are
        excluded with all their trials (None: attention checks are not used).
    min_accuracy_practice : participants whose practice accuracy is below this
        proportion are excluded (None: practice is not used; participants with no
        practice trials are never excluded by this rule).
    level : confidence level of every interval.
    correction : correction of hit and false-alarm rates before the z transform:
        ``loglinear`` (Hautus, 1995: +0.5 to the counts, +1 to the totals, every
        participant), ``1/2n`` (Macmillan & Kaplan, 1985: only rates of 0 or 1
        replaced by 1/2N or 1 − 1/2N) or ``none`` (d' may be infinite).
    include_pilot : analyse pilot sessions too (recorded here; applied when loading).
    lang : analyse only the sessions in this language (``en`` or ``ja``); None: all, reported
        by language as well as pooled.
    allow_mixed : analyse simulated trials together with real or pilot ones (refused
        by default: simulated data must never pass for real data).
    exclude_incomplete : leave out the sessions that did not run to the end: those without an end
        record (killed or crashed, not resumed) and those the participant stopped with Escape
        (``aborted``). Off by default: their trials were each answered in full; the report names
        such sessions either way.
    """

    min_rt: float | None = 0.2
    max_rt: float | None = None
    max_failed_checks: int | None = 0
    min_accuracy_practice: float | None = None
    level: float = 0.95
    correction: str = "loglinear"
    include_pilot: bool = False
    lang: str | None = None
    allow_mixed: bool = False
    exclude_incomplete: bool = False

    def __post_init__(self) -> None:
        if self.lang not in (None, "en", "ja"):
            raise ValueError(f"lang={self.lang!r}: use 'en', 'ja' or None (every language)")
        if self.min_rt is not None and self.min_rt < 0:
            raise ValueError(f"min_rt={self.min_rt}: give seconds >= 0, or None for no lower limit")
        if self.max_rt is not None and self.max_rt <= (self.min_rt or 0):
            raise ValueError(f"max_rt={self.max_rt} is not above min_rt={self.min_rt}; raise max_rt or use None")
        if self.max_failed_checks is not None and self.max_failed_checks < 0:
            raise ValueError(f"max_failed_checks={self.max_failed_checks}: give 0 or more, or None to ignore checks")
        if self.min_accuracy_practice is not None and not 0 <= self.min_accuracy_practice <= 1:
            raise ValueError(f"min_accuracy_practice={self.min_accuracy_practice}: give a proportion in [0, 1] or None")
        if not 0 < self.level < 1:
            raise ValueError(f"level={self.level}: give a confidence level between 0 and 1, e.g. 0.95")
        if self.correction not in CORRECTIONS:
            raise ValueError(f"correction={self.correction!r}: use one of {', '.join(CORRECTIONS)}")


# --------------------------------------------------------------------------- helpers


def _check_columns(trials: pd.DataFrame, columns: Sequence[str] = REQUIRED_COLUMNS) -> None:
    missing = [c for c in columns if c not in trials.columns]
    if missing:
        raise DataError(f"trial table has no column(s) {', '.join(missing)}; load it with psyai.data.load (see docs/DATA.md)")


def _main_trials(trials: pd.DataFrame) -> pd.DataFrame:
    """Main-block, non-check trials on human or model texts, with ``correct`` and ``responded_model``."""
    main = trials[(trials["phase"] == "main") & ~trials["is_check"].astype(bool)
                  & trials["source"].isin(SOURCES)].copy()
    main["correct"] = main["response"] == main["source"]
    main["responded_model"] = main["response"] == "model"
    return main


# --------------------------------------------------------------------------- exclusions


def apply_exclusions(trials: pd.DataFrame, config: TuringConfig | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The main trials that enter the statistics, and a table of what was excluded and why.

    Practice trials and attention checks never enter the statistics; they only
    decide participant exclusions. Participant-level rules are applied first;
    trial-level rules then apply to the main trials of the remaining participants.

    Parameters
    ----------
    trials : every trial (practice, checks and main), one row each, as psyai.data.load returns.
    config : the exclusion rules (``min_rt``, ``max_rt``, ``max_failed_checks``,
        ``min_accuracy_practice``); defaults to :class:`TuringConfig`.

    Returns
    -------
    kept : pandas.DataFrame
        Main, non-check trials on ``human`` or ``model`` texts of retained participants
        that pass the RT rules, with two columns recomputed from the raw response:
        ``correct`` (response equals source) and ``responded_model`` (response is "model").
    excluded : pandas.DataFrame
        One row per exclusion:

        * ``level`` — ``participant`` (all their trials removed) or ``trial``
        * ``participant``, ``session`` — who
        * ``item_id``, ``trial_index`` — which trial (None for participant rows)
        * ``reason`` — ``failed_attention_checks``, ``practice_accuracy``,
          ``rt_too_fast`` or ``rt_too_slow``
        * ``value`` — the measured value (failed checks, practice accuracy, or rt in s)
        * ``threshold`` — the setting it was compared with
        * ``detail`` — the same in words
    """
    config = config or TuringConfig()
    _check_columns(trials)
    trials = trials.copy()
    if "session" not in trials.columns:
        trials["session"] = 1
    if "trial_index" not in trials.columns:
        trials["trial_index"] = trials.groupby(["participant", "session", "phase"]).cumcount()
    rows: list[dict] = []
    participants = pd.unique(trials["participant"])
    dropped: set = set()

    if config.max_failed_checks is not None:
        checks = trials[trials["is_check"].astype(bool) & (trials["phase"] == "main")]
        if len(checks):
            if "expected" not in checks.columns:
                raise DataError("attention-check trials have no 'expected' column; see docs/DATA.md")
            failed = (checks["response"] != checks["expected"]).groupby(checks["participant"]).agg(["sum", "size"])
            for pid, (n_failed, n_checks) in failed.iterrows():
                if n_failed > config.max_failed_checks:
                    dropped.add(pid)
                    rows.append({"level": "participant", "participant": pid, "session": None, "item_id": None,
                                 "trial_index": None, "reason": "failed_attention_checks",
                                 "value": float(n_failed), "threshold": float(config.max_failed_checks),
                                 "detail": f"failed {n_failed} of {n_checks} attention checks "
                                           f"(more than max_failed_checks = {config.max_failed_checks})"})

    if config.min_accuracy_practice is not None:
        practice = trials[(trials["phase"] == "practice") & trials["source"].isin(SOURCES)]
        acc = (practice["response"] == practice["source"]).groupby(practice["participant"]).agg(["mean", "size"])
        for pid, (mean, size) in acc.iterrows():
            if mean < config.min_accuracy_practice:
                dropped.add(pid)
                rows.append({"level": "participant", "participant": pid, "session": None, "item_id": None,
                             "trial_index": None, "reason": "practice_accuracy", "value": float(mean),
                             "threshold": float(config.min_accuracy_practice),
                             "detail": f"practice accuracy {mean:.2f} on {int(size)} trials "
                                       f"(below min_accuracy_practice = {config.min_accuracy_practice})"})

    main = _main_trials(trials)
    main = main[~main["participant"].isin(dropped)]
    rt = main["rt"].astype(float)
    fast = rt < config.min_rt if config.min_rt is not None else pd.Series(False, index=main.index)
    slow = rt > config.max_rt if config.max_rt is not None else pd.Series(False, index=main.index)
    for mask, reason, limit, word, sign in ((fast, "rt_too_fast", config.min_rt, "min_rt", "<"),
                                             (slow, "rt_too_slow", config.max_rt, "max_rt", ">")):
        for rec in main.loc[mask, ["participant", "session", "item_id", "trial_index", "rt"]].to_dict("records"):
            rows.append({"level": "trial", "participant": rec["participant"], "session": int(rec["session"]),
                         "item_id": rec["item_id"], "trial_index": int(rec["trial_index"]), "reason": reason,
                         "value": float(rec["rt"]), "threshold": float(limit),
                         "detail": f"rt {rec['rt']:.3f} s {sign} {word} = {limit} s"})
    kept = main[~(fast | slow)].reset_index(drop=True)
    columns = ["level", "participant", "session", "item_id", "trial_index", "reason", "value", "threshold", "detail"]
    excluded = pd.DataFrame(rows, columns=columns)
    logger.info("exclusions: %d of %d participants, %d trials", len(dropped), len(participants),
                int((excluded["level"] == "trial").sum()))
    return kept, excluded


def exclusion_summary(trials: pd.DataFrame, kept: pd.DataFrame, excluded: pd.DataFrame) -> dict:
    """Counts behind the exclusions: participants and main trials before and after, by reason."""
    main = _main_trials(trials)
    part = excluded[excluded["level"] == "participant"]
    trial = excluded[excluded["level"] == "trial"]
    dropped = set(part["participant"])
    return {
        "n_participants_total": int(trials["participant"].nunique()),
        "n_participants_excluded": len(dropped),
        "n_participants_kept": int(kept["participant"].nunique()),
        "participants_excluded_by_reason": {k: int(v) for k, v in part.groupby("reason")["participant"].nunique().items()},
        "n_main_trials_total": int(len(main)),
        "n_trials_of_excluded_participants": int(main["participant"].isin(dropped).sum()),
        "n_trials_excluded": int(len(trial)),
        "trials_excluded_by_reason": {k: int(v) for k, v in trial.groupby("reason").size().items()},
        "n_trials_kept": int(len(kept)),
    }


# --------------------------------------------------------------------------- accuracy


def _with_correct(trials: pd.DataFrame) -> pd.DataFrame:
    return trials.assign(correct=trials["response"] == trials["source"])


def participant_accuracy(trials: pd.DataFrame, level: float = 0.95) -> pd.DataFrame:
    """Proportion correct per participant with an exact binomial test against .5
    (:func:`psyai.stats.proportions.binomial_test`).

    The per-participant tests are descriptive (which participants did better than
    chance), not the study's inference, which is :func:`accuracy_ttest` and
    :func:`fit_source_glmm`. With one test per participant they are a family: ``p_holm``
    adjusts ``p_val`` over the participants (Holm, 1979; :func:`psyai.stats.multiple.holm`).

    Parameters
    ----------
    trials : kept main trials (see :func:`apply_exclusions`).
    level : confidence level.

    Returns
    -------
    pandas.DataFrame, one row per participant:

    * ``participant``
    * ``n`` — trials
    * ``n_correct`` — trials whose response matched the source
    * ``accuracy`` — ``n_correct / n``
    * ``ci_low``, ``ci_high`` — Clopper–Pearson (exact) interval of the accuracy
    * ``p_val`` — two-sided exact binomial test against .5 (scipy.stats.binomtest), unadjusted
    * ``p_holm`` — ``p_val`` Holm-adjusted over the participants in the table
    """
    table = binomial_test(_with_correct(trials), "correct", by="participant", null=0.5, level=level)
    table["p_holm"] = holm(table["p_val"].to_numpy(float))
    return table.rename(columns={"n_success": "n_correct", "estimate": "accuracy"})[
        ["participant", "n", "n_correct", "accuracy", "ci_low", "ci_high", "p_val", "p_holm"]]


def accuracy_binomial(trials: pd.DataFrame, level: float = 0.95) -> pd.DataFrame:
    """Pooled accuracy over all trials with the exact binomial test against .5
    (:func:`psyai.stats.proportions.binomial_test`).

    The trials of one participant are not independent, so this test is
    anticonservative when participants differ; it is the number Turing-test
    papers report, and :func:`accuracy_ttest` and :func:`fit_source_glmm` give
    inference that respects the nesting.

    Returns
    -------
    pandas.DataFrame with one row:

    * ``n`` — trials, ``n_correct`` — correct trials
    * ``estimate`` — proportion correct
    * ``ci_low``, ``ci_high`` — Clopper–Pearson interval
    * ``p_val`` — two-sided exact binomial test against ``null_value`` = .5
    * ``null_value``
    """
    return binomial_test(_with_correct(trials), "correct", null=0.5, level=level).rename(
        columns={"n_success": "n_correct"})


def accuracy_ttest(accuracy_table: pd.DataFrame, level: float = 0.95) -> pd.DataFrame:
    """One-sample t test of participant accuracies against .5 (:func:`psyai.stats.means.one_sample_ttest`).

    Parameters
    ----------
    accuracy_table : output of :func:`participant_accuracy`.

    Returns
    -------
    pandas.DataFrame with one row: ``n`` (participants), ``mean``, ``sd``, ``ci_low``,
    ``ci_high`` (t interval of the mean), ``t``, ``dof``, ``p_val`` (two-sided),
    ``cohen_dz`` (Cohen's d_z, (mean − .5) / sd; Lakens, 2013) and ``null_value`` (.5).
    """
    return _dz(one_sample_ttest(accuracy_table["accuracy"], 0.5, level))


def _dz(table: pd.DataFrame) -> pd.DataFrame:
    """Name the one-sample t test's Cohen's d ``cohen_dz``: it is d_z (mean difference over the SD of
    participants' values), and beside d' a column called ``cohen_d`` reads as the sensitivity."""
    return table.rename(columns={"cohen_d": "cohen_dz"})


# --------------------------------------------------------------------------- signal detection


def sdt_participants(trials: pd.DataFrame, correction: str = "loglinear") -> pd.DataFrame:
    """Signal-detection measures per participant, signal = model-written text
    (:func:`psyai.stats.sdt.sdt_table`).

    Returns
    -------
    pandas.DataFrame, one row per participant:

    * ``participant``
    * ``n_model``, ``n_human`` — model and human texts judged
    * ``hits`` — "model" responses to model texts; ``false_alarms`` — to human texts
    * ``hit_rate``, ``fa_rate`` — raw proportions
    * ``hit_rate_adj``, ``fa_rate_adj`` — the rates after ``correction`` (what d' uses)
    * ``dprime`` — z(H) − z(F); ``criterion`` — c = −(z(H) + z(F))/2 (c > 0: bias toward "human")
    """
    t = trials.assign(is_model=trials["source"] == "model", said_model=trials["response"] == "model")
    return sdt_table(t, "is_model", "said_model", "participant", correction).rename(
        columns={"n_signal": "n_model", "n_noise": "n_human"})


def sdt_group(sdt_table: pd.DataFrame, level: float = 0.95) -> pd.DataFrame:
    """Group means of d' and c with t intervals and one-sample t tests against 0.

    Parameters
    ----------
    sdt_table : output of :func:`sdt_participants`.

    Returns
    -------
    pandas.DataFrame, rows ``dprime`` and ``criterion`` (column ``measure``), with
    ``n``, ``mean``, ``sd``, ``ci_low``, ``ci_high``, ``t``, ``dof``, ``p_val``,
    ``cohen_dz`` (Cohen's d_z, mean / sd) and ``null_value`` (0) as in
    :func:`psyai.stats.means.one_sample_ttest`. Participants with an infinite or
    missing value (``correction="none"``) are left out.
    """
    rows = [{"measure": m, **_dz(one_sample_ttest(sdt_table[m], 0.0, level)).to_dict("records")[0]}
            for m in ("dprime", "criterion")]
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- judged human


def judged_human_rate(trials: pd.DataFrame, by: Literal["source", "model"] = "source",
                      level: float = 0.95) -> pd.DataFrame:
    """How often texts were judged "human", per source or per generating model.

    This is the figure Turing-test studies report (e.g. Jones & Bergen, 2024): a
    model "passes" when its texts are judged human about as often as people's.

    Parameters
    ----------
    trials : kept main trials.
    by : ``source`` (rows ``human``, ``model``) or ``model`` (human texts, then one row
        per generating model).
    level : confidence level.

    Returns
    -------
    pandas.DataFrame, one row per group:

    * ``group`` — ``human``, ``model``, or the model's name (``model_name`` where the table has it, e.g.
      ``gpt2`` or a local folder's last component with its weights' hash; else ``model``)
    * ``source``, ``model`` — the text source and model (None for human texts or when by="source")
    * ``n`` — trials; ``n_judged_human`` — trials answered "human"
    * ``estimate`` — ``n_judged_human / n``, pooled over trials
    * ``ci_low``, ``ci_high`` — Clopper–Pearson (exact) interval over trials; it treats
      trials as independent
    * ``n_participants`` — participants who saw this group
    * ``participant_mean`` — mean of the participants' own judged-human rates
    * ``participant_ci_low``, ``participant_ci_high`` — t interval of that mean across
      participants: the participant-clustered interval
    """
    if by not in ("source", "model"):
        raise ValueError(f"by={by!r}: use 'source' or 'model'")
    t = trials.copy()
    t["judged_human"] = t["response"] == "human"
    if by == "source":
        t["group"], t["group_model"] = t["source"], None
    else:
        model_col = t["model"] if "model" in t.columns else pd.Series(None, index=t.index, dtype=object)
        if "model_name" in t.columns:  # the model's name in reports (psyai.data.load gives it)
            model_col = t["model_name"].astype(object).where(t["model_name"].notna(), model_col)
        t["group_model"] = np.where(t["source"] == "model", model_col.fillna("(unknown model)").astype(str), None)
        t["group"] = np.where(t["source"] == "model", t["group_model"], "human")
    rows = []
    order = ["human"] + sorted(set(t["group"]) - {"human"})
    for grp in [g for g in order if g in set(t["group"])]:
        d = t[t["group"] == grp]
        k, n = int(d["judged_human"].sum()), int(len(d))
        low, high = clopper_pearson(k, n, level)
        per = d.groupby("participant")["judged_human"].mean()
        pm, plow, phigh, npart = mean_ci(per, level)
        rows.append({"group": grp, "source": str(d["source"].iloc[0]),
                     "model": d["group_model"].iloc[0] if by == "model" else None,
                     "n": n, "n_judged_human": k, "estimate": k / n, "ci_low": low, "ci_high": high,
                     "n_participants": npart, "participant_mean": pm, "participant_ci_low": plow,
                     "participant_ci_high": phigh})
    return pd.DataFrame(rows, columns=["group", "source", "model", "n", "n_judged_human", "estimate", "ci_low",
                                       "ci_high", "n_participants", "participant_mean", "participant_ci_low",
                                       "participant_ci_high"])


# --------------------------------------------------------------------------- GLMM

def glmm_data(trials: pd.DataFrame) -> pd.DataFrame:
    """The GLMM's columns: ``judged_human`` (0/1), ``source`` (human = +0.5, model = -0.5),
    ``participant``, ``item_id``."""
    return pd.DataFrame({
        "judged_human": (trials["response"] == "human").astype(int).to_numpy(),
        "source": np.where(trials["source"] == "human", 0.5, -0.5),
        "participant": trials["participant"].astype(str).to_numpy(),
        "item_id": trials["item_id"].astype(str).to_numpy(),
    })


def fit_source_glmm(trials: pd.DataFrame, level: float = 0.95, formula: str = TURING_GLMM):
    """Mixed-effects logistic regression of "human" judgments on the source of the text.

    ``logit P(judged human) = b0 + b1 * source + u_participant + s_participant * source + w_item``
    with ``source`` coded +0.5 for human and −0.5 for model texts (the default ``formula``,
    :data:`psyai.stats.mixed.TURING_GLMM`): participants differ in bias (``u``) and in sensitivity
    (``s``), items in how human they read (``w``) — the maximal model of the design (Barr, Levy,
    Scheepers & Tily, 2013). Fitted by ML with the Laplace approximation as ``lme4::glmer``
    (:func:`psyai.stats.mixed.fit_mixed`). With this coding ``b1`` is the sensitivity on the logit
    scale (the log odds ratio of answering "human" to a human vs. a model text; about 1.7 × d′) and
    ``b0`` the bias (log odds of "human" midway between the sources; > 0 toward "human", the sign of
    the SDT criterion c).

    When the fit is singular the random effects are simplified by the stated rule of
    :func:`psyai.stats.mixed.simplification_ladder` (slopes uncorrelated with intercepts, then
    intercepts only) and the model kept is named in the report.

    Returns
    -------
    (psyai.stats.mixed.MixedResult, list of dict)
        The fit kept (terms ``(Intercept)`` and ``source``) and every model tried.
    """
    from psyai.stats.mixed import fit_first_nonsingular, simplification_ladder

    return fit_first_nonsingular(glmm_data(trials), simplification_ladder(formula), family="binomial", level=level)


def glmm_table(fit) -> pd.DataFrame:
    """A fitted GLMM as one tidy table in the layout of broom.mixed::tidy: ``effect`` (``fixed`` or
    ``ran_pars``), ``group``, ``term`` (``(Intercept)`` = bias, ``source`` = sensitivity, log odds;
    ``sd__…``/``cor__…`` for random effects), ``estimate``, ``se``, ``z``, ``p_val``, ``ci_low``,
    ``ci_high``, ``odds_ratio`` (fixed effects)."""
    fixed = fit.fixed.rename(columns={"statistic": "z"}).drop(columns=["df"])
    fixed.insert(0, "group", None)
    fixed.insert(0, "effect", "fixed")
    fixed["odds_ratio"] = np.exp(fixed["estimate"].astype(float))
    ran = fit.random.assign(effect="ran_pars")
    return pd.concat([fixed, ran], ignore_index=True)[
        ["effect", "group", "term", "estimate", "se", "z", "p_val", "ci_low", "ci_high", "odds_ratio"]]


def _glmm_summary(fit, tried: list[dict]) -> dict:
    """What results.json and the sentences say about a GLMM fit."""
    fixed = fit.fixed.set_index("term")
    row = lambda term: {"estimate": float(fixed.loc[term, "estimate"]), "se": float(fixed.loc[term, "se"]),  # noqa: E731
                        "z": float(fixed.loc[term, "statistic"]), "p_val": float(fixed.loc[term, "p_val"]),
                        "ci_low": float(fixed.loc[term, "ci_low"]), "ci_high": float(fixed.loc[term, "ci_high"])}
    return {"fitted": True, "error": None, "formula": fit.formula, "tried": tried,
            "simplified": len(tried) > 1, "intercept": row("(Intercept)"),
            "bias_toward_human": row("(Intercept)"),  # the intercept has the sign of c (BIAS_CONVENTION)
            "source": {**row("source"), "odds_ratio": float(np.exp(fixed.loc["source", "estimate"]))},
            "random": {f"{g}:{t}": float(e) for g, t, e in zip(fit.random.group, fit.random.term, fit.random.estimate)},
            "loglik": float(fit.loglik), "n_obs": int(fit.n_obs), "n_groups": fit.n_groups,
            "converged": bool(fit.converged), "singular": bool(fit.singular), "warnings": fit.warnings,
            "method": fit.method, "se_method": fit.se_method, "description": fit.describe()}


# --------------------------------------------------------------------------- confidence


def type2_roc(trials: pd.DataFrame) -> pd.DataFrame:
    """Type-2 ROC points per participant and pooled over trials (Fleming & Lau, 2014;
    :func:`psyai.stats.sdt.type2_roc` over the 1–6 confidence scale).

    A type-2 "hit" is high confidence on a correct answer, a type-2 "false alarm" high
    confidence on an incorrect one; sweeping the confidence threshold traces the curve.

    Returns
    -------
    pandas.DataFrame, one row per point:

    * ``unit`` — ``participant`` or ``pooled`` (all trials together)
    * ``participant`` — None for pooled rows
    * ``threshold`` — "high confidence" means confidence >= threshold (the top point,
      one above the scale, is (0, 0); the lowest gives (1, 1))
    * ``hit_rate2`` — P(confidence >= threshold | correct)
    * ``fa_rate2`` — P(confidence >= threshold | incorrect)
    """
    return sdt_type2_roc(_with_correct(trials), "correct", "confidence", "participant", CONFIDENCE_LEVELS)


def type2_auc(trials: pd.DataFrame) -> pd.DataFrame:
    """Area under the type-2 ROC per participant and pooled (:func:`psyai.stats.sdt.type2_auc`):
    how well confidence separates correct from incorrect answers (0.5: no metacognitive
    sensitivity; 1: perfect).

    Returns
    -------
    pandas.DataFrame, one row per participant and a last row for the pooled trials:

    * ``unit`` — ``participant`` or ``pooled``
    * ``participant`` — None for the pooled row
    * ``n_correct``, ``n_incorrect`` — trials
    * ``auc`` — type-2 AUC; NaN when there are no correct or no incorrect trials
    """
    return sdt_type2_auc(_with_correct(trials), "correct", "confidence", "participant", CONFIDENCE_LEVELS)


def type2_auc_test(auc_table: pd.DataFrame, level: float = 0.95) -> pd.DataFrame:
    """One-sample t test of participant type-2 AUCs against .5 (:func:`psyai.stats.means.one_sample_ttest`).

    Participants without both a correct and an incorrect answer have no AUC and are
    left out (``n`` says how many remain).

    Returns
    -------
    pandas.DataFrame with one row as in :func:`psyai.stats.means.one_sample_ttest` (``null_value`` = .5,
    Cohen's d named ``cohen_dz``), plus ``pooled_auc`` (the AUC of all trials together: descriptive only, it mixes
    differences between participants into the curve).
    """
    per = auc_table.loc[auc_table["unit"] == "participant", "auc"]
    pooled = auc_table.loc[auc_table["unit"] == "pooled", "auc"]
    row = _dz(one_sample_ttest(per, 0.5, level)).to_dict("records")[0]
    row["pooled_auc"] = float(pooled.iloc[0]) if len(pooled) else math.nan
    return pd.DataFrame([row])


# --------------------------------------------------------------------------- response times


def rt_summary(trials: pd.DataFrame, by: str | Sequence[str] = "source") -> pd.DataFrame:
    """Response-time summaries per group, in seconds (:func:`psyai.stats.descriptives.quantile_summary`).

    Parameters
    ----------
    trials : kept main trials.
    by : column(s) to group by, e.g. ``source`` or ``correct``.

    Returns
    -------
    pandas.DataFrame, one row per group: the ``by`` columns, then ``n`` (trials),
    ``n_participants``, ``median``, ``q1``, ``q3`` (quartiles), ``iqr`` (q3 − q1),
    ``mean`` and ``participant_median`` (median of the participants' own medians,
    which weights participants equally).
    """
    by = [by] if isinstance(by, str) else list(by)
    t = _with_correct(trials) if "correct" in by and "correct" not in trials.columns else trials
    return quantile_summary(t, "rt", by, cluster="participant")


# --------------------------------------------------------------------------- languages and items


LANG_NAMES = {"en": "English", "ja": "Japanese"}


def language_table(trials: pd.DataFrame, level: float = 0.95, correction: str = "loglinear") -> pd.DataFrame:
    """The main figures of each language's sessions on their own (sessions in different languages
    are different texts and often different people: a pooled number can hide opposite results).

    Returns
    -------
    pandas.DataFrame, one row per language: ``lang``, ``n_participants``, ``n_trials``;
    ``mean_accuracy`` (mean of the participants' accuracies) with ``mean_ci_low``/``mean_ci_high`` (t
    interval across participants) and ``t``, ``dof``, ``p_val`` (one-sample t test against .5: the
    participant-level inference, as :func:`accuracy_ttest`, with ``cohen_dz``); ``accuracy`` pooled over trials with
    ``ci_low``/``ci_high`` (Clopper–Pearson) and ``binomial_p`` (exact binomial against .5), both of
    which treat trials as independent; ``judged_human_model`` and ``judged_human_human`` (means of the
    participants' proportions of "human" answers to each source); ``mean_dprime`` (mean of the
    participants' d').
    """
    rows = []
    for lang, d in trials.groupby("lang", sort=True):
        acc = accuracy_binomial(d, level).iloc[0]
        tt = accuracy_ttest(participant_accuracy(d, level), level).iloc[0]
        judged = (d["response"] == "human").groupby([d["source"], d["participant"]]).mean().groupby(level=0).mean()
        rows.append({"lang": lang, "n_participants": int(d["participant"].nunique()), "n_trials": int(len(d)),
                     "mean_accuracy": float(tt["mean"]), "mean_ci_low": float(tt["ci_low"]),
                     "mean_ci_high": float(tt["ci_high"]), "t": float(tt["t"]), "dof": float(tt["dof"]),
                     "p_val": float(tt["p_val"]), "cohen_dz": float(tt["cohen_dz"]),
                     "accuracy": float(acc["estimate"]), "ci_low": float(acc["ci_low"]),
                     "ci_high": float(acc["ci_high"]), "binomial_p": float(acc["p_val"]),
                     "judged_human_model": float(judged.get("model", math.nan)),
                     "judged_human_human": float(judged.get("human", math.nan)),
                     "mean_dprime": float(sdt_participants(d, correction)["dprime"].mean())})
    return pd.DataFrame(rows, columns=["lang", "n_participants", "n_trials", "mean_accuracy", "mean_ci_low",
                                       "mean_ci_high", "t", "dof", "p_val", "cohen_dz", "accuracy", "ci_low", "ci_high",
                                       "binomial_p", "judged_human_model", "judged_human_human", "mean_dprime"])


def item_table(trials: pd.DataFrame, level: float = 0.95) -> pd.DataFrame:
    """How each text was judged: the items that fooled people, and those nobody was fooled by.

    Returns
    -------
    pandas.DataFrame, one row per item (model texts first, most often judged human first):
    ``item_id``, ``lang``, ``source``, ``model`` (its display name; None for human texts), ``n``
    (trials), ``n_judged_human``, ``judged_human`` (proportion), ``ci_low``, ``ci_high``
    (Clopper–Pearson), ``mean_confidence``, ``median_rt`` (s).
    """
    t = trials.assign(judged_human=trials["response"] == "human")
    for col in ("lang", "model", "model_name"):
        if col not in t.columns:
            t[col] = None
    t = t.assign(model_shown=t["model_name"].where(t["model_name"].notna(), t["model"]).where(t["source"] == "model"))
    t["lang"] = t["lang"].fillna("")  # items are told apart by language too (two sets may share an id)
    table = binomial_test(t, "judged_human", by=["lang", "item_id"], null=0.5, level=level)
    first = t.groupby(["lang", "item_id"]).agg(source=("source", "first"), model=("model_shown", "first"),
                                               mean_confidence=("confidence", "mean"), median_rt=("rt", "median"))
    out = table.merge(first.reset_index(), on=["lang", "item_id"]).rename(
        columns={"n_success": "n_judged_human", "estimate": "judged_human"})
    out = out.sort_values(["source", "judged_human", "item_id"], ascending=[False, False, True], kind="stable")
    return out[["item_id", "lang", "source", "model", "n", "n_judged_human", "judged_human", "ci_low", "ci_high",
                "mean_confidence", "median_rt"]].reset_index(drop=True)


# --------------------------------------------------------------------------- the whole analysis

METHODS = {
    "exclusions": "Participants who failed more attention checks than max_failed_checks (or whose practice "
                  "accuracy fell below min_accuracy_practice) were excluded with all their trials; then main "
                  "trials faster than min_rt (or slower than max_rt) were removed. Practice and attention-check "
                  "trials never enter the statistics.",
    "accuracy": "Headline: each participant's proportion correct, averaged over participants, with a t interval "
                "and a one-sample t test against .5 (participant-level, so it respects that a participant's "
                "trials are not independent). Secondary: the proportion correct pooled over all kept main trials "
                "with an exact (Clopper-Pearson) interval and a two-sided exact binomial test against .5 "
                "(scipy.stats.binomtest), which treats trials as independent and overstates the precision when "
                "participants differ. Per-participant exact binomial tests are descriptive: their p values are "
                "reported unadjusted (p_val_descriptive) and Holm-adjusted over the participants (p_holm; Holm, "
                "1979).",
    "accuracy_ttest": "One-sample t test of participant accuracies against .5 (pingouin.ttest); "
                      "Cohen's d_z = (M - .5) / SD of participant accuracies (Lakens, 2013), a standardised mean "
                      "difference, not the sensitivity d'.",
    "sdt": "Equal-variance Gaussian signal detection per participant (Macmillan & Creelman, 2005); signal = "
           "model-written text; hit = 'model' response to a model text, false alarm = 'model' response to a "
           "human text; d' = z(H) - z(F), c = -(z(H) + z(F)) / 2 (c > 0: bias toward 'human'). Rates "
           "corrected by {correction}. Group means with t intervals and one-sample t tests against 0 "
           "(pingouin.ttest); Cohen's d_z = M / SD of participant values.",
    "judged_human_rate": "Proportion of answers 'human' per source (and per generating model). The sentence "
                         "leads with participant_mean, the mean of participants' own rates, and its t interval "
                         "across participants (participant_ci_low/participant_ci_high); estimate pools trials, "
                         "with a Clopper-Pearson interval (ci_low/ci_high) that treats trials as independent.",
    "glmm": "Mixed-effects logistic regression of 'human' judgments on the source of the text, " + TURING_GLMM
            + " (source: human = +0.5, model = -0.5): random intercepts and source slopes for participants (who "
            "differ in bias and in sensitivity) and random intercepts for items (Barr, Levy, Scheepers & Tily, "
            "2013; Baayen, Davidson & Bates, 2008). When that fit is singular, the slopes are fitted uncorrelated "
            "with the intercepts, then dropped, and the model kept is named. Maximum likelihood with the Laplace "
            "approximation, as lme4::glmer (psyai.stats.mixed.fit_mixed, engine mixedlm); SEs from the Hessian "
            "of the deviance over (theta, beta) as glmer; Wald z tests and intervals. source = sensitivity on "
            "the logit scale (log odds ratio of 'human' for human vs model texts, about 1.7 x d'); (Intercept) "
            "= bias (log odds of 'human' midway between the sources; > 0 toward 'human', as c > 0). With several "
            "models, the same model is fitted to each model's texts against all human texts.",
    "type2_auc": "Type-2 ROC (Fleming & Lau, 2014): P(confidence >= k | correct) against P(confidence >= k | "
                 "incorrect) over thresholds k of the 1-6 scale; area by the trapezoid rule (= the Mann-Whitney "
                 "probability that a correct trial is rated more confident than an incorrect one, ties 1/2). "
                 "Participant AUCs tested against .5 with a one-sample t test (pingouin.ttest); the pooled AUC "
                 "is descriptive.",
    "rt": "Median and interquartile range of response times (seconds from text onset to key press) over kept "
          "trials, per source and per correctness; participant_median is the median of participant medians.",
}

CORRECTION_NAMES = {
    "loglinear": "the log-linear correction (Hautus, 1995): H = (hits + 0.5) / (n_model + 1), "
                 "F = (false alarms + 0.5) / (n_human + 1)",
    "1/2n": "replacing rates of 0 and 1 by 1/(2N) and 1 - 1/(2N) (Macmillan & Kaplan, 1985)",
    "none": "no correction (d' is infinite when a rate is 0 or 1)",
}


def _ci_dict(estimate: float, low: float, high: float, **extra) -> dict:
    if "n" in extra:
        extra["n"] = int(extra["n"])
    return {"estimate": estimate, "ci_low": low, "ci_high": high, **extra}


def _run_modes(trials: pd.DataFrame) -> dict[str, int]:
    return {str(k): int(v) for k, v in trials["run_mode"].value_counts().sort_index().items()}


def analyze(trials: pd.DataFrame, config: TuringConfig | None = None) -> dict:
    """Every statistic of the Turing-test analysis, from one trial table.

    Parameters
    ----------
    trials : every trial (practice, checks, main), as :func:`psyai.data.load` returns.
    config : settings (exclusions, confidence level, SDT correction).

    Returns
    -------
    dict holding the JSON-ready summary written to results.json (keys ``n_participants``,
    ``n_trials``, ``accuracy``, ``binomial_p``, ``dprime``, ``criterion``,
    ``judged_human_rate``, ``glmm``, ``type2_auc``, ``rt``, ``exclusions``, ``sessions`` (sessions that did
    not run to the end, :func:`psyai.data.sessions.unfinished_report`), ``run_modes``,
    ``method``, ``settings``, ``sentences`` …) and, under ``tables``, the tidy
    DataFrames every number came from; ``trials`` holds the kept trials and
    ``glmm_fit`` the fitted model (or None).
    """
    config = config or TuringConfig()
    _check_columns(trials)
    if trials.empty:
        raise DataError("the trial table is empty; nothing to analyse")
    modes = _run_modes(trials)
    if "simulated" in modes and len(modes) > 1 and not config.allow_mixed:
        raise DataError(f"simulated trials are mixed with {'/'.join(m for m in modes if m != 'simulated')} trials; "
                        "analyse them separately (or set allow_mixed=True for a methods check)")
    level = config.level
    if config.lang is not None and "lang" in trials.columns:
        found = sorted(trials["lang"].dropna().unique())
        trials = trials[trials["lang"] == config.lang]
        if trials.empty:
            raise DataError(f"no sessions in language {config.lang!r} (the data hold {', '.join(found)}); "
                            "choose another --lang")
    trials, sessions = unfinished_sessions(trials, config.exclude_incomplete, "main trial")
    kept, excluded = apply_exclusions(trials, config)
    if kept.empty:
        raise DataError("no main trials are left after exclusions; check the data or relax min_rt / max_failed_checks")

    acc_part = participant_accuracy(kept, level)
    acc_bin = accuracy_binomial(kept, level).iloc[0]
    acc_t = accuracy_ttest(acc_part, level).iloc[0]
    sdt = sdt_participants(kept, config.correction)
    sdt_g = sdt_group(sdt, level).set_index("measure")
    jh_source = judged_human_rate(kept, "source", level)
    jh_model = judged_human_rate(kept, "model", level)
    rated = kept[kept["confidence"].notna()]  # imported verdicts may carry no 1-6 confidence: no type-2 ROC from them
    roc = type2_roc(rated)
    auc = type2_auc(rated)
    auc_t = type2_auc_test(auc, level).iloc[0]
    rt_source = rt_summary(kept, "source")
    rt_correct = rt_summary(kept, "correct")
    by_lang = language_table(kept, level, config.correction) if "lang" in kept.columns else pd.DataFrame()
    items = item_table(kept, level)

    glmm: dict = {"fitted": False, "error": None, "formula": TURING_GLMM}
    fit = None
    glmm_tab = pd.DataFrame()
    try:
        fit, tried = fit_source_glmm(kept, level)
    except (ValueError, np.linalg.LinAlgError, PsyaiError) as err:
        glmm["error"] = f"the model could not be fitted: {err}"
    if fit is not None:
        glmm_tab = glmm_table(fit)
        glmm = _glmm_summary(fit, tried)
        if not fit.converged:
            logger.warning("the GLMM did not converge cleanly; see results.json glmm.warnings")
    # one model per generating model, where there are several: its texts against all human texts
    glmm_by_model: dict = {}
    model_names = sorted(kept.loc[kept["source"] == "model", "model_name"].dropna().unique()) \
        if "model_name" in kept else []
    if fit is not None and len(model_names) > 1:
        for name in model_names:
            part = kept[(kept["source"] == "human") | (kept["model_name"] == name)]
            try:
                glmm_by_model[str(name)] = _glmm_summary(*fit_source_glmm(part, level))
            except (ValueError, np.linalg.LinAlgError, PsyaiError) as err:
                glmm_by_model[str(name)] = {"fitted": False, "error": f"the model could not be fitted: {err}"}

    excl_summary = exclusion_summary(trials, kept, excluded)
    results: dict = {
        "experiment": EXPERIMENT,
        "run_modes": modes,
        "banner": data_banner(modes),
        "n_participants": int(kept["participant"].nunique()),
        "n_trials": int(len(kept)),
        "n_items": int(kept["item_id"].nunique()),
        "accuracy": _ci_dict(float(acc_bin["estimate"]), float(acc_bin["ci_low"]), float(acc_bin["ci_high"]),
                             n=int(acc_bin["n"]), n_correct=int(acc_bin["n_correct"]), ci_method="Clopper-Pearson"),
        "binomial_p": float(acc_bin["p_val"]),
        "participant_tests": {"n": int(acc_part["p_val"].notna().sum()), "significance": round(1 - level, 10),
                              "n_significant": int((acc_part["p_val"] < 1 - level).sum()),
                              "n_significant_holm": int((acc_part["p_holm"] < 1 - level).sum())},
        "bias_convention": BIAS_CONVENTION,
        "accuracy_ttest": {k: (int(v) if k == "n" else float(v)) for k, v in acc_t.items()},
        "dprime": _ci_dict(float(sdt_g.loc["dprime", "mean"]), float(sdt_g.loc["dprime", "ci_low"]),
                           float(sdt_g.loc["dprime", "ci_high"]),
                           **{k: float(sdt_g.loc["dprime", k]) for k in ("n", "sd", "t", "dof", "p_val", "cohen_dz")}),
        "criterion": _ci_dict(float(sdt_g.loc["criterion", "mean"]), float(sdt_g.loc["criterion", "ci_low"]),
                              float(sdt_g.loc["criterion", "ci_high"]),
                              **{k: float(sdt_g.loc["criterion", k]) for k in ("n", "sd", "t", "dof", "p_val", "cohen_dz")}),
        "judged_human_rate": {r["group"]: {k: r[k] for k in ("estimate", "ci_low", "ci_high", "n", "n_judged_human",
                                                              "n_participants", "participant_mean",
                                                              "participant_ci_low", "participant_ci_high")}
                              for r in records(jh_source)},
        "judged_human_rate_by_model": {r["group"]: {k: r[k] for k in ("source", "model", "estimate", "ci_low",
                                                                       "ci_high", "n", "n_judged_human",
                                                                       "participant_mean", "participant_ci_low",
                                                                       "participant_ci_high")}
                                       for r in records(jh_model)},
        "glmm": glmm,
        "glmm_by_model": glmm_by_model,
        "type2_auc": _ci_dict(float(auc_t["mean"]), float(auc_t["ci_low"]), float(auc_t["ci_high"]),
                              **{k: float(auc_t[k]) for k in ("n", "sd", "t", "dof", "p_val", "cohen_dz", "pooled_auc")},
                              n_trials_rated=int(len(rated))),
        "rt": {"by_source": records(rt_source), "by_correct": records(rt_correct)},
        "languages": {str(k): int(v) for k, v in kept["lang"].value_counts().sort_index().items()}
        if "lang" in kept.columns else {},
        "by_language": records(by_lang),
        "exclusions": {**excl_summary, "table": records(excluded)},
        "sessions": sessions,
        "settings": asdict(config),
        "method": {k: v.format(correction=CORRECTION_NAMES[config.correction]) for k, v in METHODS.items()},
        "versions": {"psyai": psyai_version, "python": platform.python_version(), "numpy": np.__version__,
                     "pandas": pd.__version__, "scipy": _version("scipy"), "pingouin": pg.__version__},
    }
    results["sentences"] = apa_sentences(results)
    results["tables"] = {
        "accuracy_participants": acc_part, "sdt_participants": sdt, "sdt_group": sdt_g.reset_index(),
        "judged_human_source": jh_source, "judged_human_model": jh_model, "glmm": glmm_tab,
        "type2_auc": auc, "type2_roc": roc, "rt_source": rt_source, "rt_correct": rt_correct,
        "exclusions": excluded, "languages": by_lang, "items": items,
    }
    results["trials"] = kept
    results["glmm_fit"] = fit  # the psyai.stats.mixed.MixedResult kept (or None)
    return results


def _version(module: str) -> str:
    try:
        return str(__import__(module).__version__)
    except Exception:  # noqa: BLE001 - a version string is informative only
        return "unknown"


# --------------------------------------------------------------------------- sentences


def _finite(*values) -> bool:
    return all(v is not None and math.isfinite(float(v)) for v in values)


def _test_part(d: dict, stat: str = "t", digits: int = 2) -> str:
    """``t(29) = 3.10, p = .004, Cohen's d_z = 0.57``, or what stood in the way of a test (never "t = NA")."""
    if not _finite(d["t"], d["dof"], d["p_val"]):
        return f"no {stat} test ({'it needs at least two participants' if d.get('n', 0) < 2 else 'every value was the same'})"
    return f"{fmt_stat(stat, d['t'], d['dof'])}, {fmt_p(d['p_val'])}, Cohen's d_z = {fmt_num(d['cohen_dz'], digits)}"


def _ci_part(low: float | None, high: float | None, digits: int = 2, *, level: float, scale: float = 1.0,
             leading_zero: bool = True) -> str:
    """``95% CI [0.12, 0.35]``, or ``no interval`` where it is undefined (one participant, no spread)."""
    if not _finite(low, high):
        return "no interval"
    return fmt_ci(scale * low, scale * high, digits, level=level, leading_zero=leading_zero)


def apa_sentences(res: dict) -> dict[str, str]:
    """APA-style results sentences built from the summary part of :func:`analyze`'s output."""
    level = res["settings"]["level"]
    out: dict[str, str] = {"sessions": res["sessions"]["sentence"]}
    ex = res["exclusions"]
    by_p = "; ".join(f"{k.replace('_', ' ')}: {v}" for k, v in ex["participants_excluded_by_reason"].items())
    by_t = "; ".join(f"{k.replace('_', ' ')}: {v}" for k, v in ex["trials_excluded_by_reason"].items())
    out["exclusions"] = (
        f"Of {plural(ex['n_participants_total'], 'participant')}, {ex['n_participants_excluded']} "
        f"{'was' if ex['n_participants_excluded'] == 1 else 'were'} excluded"
        + (f" ({by_p})" if by_p else "") + f"; of the remaining participants' main trials, {ex['n_trials_excluded']} "
        + f"{'was' if ex['n_trials_excluded'] == 1 else 'were'} removed" + (f" ({by_t})" if by_t else "")
        + f". The analyses use {plural(res['n_trials'], 'trial')} from {plural(res['n_participants'], 'participant')}."
    )
    a, at, pt = res["accuracy"], res["accuracy_ttest"], res["participant_tests"]
    sig = f"p < {pt['significance']:.3g}".replace("0.", ".", 1)
    out["accuracy"] = (
        f"Mean participant accuracy was {fmt_pct(at['mean'])}, "
        f"{_ci_part(at['ci_low'], at['ci_high'], 1, level=level, scale=100)}, {_test_part(at)} (one-sample t test "
        f"against 50% of the accuracies of {plural(at['n'], 'participant')}: participant-level, so a participant's "
        f"trials are not treated as independent). Treating the {plural(a['n'], 'trial')} as independent (which overstates the precision "
        f"when participants differ), {fmt_pct(a['estimate'])} of trials were correct, "
        f"{fmt_ci(100 * a['ci_low'], 100 * a['ci_high'], 1, level=level)} (Clopper–Pearson), exact binomial "
        f"{fmt_p(res['binomial_p'])}. Descriptively, {pt['n_significant']} of {pt['n']} per-participant binomial "
        f"tests had {sig} uncorrected and {pt['n_significant_holm']} after Holm correction across participants."
    )
    dp, c = res["dprime"], res["criterion"]
    out["sdt"] = (
        f"Mean d' = {fmt_num(dp['estimate'])}, {_ci_part(dp['ci_low'], dp['ci_high'], level=level)}, "
        f"{_test_part(dp)}; mean criterion c (bias toward \"human\") = {fmt_num(c['estimate'])}, "
        f"{_ci_part(c['ci_low'], c['ci_high'], level=level)}, "
        f"{_test_part(c)} (N = {plural(dp['n'], 'participant')}; signal = model-written text; "
        f"{'log-linear correction, Hautus, 1995' if res['settings']['correction'] == 'loglinear' else res['settings']['correction'] + ' correction'})."
    )
    parts = []
    for name, label in (("model", "Model-written"), ("human", "Human-written")):
        r = res["judged_human_rate"].get(name)
        if r is None:
            continue
        parts.append(
            f"{label} texts were judged human by a mean of {fmt_pct(r['participant_mean'])} of each "
            f"participant's answers, "
            f"{_ci_part(r['participant_ci_low'], r['participant_ci_high'], 1, level=level, scale=100)} "
            f"(t interval over {plural(r['n_participants'], 'participant')}); pooled over trials "
            f"{fmt_pct(r['estimate'])}, {r['n_judged_human']} of {r['n']} (Clopper–Pearson "
            f"{fmt_ci(100 * r['ci_low'], 100 * r['ci_high'], 1, level=level)}, which treats trials as "
            f"independent)."
        )
    models = {k: v for k, v in res["judged_human_rate_by_model"].items() if v["source"] == "model"}
    if len(models) > 1:
        parts.append("By model (mean of participants' rates): " + "; ".join(
            f"{k} {fmt_pct(v['participant_mean'])}, "
            f"{_ci_part(v['participant_ci_low'], v['participant_ci_high'], 1, level=level, scale=100)}"
            for k, v in models.items()) + ".")
    out["judged_human_rate"] = " ".join(parts)
    g = res["glmm"]
    if g["fitted"]:
        out["glmm"] = _glmm_sentence(g, level)
        for name, gm in res.get("glmm_by_model", {}).items():
            out["glmm"] += (f" {name} against human texts: " + (_glmm_sentence(gm, level, short=True) if gm["fitted"]
                                                                else f"not fitted ({gm['error']})."))
    else:
        out["glmm"] = f"The mixed-effects model was not fitted: {g['error']}"
    t2 = res["type2_auc"]
    out["type2_auc"] = (
        f"Confidence discriminated correct from incorrect answers with a mean type-2 AUC = "
        f"{fmt_num(t2['estimate'], leading_zero=False)}, "
        f"{_ci_part(t2['ci_low'], t2['ci_high'], level=level, leading_zero=False)}, {_test_part(t2)} (test against "
        f".5, N = {plural(t2['n'], 'participant')} with both correct and incorrect answers); pooled over trials, "
        f"AUC = {fmt_num(t2['pooled_auc'], leading_zero=False)}."
    )
    n_rated = t2.get("n_trials_rated", res["n_trials"])
    if n_rated == 0:
        out["type2_auc"] = ("Type-2 ROC areas were not computed: no trial has a confidence on the 1-6 scale (verdicts "
                            "imported with confidence on another scale keep it as confidence_raw; psyai import "
                            "turing-judgments --confidence-map bins maps it onto 1-6).")
    elif n_rated < res["n_trials"]:
        out["type2_auc"] += f" Only the {plural(n_rated, 'trial')} with a confidence rating enter the type-2 ROC."
    rt_parts = []
    for r in res["rt"]["by_source"]:
        rt_parts.append(f"{fmt_num(r['median'])} s (IQR {fmt_num(r['q1'])}–{fmt_num(r['q3'])}) for {r['source']}-written texts")
    for r in res["rt"]["by_correct"]:
        rt_parts.append(f"{fmt_num(r['median'])} s (IQR {fmt_num(r['q1'])}–{fmt_num(r['q3'])}) for "
                        f"{'correct' if r['correct'] else 'incorrect'} answers")
    out["rt"] = ("Median response time was " + ", ".join(rt_parts) + ".") if rt_parts else \
        "No response times were recorded (e.g. imported verdicts), so none are reported and min_rt/max_rt excluded nothing."
    out["languages"] = _languages_sentence(res, level)
    out["methods"] = _methods_paragraph(res)
    return out


def _languages_sentence(res: dict, level: float) -> str:
    langs = res.get("languages") or {}
    if len(langs) <= 1:
        only = next(iter(langs), None)
        return f"Every session was in {LANG_NAMES.get(only, only)}." if only else ""
    parts = [f"{LANG_NAMES.get(r['lang'], r['lang'])} ({plural(r['n_participants'], 'participant')}, "
             f"{plural(r['n_trials'], 'trial')}): mean participant accuracy {fmt_pct(r['mean_accuracy'])}, "
             f"{_ci_part(r['mean_ci_low'], r['mean_ci_high'], 1, level=level, scale=100)}, "
             f"{_test_part({**r, 'n': r['n_participants']})}; model-written texts judged human "
             f"by a mean {fmt_pct(r['judged_human_model'])} of each participant's answers; mean d' = "
             f"{fmt_num(r['mean_dprime'])}"
             for r in res["by_language"]]
    return ("The figures above pool sessions in " + " and ".join(LANG_NAMES.get(k, k) for k in langs)
            + " (different texts, and often different people); by language: " + "; ".join(parts)
            + ". Analyse one language alone with --lang.")


def _setting(value, unit: str = "") -> str:
    return "off" if value is None else f"{value}{unit}"


def _glmm_sentence(g: dict, level: float, short: bool = False) -> str:
    """The APA sentence of a Turing-test GLMM (:func:`_glmm_summary`), naming the model kept and why."""
    s, i, r = g["source"], g["intercept"], g["random"]
    effect = (f"the source effect (sensitivity, log odds of 'human' for human vs model texts) was "
              f"b = {fmt_num(s['estimate'])}, SE = {fmt_num(s['se'])}, {fmt_ci(s['ci_low'], s['ci_high'], level=level)}, "
              f"z = {fmt_num(s['z'])}, {fmt_p(s['p_val'])} (odds ratio = {fmt_num(s['odds_ratio'])})")
    if short:
        return effect[0].upper() + effect[1:] + f", {g['formula']}."
    sds = ", ".join(f"{k.split(':')[0]} {k.split(':')[1].replace('sd__', '')} {fmt_num(v)}"
                    for k, v in r.items() if ":sd__" in k)
    out = (f"In a logistic mixed-effects regression of 'human' judgments on the source of the text (human = +0.5, "
           f"model = -0.5), {g['formula']}, {effect}; the intercept (bias; > 0 toward 'human', as c) was "
           f"b = {fmt_num(i['estimate'])}, SE = {fmt_num(i['se'])}, {fmt_ci(i['ci_low'], i['ci_high'], level=level)}, "
           f"z = {fmt_num(i['z'])}, {fmt_p(i['p_val'])}. Random-effect SDs: {sds} ({plural(g['n_obs'], 'trial')}).")
    if g["simplified"]:
        dropped = [t["formula"] for t in g["tried"][:-1]]
        out += (f" The fuller model{'s' if len(dropped) > 1 else ''} ({'; '.join(dropped)}) "
                f"{'were' if len(dropped) > 1 else 'was'} singular, so this simpler one was fitted.")
    elif g["singular"]:
        out += " Caution: even the simplest model was singular (a variance component at zero)."
    if not g["converged"]:
        out += " Caution: the fit did not converge cleanly; treat these numbers as provisional."
    return out


def _methods_paragraph(res: dict) -> str:
    """What was computed, from what, with which software: the report's Methods section."""
    st, v = res["settings"], res["versions"]
    modes = ", ".join(f"{k} ({plural(n, 'trial')})" for k, n in res["run_modes"].items())
    langs = ", ".join(LANG_NAMES.get(k, k) for k in (res.get("languages") or {})) or "unrecorded"
    glmm = res["glmm"]
    fitted = (glmm["description"][0].lower() + glmm["description"][1:].rstrip(".") if glmm["fitted"]
              else f"no mixed model ({glmm['error']})")
    return (
        f"Data: {plural(res['n_participants'], 'participant')}, {plural(res['n_trials'], 'main trial')} on "
        f"{plural(res['n_items'], 'item')} (run modes: {modes}; languages: {langs}). Exclusions: min_rt = "
        f"{_setting(st['min_rt'], ' s')}, max_rt = {_setting(st['max_rt'], ' s')}, max_failed_checks = "
        f"{_setting(st['max_failed_checks'])}, min_accuracy_practice = {_setting(st['min_accuracy_practice'])}, "
        f"exclude_incomplete = {'on' if st['exclude_incomplete'] else 'off'} (sessions that did not run to the end). "
        "Computed: participant-level accuracy with a one-sample t test (the headline), pooled trial-level accuracy "
        "with an exact binomial test (trials treated as independent), per-participant binomial tests (descriptive; "
        "unadjusted and Holm-adjusted p), "
        f"equal-variance signal detection (correction {st['correction']}), "
        f"judged-human rates with Clopper-Pearson and participant-clustered intervals, type-2 ROC areas, and "
        f"{fitted}; intervals at {st['level']:.0%}. Sign convention: {res.get('bias_convention', BIAS_CONVENTION)}. Cohen's d_z is the "
        "mean difference over the SD of participants' values, not d'. "
        f"Software: psyai {v.get('psyai')}, Python {v.get('python')}, "
        f"numpy {v.get('numpy')}, pandas {v.get('pandas')}, scipy {v.get('scipy')}, pingouin {v.get('pingouin')}."
    )


# --------------------------------------------------------------------------- figures


def _fig_judged_human(jh: pd.DataFrame, level: float) -> Figure:
    fig = Figure(figsize=(max(4.5, 1.3 * len(jh) + 2.5), 3.6))
    ax = fig.subplots()
    x = np.arange(len(jh))
    est, lo, hi = jh["estimate"].to_numpy(float), jh["ci_low"].to_numpy(float), jh["ci_high"].to_numpy(float)
    ax.errorbar(x - 0.1, est, yerr=np.vstack([est - lo, hi - est]), fmt="o", capsize=4, color="#3a6ea5",
                label=f"pooled trials, {level:.0%} Clopper-Pearson CI")
    pm = jh["participant_mean"].to_numpy(float)
    plo, phi = jh["participant_ci_low"].to_numpy(float), jh["participant_ci_high"].to_numpy(float)
    ax.errorbar(x + 0.1, pm, yerr=np.vstack([np.nan_to_num(pm - plo), np.nan_to_num(phi - pm)]), fmt="s", capsize=4,
                color="#c0504d", label=f"participant mean, {level:.0%} t CI")
    ax.axhline(0.5, color="grey", lw=1, ls="--")
    ax.set_xticks(x, [f"{g}\n(n = {n})" for g, n in zip(jh["group"], jh["n"])])
    ax.set_ylim(0, 1)
    ax.set_ylabel('proportion judged "human"')
    ax.legend(loc="upper right", fontsize=8, frameon=False)
    return fig


def _fig_sdt(sdt: pd.DataFrame, group: pd.DataFrame, level: float) -> Figure:
    fig = Figure(figsize=(4.8, 4.2))
    ax = fig.subplots()
    ax.scatter(sdt["criterion"], sdt["dprime"], s=22, alpha=0.6, color="#3a6ea5", label="participants")
    g = group.set_index("measure")
    cm, cl, ch = (float(g.loc["criterion", k]) for k in ("mean", "ci_low", "ci_high"))
    dm, dl, dh = (float(g.loc["dprime", k]) for k in ("mean", "ci_low", "ci_high"))
    ax.errorbar([cm], [dm], xerr=np.nan_to_num([[cm - cl], [ch - cm]]), yerr=np.nan_to_num([[dm - dl], [dh - dm]]),
                fmt="D", color="#c0504d", capsize=4, label=f"group mean, {level:.0%} t CI")
    ax.axhline(0, color="grey", lw=1, ls="--")
    ax.axvline(0, color="grey", lw=1, ls="--")
    ax.set_xlabel('criterion c  (> 0: bias toward "human")')
    ax.set_ylabel("sensitivity d'")
    ax.legend(fontsize=8, frameon=False)
    return fig


def _fig_type2(roc: pd.DataFrame, auc: pd.DataFrame) -> Figure:
    fig = Figure(figsize=(4.4, 4.2))
    ax = fig.subplots()
    for _, pts in roc[roc["unit"] == "participant"].groupby("participant"):
        ax.plot(pts["fa_rate2"], pts["hit_rate2"], color="#999999", lw=0.7, alpha=0.5)
    pooled = roc[roc["unit"] == "pooled"]
    pooled_auc = auc.loc[auc["unit"] == "pooled", "auc"].iloc[0]
    ax.plot(pooled["fa_rate2"], pooled["hit_rate2"], "o-", color="#c0504d", lw=2,
            label=f"pooled (AUC = {fmt_num(pooled_auc, leading_zero=False)})")
    ax.plot([0, 1], [0, 1], color="black", lw=1, ls="--", label="chance (AUC = .50)")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel("P(confidence ≥ k | incorrect)")
    ax.set_ylabel("P(confidence ≥ k | correct)")
    ax.set_aspect("equal")
    ax.legend(loc="lower right", fontsize=8, frameon=False)
    return fig


def _fig_rt(trials: pd.DataFrame, min_rt: float | None = None) -> Figure:
    fig = Figure(figsize=(8.5, 3.4))
    axes = fig.subplots(1, 2, sharey=True)
    rt = trials["rt"].astype(float)
    upper = float(np.quantile(rt, 0.99)) if len(rt) else 1.0
    bins = np.linspace(0, max(upper, 1e-3), 40)
    for ax, col, labels, title in ((axes[0], "source", {"human": "human-written", "model": "model-written"}, "by source"),
                                   (axes[1], "correct", {True: "correct", False: "incorrect"}, "by correctness")):
        for key, label in labels.items():
            d = rt[trials[col] == key]
            if len(d):
                ax.hist(d.clip(upper=bins[-1]), bins=bins, alpha=0.55, density=True, label=f"{label} (n = {len(d)})")
        if min_rt is not None:
            ax.axvline(min_rt, color="black", lw=1, ls=":", label=f"min_rt = {min_rt} s")
        ax.set_title(title, fontsize=10)
        ax.set_xlabel("response time (s)")
        ax.legend(fontsize=8, frameon=False)
    axes[0].set_ylabel("density")
    return fig


# --------------------------------------------------------------------------- output


def results_json(results: dict) -> dict:
    """The results.json content: the summary of :func:`analyze` plus participant-level tables."""
    summary = {k: v for k, v in results.items() if k not in ("tables", "trials", "glmm_fit")}
    tables = results.get("tables", {})
    summary["tables"] = {k: tables[k] for k in ("accuracy_participants", "sdt_participants", "type2_auc",
                                                "judged_human_model", "glmm", "items") if k in tables}
    return json_ready(summary)


def build_report(results: dict) -> HtmlReport:
    """The HTML report of :func:`analyze`'s results: banner, sentences, methods, figures, tables."""
    level = results["settings"]["level"]
    tables = results["tables"]
    sentences = results["sentences"]
    report = HtmlReport("Turing test: person or model?", banner=results["banner"], versions=results["versions"])
    modes = ", ".join(f"{k}: {plural(v, 'trial')}" for k, v in results["run_modes"].items())
    report.paragraph(f"{plural(results['n_participants'], 'participant')}, {plural(results['n_trials'], 'main trial')}, "
                     f"{plural(results['n_items'], 'item')} (run modes in the data — {modes}).")
    report.methods(sentences["methods"])
    if sentences["languages"]:
        report.heading("Languages")
        report.apa(sentences["languages"])
        if len(tables["languages"]) > 1:
            report.table(tables["languages"], "By language: mean_accuracy is the mean of participants' accuracies "
                                              "(t interval, one-sample t test against .5); accuracy pools trials "
                                              "as if independent (Clopper-Pearson interval, exact binomial_p)")

    report.heading("Exclusions")
    report.apa(sentences["sessions"])
    report.apa(sentences["exclusions"])
    report.method(results["method"]["exclusions"])
    if len(tables["exclusions"]):
        report.table(tables["exclusions"], "Excluded participants and trials", max_rows=50)

    report.heading("Accuracy")
    report.apa(sentences["accuracy"])
    report.method(results["method"]["accuracy"] + " " + results["method"]["accuracy_ttest"])

    report.heading("Judged human, by source")
    report.apa(sentences["judged_human_rate"])
    report.method(results["method"]["judged_human_rate"])
    jh = tables["judged_human_model"]
    report.figure(_fig_judged_human(jh, level),
                  "Proportion of trials judged \"human\" by source (and generating model). Circles: pooled over "
                  f"trials with {level:.0%} Clopper-Pearson intervals; squares: mean of participants' rates with "
                  f"{level:.0%} t intervals (participant-clustered). Dashed line: .5.")
    report.table(jh, "Judged-human rates")

    report.heading("Signal detection")
    report.apa(sentences["sdt"])
    report.method(results["method"]["sdt"])
    report.figure(_fig_sdt(tables["sdt_participants"], tables["sdt_group"], level),
                  f"Per-participant sensitivity d' against criterion c; diamond: group mean with {level:.0%} t intervals.")
    report.table(tables["sdt_group"], "Group d' and c (c > 0: bias toward \"human\"): one-sample t tests against 0; "
                                      "cohen_dz = Cohen's d_z (mean / SD), not d'")

    report.heading("Mixed-effects logistic regression")
    report.apa(sentences["glmm"])
    report.method(
        "Why this model: every participant judged many texts and every text was judged by many participants, "
        "so both are random samples, and participants differ in how well they tell the sources apart; random "
        "intercepts for participants and items and random source slopes for participants let the source effect "
        "generalise over new texts as well as new people, which the pooled binomial test and the by-participant "
        "t test do not. " + results["method"]["glmm"])
    if len(tables["glmm"]):
        report.table(tables["glmm"], f"GLMM ({results['glmm']['formula']}): fixed effects (log odds) and random-effect "
                                     "SDs and correlations")

    report.heading("Confidence and accuracy (type-2 ROC)")
    report.apa(sentences["type2_auc"])
    report.method(results["method"]["type2_auc"])
    if results["type2_auc"].get("n_trials_rated", 1):
        report.figure(_fig_type2(tables["type2_roc"], tables["type2_auc"]),
                      "Type-2 ROC: grey, one line per participant; red, pooled over trials; dashed, chance.")

    report.heading("Response times")
    report.apa(sentences["rt"])
    report.method(results["method"]["rt"])
    if results["trials"]["rt"].notna().any():
        report.figure(_fig_rt(results["trials"], results["settings"]["min_rt"]),
                      "Distributions of response times of the kept trials (seconds; the top 1% are drawn in the last "
                      "bin; dotted: the min_rt exclusion limit).")
    report.table(pd.concat([tables["rt_source"], tables["rt_correct"]], ignore_index=True), "Response times (s)")

    report.heading("Participants")
    per = tables["accuracy_participants"].merge(tables["sdt_participants"], on=["participant"])
    auc = tables["type2_auc"]
    per = per.merge(auc.loc[auc["unit"] == "participant", ["participant", "auc"]], on="participant", how="left")
    per = per.rename(columns={"p_val": "p_val_descriptive"})
    report.table(per[["participant", "n", "accuracy", "ci_low", "ci_high", "p_val_descriptive", "p_holm", "hit_rate",
                      "fa_rate", "dprime", "criterion", "auc"]],
                 f"Per participant — descriptive (ci_low/ci_high: Clopper-Pearson, accuracy; p_val_descriptive: each "
                 f"participant's exact binomial test against .5, uncorrected, one of {len(per)} tests; p_holm: "
                 "Holm-adjusted over the participants; the study's inference is the t test and the mixed model)")

    report.heading("Items")
    report.table(tables["items"], "Judged human per item (model texts first, most often judged human first; "
                                  "Clopper-Pearson intervals)", max_rows=80)

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


IMPORTED_TABLE = "trials.csv"  # what psyai import turing-judgments writes, beside its import_report.json


def load_trials(path: str | Path, include_pilot: bool = False) -> pd.DataFrame:
    """The trials of a data folder of sessions (:func:`psyai.data.load`), or the table ``psyai import
    turing-judgments`` wrote (its folder, or its trials.csv beside import_report.json), read as the same layout."""
    import json

    from psyai.data import load

    path = Path(path)
    table = path / IMPORTED_TABLE if path.is_dir() else path
    report = table.parent / "import_report.json"
    if table.suffix == ".csv" and table.is_file() and report.is_file() \
            and json.loads(report.read_text(encoding="utf-8")).get("kind") == "turing-judgments":
        ids = {c: str for c in ("participant", "item_id", "model", "model_name", "lang", "interrogator", "game",
                                "witness", "source", "response", "phase", "run_mode")}
        trials = pd.read_csv(table, dtype=ids, keep_default_na=False, na_values=[""], encoding="utf-8")
        return trials.astype({"is_check": bool, "confidence": "Int64", "rt": float})
    return load(report_lib.require_data_dir(path), experiment=EXPERIMENT, include_pilot=include_pilot)


def build_parser() -> argparse.ArgumentParser:
    defaults = TuringConfig()
    p = argparse.ArgumentParser(prog=report_lib.command_name("analysis/turing_test.py"),
                                description="Analyse Turing-test sessions: results.json and report.html.")
    p.add_argument("data_dir", help="folder holding the sub-*/ses-* session folders (e.g. data/turing_test)")
    p.add_argument("--out", required=True, help="output folder for results.json and report.html")
    p.add_argument("--min-rt", type=float, default=defaults.min_rt,
                   help=f"exclude main trials faster than this many seconds (default {defaults.min_rt})")
    p.add_argument("--max-rt", type=float, default=defaults.max_rt,
                   help="exclude main trials slower than this many seconds (default: no limit)")
    p.add_argument("--max-failed-checks", type=int, default=defaults.max_failed_checks,
                   help=f"exclude participants failing more attention checks than this (default {defaults.max_failed_checks})")
    p.add_argument("--min-accuracy-practice", type=float, default=defaults.min_accuracy_practice,
                   help="exclude participants whose practice accuracy is below this proportion (default: off)")
    p.add_argument("--level", type=float, default=defaults.level, help="confidence level (default 0.95)")
    p.add_argument("--correction", choices=CORRECTIONS, default=defaults.correction,
                   help="correction of hit/false-alarm rates for d' (default loglinear, Hautus 1995)")
    p.add_argument("--include-pilot", action="store_true", help="analyse pilot sessions too (the report is marked)")
    p.add_argument("--lang", choices=("en", "ja"), default=None,
                   help="analyse only the sessions in this language (default: all, reported by language too)")
    p.add_argument("--exclude-incomplete", action="store_true",
                   help="leave out sessions that did not run to the end (no end record, or stopped with Escape); "
                        "default: keep their trials, and name the sessions in the report")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: load, analyse, write; prints the path of report.html. Exit 1 with one line on error."""
    args = build_parser().parse_args(argv)

    def compute() -> dict:
        config = TuringConfig(min_rt=args.min_rt, max_rt=args.max_rt, max_failed_checks=args.max_failed_checks,
                              min_accuracy_practice=args.min_accuracy_practice, level=args.level,
                              correction=args.correction, include_pilot=args.include_pilot, lang=args.lang,
                              exclude_incomplete=args.exclude_incomplete)
        trials = load_trials(args.data_dir, include_pilot=args.include_pilot)
        return analyze(trials, config)

    return report_lib.run_cli("analysis/turing_test.py", argv, compute, write_results, args.out)


if __name__ == "__main__":
    sys.exit(main())
