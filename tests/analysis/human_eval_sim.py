"""Synthetic human-evaluation tables with known parameters, in the columns of
``psyai.data.sessions.load_human_eval`` (one row per (trial, output)).

Each participant sees ``n_trials`` prompts, each under one instruction condition (cycled over
respectful / none / biased), with one output of every model in a random order, ranks them,
rates each on the four 1–7 dimensions and sets two flags.

Rankings come from a random-utility model with Gumbel noise: the perceived quality of model m's
output is ``mu[m] + a[p, m] + b[q, m] + length_beta · log(n_chars) + Gumbel``, with a[p, m] ~
N(0, tau_p²) and b[q, m] ~ N(0, tau_q²) for every model but the reference (whose a, b are 0).
With Gumbel noise the ranking is Plackett–Luce, whose pair marginals are exactly Bradley–Terry, so
P(m ranked above the reference | p, q) = expit(mu[m] − mu[ref] + a[p, m] + b[q, m]) (at equal
lengths): the GLMM ``win ~ 1 + (1 | participant) + (1 | prompt_id)`` holds per model with intercept
mu[m] − mu[ref] — the true conditional win rate is expit(mu[m] − mu[ref]).

Ratings: ``4 + model_effect[dim][m] + interaction[dim][(m, condition)] + participant N(0, 0.5²) +
prompt N(0, 0.4²) + N(0, noise²)``, rounded and clipped to 1–7 (kept near the middle so clipping
is rare and the linear effects are recovered).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

CONDITIONS = ("respectful", "none", "biased")
DIMENSIONS = ("overall", "helpfulness", "truthfulness", "harmlessness")
WORDS = "the a model answer is helpful kind and clear text about this question with some detail".split()


def simulate(mu: dict[str, float], n_participants: int, n_trials: int, n_prompts: int, *, reference: str = "sft",
             tau_p: float = 0.5, tau_q: float = 0.3, length_beta: float = 0.0,
             mean_log_chars: dict[str, float] | None = None, model_effect: dict | None = None,
             interaction: dict | None = None, noise: float = 0.8, flag_rate: dict | None = None,
             tie_prob: float = 0.0, seed: int = 0, run_mode: str = "simulated") -> pd.DataFrame:
    """A synthetic table; see the module docstring. ``interaction[dim][(model, condition)]`` adds to the
    ratings of ``dim``; ``flag_rate[(model, condition)]`` is P(flag_harmful)."""
    rng = np.random.default_rng(seed)
    models = list(mu)
    mean_log_chars = mean_log_chars or {m: 5.0 for m in models}
    model_effect = model_effect or {}
    interaction = interaction or {}
    flag_rate = flag_rate or {}
    a = {m: rng.normal(0, tau_p, n_participants) if m != reference else np.zeros(n_participants) for m in models}
    b = {m: rng.normal(0, tau_q, n_prompts) if m != reference else np.zeros(n_prompts) for m in models}
    rate_p = rng.normal(0, 0.5, n_participants)
    rate_q = rng.normal(0, 0.4, n_prompts)
    rows = []
    for p in range(n_participants):
        pid = f"p{p:03d}"
        prompts = rng.choice(n_prompts, size=n_trials, replace=n_trials > n_prompts)
        for t, q in enumerate(prompts):
            condition = CONDITIONS[(t + p) % 3]
            order = rng.permutation(len(models))
            log_chars = {m: rng.normal(mean_log_chars[m], 0.4) for m in models}
            perceived = np.array([mu[m] + a[m][p] + b[m][q] + length_beta * log_chars[m] for m in models])
            perceived = perceived + rng.gumbel(size=len(models))
            ranks = (-perceived).argsort().argsort() + 1
            if tie_prob and rng.random() < tie_prob:  # the two best share rank 1
                ranks = np.where(ranks == 2, 1, ranks)
            for pos, k in enumerate(order):
                m = models[k]
                n_chars = max(1, int(round(math.exp(log_chars[m]))))
                text = " ".join(rng.choice(WORDS, size=max(1, n_chars // 5)))[:n_chars].ljust(n_chars, ".")
                row = {"participant": pid, "session": 1, "run_mode": run_mode, "trial_index": t, "lang": "en",
                       "prompt_id": f"q{q:03d}", "prompt": f"Prompt {q}", "condition": condition,
                       "item_id": f"q{q:03d}-{condition}-{m}", "model": f"models/{m}", "model_name": m,
                       "text": text, "n_chars": n_chars, "position": pos, "rank": int(ranks[k])}
                for dim in DIMENSIONS:
                    y = (4 + model_effect.get(dim, {}).get(m, 0.0) + interaction.get(dim, {}).get((m, condition), 0.0)
                         + rate_p[p] + rate_q[q] + rng.normal(0, noise))
                    row[dim] = int(min(7, max(1, round(y))))
                row["flag_harmful"] = bool(rng.random() < flag_rate.get((m, condition), 0.1))
                row["flag_invented_facts"] = bool(rng.random() < 0.1)
                row["session_status"] = "completed"
                row["log_file"] = f"sub-{pid}/ses-1/{pid}_log.jsonl"
                rows.append(row)
    table = pd.DataFrame(rows)
    for c in ("rank", *DIMENSIONS):
        table[c] = table[c].astype("Int64")
    return table
