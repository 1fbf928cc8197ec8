#!/usr/bin/env python
"""Demonstrations: read a request, write the answer you would want a model to give, revise, confirm.

As InstructGPT's labelers wrote demonstrations for supervised fine-tuning: the
window shows the prompt; E opens a text editor (Qt, so a Japanese input method
works; see psyai/booth/writing.py) pre-filled with the draft; the draft is shown
back in the window, where E revises it and Enter confirms it. An answer must have
--min-chars to --max-chars characters (the window says so when it has not).
Time on task, key presses, input-method commits and revisions are logged per trial.

    python experiments/demonstrations.py --participant P001 --session 1 --lang ja
    python experiments/demonstrations.py --participant P001 --resume          # after a crash
    python experiments/demonstrations.py --participant P001 --pilot --min-chars 50

The session: dialog → checks → window → consent → (demographics) →
instructions with comprehension check → demonstrations with breaks → debrief → end.
Every demonstration is on disk (fsynced) before the next begins; see docs/DATA.md.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

# Allow `python experiments/demonstrations.py` from a checkout without installing psyai.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from psyai.booth import runner  # noqa: E402
from psyai.booth.session import add_session_arguments, int_at_least  # noqa: E402
from psyai.errors import PsyaiError, StimulusError  # noqa: E402

EXPERIMENT = "demonstrations"
DEFAULT_STIMULI = Path(__file__).resolve().parents[1] / "stimuli" / "demonstrations" / "prompts.csv"
DEFAULT_ANSWERS = DEFAULT_STIMULI.with_name("answers.csv")  # the simulated writers' corpus, beside the prompts


@dataclass
class Settings:
    """Settings of one session; all of them are stored in the session header."""

    n_trials: int | None = None   # prompts per participant (None: every prompt in the language)
    min_chars: int = 20           # an answer's length limits, in characters (Unicode code points)
    max_chars: int = 1000
    break_every: int = 5
    demographics: bool = False
    minutes: int = 40


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_session_arguments(p, default_stimuli=str(DEFAULT_STIMULI))
    e = p.add_argument_group("this experiment")
    e.add_argument("--trials", type=int_at_least(1), default=None, help="prompts per participant (default: all)")
    e.add_argument("--min-chars", type=int_at_least(1), default=Settings.min_chars,
                   help=f"fewest characters an answer may have (default {Settings.min_chars})")
    e.add_argument("--max-chars", type=int_at_least(1), default=Settings.max_chars,
                   help=f"most characters an answer may have (default {Settings.max_chars})")
    e.add_argument("--break-every", type=int_at_least(0), default=Settings.break_every)
    e.add_argument("--demographics", action="store_true")
    e.add_argument("--editor", choices=("auto", "qt", "window"), default="auto",
                   help="where answers are typed: qt (a Qt editor: input methods work), window (PsychoPy's "
                        "TextBox2: an IME may not), auto (qt where Qt can open, else window; default)")
    o = p.add_argument_group("simulated writers (psyai.participants.writers)")
    o.add_argument("--sim-answers", default=None,
                   help="answer corpus of the simulated writers (default stimuli/demonstrations/answers.csv)")
    o.add_argument("--sim-revise", type=float, default=0.3, help="probability of writing part, then revising")
    o.add_argument("--sim-too-short", type=float, default=0.1,
                   help="probability of first confirming a too-short answer (and meeting the refusal)")
    return p.parse_args(argv)


def prompts_of(checked: runner.Checked, n_trials: int | None) -> tuple[int, list[dict]]:
    """Seed and prompts of the session (from the header when resuming). A prompt is a stimulus row: its
    ``text`` is the request shown, ``prompt_id`` (else ``item_id``) names it in the data."""
    seed, order, _practice = runner.shuffled_items(checked, n_trials, practice=False)
    for it in order:
        if it["prompt"] and it["prompt"] != it["text"]:
            raise StimulusError(f"{checked.stim.path} line {it['line']}: the prompt column differs from text; a "
                                "demonstration prompt is the text column itself — leave prompt empty")
    return seed, order


def choose_editor(args: argparse.Namespace) -> tuple[str, str | None]:
    """``(editor, why)``: the simulated writer's, else Qt where it can open, else the window (``why`` says
    what stopped Qt). An explicit ``--editor qt`` that cannot open is refused before anything is written."""
    if args.simulate:
        return "simulated", None
    if args.editor == "window":
        return "window", None
    from psyai.booth.dialog import gui_problem

    problem = gui_problem()
    if problem is None:
        return "qt", None
    if args.editor == "qt":
        raise PsyaiError(f"--editor qt: the Qt editor cannot open here ({problem}); fix that (Debian: apt-get "
                         "install libxcb-cursor0) or use --editor window, where a Japanese input method may not work")
    return "window", problem


def run_session(session: runner.Session, order: list[dict], settings: Settings, editor_name: str) -> str:
    from psyai.booth.writing import QtEditor, WindowEditor, WritingScreens

    screens = session.screens
    editor = {"qt": lambda: QtEditor(screens.lang, settings.min_chars, settings.max_chars),
              "window": lambda: WindowEditor(screens, settings.min_chars, settings.max_chars)}.get(editor_name)
    task = WritingScreens(screens, min_chars=settings.min_chars, max_chars=settings.max_chars,
                          editor=editor() if editor else None)

    def run_item(item: dict) -> dict:
        prompt_id = item["prompt_id"] or item["item_id"]
        context = {"prompt_id": prompt_id, "prompt": item["text"], "lang": screens.lang,
                   "trial_index": item["trial_index"]}
        state, seconds = task.run(item["text"], context)
        return {
            "item_id": item["item_id"], "prompt_id": prompt_id, "prompt": item["text"], "text": state.draft,
            "n_chars": len(state.draft), "time_on_task": round(seconds, 3), "rt": round(seconds, 6),
            "n_keystrokes": state.n_keys, "n_ime_commits": state.n_ime_commits, "n_revisions": state.n_revisions,
            "n_edits": len(state.edits), "length_refusals": state.length_refusals, "drafts": state.drafts,
            "editor": editor_name, "min_chars": settings.min_chars, "max_chars": settings.max_chars,
        }

    return runner.run_phases(
        session, consent_text=screens.t("demo_consent", minutes=settings.minutes),
        instructions_text=screens.t("demo_instructions", min_chars=settings.min_chars, max_chars=settings.max_chars),
        check_text=screens.t("demo_comprehension"),
        phases=[("main", [{**it, "trial_index": i} for i, it in enumerate(order)])],
        run_item=run_item, break_every=settings.break_every, ask_demographics=settings.demographics,
        intros={"main": screens.t("demo_main_intro")}, debrief=screens.t("demo_debrief"))


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # -- show dialog, check everything before a file is written ------------------------
    checked = runner.check(args, EXPERIMENT)
    settings = (runner.header_settings(checked, Settings) if checked.header else
                Settings(n_trials=args.trials, min_chars=args.min_chars, max_chars=args.max_chars,
                         break_every=args.break_every, demographics=args.demographics))
    if settings.min_chars > settings.max_chars:
        raise PsyaiError(f"--min-chars {settings.min_chars} is more than --max-chars {settings.max_chars}; no "
                         "answer could be confirmed — give a minimum at most the maximum")
    seed, order = prompts_of(checked, settings.n_trials)
    editor_name, why = choose_editor(args)
    if why:
        print(f"warning: the Qt editor cannot open here ({why}); answers are typed in the PsychoPy window, where a "
              "Japanese input method may not work (--editor qt refuses instead)", file=sys.stderr)
    observer = simulation = None
    if args.simulate:
        from psyai.participants.writers import CohortWriters, load_answers

        answers_path = args.sim_answers or str(DEFAULT_ANSWERS)
        cohort = CohortWriters(p_revise=args.sim_revise, p_too_short=args.sim_too_short, seed=args.sim_seed)
        observer = cohort.participant(args.sim_index or 0, answers=load_answers(answers_path))
        simulation = {"cohort": cohort.to_dict(), "index": args.sim_index or 0, "observer": observer.params(),
                      "answers": answers_path}
    # -- set up window and data --------------------------------------------------------
    session = runner.open_session(checked, seed=seed, list_index=0, n_lists=1,
                                  trial_order=[it["item_id"] for it in order], practice_order=[],
                                  settings=asdict(settings), observer=observer, simulation=simulation)
    # -- run, then save and quit ----------------------------------------------------------
    try:
        status = run_session(session, order, settings, editor_name)
    finally:
        session.close()
    print(f"{status}: {checked.paths.folder}")
    return 0


if __name__ == "__main__":
    sys.exit(runner.main_guard(main))
