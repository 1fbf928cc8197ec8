#!/usr/bin/env python
"""Turing-test judgments: was this text written by a person or by a model, and how sure are you?

Run it from PsychoPy Coder (press Run: a dialog asks for participant and
session) or from a terminal:

    python experiments/turing_test.py --participant P001 --session 1 --lang ja
    python experiments/turing_test.py --participant P001 --session 1 --resume   # after a crash
    python experiments/turing_test.py --participant P001 --pilot                  # windowed, marked pilot

The session reads top to bottom as it runs: dialog → checks → window →
consent → (demographics) → instructions with comprehension check → practice →
trials with breaks and attention checks → end screen → save → quit. Every
trial is on disk (fsynced) before the next begins; see docs/DATA.md.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

# Allow `python experiments/turing_test.py` from a checkout without installing psyai.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from psyai.booth import runner  # noqa: E402
from psyai.booth import trials as trial_lists  # noqa: E402
from psyai.errors import PsyaiError  # noqa: E402
from psyai.participants.observers import CohortSpec  # noqa: E402
from psyai.booth.session import add_session_arguments, draw_seed, int_at_least  # noqa: E402

EXPERIMENT = "turing_test"
DEFAULT_STIMULI = Path(__file__).resolve().parents[1] / "stimuli" / "turing_test" / "items.csv"


@dataclass
class Settings:
    """Settings of one session; all of them are stored in the session header."""

    n_trials: int | None = None      # main trials per participant (None: one version of every prompt)
    n_checks: int = 3                # attention-check trials in the main block
    break_every: int = 20            # a break screen after every N main trials (0: none)
    max_run: int = 3                 # at most this many texts of one source in a row
    fixation_frames: int = 30        # fixation cross before each text, in screen refreshes
    practice: bool = True
    demographics: bool = False
    key_human: str = "f"
    key_model: str = "j"
    minutes: int = 10                # duration announced on the consent screen


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    add_session_arguments(p, default_stimuli=str(DEFAULT_STIMULI))
    e = p.add_argument_group("this experiment")
    e.add_argument("--trials", type=int_at_least(1), default=None, help="main trials per participant (default: every prompt once)")
    e.add_argument("--checks", type=int_at_least(0), default=Settings.n_checks, help="attention-check trials")
    e.add_argument("--break-every", type=int_at_least(0), default=Settings.break_every, help="break screen every N trials (0: none)")
    e.add_argument("--no-practice", action="store_true", help="skip the practice block")
    e.add_argument("--demographics", action="store_true", help="ask age group and AI use (codes only)")
    o = p.add_argument_group("simulated observers (equal-variance signal detection, psyai.participants.observers)")
    o.add_argument("--sim-dprime", type=float, default=1.0, help="group mean d'")
    o.add_argument("--sim-criterion", type=float, default=0.0, help="group mean c")
    o.add_argument("--sim-dprime-sd", type=float, default=0.3)
    o.add_argument("--sim-criterion-sd", type=float, default=0.2)
    o.add_argument("--sim-item-sd", type=float, default=0.0)
    o.add_argument("--sim-check-lapse", type=float, default=0.0)
    return p.parse_args(argv)


def cohort_from_args(args: argparse.Namespace) -> CohortSpec:
    return CohortSpec(dprime=args.sim_dprime, criterion=args.sim_criterion, dprime_sd=args.sim_dprime_sd,
                      criterion_sd=args.sim_criterion_sd, item_sd=args.sim_item_sd,
                      check_lapse=args.sim_check_lapse, seed=args.sim_seed)


def settings_from_args(args: argparse.Namespace) -> Settings:
    return Settings(n_trials=args.trials, n_checks=args.checks, break_every=args.break_every,
                    practice=not args.no_practice, demographics=args.demographics)


# -- routines ------------------------------------------------------------------

class TrialRoutine:
    """One judgment: fixation → text (+ prompt) → person/model key → confidence slider."""

    def __init__(self, screens, settings: Settings, lang: str) -> None:
        from psychopy import visual

        from psyai.booth import i18n, ui

        self.screens, self.settings, self.lang = screens, settings, lang
        win = screens.win
        font = i18n.FONT
        self.prompt = visual.TextStim(win, "", font=font, height=ui.TEXT_HEIGHT * 0.9, wrapWidth=ui.WRAP,
                                      color=ui.PROMPT_COLOR, pos=(0, 0.33), anchorVert="top", alignText="left",
                                      languageStyle="LTR")
        self.text = visual.TextStim(win, "", font=font, height=ui.TEXT_HEIGHT, wrapWidth=ui.WRAP,
                                    color=ui.TEXT_COLOR, pos=(0, 0.2), anchorVert="top", alignText="left",
                                    languageStyle="LTR")
        self.question = visual.TextStim(win, screens.t("question", key_human=settings.key_human.upper(),
                                                       key_model=settings.key_model.upper()),
                                        font=font, height=ui.TEXT_HEIGHT, color=ui.PROMPT_COLOR, pos=(0, -0.24))
        self.conf_question = visual.TextStim(win, screens.t("confidence_question"), font=font,
                                             height=ui.TEXT_HEIGHT, color=ui.PROMPT_COLOR, pos=(0, -0.24))
        self.scale = ui.RatingScale(win, (1, 2, 3, 4, 5, 6), pos=(0, -0.34), size=(0.7, 0.03), font=font,
                                    label_height=0.025)
        self.anchors = [
            visual.TextStim(win, screens.t("confidence_low"), font=font, height=0.025, color=ui.TEXT_COLOR,
                            pos=(-0.39, -0.34), alignText="right", anchorHoriz="right"),
            visual.TextStim(win, screens.t("confidence_high"), font=font, height=0.025, color=ui.TEXT_COLOR,
                            pos=(0.39, -0.34), alignText="left", anchorHoriz="left"),
        ]
        self.keymap = {"human": settings.key_human, "model": settings.key_model}

    # The prompt, then the text below it, from TOP down to BOTTOM (above the question at -0.24);
    # a pair too long at full size is set smaller, one step at a time, until it fits.
    TOP, BOTTOM, GAP = 0.44, -0.205, 0.03
    SCALES = (1.0, 0.92, 0.85, 0.78, 0.72, 0.66)

    def layout(self, prompt: str, body: str) -> float:
        """Place the prompt and the text so neither overlaps the other or the question; returns the
        letter-size scale used (1.0 unless the pair is too long; recorded as ``text_scale``)."""
        from psyai.booth import ui

        for scale in self.SCALES:
            self.prompt.height, self.text.height = ui.TEXT_HEIGHT * 0.9 * scale, ui.TEXT_HEIGHT * scale
            ui.set_text(self.prompt, prompt)
            ui.set_text(self.text, body)
            y = self.TOP
            if prompt:
                self.prompt.pos = (0, y)
                y -= ui.drawn_height(self.prompt) + self.GAP
            self.text.pos = (0, y)
            if y - ui.drawn_height(self.text) >= self.BOTTOM:
                break
        return scale

    def _draw_text(self) -> None:
        if self.prompt.text:
            self.prompt.draw()
        self.text.draw()

    def run(self, item: dict) -> dict:
        s = self.screens
        if item["source"] == "check":
            answer = s.t("truth_human" if item["expected"] == "human" else "truth_model")
            body, prompt = s.t("check_text", answer=answer), ""
        else:
            body, prompt = item["text"], item.get("prompt", "")
        label = s.t("prompt_label")
        scale = self.layout(f"{label}{'' if label.endswith('：') else ' '}{prompt}" if prompt else "", body)
        s.show_frames([s.fixation], self.settings.fixation_frames)

        def draw_judgment() -> None:
            self._draw_text()
            self.question.draw()

        key = s.wait_key(draw_judgment, [self.settings.key_human, self.settings.key_model],
                         {"kind": "judge", "item": item, "keymap": self.keymap})
        response = "human" if key.key == self.settings.key_human else "model"

        def draw_rating() -> None:
            self._draw_text()
            self.conf_question.draw()
            self.scale.draw()
            for anchor in self.anchors:
                anchor.draw()

        conf = s.rate(self.scale.slider, draw_rating, {"kind": "rate"})
        truth = item["expected"] if item["source"] == "check" else item["source"]
        return {
            "item_id": item["item_id"], "is_check": item["source"] == "check", "source": item["source"],
            "model": item.get("model") or None, "model_name": item.get("model_name") or None,
            "prompt_id": item.get("prompt_id") or None,
            "response": response, "response_key": key.key,
            "correct": response == truth, "expected": item.get("expected"),
            "rt": round(key.rt, 6), "confidence": int(conf.key), "confidence_rt": round(conf.rt, 6),
            "text_scale": scale,
        }


def run_session(session: runner.Session, order: list[dict], practice: list[dict], settings: Settings) -> str:
    """Everything the participant sees after the window opens. Returns the end status."""
    screens = session.screens
    routine = TrialRoutine(screens, settings, session.header["lang"])
    keys = {"key_human": settings.key_human.upper(), "key_model": settings.key_model.upper()}

    def feedback(phase: str, item: dict, record: dict) -> None:
        if phase == "practice":
            truth = screens.t("truth_" + item["source"])
            screens.show_message(screens.t("practice_feedback_correct" if record["correct"]
                                           else "practice_feedback_wrong", truth=truth))

    intros = {"practice": screens.t("practice_intro", n=len(practice))}
    if practice:
        intros["main"] = screens.t("main_intro")
    return runner.run_phases(
        session, consent_text=screens.t("consent", minutes=settings.minutes),
        instructions_text=screens.t("instructions", **keys), check_text=screens.t("comprehension", **keys),
        phases=[("practice", practice), ("main", order)], run_item=routine.run, break_every=settings.break_every,
        ask_demographics=settings.demographics, intros=intros, after_trial=feedback,
        debrief=screens.t("turing_debrief"))


def resolve_orders(checked: runner.Checked, settings: Settings) -> tuple[list[dict], list[dict], int, int, int]:
    """Trial orders: rebuilt from the header when resuming, drawn from a recorded seed otherwise."""
    stim, args, lang = checked.stim, checked.args, checked.args.lang
    main_items = stim.for_lang(lang)
    if not main_items:
        raise PsyaiError(f"{stim.path}: no main items in language {lang!r}; add items or choose --lang")
    n_lists = trial_lists.n_lists(main_items)
    by_id = {it["item_id"]: it for it in stim.items}
    if checked.header is not None:
        h = checked.header
        expected = h.get("check_expected") or {}
        missing = [i for i in h["trial_order"] if i.startswith(trial_lists.CHECK_PREFIX) and i not in expected]
        if missing:
            raise PsyaiError(f"{checked.paths.log} line 1: check_expected has no answer for {missing[0]!r}; the header "
                             "was edited — restore it from a backup")
        checks = {iid: trial_lists.check_item(k + 1, expected[iid], lang)
                  for k, iid in enumerate(i for i in h["trial_order"] if i.startswith(trial_lists.CHECK_PREFIX))}
        order = [checks.get(i) or by_id[i] for i in h["trial_order"]]
        return order, [by_id[i] for i in h["practice_order"]], h["seed"], h["list"], n_lists
    seed = args.seed if args.seed is not None else draw_seed()
    list_index = runner.choose_list(checked, n_lists)
    order = trial_lists.build_main_order(main_items, list_index, seed, lang, n_trials=settings.n_trials,
                                         n_checks=settings.n_checks, max_run=settings.max_run)
    practice = trial_lists.build_practice_order(stim.for_lang(lang, practice=True), seed) if settings.practice else []
    return order, practice, seed, list_index, n_lists


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # -- show dialog, check everything before a file is written ------------------------
    checked = runner.check(args, EXPERIMENT)
    settings = runner.header_settings(checked, Settings) if checked.header else settings_from_args(args)
    order, practice, seed, list_index, n_lists = resolve_orders(checked, settings)
    observer = simulation = None
    if args.simulate:
        cohort = cohort_from_args(args)
        observer = cohort.participant(args.sim_index or 0)
        simulation = {"cohort": cohort.to_dict(), "index": args.sim_index or 0, "observer": observer.params()}
    # -- set up window and data --------------------------------------------------------
    session = runner.open_session(
        checked, seed=seed, list_index=list_index, n_lists=n_lists,
        trial_order=[it["item_id"] for it in order], practice_order=[it["item_id"] for it in practice],
        settings=asdict(settings), observer=observer, simulation=simulation,
        header_extra={"check_expected": {it["item_id"]: it["expected"] for it in order if it["source"] == "check"}},
    )
    # -- run, then save and quit ----------------------------------------------------------
    try:
        status = run_session(session, order, practice, settings)
    finally:
        session.close()
    print(f"{status}: {checked.paths.folder}")
    return 0


if __name__ == "__main__":
    sys.exit(runner.main_guard(main))
