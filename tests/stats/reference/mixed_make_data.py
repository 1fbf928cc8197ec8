"""Write the seeded datasets behind the random-slope lme4 comparisons in tests/stats/test_mixed.py.

    python tests/stats/reference/mixed_make_data.py   # then: Rscript tests/stats/reference/mixed_lme4.R

- mixed_slopes_lmm.csv: 30 participants x 20 items, a continuous predictor x and a second one z;
  y = 300 + 25 x + 5 z + b0_p + b1_p x + c_i + e with SD(b0) = 30, SD(b1) = 12, corr(b0, b1) = .4,
  SD(c) = 15, SD(e) = 40 (a reading-time-like scale).
- mixed_slopes_glmm.csv: 40 participants x 24 items, source = +/-0.5 (model/human), a Turing-test-like
  judgment: logit P(y) = -0.3 + 1.2 source + b0_p + b1_p source + c_i with SD(b0) = .6, SD(b1) = .8,
  corr = .3, SD(c) = .5.
"""

from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent


def lmm_data(seed: int = 11) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n_p, n_i = 30, 20
    cov = np.array([[30.0**2, 0.4 * 30 * 12], [0.4 * 30 * 12, 12.0**2]])
    b = rng.multivariate_normal([0, 0], cov, size=n_p)
    c = rng.normal(0, 15, n_i)
    p = np.repeat(np.arange(n_p), n_i)
    i = np.tile(np.arange(n_i), n_p)
    x = rng.normal(0, 1, n_p * n_i).round(3)
    z = rng.normal(0, 1, n_p * n_i).round(3)
    y = 300 + 25 * x + 5 * z + b[p, 0] + b[p, 1] * x + c[i] + rng.normal(0, 40, n_p * n_i)
    return pd.DataFrame({"participant": [f"p{k:02d}" for k in p], "item": [f"i{k:02d}" for k in i],
                         "x": x, "z": z, "y": y.round(3)})


def glmm_data(seed: int = 12) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n_p, n_i = 40, 24
    cov = np.array([[0.6**2, 0.3 * 0.6 * 0.8], [0.3 * 0.6 * 0.8, 0.8**2]])
    b = rng.multivariate_normal([0, 0], cov, size=n_p)
    c = rng.normal(0, 0.5, n_i)
    p = np.repeat(np.arange(n_p), n_i)
    i = np.tile(np.arange(n_i), n_p)
    source = np.where((i + p) % 2 == 0, 0.5, -0.5)  # each participant sees half the items as model texts
    eta = -0.3 + 1.2 * source + b[p, 0] + b[p, 1] * source + c[i]
    y = (rng.random(n_p * n_i) < 1 / (1 + np.exp(-eta))).astype(int)
    return pd.DataFrame({"participant": [f"p{k:02d}" for k in p], "item": [f"i{k:02d}" for k in i],
                         "source": source, "y": y})


if __name__ == "__main__":
    lmm_data().to_csv(HERE / "mixed_slopes_lmm.csv", index=False)
    glmm_data().to_csv(HERE / "mixed_slopes_glmm.csv", index=False)
