"""Write the seeded datasets behind the lme4 parity tests in tests/stats/test_mixed.py.

glmm_data.csv: 30 participants each judge 40 texts ("was this written by a
model?"); half of the texts are from a model (x = +0.5), half from people
(x = -0.5). Participants differ in bias (random intercept, SD 0.7) and in a
standardised participant-level covariate `experience`; texts differ in how
model-like they read (random intercept, SD 0.5):

    logit P(y = 1) = -0.2 + 0.8 x + 0.3 experience + u_participant + w_item

glmm_data_singular.csv: the same design with 20 texts and no text variance
(SD 0), so the item SD is estimated at the boundary, 0 (a "singular fit").

Run from the repository root, then refresh the lme4 values:
    python tests/stats/reference/make_glmm_data.py
    Rscript tests/stats/reference/glmm_lme4.R
"""

from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).parent
B0, B_X, B_EXPERIENCE = -0.2, 0.8, 0.3


def make_data(
    seed: int, n_participants: int = 30, n_items: int = 40, sd_participant: float = 0.7, sd_item: float = 0.5
) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    experience = np.round(rng.standard_normal(n_participants), 3)  # (P,)
    x_item = np.where(np.arange(n_items) % 2 == 0, 0.5, -0.5)  # (I,)
    u = rng.normal(0.0, sd_participant, n_participants)  # (P,)
    w = rng.normal(0.0, sd_item, n_items)  # (I,)
    p_idx, i_idx = np.divmod(np.arange(n_participants * n_items), n_items)  # (n,) each
    eta = B0 + B_X * x_item[i_idx] + B_EXPERIENCE * experience[p_idx] + u[p_idx] + w[i_idx]
    y = rng.binomial(1, 1.0 / (1.0 + np.exp(-eta)))  # (n,)
    return pd.DataFrame(
        {
            "participant": [f"p{j + 1:02d}" for j in p_idx],
            "item": [f"i{k + 1:02d}" for k in i_idx],
            "x": x_item[i_idx],
            "experience": experience[p_idx],
            "y": y,
        }
    )


if __name__ == "__main__":
    make_data(seed=20240501).to_csv(HERE / "glmm_data.csv", index=False)
    make_data(seed=7, n_items=20, sd_item=0.0).to_csv(HERE / "glmm_data_singular.csv", index=False)
