"""Write the simulated label tables that labels_reference.R and tests/stats/test_agreement.py read.

    python tests/stats/reference/labels_make_data.py

labels_data.csv: 40 items x 5 annotators (long: item, annotator, label, score), about 12 %
of the labels missing. Each item has a true category (none < offensive < hateful) and a
true score on 1-7; annotators a1-a4 give the true category with probability .8 (else a
neighbouring one) and the score with N(0, 0.8) noise, rounded; a5 is careless (.4, noise
SD 2). labels_complete.csv: the first 30 items by a1-a4 with no label missing (Fleiss'
kappa needs the same number of ratings per item). Synthetic: no real person's labels.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).parent
CATEGORIES = ("none", "offensive", "hateful")


def main(seed: int = 13) -> None:
    rng = np.random.default_rng(seed)
    n_items = 40
    truth = rng.integers(0, 3, n_items)
    true_score = np.clip(np.round(1 + 2 * truth + rng.normal(0, 0.7, n_items)), 1, 7)
    rows = []
    for a, (p_right, sd) in enumerate([(0.8, 0.8)] * 4 + [(0.4, 2.0)], start=1):
        for i in range(n_items):
            cat = truth[i]
            if rng.random() > p_right:
                cat = int(np.clip(cat + rng.choice([-1, 1]), 0, 2))
            score = int(np.clip(np.round(true_score[i] + rng.normal(0, sd)), 1, 7))
            rows.append({"item": f"t{i + 1:02d}", "annotator": f"a{a}", "label": CATEGORIES[cat], "score": score})
    d = pd.DataFrame(rows)
    complete = d[d["item"].isin([f"t{i:02d}" for i in range(1, 31)]) & (d["annotator"] != "a5")]
    complete[["item", "annotator", "label"]].to_csv(HERE / "labels_complete.csv", index=False)
    missing = rng.random(len(d)) < 0.12
    d.loc[missing, "label"] = None
    d.loc[rng.random(len(d)) < 0.12, "score"] = None
    d["score"] = d["score"].astype("Int64")
    d.to_csv(HERE / "labels_data.csv", index=False)


if __name__ == "__main__":
    main()
