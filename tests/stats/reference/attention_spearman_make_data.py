"""Write tests/stats/reference/attention_spearman_data.csv: fixation times and a model measure for the
per-item Spearman check of the attention analysis's human–model agreement.

Run from the repository root: ``.venv/bin/python tests/stats/reference/attention_spearman_make_data.py``,
then ``Rscript tests/stats/reference/attention_spearman.R``. One row per participant × word:
the fixation time (two skipped words set to 0 ms), the model's saliency, and the word's length,
log frequency (the item set's own counts, ``--frequency local``) and position as psyai computes them.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))  # the repository root: psyai, analysis, tests

from psyai.data.word_tables import word_predictors  # noqa: E402
from tests.analysis.test_attention import length_driven_tables  # noqa: E402

human, model = length_driven_tables(n_items=6, n_words=8, n_participants=4, seed=9)
human.loc[[3, 40], "value"] = 0.0  # skipped words: 0 in the raw mean, left out of the residual fit
saliency = model[model["measure"] == "saliency"].rename(columns={"text_id": "item", "value": "saliency"})
data = (human.merge(saliency[["item", "word_index", "saliency"]], on=["item", "word_index"])
        .merge(word_predictors(human, source="local")[["item", "word_index", "length", "log_freq", "position"]],
               on=["item", "word_index"]))
data.drop(columns="measure").round(10).to_csv(Path(__file__).with_name("attention_spearman_data.csv"), index=False)
