"""Figures a reviewer or a lab asks of the mixed models: speed at full size, and interval coverage.

- :func:`bench` (``psyai stats bench``) fits, each in a fresh process so its peak memory is its own,
  the reading-time LMM with by-participant surprisal slopes on a simulated 40 readers x 60 texts x
  40 words (96,000 rows) and the Turing-test GLMM with by-participant slopes on 200 participants x
  100 items (20,000 trials), and returns seconds, rows and peak resident memory of each.
- :func:`coverage` (``psyai stats coverage``) simulates Turing-test cohorts whose participants differ
  in sensitivity and bias and whose items differ in how human they read, fits the Turing-test GLMM
  (:data:`psyai.stats.mixed.TURING_GLMM`, simplified by :func:`psyai.stats.mixed.simplification_ladder`
  when singular) and counts how often the 95 % interval of the source effect covers the truth.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys

import numpy as np
import pandas as pd

READING_BENCH = ("log_rt ~ surprisal + length + log_freq + position + prev_surprisal "
                 "+ (1 + surprisal | participant) + (1 | item)")


def reading_data(n_readers: int = 40, n_texts: int = 60, n_words: int = 40, seed: int = 0,
                 b_surprisal: float = 0.03, sd_slope: float = 0.015) -> pd.DataFrame:
    """Simulated self-paced reading: log RT per word from surprisal (with a by-reader slope), length,
    log frequency, position and the previous word's surprisal (spillover)."""
    rng = np.random.default_rng(seed)
    n = n_readers * n_texts * n_words
    reader = np.repeat(np.arange(n_readers), n_texts * n_words)
    text = np.tile(np.repeat(np.arange(n_texts), n_words), n_readers)
    position = np.tile(np.arange(n_words), n_readers * n_texts)
    words = rng.normal(size=(n_texts, n_words, 3))  # the same text has the same words for every reader
    surprisal = 6 + 2 * words[text, position, 0]
    length = np.clip(np.rint(5 + 2 * words[text, position, 1]), 1, None)
    log_freq = 10 + 1.5 * words[text, position, 2] - 0.3 * (length - 5)
    prev = np.where(position > 0, 6 + 2 * words[text, np.maximum(position - 1, 0), 0], 6.0)
    b0 = rng.normal(0, 0.15, n_readers)[reader]
    b1 = rng.normal(0, sd_slope, n_readers)[reader]
    c = rng.normal(0, 0.05, n_texts)[text]
    log_rt = (5.8 + (b_surprisal + b1) * surprisal + 0.02 * length - 0.01 * log_freq - 0.002 * position
              + 0.02 * prev + b0 + c + rng.normal(0, 0.25, n))
    return pd.DataFrame({"participant": reader.astype(str), "item": text.astype(str), "surprisal": surprisal,
                         "length": length, "log_freq": log_freq, "position": position, "prev_surprisal": prev,
                         "log_rt": log_rt})


def turing_data(n_participants: int, n_items: int, seed: int = 0, *, intercept: float = 0.3,
                effect: float = 1.0, sd_bias: float = 0.5, sd_sensitivity: float = 0.6,
                sd_item: float = 0.5) -> pd.DataFrame:
    """Simulated Turing-test judgments: ``judged_human`` (0/1) by ``source`` (human = +0.5, model =
    -0.5, as the analysis codes it); each participant judges every item, half of them (alternating) as
    model texts.

    logit P(judged human) = intercept + (effect + s_p) source + b_p + c_i, with SD(b) = ``sd_bias``,
    SD(s) = ``sd_sensitivity`` (participants differ in how well they tell the sources apart) and
    SD(c) = ``sd_item``. ``effect`` > 0: human texts are judged human more often (sensitivity, logit).
    """
    rng = np.random.default_rng(seed)
    p = np.repeat(np.arange(n_participants), n_items)
    i = np.tile(np.arange(n_items), n_participants)
    source = np.where((p + i) % 2 == 0, 0.5, -0.5)
    eta = (intercept + (effect + rng.normal(0, sd_sensitivity, n_participants)[p]) * source
           + rng.normal(0, sd_bias, n_participants)[p] + rng.normal(0, sd_item, n_items)[i])
    judged = (rng.random(p.size) < 1 / (1 + np.exp(-eta))).astype(int)
    return pd.DataFrame({"participant": p.astype(str), "item_id": i.astype(str), "source": source,
                         "judged_human": judged})


def _child(kind: str, scale: float) -> dict:
    """Run in a fresh process: build the data, fit, return the figures (peak RSS is this process's)."""
    import resource
    import time

    start = time.perf_counter()
    import mixedlm.models  # noqa: F401  (its lazy imports of scipy take seconds once per process)
    import scipy.stats  # noqa: F401  (imported by the first tidy(): half a second, once per process)

    from psyai.stats.mixed import TURING_GLMM, fit_mixed

    import_seconds = time.perf_counter() - start

    if kind == "reading_lmm":
        data = reading_data(max(4, round(40 * scale)), max(4, round(60 * scale)))
        formula, family = READING_BENCH, "gaussian"
    else:
        data = turing_data(max(8, round(200 * scale)), max(8, round(100 * scale)))
        formula, family = TURING_GLMM, "binomial"
    start = time.perf_counter()
    fit = fit_mixed(data, formula, family=family)
    seconds = time.perf_counter() - start
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"formula": formula, "rows": int(len(data)), "seconds": round(seconds, 2),
            "import_seconds": round(import_seconds, 2), "peak_mb": round(peak_kb / 1024, 1),
            "singular": fit.singular, "converged": fit.converged, "engine": fit.engine}


def bench(scale: float = 1.0) -> dict:
    """Seconds, rows and peak memory of the two full-size models (``scale`` shrinks the studies)."""
    models = {}
    for kind in ("reading_lmm", "turing_glmm"):
        out = subprocess.run([sys.executable, "-c", f"import json, psyai.stats.bench as b; "
                              f"print(json.dumps(b._child({kind!r}, {scale!r})))"],
                             capture_output=True, text=True, check=True, env={**os.environ, "PYTHONWARNINGS": "ignore"})
        models[kind] = json.loads(out.stdout.strip().splitlines()[-1])
    return {"machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version()},
            "note": "seconds: wall clock of the fit alone (data simulated first; import_seconds: loading the engine and "
                    "scipy.stats, once per process); peak_mb: the fitting process's maximum resident memory, data included",
            "models": models}


def coverage(n_cohorts: int = 200, n_participants: int = 24, n_items: int = 16, seed: int = 0,
             effect: float = 1.0, level: float = 0.95) -> dict:
    """How often the Turing-test GLMM's interval for ``source`` covers ``effect`` in simulated cohorts."""
    from psyai.stats.mixed import TURING_GLMM, fit_first_nonsingular, simplification_ladder

    covered, kept = [], []
    for k in range(n_cohorts):
        data = turing_data(n_participants, n_items, seed=seed * 100_003 + k, effect=effect)
        fit, _ = fit_first_nonsingular(data, simplification_ladder(TURING_GLMM), family="binomial", level=level)
        row = fit.term("source")
        covered.append(bool(row["ci_low"] <= effect <= row["ci_high"]))
        kept.append(fit.formula)
    counts = pd.Series(kept).value_counts().to_dict()
    return {"coverage": float(np.mean(covered)), "n_cohorts": n_cohorts, "level": level, "true_effect": effect,
            "n_participants": n_participants, "n_items": n_items, "formula": TURING_GLMM,
            "formulas_kept": {str(k): int(v) for k, v in counts.items()},
            "simulation": "logit P(human) = 0.3 + (effect + s_p) source + b_p + c_i; SD(s) = 0.6, SD(b) = 0.5, "
                          "SD(c) = 0.5"}
