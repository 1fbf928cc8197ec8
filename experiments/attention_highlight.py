#!/usr/bin/env python
"""Attention highlight: click the words that mattered most (click again to unmark), then confirm.

Which words people mark is the human side of the attention comparison, set
beside a transformer's attention for the same words (`psyai attention
extract`, `analysis/attention.py`). Word order, selection and click times are
logged.

    python experiments/attention_highlight.py --participant P001 --lang ja --max-select 3

The session: dialog → checks → window → consent → (demographics) →
instructions with comprehension check → practice → texts with breaks → end.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

# Allow `python experiments/attention_highlight.py` from a checkout without installing psyai.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from psyai.booth import runner  # noqa: E402
from psyai.errors import PsyaiError  # noqa: E402
from psyai.attention.words import UNIT_HELP, UNITS, check_segmentation  # noqa: E402
from psyai.booth.session import add_session_arguments, int_at_least  # noqa: E402

EXPERIMENT = "attention_highlight"
DEFAULT_STIMULI = Path(__file__).resolve().parents[1] / "stimuli" / "attention" / "items.csv"


@dataclass
class Settings:
    """Settings of one session; all of them are stored in the session header."""

    n_trials: int | None = None
    unit: str = "word"           # word (Japanese: UniDic morpheme) or bunsetsu (psyai.attention.words)
    max_select: int = 3          # most words a participant may mark per text
    min_select: int = 1          # fewest words before ENTER confirms (0: a text may be left unmarked)
    break_every: int = 10
    practice: bool = True
    demographics: bool = False
    minutes: int = 10


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_session_arguments(p, default_stimuli=str(DEFAULT_STIMULI))
    e = p.add_argument_group("this experiment")
    e.add_argument("--trials", type=int_at_least(1), default=None, help="texts per participant (default: all)")
    e.add_argument("--unit", choices=UNITS, default="word", help=UNIT_HELP)
    e.add_argument("--max-select", type=int_at_least(1), default=Settings.max_select, help="most words marked per text")
    e.add_argument("--min-select", type=int_at_least(0), default=Settings.min_select,
                   help="fewest words marked before ENTER confirms (default 1; 0 lets a text go unmarked)")
    e.add_argument("--break-every", type=int_at_least(0), default=Settings.break_every)
    e.add_argument("--no-practice", action="store_true")
    e.add_argument("--demographics", action="store_true")
    o = p.add_argument_group("simulated participants (psyai.participants.observers.HighlightObserver)")
    o.add_argument("--sim-intercept", type=float, default=-1.5, help="log odds of selecting an average word")
    o.add_argument("--sim-weight", type=float, default=1.5, help="log odds per SD of the word measure")
    o.add_argument("--sim-measures", default=None, help="CSV with text_id, word_index, value")
    return p.parse_args(argv)


class HighlightRoutine:
    """One text: words laid out as separate stimuli, clicks toggle them, ENTER confirms."""

    LEFT, RIGHT, TOP, LINE = -0.72, 0.72, 0.25, 0.06

    def __init__(self, screens, settings: Settings, lang: str) -> None:
        from psychopy import visual

        from psyai.booth import i18n, ui

        self.screens, self.settings, self.lang = screens, settings, lang
        self.visual, self.i18n, self.ui = visual, i18n, ui
        win = screens.win
        self.task = visual.TextStim(win, "", font=i18n.FONT, height=ui.TEXT_HEIGHT * 0.9, color=ui.PROMPT_COLOR,
                                    pos=(0, 0.4), wrapWidth=1.4)
        self.status = visual.TextStim(win, "", font=i18n.FONT, height=ui.TEXT_HEIGHT * 0.8, color=ui.PROMPT_COLOR,
                                      pos=(0, -0.4), wrapWidth=1.4)
        ui.set_text(self.task, screens.t("hl_task", max_select=settings.max_select))

    # a marked word: black on a highlighter yellow (contrast about 15:1; white on mustard was about 2:1)
    MARK_FILL, MARK_TEXT = (1.0, 0.78, -0.45), "black"

    def layout(self, words: list[str]) -> tuple[list, list[tuple[float, float, float, float]]]:
        """One TextStim per word, left to right, wrapped; and each word's clickable rectangle.

        Widths are the words' advance widths as the font draws them (``boundingBox``, pixels), so a
        box fits its word and the gaps between words are the font's space, whatever the word's length.
        """
        visual, ui = self.visual, self.ui
        px = self.screens.win.size[1]  # window units are "height"

        def stim(text: str):  # autoLog off: PsychoPy would format the whole stimulus into a log line per word
            return visual.TextStim(self.screens.win, text, font=self.i18n.FONT, height=ui.TEXT_HEIGHT,
                                   color=ui.TEXT_COLOR, anchorHoriz="left", alignText="left", wrapWidth=10,
                                   autoLog=False)

        space = (stim("x x").boundingBox[0] - stim("xx").boundingBox[0]) / px
        gap = max(space, ui.TEXT_HEIGHT * 0.3) if self.lang == "en" else ui.TEXT_HEIGHT * 0.3
        pad = gap * 0.4  # the box reaches a little into the gap on each side
        stims, rects = [], []
        x, y = self.LEFT, self.TOP
        for word in words:
            s = stim(word)
            w = float(s.boundingBox[0]) / px
            if x > self.LEFT and x + w > self.RIGHT:
                x, y = self.LEFT, y - self.LINE
            s.pos = (x, y)
            stims.append(s)
            rects.append((x - pad, y - self.LINE / 2, x + w + pad, y + self.LINE / 2))
            x += w + gap
        return stims, rects

    def run(self, item: dict) -> dict:
        from psyai.attention.words import segment

        s, visual = self.screens, self.visual
        words = segment(item["text"], self.lang, unit=self.settings.unit)
        stims, rects = self.layout([w.text for w in words])
        marks = [visual.Rect(s.win, width=x1 - x0, height=y1 - y0, pos=((x0 + x1) / 2, (y0 + y1) / 2),
                             fillColor=self.MARK_FILL, lineColor=None, autoLog=False) for x0, y0, x1, y1 in rects]
        selected: list[int] = []
        clicks: list[dict] = []
        elapsed = 0.0

        def draw() -> None:
            self.task.draw()
            for i in selected:
                marks[i].draw()
            for i, stim in enumerate(stims):
                stim.color = self.MARK_TEXT if i in selected else self.ui.TEXT_COLOR
                stim.draw()
            self.status.draw()

        refused_enters = 0
        while True:
            self.status.text = s.t("hl_status", n=len(selected), max_select=self.settings.max_select)
            if refused_enters and len(selected) < self.settings.min_select:  # say why ENTER did nothing
                self.status.text += "\n" + s.t("hl_select_first", n=self.settings.min_select)
            context = {"kind": "highlight", "item_id": item["item_id"], "n_words": len(words),
                       "selected": list(selected), "n_clicks": len(clicks), "max_select": self.settings.max_select,
                       "min_select": self.settings.min_select}
            resp = s.wait_click(draw, rects, ["return"], context)
            elapsed += resp.rt
            if resp.key == "return" and len(selected) >= min(self.settings.min_select, len(words)):
                break
            if resp.key == "return":
                refused_enters += 1
                continue
            i = int(resp.key.split(":")[1])
            if i in selected:
                selected.remove(i)
                action = "unselect"
            elif len(selected) < self.settings.max_select:
                selected.append(i)
                action = "select"
            else:
                action = "refused"  # at the maximum: the click is logged, nothing changes
            clicks.append({"word_index": i, "action": action, "t": round(elapsed, 6)})
        return {"item_id": item["item_id"], "source": item["source"], "model": item.get("model") or None,
                "model_name": item.get("model_name") or None,
                "words": [w.text for w in words], "word_starts": [w.start for w in words],
                "selected": sorted(selected), "clicks": clicks, "max_select": self.settings.max_select,
                "refused_enters": refused_enters, "rt": round(elapsed, 6)}


def run_session(session: runner.Session, order: list[dict], practice: list[dict], settings: Settings) -> str:
    from psyai.booth import i18n

    screens = session.screens
    routine = HighlightRoutine(screens, settings, session.header["lang"])
    intros = ({"practice": screens.t("texts_practice_intro", n=len(practice)), "main": screens.t("hl_main_intro")}
              if practice else {})  # the practice is announced, and so is the start of the real texts
    return runner.run_phases(
        session, consent_text=screens.t("hl_consent", minutes=settings.minutes),
        instructions_text=screens.t("hl_instructions", how_many=i18n.how_many_words(
            screens.lang, settings.min_select, settings.max_select)),
        check_text=screens.t("hl_comprehension"), phases=[("practice", practice), ("main", order)],
        run_item=routine.run, break_every=settings.break_every, ask_demographics=settings.demographics,
        intros=intros, debrief=screens.t("hl_debrief"))


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # -- show dialog, check everything before a file is written ------------------------
    checked = runner.check(args, EXPERIMENT)
    if args.min_select > args.max_select:
        raise PsyaiError(f"--min-select {args.min_select} is more than --max-select {args.max_select}; lower it")
    settings = (runner.header_settings(checked, Settings, min_select=0)  # sessions begun before min_select
                if checked.header else
                Settings(n_trials=args.trials, unit=args.unit, max_select=args.max_select, min_select=args.min_select,
                         break_every=args.break_every, practice=not args.no_practice, demographics=args.demographics))
    check_segmentation(args.lang, "attach", settings.unit)
    seed, order, practice = runner.shuffled_items(checked, settings.n_trials, settings.practice)
    observer = simulation = None
    if args.simulate:
        from psyai.participants.observers import HighlightObserver

        rng = np.random.default_rng([args.sim_seed, args.sim_index or 0])
        observer = HighlightObserver(intercept=args.sim_intercept, weight=args.sim_weight,
                                     measures=runner.word_values(args.sim_measures), seed=int(rng.integers(2**31)))
        simulation = {"index": args.sim_index or 0, "observer": observer.params(), "measures": args.sim_measures}
    # -- set up window and data --------------------------------------------------------
    session = runner.open_session(checked, seed=seed, list_index=0, n_lists=1,
                                  trial_order=[it["item_id"] for it in order],
                                  practice_order=[it["item_id"] for it in practice], settings=asdict(settings),
                                  observer=observer, simulation=simulation)
    # -- run, then save and quit ----------------------------------------------------------
    try:
        status = run_session(session, order, practice, settings)
    finally:
        session.close()
    print(f"{status}: {checked.paths.folder}")
    return 0


if __name__ == "__main__":
    sys.exit(runner.main_guard(main))
