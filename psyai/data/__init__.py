"""Data in and out: session logs and word tables become tidy DataFrames, checked against docs/DATA.md.

- :mod:`psyai.data.log`: the durable JSON Lines log every session writes (fsynced per
  record) and its reader;
- :mod:`psyai.data.sessions`: a folder of session logs → one tidy table per experiment
  (:func:`load`, :func:`load_rankings`, :func:`load_human_eval`, :func:`load_demonstrations`,
  :func:`load_word_measures`), schema-checked;
- :mod:`psyai.data.stimuli`: stimulus files, validated before anyone sits down;
- :mod:`psyai.data.tables`: researchers' CSV and JSON Lines files, read with line numbers;
- :mod:`psyai.data.word_tables`: human word tables and model-measure tables of the
  attention comparisons, word predictors (length, frequency norms, position).

>>> from psyai.data import load
>>> trials = load("data/turing_test")            # every session under the folder
"""

from psyai.data.sessions import (
    HIGHLIGHT_SCHEMA, HUMAN_EVAL_COLUMNS, HUMAN_EVAL_FLAGS, HUMAN_EVAL_SCALES, HUMAN_EVAL_SCHEMA, INSTRUCTION_CONDITIONS,
    RANKING_SCHEMA, READING_SCHEMA, RUN_MODES, SCHEMAS, TRIAL_SCHEMA, load, load_human_eval, load_rankings,
    load_session, load_word_measures, session_logs,
)
from psyai.data.sessions import DEMONSTRATION_SCHEMA, load_demonstrations

__all__ = ["HIGHLIGHT_SCHEMA", "HUMAN_EVAL_COLUMNS", "HUMAN_EVAL_FLAGS", "HUMAN_EVAL_SCALES", "HUMAN_EVAL_SCHEMA",
           "INSTRUCTION_CONDITIONS", "RANKING_SCHEMA", "READING_SCHEMA", "RUN_MODES", "SCHEMAS", "TRIAL_SCHEMA", "load",
           "load_human_eval", "load_rankings", "load_session", "load_word_measures", "session_logs"]
__all__ += ["DEMONSTRATION_SCHEMA", "load_demonstrations"]
