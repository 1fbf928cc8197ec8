"""Simulated participants of every experiment, the cohort runner and synthetic tables.

- :mod:`psyai.participants.observers`: Turing-test observers (equal-variance signal
  detection), readers and highlighters with known parameters;
- :mod:`psyai.participants.rankers`: rankers whose preferences follow a known utility,
  and the agent that turns their decisions into key presses;
- :mod:`psyai.participants.evaluators`: human-evaluation raters with known model utilities
  (true win rates), rater and prompt effects and a model × condition effect on harmlessness,
  and their long table straight from the raters (:func:`simulate_human_eval`);
- :mod:`psyai.participants.writers`: writers of demonstrations who answer from a corpus, with
  known revision, refusal and typing habits;
- :mod:`psyai.participants.attention`: human word tables generated from a model's
  word measures (selection and reading times with known weights);
- :mod:`psyai.participants.cohort`: a simulated cohort run through the real experiment
  script, one session per participant, in a headless display (the sessions of a job in
  one process: :mod:`psyai.participants.batch`);
- :mod:`psyai.participants.synthetic`: Turing-test trial tables and session logs
  straight from the observers, with no window (fast parameter recovery);
- :mod:`psyai.participants.stimuli`: synthetic stimulus sets that pass validation.

A simulated participant decides; it never draws or reads a key itself.
:class:`psyai.booth.ui.SimulatedInput` turns its decisions into key presses where the
experiment reads the keyboard, so the script, window and log are the ones a person gets.
"""
