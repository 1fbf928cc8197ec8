"""The Turing-test screen fits every text: prompt above, text below, neither on the question.

Measured on the glyphs as PsychoPy lays them out (TextStim.boundingBox) in a real window, for every
item of the shipped real-text set and for a pair far too long for one screen.
"""

from __future__ import annotations

import sys

import pytest

from psyai.booth import ui
from psyai.data.stimuli import load_stimuli
from psyai.participants.observers import SDTObserver
from tests.helpers import EXPERIMENTS, ROOT

sys.path.insert(0, str(EXPERIMENTS))
import turing_test as tt  # noqa: E402


@pytest.fixture(scope="module")
def window():
    win = ui.make_window(windowed=True, simulated=True)
    yield win
    win.close()


def _extent(stim) -> tuple[float, float]:
    """Top and bottom of a top-anchored TextStim, in window units."""
    top = stim.pos[1]
    return top, top - ui.drawn_height(stim)


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_every_shipped_item_fits_above_the_question(window, lang):
    trial = tt.TrialRoutine(ui.Screens(window, lang, ui.SimulatedInput(SDTObserver(1.0, 0.0)), simulated_time=True),
                           tt.Settings(), lang)
    question_top = trial.question.pos[1] + trial.question.height / 2
    scales = []
    for item in load_stimuli(ROOT / "stimuli" / "turing_test" / "items.csv").items:
        if item["lang"] != lang:
            continue
        scale = trial.layout(f"Prompt: {item['prompt']}", item["text"])
        p_top, p_bottom = _extent(trial.prompt)
        t_top, t_bottom = _extent(trial.text)
        assert p_top <= 0.5 and p_bottom > t_top, item["item_id"]          # prompt on screen, above the text
        assert t_bottom >= trial.BOTTOM > question_top, item["item_id"]  # text above the question
        assert ui.drawn_height(trial.text) > 0
        scales.append(scale)
    print(lang, sorted(scales))
    assert len(scales) == 34  # 16 prompts x (human, model) + 2 practice texts
    assert sum(s == 1.0 for s in scales) >= len(scales) // 2  # most texts at full size


def test_a_text_too_long_for_the_screen_is_set_smaller_and_recorded(window):
    trial = tt.TrialRoutine(ui.Screens(window, "en", ui.SimulatedInput(SDTObserver(1.0, 0.0)), simulated_time=True),
                           tt.Settings(), "en")
    short = trial.layout("Prompt: Say hello.", "Hello there.")
    long_text = " ".join(["A sentence of some length that goes on for a while."] * 40)
    scale = trial.layout("Prompt: " + "A long question? " * 10, long_text)
    assert short == 1.0 and scale < 1.0
    assert trial.text.height == pytest.approx(ui.TEXT_HEIGHT * scale)
    assert _extent(trial.text)[1] >= trial.BOTTOM or scale == trial.SCALES[-1]
