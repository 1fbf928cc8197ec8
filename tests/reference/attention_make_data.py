"""Write tests/reference/attention_lmm_data.csv: a simulated reading-time data set for the lme4 check.

Run from the repository root: ``.venv/bin/python tests/reference/attention_make_data.py``,
then ``Rscript tests/reference/attention_lme4.R``.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analysis.attention import AttentionConfig, lmm_data  # noqa: E402
from psyai.attention_data import head_average, word_predictors  # noqa: E402
from psyai.attention_sim import SimulatedCohort, SimulationConfig  # noqa: E402
from test_attention_analysis import synthetic_model_measures  # noqa: E402

mm = synthetic_model_measures(n_items=12, n_words=10, n_layers=2, n_heads=2, seed=7)
human = SimulatedCohort(SimulationConfig(n_participants=12, selection_layer=1, seed=11,
                                         measures=("reading_time",))).generate(mm)
data = lmm_data(human, head_average(mm), 1, AttentionConfig(), word_predictors(human, source="local"))
data.round(10).to_csv(Path(__file__).with_name("attention_lmm_data.csv"), index=False)
