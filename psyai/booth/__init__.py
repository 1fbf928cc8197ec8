"""What a participant's session goes through, in the lab booth or as a simulated participant.

- :mod:`psyai.booth.runner`: what every experiment script does around its trials, in the
  order a session runs (checks, window, consent, instructions, phases, breaks, end);
- :mod:`psyai.booth.session`: participant IDs, session folders, resume and refusal rules
  (no PsychoPy import, so the checks run anywhere);
- :mod:`psyai.booth.ui`: window, screens, keyboard and slider; the one place a key press (or a
  simulated participant's decision) enters;
- :mod:`psyai.booth.dialog`: the session dialog, or the same questions in the terminal when no
  dialog can open (no display, Qt's platform plugin missing);
- :mod:`psyai.booth.i18n`: every participant-facing string in Japanese and English;
- :mod:`psyai.booth.textlayout`: Japanese line breaks, pages and the moving window;
- :mod:`psyai.booth.trials`: counterbalancing lists, seeded orders, attention checks;
- :mod:`psyai.booth.ranking`: the ranking task's own screens;
- :mod:`psyai.booth.writing`: the demonstrations task's screens and its text editor (Qt, for
  input methods; an in-window fallback).

The durable log a session writes is :mod:`psyai.data.log`: the booth writes it,
:mod:`psyai.data` reads it back.
"""
