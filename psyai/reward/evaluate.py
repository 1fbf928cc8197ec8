"""How well a reward model predicts people, beside how well people predict each other.

Two numbers, the form InstructGPT reported (72.4 ± 0.4 % on training
labelers, 69.6 ± 0.9 % on held-out labelers, against 72.6–77.3 %
inter-labeler agreement):

- **held-out accuracy** (:func:`pairwise_accuracy`): over the comparisons of
  participants the model was not trained on, how often the model gives the
  preferred output the higher reward (equal rewards count one half);
- **agreement ceiling** (:func:`agreement`): over the same participants'
  comparisons, how often *another* participant who compared the same two
  outputs ordered them the same way (every other participant in the data,
  trained-on or not: agreement is a property of the people). A model that
  predicts a participant as well as another participant does reaches it.
  (A model that knew the true utility would beat it: another participant
  adds their own noise.)

Intervals come from participant groups: the held-out participants are split
into k groups (:func:`psyai.reward.data.participant_groups`), each number is
computed per group, and the interval is the 95 % t interval of the group
values (:func:`t_interval`). :func:`cross_validate` is InstructGPT's form:
k models, each trained with one group held out and scored on it.
"""

from __future__ import annotations

import logging
import numpy as np
import pandas as pd
from scipy import stats

from psyai.reward.config import RewardConfig
from psyai.reward.data import (
    Ranking,
    RewardDataError,
    comparison_table,
    participant_groups,
    rankings_from_frame,
)

logger = logging.getLogger(__name__)

__all__ = ["t_interval", "pairwise_accuracy", "agreement", "score_comparisons", "evaluate", "cross_validate"]

METHOD = ("pairwise accuracy on held-out participants' comparisons (ties in the data skipped; equal rewards count "
          "1/2) beside the agreement ceiling (how often another participant who compared the same pair ordered "
          "it the same way); point estimates are means over {k} participant groups, intervals 95% t intervals "
          "over the groups, clipped to [0, 1]")


def t_interval(values: list[float] | np.ndarray, level: float = 0.95) -> tuple[float, float | None, float | None]:
    """``(mean, low, high)``: the t interval of the mean of ``values`` (no interval below 2 values)."""
    values = np.asarray([v for v in values if v is not None and np.isfinite(v)], dtype=float)
    if len(values) == 0:
        return float("nan"), None, None
    mean = float(values.mean())
    if len(values) < 2:
        return mean, None, None
    half = float(stats.t.ppf(0.5 + level / 2, len(values) - 1) * values.std(ddof=1) / np.sqrt(len(values)))
    return mean, mean - half, mean + half


def _as_rankings(rankings: pd.DataFrame | list[Ranking]) -> list[Ranking]:
    return rankings if isinstance(rankings, list) else rankings_from_frame(rankings)


def score_comparisons(model, table: pd.DataFrame, batch_size: int = 32) -> tuple[np.ndarray, np.ndarray]:
    """Rewards of the winner and the loser of each comparison row; each distinct text is scored once."""
    keys = sorted(set(zip(table["prompt"], table["winner_text"])) | set(zip(table["prompt"], table["loser_text"])))
    scores = model.score([p for p, _ in keys], [t for _, t in keys], batch_size)
    lookup = dict(zip(keys, scores))
    winner = np.array([lookup[k] for k in zip(table["prompt"], table["winner_text"])])
    loser = np.array([lookup[k] for k in zip(table["prompt"], table["loser_text"])])
    return winner, loser


def pairwise_accuracy(winner_scores: np.ndarray, loser_scores: np.ndarray) -> np.ndarray:
    """Per comparison: 1 when the preferred output scores higher, 1/2 when equal, else 0."""
    return (np.sign(np.asarray(winner_scores) - np.asarray(loser_scores)) + 1) / 2


def agreement(table: pd.DataFrame) -> pd.DataFrame:
    """Per comparison row: how many *other* participants compared the same pair, and how many agreed.

    Returns ``table`` with two columns added: ``others`` and ``others_agree``.
    """
    first = np.where(table["winner"] < table["loser"], table["winner"], table["loser"])
    second = np.where(table["winner"] < table["loser"], table["loser"], table["winner"])
    frame = table.assign(_a=first, _b=second, _plus=(table["winner"] == first).astype(int))
    frame["_minus"] = 1 - frame["_plus"]
    pair = ["prompt_id", "_a", "_b"]
    totals = frame.groupby(pair)[["_plus", "_minus"]].transform("sum")
    own = frame.groupby(pair + ["participant"])[["_plus", "_minus"]].transform("sum")
    others_plus = totals["_plus"] - own["_plus"]
    others_minus = totals["_minus"] - own["_minus"]
    return table.assign(others=(others_plus + others_minus).to_numpy(),
                        others_agree=np.where(frame["_plus"] == 1, others_plus, others_minus))


def _ci(low: float | None, high: float | None) -> list[float] | None:
    """An interval of a proportion, clipped to [0, 1]."""
    return None if low is None else [max(0.0, low), min(1.0, high)]


def _ratio(num: float, den: float) -> float | None:
    return float(num / den) if den > 0 else None


def evaluate(model, rankings: pd.DataFrame | list[Ranking], *, heldout: list[str] | None = None,
             exclude: list[str] | None = None, folds: int = 5, seed: int = 0, batch_size: int = 32) -> dict:
    """Held-out pairwise accuracy of ``model`` beside the agreement ceiling, with intervals.

    Parameters
    ----------
    model : a :class:`~psyai.reward.model.RewardModel` (anything with ``score(prompts, responses, batch_size)``).
    rankings : the long-form table (or rankings); every participant in it counts for the agreement.
    heldout : the participants whose comparisons are predicted (default: all but ``exclude``).
    exclude : participants the model was trained on; never scored.
    folds : participant groups for the intervals.
    seed : seeds the grouping.

    Returns
    -------
    dict with ``heldout_accuracy`` and ``agreement_ceiling`` (means over the
    groups), ``heldout_accuracy_ci`` and ``agreement_ceiling_ci`` (95 % t
    intervals over the groups, ``None`` with one group), the pooled values
    ``heldout_accuracy_pooled`` and ``agreement_ceiling_pooled``,
    ``n_heldout_participants``, ``n_comparisons``, ``n_groups``, ``groups``
    (per group: participants, comparisons, accuracy, agreement) and ``method``.

    Raises
    ------
    RewardDataError
        No participant is left to evaluate, or the held-out participants made no comparison.
    """
    table = agreement(comparison_table(_as_rankings(rankings)))
    everyone = sorted(set(table["participant"]))
    excluded = set(exclude or [])
    chosen = sorted(set(heldout) if heldout is not None else set(everyone) - excluded)
    chosen = [p for p in chosen if p not in excluded]
    if not chosen:
        raise RewardDataError(
            f"no participants left for evaluation: all {len(everyone)} participant(s) with comparisons in the data "
            "were used to train the model; evaluate on rankings from participants it has not seen")
    held = table[table["participant"].isin(chosen)]
    if held.empty:
        raise RewardDataError(f"the {len(chosen)} held-out participant(s) made no comparison (all ties or "
                              "unranked): nothing to evaluate")
    correct = pairwise_accuracy(*score_comparisons(model, held, batch_size))
    held = held.assign(correct=correct)
    groups = participant_groups(sorted(set(held["participant"])), folds, seed)
    per_group = []
    for members in groups:
        rows = held[held["participant"].isin(members)]
        per_group.append({
            "participants": members, "n_comparisons": int(len(rows)),
            "accuracy": float(rows["correct"].mean()),
            "agreement": _ratio(rows["others_agree"].sum(), rows["others"].sum()),
        })
    acc, acc_lo, acc_hi = t_interval([g["accuracy"] for g in per_group])
    agr, agr_lo, agr_hi = t_interval([g["agreement"] for g in per_group])
    return {
        "heldout_accuracy": acc, "heldout_accuracy_ci": _ci(acc_lo, acc_hi),
        "agreement_ceiling": None if np.isnan(agr) else agr, "agreement_ceiling_ci": _ci(agr_lo, agr_hi),
        "heldout_accuracy_pooled": float(held["correct"].mean()),
        "agreement_ceiling_pooled": _ratio(held["others_agree"].sum(), held["others"].sum()),
        "n_heldout_participants": len(set(held["participant"])), "n_comparisons": int(len(held)),
        "n_groups": len(groups), "groups": per_group, "method": METHOD.format(k=len(groups)),
    }


def cross_validate(rankings: pd.DataFrame | list[Ranking], config: RewardConfig) -> dict:
    """k-fold cross-validation over participant groups (InstructGPT's held-out-labeler form).

    The participants are split into ``config.folds`` groups; for each group a
    model is trained on all the others and scored on that group. Returns
    ``heldout_accuracy`` and ``agreement_ceiling`` (means over folds), their
    95 % t intervals over folds (``*_ci``) and SDs (``*_sd``), and ``per_fold``.

    Raises
    ------
    RewardDataError
        Fewer than 2 participants (nothing to hold out).
    """
    from psyai.reward.trainer import fit_on

    config = config.check()
    all_rankings = _as_rankings(rankings)
    people = sorted({r.participant for r in all_rankings if r.pairs})
    if len(people) < 2:
        raise RewardDataError(f"cross-validation needs at least 2 participants with comparisons, not {len(people)}: "
                              "collect more, or train without --cross-validate")
    groups = participant_groups(people, config.folds, config.seed)
    per_fold = []
    for k, members in enumerate(groups):
        held = set(members)
        logger.info("fold %d/%d: holding out %d participant(s)", k + 1, len(groups), len(members))
        trainer = fit_on([r for r in all_rankings if r.participant not in held], config)
        result = evaluate(trainer.model_, all_rankings, heldout=members, folds=1, batch_size=config.eval_batch_size)
        per_fold.append({"participants": members, "accuracy": result["heldout_accuracy"],
                         "agreement": result["agreement_ceiling"], "n_comparisons": result["n_comparisons"]})
    acc = [f["accuracy"] for f in per_fold]
    agr = [f["agreement"] for f in per_fold if f["agreement"] is not None]
    acc_mean, acc_lo, acc_hi = t_interval(acc)
    agr_mean, agr_lo, agr_hi = t_interval(agr)
    return {
        "folds": len(groups),
        "heldout_accuracy": acc_mean, "heldout_accuracy_sd": float(np.std(acc, ddof=1)) if len(acc) > 1 else None,
        "heldout_accuracy_ci": _ci(acc_lo, acc_hi),
        "agreement_ceiling": None if np.isnan(agr_mean) else agr_mean,
        "agreement_ceiling_sd": float(np.std(agr, ddof=1)) if len(agr) > 1 else None,
        "agreement_ceiling_ci": _ci(agr_lo, agr_hi),
        "per_fold": per_fold,
        "method": (f"{len(groups)}-fold cross-validation over participant groups: each model trained on the other "
                   "groups and scored on its own; means over folds with 95% t intervals"),
    }

