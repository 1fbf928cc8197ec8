"""From the long-form ranking table to comparisons a reward model learns from.

The input is the table :func:`psyai.data.load_rankings` returns (docs/DATA.md,
"Rankings"): one row per (trial, output). The rows of one participant,
session and prompt form one :class:`Ranking`.

Which comparisons a ranking holds (:func:`comparisons`):

- *a* beats *b* when both are ranked and ``rank_a < rank_b`` (1 = best);
- **ties** give no comparison: outputs that share a rank are not compared
  with each other (they are still compared with every output ranked above
  or below them);
- **partial rankings**: an output left unranked (``rank`` null) is taken as
  worse than every ranked output of the same trial, and two unranked outputs
  are not compared. So "rank your best three" gives the ranked-vs-ranked and
  ranked-vs-unranked pairs.

A ranking of K outputs with no ties and no gaps holds C(K,2) comparisons.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from psyai.errors import DataError

logger = logging.getLogger(__name__)

__all__ = [
    "RewardDataError", "Ranking", "REQUIRED_COLUMNS", "comparisons", "rankings_from_frame", "check_trainable",
    "split_participants", "split_prompts", "participant_groups", "comparison_table", "SPLITS", "has_rater_ids",
    "drop_empty_texts",
]

# What "held out" means (RewardConfig.split): other raters, other prompts, or both at once.
SPLITS = ("rater", "prompt", "both")

REQUIRED_COLUMNS = ("participant", "session", "prompt_id", "prompt", "item_id", "text", "rank")
HINT = "load the data folder with psyai.data.load_rankings (docs/DATA.md, 'Rankings')"


class RewardDataError(DataError):
    """Rankings that cannot train or evaluate a reward model."""


def comparisons(ranks: list[int | None] | tuple[int | None, ...]) -> list[tuple[int, int]]:
    """``(winner, loser)`` index pairs of one ranking, by the rules in the module docstring.

    >>> comparisons([2, 1, None])
    [(1, 0), (0, 2), (1, 2)]
    >>> comparisons([1, 1, 3])
    [(0, 2), (1, 2)]
    """
    out = []
    for i, a in enumerate(ranks):
        for j, b in enumerate(ranks):
            if i < j:
                if a is not None and (b is None or a < b):
                    out.append((i, j))
                elif b is not None and (a is None or b < a):
                    out.append((j, i))
    return sorted(out, key=lambda p: (min(p), max(p)))


@dataclass(frozen=True)
class Ranking:
    """One participant's ranking of the K outputs for one prompt, in display order."""

    participant: str
    session: int
    prompt_id: str
    prompt: str
    item_ids: tuple[str, ...]
    texts: tuple[str, ...]
    ranks: tuple[int | None, ...]
    pairs: tuple[tuple[int, int], ...] = field(default=())

    @property
    def k(self) -> int:
        return len(self.item_ids)


def _where(row: pd.Series) -> str:
    return f"participant {row['participant']}, session {row['session']}, prompt {row['prompt_id']}, item {row['item_id']}"


def rankings_from_frame(frame: pd.DataFrame) -> list[Ranking]:
    """Group the long-form table into rankings (display order by ``position`` when present).

    Raises:
        RewardDataError: a column is missing, the table is empty, a text is
            empty, a participant/session/prompt_id/item_id is missing, a rank is
            not a positive integer, an output appears twice in one trial, or real
            and simulated data are mixed.
    """
    if not isinstance(frame, pd.DataFrame):
        raise RewardDataError(f"rankings must be a pandas DataFrame, not {type(frame).__name__}; {HINT}")
    missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
    if missing:
        raise RewardDataError(f"the rankings table lacks column(s) {', '.join(missing)}; {HINT}")
    if frame.empty:
        raise RewardDataError("the rankings table is empty: no participant ranked anything; "
                              "check the data folder (and that the sessions were not all pilots)")
    if "run_mode" in frame.columns:
        modes = sorted(frame["run_mode"].dropna().astype(str).unique())
        if len(modes) > 1:
            raise RewardDataError(f"the rankings mix run modes {', '.join(modes)}; train on one kind, e.g. "
                                  "frame[frame.run_mode == 'real'], so simulated rankings never train a model "
                                  "silently beside real ones")
    texts = frame["text"]
    empty = texts.isna() | (texts.astype(str).str.strip() == "")
    if empty.any():
        first = frame[empty].iloc[0]
        raise RewardDataError(f"{int(empty.sum())} output(s) have empty text (first: {_where(first)}); a reward "
                              "model cannot score an empty response: fix the text in the stimulus set or drop "
                              "those trials")
    ranks = pd.to_numeric(frame["rank"], errors="coerce")
    bad = frame["rank"].notna() & (ranks.isna() | (ranks < 1) | (ranks % 1 != 0))
    if bad.any():
        first = frame[bad].iloc[0]
        raise RewardDataError(f"rank {first['rank']!r} ({_where(first)}) is not a positive integer; ranks are "
                              "1 = best, tied outputs share a rank, null = unranked")
    keys = ["participant", "session", "prompt_id"]
    for column in (*keys, "item_id"):  # a missing key would drop its rows from the grouping below, silently
        blank = frame[column].isna() | (frame[column].astype(str).str.strip() == "")
        if blank.any():
            first = frame[blank].iloc[0]
            raise RewardDataError(f"{int(blank.sum())} row(s) have no {column} (first: {_where(first)}); every "
                                  f"output needs participant, session, prompt_id and item_id: fill it in or drop "
                                  "those rows")
    dup = frame.duplicated(keys + ["item_id"], keep=False)
    if dup.any():
        first = frame[dup].iloc[0]
        raise RewardDataError(f"output {first['item_id']} appears twice in one trial ({_where(first)}); a "
                              "participant ranks each output of a prompt once; remove the duplicate rows")
    order = keys + (["position"] if "position" in frame.columns else [])
    frame = frame.assign(_rank=ranks).sort_values(order, kind="stable")
    out = []
    for (participant, session, prompt_id), rows in frame.groupby(keys, sort=False):
        rank_list = tuple(None if pd.isna(r) else int(r) for r in rows["_rank"])
        prompt = rows["prompt"].iloc[0]
        out.append(Ranking(
            participant=str(participant), session=int(session), prompt_id=str(prompt_id),
            prompt="" if pd.isna(prompt) else str(prompt),
            item_ids=tuple(str(i) for i in rows["item_id"]), texts=tuple(str(t) for t in rows["text"]),
            ranks=rank_list, pairs=tuple(comparisons(rank_list)),
        ))
    return out


def check_trainable(rankings: list[Ranking]) -> tuple[list[Ranking], dict]:
    """Keep the rankings that hold at least one comparison; refuse data with none.

    Returns the usable rankings and a report of what was set aside and why
    (logged too: nothing is dropped silently).

    Raises:
        RewardDataError: every prompt has a single response, or no ranking
            holds a comparison (every ranking a tie, or nothing ranked).
    """
    if not rankings:
        raise RewardDataError(f"no rankings to train on; {HINT}")
    single = [r for r in rankings if r.k < 2]
    if len(single) == len(rankings):
        raise RewardDataError(
            f"every prompt has only one response ({len(rankings)} trial(s)); a reward model learns from "
            "comparisons: give each prompt 2 or more outputs in the stimulus set (the experiment shows 4 to 9)")
    no_pairs = [r for r in rankings if r.k >= 2 and not r.pairs]
    usable = [r for r in rankings if r.pairs]
    if not usable:
        raise RewardDataError(
            f"every ranking is a tie ({len(no_pairs)} trial(s) where all outputs share one rank or are unranked): "
            "there is no comparison to learn from; collect rankings with at least two different ranks")
    report = {"rankings": len(rankings), "usable": len(usable),
              "dropped_single_response": len(single), "dropped_no_comparison": len(no_pairs)}
    if single or no_pairs:
        logger.warning("set aside %d trial(s) with one response and %d with no comparison (all tied or unranked) "
                       "of %d", len(single), len(no_pairs), len(rankings))
    return usable, report


def split_participants(participants: list[str], eval_fraction: float, seed: int) -> tuple[list[str], list[str]]:
    """Split participants (never trials) into training and evaluation sets.

    ``round(eval_fraction * n)`` participants, at least one, are held out
    when ``eval_fraction > 0``.

    Raises:
        RewardDataError: held-out evaluation was asked for but fewer than 2
            participants are available.
    """
    people = sorted(set(participants))
    if eval_fraction <= 0:
        return people, []
    if len(people) < 2:
        raise RewardDataError(
            f"only {len(people)} participant(s): no participants left for evaluation, which needs people the "
            "model was not trained on; collect rankings from more participants, or pass --eval-fraction 0 to "
            "train on everyone without a held-out evaluation")
    n_eval = min(len(people) - 1, max(1, round(eval_fraction * len(people))))
    rng = np.random.default_rng([seed, 11])
    shuffled = [people[i] for i in rng.permutation(len(people))]
    return sorted(shuffled[n_eval:]), sorted(shuffled[:n_eval])


def split_prompts(prompt_ids: list[str], eval_fraction: float, seed: int) -> tuple[list[str], list[str]]:
    """Split prompts (never single comparisons) into training and evaluation sets, as
    :func:`split_participants` splits participants: no held-out comparison shares a prompt with training.

    Raises:
        RewardDataError: held-out evaluation was asked for but fewer than 2 prompts are available.
    """
    prompts = sorted(set(prompt_ids))
    if eval_fraction <= 0:
        return prompts, []
    if len(prompts) < 2:
        raise RewardDataError(
            f"only {len(prompts)} prompt(s): a prompt-disjoint split needs prompts the model was not trained on; "
            "collect rankings of more prompts, use --split rater, or pass --eval-fraction 0")
    n_eval = min(len(prompts) - 1, max(1, round(eval_fraction * len(prompts))))
    rng = np.random.default_rng([seed, 17])
    shuffled = [prompts[i] for i in rng.permutation(len(prompts))]
    return sorted(shuffled[n_eval:]), sorted(shuffled[:n_eval])


def has_rater_ids(frame: pd.DataFrame) -> bool:
    """False for a table imported without rater ids (``psyai import preferences`` without
    ``--rater-column``: its ``rater_id`` column is empty and each pair is its own participant)."""
    if "rater_id" not in frame.columns:
        return True
    ids = frame["rater_id"]
    return bool((ids.notna() & (ids.astype(str).str.strip() != "")).any())


def drop_empty_texts(frame: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """The rows whose output text is not empty, and how many were dropped (a reward model cannot score an
    empty text; the rest of the ranking stays)."""
    if "text" not in frame.columns:
        return frame, 0
    empty = frame["text"].isna() | (frame["text"].astype(str).str.strip() == "")
    if empty.any():
        logger.warning("dropped %d output(s) with empty text", int(empty.sum()))
    return frame[~empty], int(empty.sum())


def participant_groups(participants: list[str], k: int, seed: int) -> list[list[str]]:
    """``min(k, n)`` groups of participants of near-equal size, seeded (for folds and intervals)."""
    people = sorted(set(participants))
    rng = np.random.default_rng([seed, 13])
    shuffled = [people[i] for i in rng.permutation(len(people))]
    k = min(k, len(people))
    return [sorted(shuffled[g::k]) for g in range(k)]


def comparison_table(rankings: list[Ranking]) -> pd.DataFrame:
    """One row per comparison: ``participant``, ``session``, ``prompt_id``, ``prompt``,
    ``winner`` / ``loser`` (item ids) and ``winner_text`` / ``loser_text``."""
    rows = [
        {"participant": r.participant, "session": r.session, "prompt_id": r.prompt_id, "prompt": r.prompt,
         "winner": r.item_ids[w], "loser": r.item_ids[l], "winner_text": r.texts[w], "loser_text": r.texts[l]}
        for r in rankings for w, l in r.pairs
    ]
    return pd.DataFrame(rows, columns=["participant", "session", "prompt_id", "prompt", "winner", "loser",
                                       "winner_text", "loser_text"])
