"""Write tests/stats/reference/ranking_alpha_reference.json: Krippendorff's alpha of ranking_trials.csv
computed by the `krippendorff` package (Castro, PyPI; GPL-3.0), an implementation independent
of analysis/ranking.py's. psyai does not depend on it; this script is run by hand:

    pip install krippendorff==0.9.0
    python tests/stats/reference/ranking_alpha_reference.py

Units are the outputs (prompt_id, item_id), coders the participants; the values are each
trial's mid-ranks (ties averaged, unranked outputs tied below the ranked ones, via
scipy.stats.rankdata) and, separately, each Likert scale.
"""

from __future__ import annotations

import json
from importlib.metadata import version
from pathlib import Path

import krippendorff
import numpy as np
import pandas as pd
from scipy.stats import rankdata

HERE = Path(__file__).parent


def main() -> None:
    d = pd.read_csv(HERE / "ranking_trials.csv")
    d["midrank"] = np.nan
    for _, idx in d.groupby(["participant", "session", "trial_index", "prompt_id"]).groups.items():
        d.loc[idx, "midrank"] = rankdata(d.loc[idx, "rank"].fillna(np.inf).to_numpy(), method="average")
    out = {"krippendorff_version": version("krippendorff")}
    for measure, col in (("rank", "midrank"), ("helpfulness", "helpfulness"), ("truthfulness", "truthfulness"),
                         ("harmlessness", "harmlessness")):
        wide = d.pivot_table(index="participant", columns=["prompt_id", "item_id"], values=col, aggfunc="first")
        mat = wide.to_numpy(dtype=float)  # (coders, units)
        out[measure] = {level: float(krippendorff.alpha(reliability_data=mat, level_of_measurement=level))
                        for level in ("nominal", "ordinal", "interval", "ratio")}
    (HERE / "ranking_alpha_reference.json").write_text(json.dumps(out, indent=2) + "\n")


if __name__ == "__main__":
    main()
