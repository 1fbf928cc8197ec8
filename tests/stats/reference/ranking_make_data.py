"""Write tests/stats/reference/ranking_trials.csv: a small simulated ranking table for the R reference.

Run from the repository root:  python tests/stats/reference/ranking_make_data.py
then:                         Rscript tests/stats/reference/ranking_reference.R

12 participants rank the outputs of 4 models (A-D) for each of 6 prompts. Perceived
quality = model utility + a participant-by-model effect + Gumbel noise; outputs whose
perceived quality is within 0.25 of the next one share its rank (competition ranking,
1, 1, 3), and in one trial out of five the last output is left unranked (null rank).
Likert ratings (1-7, some missing) and flags follow the perceived quality. The table
has the columns of docs/DATA.md's long form that the analysis reads.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

UTILITIES = {"A": 0.9, "B": 0.4, "C": -0.3, "D": -1.0}


def main() -> None:
    rng = np.random.default_rng(20240601)
    rows = []
    models = list(UTILITIES)
    for p in range(12):
        participant = f"p{p + 1:02d}"
        bias = rng.normal(0, 0.5, len(models))
        for t, prompt in enumerate(f"q{k + 1}" for k in range(6)):
            order = rng.permutation(len(models))  # display order
            perceived = np.array([UTILITIES[m] for m in models]) + bias + rng.gumbel(size=len(models))
            sorted_idx = np.argsort(-perceived)
            ranks = np.empty(len(models))
            for pos, i in enumerate(sorted_idx):
                if pos > 0 and perceived[sorted_idx[pos - 1]] - perceived[i] < 0.25:
                    ranks[i] = ranks[sorted_idx[pos - 1]]
                else:
                    ranks[i] = pos + 1
            if rng.random() < 0.2:
                ranks[sorted_idx[-1]] = np.nan
            for position, i in enumerate(order):
                q = perceived[i]
                rate = lambda shift: int(np.clip(np.rint(4 + q + shift + rng.normal(0, 0.8)), 1, 7))
                rows.append({
                    "participant": participant, "session": 1, "trial_index": t, "prompt_id": prompt,
                    "item_id": f"{prompt}-{models[i]}", "model": models[i], "position": position,
                    "rank": ranks[i],
                    "helpfulness": rate(0.0) if rng.random() > 0.05 else np.nan,
                    "truthfulness": rate(0.3), "harmlessness": rate(1.5),
                    "flag_harmful": bool(rng.random() < 1 / (1 + np.exp(2.5 + q))),
                    "flag_invented_facts": bool(rng.random() < 1 / (1 + np.exp(1.5 + q))),
                    "run_mode": "simulated",
                })
    out = pd.DataFrame(rows)
    out["rank"] = out["rank"].astype("Int64")
    out.to_csv(Path(__file__).with_name("ranking_trials.csv"), index=False)


if __name__ == "__main__":
    main()
