#!/usr/bin/env python
"""Self-paced reading: a moving window, one word (Japanese: a morpheme, or a bunsetsu) per key press.

Per-word reading times are the human side of the attention comparison: they go
beside a transformer's surprisal and attention for the same words
(`psyai attention extract`, `analysis/attention.py`).

    python experiments/self_paced_reading.py --participant P001 --lang ja
    python experiments/self_paced_reading.py --participant P002 --lang ja --unit bunsetsu
    python experiments/self_paced_reading.py --participant P001 --resume     # after a crash

The session: dialog → checks → window → consent → (demographics) →
instructions with comprehension check → practice → texts with questions and
breaks → end screen. Every text is on disk (fsynced) before the next begins.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

# Allow `python experiments/self_paced_reading.py` from a checkout without installing psyai.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from psyai.booth import runner  # noqa: E402
from psyai.booth.reading import reading_font  # noqa: E402
from psyai.attention.words import UNIT_HELP, UNITS, check_segmentation  # noqa: E402
from psyai.booth.session import add_session_arguments, int_at_least  # noqa: E402

EXPERIMENT = "self_paced_reading"
DEFAULT_STIMULI = Path(__file__).resolve().parents[1] / "stimuli" / "attention" / "items.csv"


@dataclass
class Settings:
    """Settings of one session; all of them are stored in the session header."""

    n_trials: int | None = None     # texts per participant (None: all in the language)
    unit: str = "word"              # word (Japanese: UniDic morpheme) or bunsetsu (psyai.attention.words)
    cells_per_line: int = 0         # monospace cells per line (0: 56 for en, 40 for ja)
    break_every: int = 10
    practice: bool = True
    demographics: bool = False
    minutes: int = 15


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_session_arguments(p, default_stimuli=str(DEFAULT_STIMULI))
    e = p.add_argument_group("this experiment")
    e.add_argument("--trials", type=int_at_least(1), default=None, help="texts per participant (default: all)")
    e.add_argument("--unit", choices=UNITS, default="word", help=UNIT_HELP)
    e.add_argument("--cells-per-line", type=int_at_least(0), default=0)
    e.add_argument("--break-every", type=int_at_least(0), default=Settings.break_every)
    e.add_argument("--no-practice", action="store_true")
    e.add_argument("--demographics", action="store_true")
    o = p.add_argument_group("simulated readers (psyai.participants.observers.ReadingObserver)")
    o.add_argument("--sim-intercept", type=float, default=5.7, help="log ms of a zero-length word")
    o.add_argument("--sim-b-length", type=float, default=0.04, help="log ms per character")
    o.add_argument("--sim-b-measure", type=float, default=0.0, help="log ms per unit of --sim-measures")
    o.add_argument("--sim-b-measure-sd", type=float, default=0.0,
                   help="SD of --sim-b-measure from reader to reader (each simulated reader draws their own)")
    o.add_argument("--sim-measures", default=None,
                   help="CSV with text_id, word_index, value (e.g. one measure of `psyai attention extract`)")
    return p.parse_args(argv)


def words_of(item: dict, lang: str, unit: str = "word") -> list[tuple[int, int]]:
    """Character spans of the words shown one at a time (English: whitespace; Japanese: MeCab/UniDic
    morphemes, or bunsetsu)."""
    from psyai.attention.words import segment

    return [(w.start, w.end) for w in segment(item["text"], lang, unit=unit)]


class ReadingRoutine:
    """One text: the masked layout, then one word per SPACE, then the question if there is one."""

    LEFT, TOP = -0.7, 0.2

    def __init__(self, screens, settings: Settings, lang: str) -> None:
        from psyai.booth import ui

        self.screens, self.lang, self.unit = screens, lang, settings.unit
        self.cells = settings.cells_per_line or (40 if lang == "ja" else 56)
        self.ui = ui

    def run(self, item: dict) -> dict:
        from psyai.booth.reading import MovingWindow
        from psyai.booth.textlayout import word_lines

        s, ui = self.screens, self.ui
        text = item["text"]
        spans = words_of(item, self.lang, self.unit)
        window = MovingWindow(s.win, text, spans, word_lines(text, spans, self.cells), font=reading_font(self.lang),
                              height=ui.TEXT_HEIGHT, left=self.LEFT, top=self.TOP, color=ui.TEXT_COLOR)
        s.show_message(s.t("spr_ready"))
        rts = []
        for i, (start, end) in enumerate(spans):
            resp = s.wait_key(lambda i=i: window.draw(i), ["space"], {"kind": "spr_word", "item_id": item["item_id"],
                                                                     "index": i, "word": text[start:end]})
            rts.append(round(resp.rt, 6))
        response = correct = None
        if item.get("question"):
            resp = s.show_message(s.t("spr_question", question=item["question"]), keys=["y", "n"],
                                  context={"kind": "spr_question", "answer": item["answer"]})
            response = "yes" if resp.key == "y" else "no"
            correct = response == item["answer"]
        return {"item_id": item["item_id"], "source": item["source"], "model": item.get("model") or None,
                "model_name": item.get("model_name") or None,
                "words": [text[a:b] for a, b in spans], "word_starts": [a for a, _ in spans], "rts": rts,
                "question": item.get("question") or None, "answer": item.get("answer") or None,
                "response": response, "correct": correct, "rt": round(sum(rts), 6)}


def run_session(session: runner.Session, order: list[dict], practice: list[dict], settings: Settings) -> str:
    screens = session.screens
    routine = ReadingRoutine(screens, settings, session.header["lang"])
    intros = ({"practice": screens.t("texts_practice_intro", n=len(practice)), "main": screens.t("spr_main_intro")}
              if practice else {})  # the practice is announced, and so is the start of the real texts
    return runner.run_phases(
        session, consent_text=screens.t("spr_consent", minutes=settings.minutes),
        instructions_text=screens.t("spr_instructions"), check_text=screens.t("spr_comprehension"),
        phases=[("practice", practice), ("main", order)], run_item=routine.run, break_every=settings.break_every,
        ask_demographics=settings.demographics, intros=intros, debrief=screens.t("spr_debrief"))


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # -- show dialog, check everything before a file is written ------------------------
    checked = runner.check(args, EXPERIMENT)
    settings = (runner.header_settings(checked, Settings) if checked.header else
                Settings(n_trials=args.trials, unit=args.unit, cells_per_line=args.cells_per_line, break_every=args.break_every,
                         practice=not args.no_practice, demographics=args.demographics))
    check_segmentation(args.lang, "attach", settings.unit)
    seed, order, practice = runner.shuffled_items(checked, settings.n_trials, settings.practice)
    observer = simulation = None
    if args.simulate:
        from psyai.participants.observers import ReadingObserver

        rng = np.random.default_rng([args.sim_seed, args.sim_index or 0])
        observer = ReadingObserver(intercept=args.sim_intercept + rng.normal(0, 0.15), b_length=args.sim_b_length,
                                   b_measure=args.sim_b_measure, measures=runner.word_values(args.sim_measures),
                                   seed=int(rng.integers(2**31)))
        if args.sim_b_measure_sd > 0:  # this reader's own sensitivity to the measure (drawn after the seed)
            observer.b_measure = args.sim_b_measure + float(rng.normal(0, args.sim_b_measure_sd))
        simulation = {"index": args.sim_index or 0, "observer": observer.params(), "measures": args.sim_measures}
    # -- set up window and data --------------------------------------------------------
    session = runner.open_session(checked, seed=seed, list_index=0, n_lists=1, fonts=(reading_font(args.lang),),
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
