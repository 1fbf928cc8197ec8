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

Beside them, three **baselines** scored on the same comparisons in the same way (a model
that does not beat them has learnt nothing a length count or a lookup would not give):
*longer wins* and *shorter wins* (characters, so the same for Japanese), and the *training
majority*: the order most training comparisons gave the same two outputs of the same prompt,
over the held-out comparisons whose pair was compared in training (null with a reason when
none was, as under a prompt-disjoint split).

**What is held out** (``split``, :data:`SPLIT_WORDS`): other raters (``rater``, the default
and InstructGPT's form: their prompts may be ones the model was trained on), other prompts
(``prompt``: no held-out comparison shares a prompt with training), or both at once. The
output names the split. The ceiling states how many held-out comparisons another participant
also made (``agreement_n_doubly_rated``), and why it is null when none was.

Intervals come from groups: the held-out participants (or, for a prompt split, prompts) are split
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

__all__ = ["t_interval", "pairwise_accuracy", "agreement", "score_comparisons", "evaluate", "cross_validate",
           "length_baseline", "majority_baseline", "SPLIT_WORDS"]

METHOD = ("pairwise accuracy on held-out comparisons (ties in the data skipped; equal rewards count 1/2) beside "
          "three baselines scored the same way (longer output wins, in characters; shorter output wins; the "
          "majority order of the same two outputs in training, where they were compared there) and the agreement "
          "ceiling (how often another participant who compared the same pair ordered it the same way); point "
          "estimates are means over {k} {unit} groups, intervals 95% t intervals over the groups, clipped to "
          "[0, 1]")


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


SPLIT_WORDS = {
    "rater": "held-out raters: participants the model was not trained on (their prompts may be ones it was "
             "trained on)",
    "prompt": "held-out prompts: prompts the model was not trained on, from every participant (no held-out "
              "comparison shares a prompt with training)",
    "both": "held-out raters on held-out prompts (neither the person nor the prompt was seen in training)",
}


def length_baseline(table: pd.DataFrame) -> np.ndarray:
    """Per comparison: 1 when the preferred output is the longer one (in characters), 1/2 when equal, else 0.
    Shorter-wins is one minus this."""
    winner = table["winner_text"].astype(str).str.len().to_numpy()
    loser = table["loser_text"].astype(str).str.len().to_numpy()
    return (np.sign(winner - loser) + 1) / 2


def majority_baseline(held: pd.DataFrame, train: pd.DataFrame) -> np.ndarray:
    """Per held-out comparison: the order most training comparisons of the same two outputs of the same
    prompt gave it (1 when that is the held-out order, 1/2 on an even split, 0 otherwise), NaN when the
    pair was never compared in training."""
    def key(t: pd.DataFrame, first: str, second: str) -> pd.Series:
        return t["prompt_id"].astype(str) + "\x1f" + t[first].astype(str) + "\x1f" + t[second].astype(str)

    wins = key(train, "winner", "loser").value_counts()
    said_same = key(held, "winner", "loser").map(wins).fillna(0).to_numpy(float)
    said_other = key(held, "loser", "winner").map(wins).fillna(0).to_numpy(float)
    seen = (said_same + said_other) > 0
    return np.where(seen, (np.sign(said_same - said_other) + 1) / 2, np.nan)


def _summary(per_group: list[float | None], pooled: np.ndarray) -> dict:
    """Mean over groups with its t interval, and the pooled value, of one per-comparison score."""
    mean, low, high = t_interval([v for v in per_group if v is not None])
    scored = pooled[~np.isnan(pooled)]
    return {"accuracy": None if np.isnan(mean) else mean, "ci": _ci(low, high),
            "pooled": float(scored.mean()) if len(scored) else None, "n_comparisons": int(len(scored))}


def evaluate(model, rankings: pd.DataFrame | list[Ranking], *, heldout: list[str] | None = None,
             exclude: list[str] | None = None, split: str = "rater", train_participants: list[str] | None = None,
             train_prompts: list[str] | None = None, rater_ids: bool = True, folds: int = 5, seed: int = 0,
             batch_size: int = 32) -> dict:
    """Held-out pairwise accuracy of ``model`` beside baselines and the agreement ceiling, with intervals.

    Parameters
    ----------
    model : a :class:`~psyai.reward.model.RewardModel` (anything with ``score(prompts, responses, batch_size)``).
    rankings : the long-form table (or rankings); every participant in it counts for the agreement.
    split : what held out means (:data:`SPLIT_WORDS`): ``rater``, ``prompt`` or ``both``.
    train_participants, train_prompts : who and what the model was trained on. A comparison is held out
        when its participant is not in ``train_participants`` (``rater``), its prompt is not in
        ``train_prompts`` (``prompt``), or both (``both``); it was trained on when the participant and
        the prompt were both trained on. None: nothing was trained on in that respect.
    heldout : the participants whose comparisons are predicted (the rest count as trained on);
        overrides the above, for folds.
    exclude : participants the model was trained on (the same as ``train_participants`` with ``split="rater"``).
    rater_ids : False when each pair is its own rater (data imported without rater ids); said in the notes.
    folds : groups for the intervals: participant groups (``rater``, ``both``) or prompt groups (``prompt``).
    seed : seeds the grouping.

    Returns
    -------
    dict with ``split`` and ``split_description``; ``heldout_accuracy`` (mean over groups),
    ``heldout_accuracy_ci`` (95 % t interval over groups, ``None`` with one group) and
    ``heldout_accuracy_pooled``; ``baselines``: ``longer_wins``, ``shorter_wins`` and
    ``train_majority`` (the training comparisons' majority order of the same two outputs, over the
    held-out comparisons whose pair was compared in training), each with ``accuracy``, ``ci``,
    ``pooled``, ``n_comparisons`` computed the same way (``train_majority`` also ``coverage`` and a
    ``reason`` when it is null); ``agreement_ceiling``, ``agreement_ceiling_ci``,
    ``agreement_ceiling_pooled``, ``agreement_n_doubly_rated`` (held-out comparisons another
    participant also made: what the ceiling rests on) and ``agreement_ceiling_reason`` (why it is
    null, else ``None``); ``n_heldout_participants``, ``n_heldout_prompts``, ``n_comparisons``,
    ``n_groups``, ``group_by``, ``groups``, ``rater_ids``, ``notes`` and ``method``.

    Raises
    ------
    RewardDataError
        No comparison is left to evaluate.
    """
    if split not in SPLIT_WORDS:
        raise RewardDataError(f"split={split!r}: use one of {', '.join(SPLIT_WORDS)}")
    table = agreement(comparison_table(_as_rankings(rankings)))
    everyone = sorted(set(table["participant"]))
    people = table["participant"].isin(set(train_participants or exclude or []))
    prompts = table["prompt_id"].isin(set(train_prompts or []))
    if heldout is not None:
        split = "rater"
        held_mask = table["participant"].isin(set(heldout)) & ~people
        train_mask = ~table["participant"].isin(set(heldout))
    elif split == "rater":
        held_mask, train_mask = ~people, people
    elif split == "prompt":
        held_mask, train_mask = ~prompts, prompts
    else:
        held_mask, train_mask = ~people & ~prompts, people & prompts
    if train_participants is not None and train_prompts is not None and heldout is None:
        train_mask = people & prompts
    held = table[held_mask]
    if held.empty:
        if table.empty:
            raise RewardDataError("the rankings hold no comparison (all ties or unranked): nothing to evaluate")
        if split == "rater":
            raise RewardDataError(
                f"no participants left for evaluation: all {len(everyone)} participant(s) with comparisons in the "
                "data were used to train the model; evaluate on rankings from participants it has not seen, or "
                "choose another --split")
        what = "on prompts" if split == "prompt" else "by participants or on prompts"
        raise RewardDataError(
            f"no comparisons left for evaluation with --split {split}: all {len(table)} comparisons are {what} the "
            "model was trained on; evaluate on rankings it has not seen, or choose another --split")
    held = held.assign(correct=pairwise_accuracy(*score_comparisons(model, held, batch_size)),
                       longer=length_baseline(held),
                       majority=majority_baseline(held, table[train_mask]))
    held = held.assign(shorter=1 - held["longer"])
    group_by = "prompt_id" if split == "prompt" else "participant"
    groups = participant_groups(sorted(set(held[group_by].astype(str))), folds, seed)
    per_group = []
    for members in groups:
        rows = held[held[group_by].astype(str).isin(members)]
        per_group.append({
            ("prompts" if group_by == "prompt_id" else "participants"): members, "n_comparisons": int(len(rows)),
            "accuracy": float(rows["correct"].mean()),
            "longer_wins": float(rows["longer"].mean()), "shorter_wins": float(rows["shorter"].mean()),
            "train_majority": float(rows["majority"].mean()) if rows["majority"].notna().any() else None,
            "agreement": _ratio(rows["others_agree"].sum(), rows["others"].sum()),
        })
    acc, acc_lo, acc_hi = t_interval([g["accuracy"] for g in per_group])
    agr, agr_lo, agr_hi = t_interval([g["agreement"] for g in per_group])
    baselines = {name: _summary([g[name] for g in per_group], held[column].to_numpy(float))
                 for name, column in (("longer_wins", "longer"), ("shorter_wins", "shorter"),
                                      ("train_majority", "majority"))}
    majority = baselines["train_majority"]
    majority["coverage"] = majority["n_comparisons"] / len(held)
    majority["reason"] = None
    if majority["n_comparisons"] == 0:
        majority["reason"] = ("no held-out comparison's two outputs were compared in training" +
                              (" (a prompt-disjoint split shares no outputs with training)" if split != "rater"
                               else ""))
    doubly = int((held["others"] > 0).sum())
    reason = None
    if doubly == 0:
        reason = ("no held-out comparison was also made by another participant (every pair of outputs was judged "
                  "once), so there is no agreement between people to compare with")
    notes = []
    if not rater_ids:
        notes.append("no rater ids: each pair is its own participant, so the rater split holds out pairs (which "
                     "may share prompts with training), the intervals are over groups of pairs, and the agreement "
                     "ceiling compares pairs on the same two outputs (which may come from the same unknown person)")
    return {
        "split": split, "split_description": SPLIT_WORDS[split],
        "heldout_accuracy": acc, "heldout_accuracy_ci": _ci(acc_lo, acc_hi),
        "heldout_accuracy_pooled": float(held["correct"].mean()),
        "baselines": baselines,
        "agreement_ceiling": None if np.isnan(agr) else agr, "agreement_ceiling_ci": _ci(agr_lo, agr_hi),
        "agreement_ceiling_pooled": _ratio(held["others_agree"].sum(), held["others"].sum()),
        "agreement_n_doubly_rated": doubly, "agreement_n_other_judgements": int(held["others"].sum()),
        "agreement_ceiling_reason": reason,
        "n_heldout_participants": int(held["participant"].nunique()),
        "n_heldout_prompts": int(held["prompt_id"].nunique()), "n_comparisons": int(len(held)),
        "n_groups": len(groups), "group_by": "prompt" if group_by == "prompt_id" else "participant",
        "groups": per_group, "rater_ids": rater_ids, "notes": notes,
        "method": METHOD.format(k=len(groups), unit="prompt" if group_by == "prompt_id" else "participant"),
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
    if config.split == "both":
        raise RewardDataError("--cross-validate folds over raters or over prompts: use --split rater or --split "
                              "prompt with it (--split both needs one held-out set, not folds)")
    all_rankings = _as_rankings(rankings)
    by_prompt = config.split == "prompt"
    unit = (lambda r: r.prompt_id) if by_prompt else (lambda r: r.participant)
    what = "prompts" if by_prompt else "participants"
    units = sorted({unit(r) for r in all_rankings if r.pairs})
    if len(units) < 2:
        raise RewardDataError(f"cross-validation needs at least 2 {what} with comparisons, not {len(units)}: "
                              "collect more, or train without --cross-validate")
    groups = participant_groups(units, config.folds, config.seed)
    per_fold = []
    for k, members in enumerate(groups):
        held = set(members)
        logger.info("fold %d/%d: holding out %d %s", k + 1, len(groups), len(members), what)
        train = [r for r in all_rankings if unit(r) not in held]
        trainer = fit_on(train, config)
        if by_prompt:
            result = evaluate(trainer.model_, all_rankings, split="prompt", train_prompts=sorted({unit(r) for r in train}),
                              folds=1, batch_size=config.eval_batch_size)
        else:
            result = evaluate(trainer.model_, all_rankings, heldout=members, folds=1,
                              batch_size=config.eval_batch_size)
        per_fold.append({what: members, "accuracy": result["heldout_accuracy"],
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
        "method": (f"{len(groups)}-fold cross-validation over {what[:-1]} groups: each model trained on the other "
                   "groups and scored on its own; means over folds with 95% t intervals"),
    }

