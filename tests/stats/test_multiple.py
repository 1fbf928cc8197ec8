"""psyai.stats.multiple against R's ``p.adjust(p, "holm")`` (values in reference/multiple_reference.json,
written by reference/multiple_reference.R), a hand-worked case, and statsmodels' ``multipletests``."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.multitest import multipletests

from psyai.stats.multiple import holm

REF = json.loads((Path(__file__).parent / "reference" / "multiple_reference.json").read_text())


def _floats(values: list) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in values], dtype=float)  # JSON null is R's NA


@pytest.mark.parametrize("case", ["with_na", "ties", "cap", "textbook", "one", "all_na"])
def test_holm_matches_r_p_adjust(case):
    r = REF[case]  # R: p.adjust(p, method = "holm")
    p, expected = _floats(r["p"]), _floats(r["holm"])
    out = holm(p)
    assert out.shape == p.shape
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=0)  # NaN where R gives NA
    assert np.array_equal(np.isnan(out), np.isnan(p))


def test_holm_by_hand_and_input_types():
    # Holm (1979): sorted p times (m, m - 1, ..., 1), running maximum, capped at 1
    assert holm([0.010, 0.015, 0.030, 0.040]) == pytest.approx([0.04, 0.045, 0.06, 0.06], abs=1e-15)
    assert holm(pd.Series([0.4, 0.01])) == pytest.approx([0.4, 0.02])
    assert holm([]).shape == (0,)


def test_holm_against_statsmodels():
    p = np.array([0.01, 0.04, 0.03, 0.2, np.nan, 0.001])
    ok = np.isfinite(p)
    assert np.allclose(holm(p)[ok], multipletests(p[ok], method="holm")[1])
    assert np.isnan(holm(p)[4])
