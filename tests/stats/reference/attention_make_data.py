"""Write tests/stats/reference/attention_lmm_data.csv: a simulated reading-time data set for the lme4 check.

Run from the repository root: ``.venv/bin/python tests/stats/reference/attention_make_data.py``,
then ``Rscript tests/stats/reference/attention_lme4.R``.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))  # the repository root: psyai, analysis, tests

from analysis.attention import AttentionConfig, lmm_data  # noqa: E402
from psyai.data.word_tables import head_average, word_predictors  # noqa: E402
from psyai.participants.attention import SimulatedCohort, SimulationConfig  # noqa: E402
from tests.analysis.test_attention import synthetic_model_measures  # noqa: E402

mm = synthetic_model_measures(n_items=12, n_words=10, n_layers=2, n_heads=2, seed=7)
human = SimulatedCohort(SimulationConfig(n_participants=12, selection_layer=1, seed=11,
                                         measures=("reading_time",))).generate(mm)
data = lmm_data(human, head_average(mm), 1, AttentionConfig(), word_predictors(human, source="local"))
data.round(10).to_csv(Path(__file__).with_name("attention_lmm_data.csv"), index=False)
