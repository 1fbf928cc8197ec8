"""Write tests/stats/reference/lmm_data.csv: crossed reading-time-like data on which statsmodels' L-BFGS
stops short of the REML maximum (and reports convergence), for tests/stats/test_mixed.py.

12 participants x 10 items x 6 observations; y = 6 + 0.2 x + 0.05 z + participant (SD 0.3) + item
(SD 0.05) + residual (SD 1). The seed (33) was picked as the first of a search in which L-BFGS's
REML log-likelihood fell more than 1 below Powell's.

Run from the repository root: ``.venv/bin/python tests/stats/reference/lmm_make_data.py``,
then ``Rscript tests/stats/reference/lmm_lme4.R``.
"""

from pathlib import Path

import numpy as np
import pandas as pd

N_PARTICIPANTS, N_ITEMS, N_PER_CELL, SEED = 12, 10, 6, 33

rng = np.random.default_rng(SEED)
p = np.repeat(np.arange(N_PARTICIPANTS), N_ITEMS * N_PER_CELL)  # (n,) participant of each row
it = np.tile(np.repeat(np.arange(N_ITEMS), N_PER_CELL), N_PARTICIPANTS)  # (n,) item of each row
x = rng.normal(size=len(p))  # (n,)
z = rng.gamma(2, 3, size=len(p))  # (n,)
y = (6 + 0.05 * z + 0.2 * x + rng.normal(0, 0.3, N_PARTICIPANTS)[p] + rng.normal(0, 0.05, N_ITEMS)[it]
     + rng.normal(0, 1.0, len(p)))  # (n,)
data = pd.DataFrame({"participant": [f"p{i:02d}" for i in p], "item": [f"i{i:02d}" for i in it],
                     "y": y.round(6), "x": x.round(6), "z": z.round(6)})
data.to_csv(Path(__file__).with_name("lmm_data.csv"), index=False)
