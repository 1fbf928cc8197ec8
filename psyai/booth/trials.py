"""Trial lists: counterbalancing, seeded randomisation, attention checks.

Everything here is a pure function of (items, list, seed), so the order a
session used can be rebuilt and checked, and a resumed session continues the
same order (the order is also stored in the session header).
"""

from __future__ import annotations

import math
from collections import OrderedDict

import numpy as np

from psyai.errors import StimulusError

CHECK_PREFIX = "check-"


def version_groups(items: list[dict]) -> list[list[dict]]:
    """Items grouped by ``prompt_id`` in file order; an item without one is a group of its own."""
    groups: "OrderedDict[str, list[dict]]" = OrderedDict()
    for it in items:
        key = it.get("prompt_id") or f"\0{it['item_id']}"
        groups.setdefault(key, []).append(it)
    return [sorted(g, key=lambda it: it["item_id"]) for g in groups.values()]


def n_lists(items: list[dict]) -> int:
    """Number of counterbalancing lists: after this many, the Latin square repeats."""
    sizes = {len(g) for g in version_groups(items)} or {1}
    return math.lcm(*sizes)


def latin_square_items(items: list[dict], list_index: int) -> list[dict]:
    """One version per prompt, rotated across lists (a Latin square over prompts × versions).

    In list ``L`` the prompt at position ``g`` shows version ``(g + L) mod k``,
    so across ``k`` consecutive lists every version of every prompt is seen
    equally often and each list holds versions in equal proportions.
    """
    return [g[(pos + list_index) % len(g)] for pos, g in enumerate(version_groups(items))]


def _max_run(labels: list[str]) -> int:
    best = run = 0
    prev = None
    for lab in labels:
        run = run + 1 if lab == prev else 1
        prev = lab
        best = max(best, run)
    return best


def balanced_subset(items: list[dict], n: int, rng: np.random.Generator) -> list[dict]:
    """``n`` items keeping the sources as balanced as the set allows."""
    if n > len(items):
        raise StimulusError(
            f"{n} trials asked for but the list holds only {len(items)} items; "
            "ask for fewer trials or add items to the stimulus set"
        )
    by_source: dict[str, list[dict]] = {}
    for it in items:
        by_source.setdefault(it["source"], []).append(it)
    sources = sorted(by_source)
    quota = {s: n // len(sources) for s in sources}
    for s in sources[: n % len(sources)]:
        quota[s] += 1
    # a source with too few items gives its surplus quota to the others
    short = sum(max(0, quota[s] - len(by_source[s])) for s in sources)
    for s in sources:
        quota[s] = min(quota[s], len(by_source[s]))
    for s in sources:
        extra = min(short, len(by_source[s]) - quota[s])
        quota[s] += extra
        short -= extra
    chosen = []
    for s in sources:
        idx = rng.choice(len(by_source[s]), size=quota[s], replace=False)
        chosen += [by_source[s][i] for i in sorted(idx)]
    return chosen


def shuffle_with_max_run(items: list[dict], rng: np.random.Generator, max_run: int, tries: int = 2000) -> list[dict]:
    """Shuffle so that no more than ``max_run`` items of one source follow each other.

    Rejection sampling; if no order within ``tries`` meets the constraint (a
    set that is almost all one source), the last shuffle is used as it is.
    """
    order = list(items)
    for _ in range(tries):
        rng.shuffle(order)
        if _max_run([it["source"] for it in order]) <= max_run:
            break
    return order


def check_item(k: int, expected: str, lang: str) -> dict:
    """An attention-check trial asking for a given answer (its text comes from the i18n table)."""
    return {
        "item_id": f"{CHECK_PREFIX}{k}", "lang": lang, "source": "check", "text": "",
        "prompt": "", "prompt_id": "", "model": "", "expected": expected, "practice": False,
    }


def insert_checks(order: list[dict], n_checks: int, lang: str, rng: np.random.Generator) -> list[dict]:
    """Insert attention checks, one at a random position in each of ``n_checks`` equal segments."""
    if n_checks <= 0 or not order:
        return list(order)
    bounds = np.linspace(0, len(order), n_checks + 1).round().astype(int)
    out: list[dict] = []
    for k in range(n_checks):
        seg = order[bounds[k]:bounds[k + 1]]
        pos = int(rng.integers(1, len(seg) + 1)) if seg else 0
        expected = ("human", "model")[int(rng.integers(0, 2))]
        out += seg[:pos] + [check_item(k + 1, expected, lang)] + seg[pos:]
    return out


def build_main_order(items: list[dict], list_index: int, seed: int, lang: str, *,
                     n_trials: int | None = None, n_checks: int = 0, max_run: int = 3) -> list[dict]:
    """The main block of one session, fully determined by its arguments."""
    rng = np.random.default_rng(seed)
    chosen = latin_square_items(items, list_index)
    if n_trials is not None and n_trials != len(chosen):
        chosen = balanced_subset(chosen, n_trials, rng)
    order = shuffle_with_max_run(chosen, rng, max_run)
    return insert_checks(order, n_checks, lang, rng)


def build_practice_order(items: list[dict], seed: int) -> list[dict]:
    rng = np.random.default_rng([seed, 1])
    order = list(items)
    rng.shuffle(order)
    return order
