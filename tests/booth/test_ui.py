"""Screens in a real window: Japanese glyphs, the lab keyboard backend, simulated input."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time

import numpy as np
import pytest

from psyai.booth import i18n
from psyai.errors import SessionError


@pytest.fixture(scope="module")
def win():
    from psyai.booth import ui

    w = ui.make_window(windowed=True, simulated=True)
    yield w
    w.close()


def render(win, text: str, font: str = i18n.FONT) -> np.ndarray:
    from psychopy import visual

    stim = visual.TextStim(win, text, font=font, height=0.1, color="white")
    win.clearBuffer()
    stim.draw()
    win.getMovieFrame(buffer="back")
    frame = np.asarray(win.movieFrames.pop().convert("L"), dtype=float)
    return frame


def test_japanese_is_drawn_with_real_glyphs(win):
    ja = render(win, "日本語")
    boxes = render(win, "\u25a1\u25a1\u25a1")  # what missing glyphs ("tofu") look like
    ink = ja > ja.max() * 0.5
    assert ink.sum() > 500  # something was drawn
    # distinct glyphs differ from each other and from boxes
    assert np.abs(ja - boxes).mean() > 1.0
    thirds = np.array_split(np.where(ink.any(axis=0))[0], 3)
    cols = [ink[:, t].sum() for t in thirds]
    assert len(set(cols)) == 3


def test_missing_font_is_refused():
    from psyai.booth import ui

    ui.require_font(i18n.FONT)
    with pytest.raises(SessionError, match="font 'No Such Font 123' is not installed"):
        ui.require_font("No Such Font 123")


def test_lab_keyboard_backend_opens():
    """psychtoolbox is the default backend in the lab; it must at least start on this machine.

    In a subprocess: psychtoolbox keeps its own X connection open until the
    interpreter exits, which must happen while the X server still runs.
    """
    code = (
        "from psyai.booth import ui\n"
        "win = ui.make_window(windowed=True, simulated=True)\n"
        "source = ui.KeyboardInput(win, 'ptb')\n"
        "source.start(win); win.flip()\n"
        "assert source.poll(['f', 'j']) is None\n"
        "print('backend', source.kb.getBackend())\n"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr[-2000:]
    assert "backend ptb" in res.stdout


def test_two_keys_pressed_within_one_frame_both_reach_the_screen(win):
    """A key the screen refuses and the right one, pressed between two flips, are in PsychoPy's buffer together:
    reading it empties it, and the right key must not go with the refused one (a person pressing F then
    Return quickly had their Return ignored and waited)."""
    from psychopy import event

    from psyai.booth import ui

    source = ui.KeyboardInput(win, "event")
    source.start(win)
    win.flip()
    for key in ("x", "return"):  # PsychoPy's own emulation: the same buffer a key press from pyglet goes to
        event._onPygletKey(key, 0, emulated=True)
    assert [source.poll(None).key, source.poll(None).key, source.poll(None)] == ["x", "return", None]
    for key in ("x", "return", "f"):
        event._onPygletKey(key, 0, emulated=True)
    assert source.poll(["return", "f"]).key == "return"  # the buffer read with the keys the screen takes
    assert source.poll(["return", "f"]).key == "f" and source.poll(["return", "f"]) is None
    assert source.poll(None).key == "x" and source.poll(None) is None  # PsychoPy keeps keys a keyList leaves out
    screens = ui.Screens(win, "en", source, simulated_time=False)
    for key in ("x", "return"):
        win.callOnFlip(event._onPygletKey, key, 0, emulated=True)  # both arrive before the screen's first poll
    resp = screens.wait_key(lambda: None, ["return"], {"kind": "continue"}, hint="Return")
    assert resp.key == "return" and resp.refused == ["x"]


STAND_IN_EDITOR = """
import time, pyglet
w = pyglet.window.Window(300, 100, caption="editor stand-in")
for _ in range(2400):
    w.dispatch_events()
    time.sleep(0.05)
"""


@pytest.mark.skipif(shutil.which("xdotool") is None, reason="xdotool missing: run `make test`")
def test_after_the_editor_the_window_takes_the_key_that_opened_it_again(win):
    """E held down opens the editor, auto-repeats to the window until the editor has the keyboard, and goes up
    in the editor. Back in the window, the next E is a key press (pyglet would take it for auto-repeat of an
    E it believes still held). Real keys through the X server; a window of another process stands in for
    the Qt editor (one in this process would take the GL context from under PsychoPy's window)."""
    from psyai.booth import ui

    def xdo(*args: str) -> None:
        subprocess.run(["xdotool", *args], check=True, timeout=30)

    def key_within(source, seconds: float) -> str | None:
        end = time.time() + seconds
        while time.time() < end:
            win.flip()
            if (resp := source.poll(["e"])) is not None:
                return resp.key
        return None

    wid = str(win.winHandle._window)
    source = ui.KeyboardInput(win, "event")
    xdo("windowfocus", "--sync", wid)
    source.start(win)
    win.flip()
    xdo("keydown", "e")
    try:
        assert key_within(source, 20) == "e"  # the press that opens the editor
        editor = subprocess.Popen([sys.executable, "-c", STAND_IN_EDITOR])
        time.sleep(1.0)  # the editor is slow to open: X auto-repeats E to the window from 0.66 s on
        found = subprocess.run(["xdotool", "search", "--sync", "--onlyvisible", "--name", "^editor stand-in$"],
                               capture_output=True, text=True, timeout=120).stdout.split()
        xdo("windowfocus", "--sync", found[0])
    finally:
        xdo("keyup", "e")  # E goes up in the editor
    editor.kill()
    editor.wait(timeout=30)
    ui.take_keyboard_back(win)
    source.start(win)  # the next screen: what came before it is cleared
    win.flip()
    xdo("windowfocus", "--sync", wid)
    xdo("key", "e")
    assert key_within(source, 20) == "e"


def test_simulated_rating_sets_the_slider(win):
    from psychopy import visual

    from psyai.booth import ui
    from psyai.participants.observers import SDTObserver

    source = ui.SimulatedInput(SDTObserver(dprime=2.0, criterion=0.0, seed=1))
    screens = ui.Screens(win, "ja", source, simulated_time=True)
    slider = visual.Slider(win, ticks=(1, 2, 3, 4, 5, 6), granularity=1)
    item = {"item_id": "x", "source": "model"}
    key = screens.wait_key(lambda: None, ["f", "j"], {"kind": "judge", "item": item, "keymap": {"human": "f", "model": "j"}})
    conf = screens.rate(slider, slider.draw, {"kind": "rate"})
    assert key.key in ("f", "j") and key.rt == source.observer.last_.rt
    assert slider.getRating() == int(conf.key) == source.observer.last_.confidence


def test_the_rating_scale_looks_like_psychopys_labelled_slider_without_its_textboxes(win):
    from psychopy import visual

    from psyai.booth import ui

    ticks, pos, size = (1, 2, 3, 4, 5, 6), (0, -0.34), (0.7, 0.03)
    theirs = visual.Slider(win, ticks=ticks, labels=[str(t) for t in ticks], granularity=1, style="rating", pos=pos,
                           size=size, font=i18n.FONT, labelHeight=0.025)
    ours = ui.RatingScale(win, ticks, pos=pos, size=size, label_height=0.025)
    assert ours.slider.labelObjs == []  # no TextBox2 redrawn every frame
    theirs.rating = ours.slider.rating = 4  # the marker too

    def bright(scale) -> np.ndarray:
        win.clearBuffer()
        scale.draw()
        win.getMovieFrame(buffer="back")
        return np.asarray(win.movieFrames.pop().convert("L"), dtype=float) > 100

    a, b = bright(theirs), bright(ours)
    box = lambda m: (*np.where(m.any(axis=1))[0][[0, -1]], *np.where(m.any(axis=0))[0][[0, -1]])  # noqa: E731
    assert np.allclose(box(a), box(b), atol=2), (box(a), box(b))  # line, ticks and labels within 2 pixels
    rows = np.where(a.any(axis=1))[0]
    labels = slice(rows[-1] - 12, rows[-1] + 1)  # the digits' band, below the ticks
    cols_a, cols_b = (np.where(m[labels].any(axis=0))[0] for m in (a, b))
    assert len(cols_a) > 30 and abs(len(cols_a) - len(cols_b)) <= 6  # six digits each, the same widths
    assert np.abs(cols_a[:, None] - cols_b[None, :]).min(axis=1).max() <= 2  # at the same places
    assert abs(int(a.sum()) - int(b.sum())) < 0.05 * a.sum()


def test_a_simulated_participant_in_real_time_redraws_once_a_frame_for_its_whole_rt(win):
    """--realtime keeps the screen up for the drawn RT, redrawn at 60 Hz: under Xvfb a flip does not wait for a
    refresh, and an unpaced loop redrew thousands of times a second, taking a core for every simulated RT."""
    from psyai.booth import ui

    class Slow:  # presses "f" after 0.4 s
        def decide(self, context, keys):
            return "f", 0.4

    screens = ui.Screens(win, "en", ui.SimulatedInput(Slow(), realtime=True), simulated_time=False)
    draws: list[float] = []
    start = ui.core.getTime()
    resp = screens.wait_key(lambda: draws.append(ui.core.getTime()), ["f"], {"kind": "judge"})
    elapsed = ui.core.getTime() - start
    assert resp.key == "f" and resp.rt == 0.4
    assert elapsed >= 0.4  # the RT was waited out
    assert len(draws) <= 0.4 * 60 + 3  # once a frame (the first screen, then one draw per 1/60 s at most)
    assert len(draws) >= 5  # and the screen was kept up, not drawn once


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_frame_rate_is_measured_behind_a_message_in_the_session_language(win, lang):
    """PsychoPy's own 'Attempting to measure frame rate…' showed in English (in a font without Japanese) in
    every session: what is on screen while the rate is measured is our message, in the session's language.
    Each frame is read from the back buffer just before the swap that shows it."""
    from psychopy import visual

    from psyai.booth import ui

    def grab() -> np.ndarray:
        win.getMovieFrame(buffer="back")
        return np.asarray(win.movieFrames.pop().convert("L"), dtype=float)

    shown: list[np.ndarray] = []
    swap = win.backend.swapBuffers

    def look_then_swap(*args, **kwargs):  # the real swap, after a look at what it will show
        if len(shown) < 3:
            shown.append(grab())
        return swap(*args, **kwargs)

    win.backend.swapBuffers = look_then_swap
    try:
        rate = ui.measure_frame_rate(win, simulated=False, lang=lang)
    finally:
        del win.backend.swapBuffers  # the instance attribute goes; the method is back
    assert rate is None or 20 < rate < 1000
    if rate:
        assert win.monitorFramePeriod == pytest.approx(1 / rate, rel=1e-3)

    def drawn(stim) -> np.ndarray:
        win.clearBuffer()
        stim.draw()
        frame = grab()
        win.clearBuffer()
        return frame

    ours = drawn(visual.TextStim(win, i18n.text("measuring_screen", lang), font=i18n.FONT, height=ui.TEXT_HEIGHT,
                                 color=ui.TEXT_COLOR, wrapWidth=ui.WRAP))
    psychopys = drawn(visual.TextBox2(win, "Attempting to measure frame rate of screen, please wait ...",
                                      units="norm", size=(2, 2), alignment="center", letterHeight=0.1))
    background = np.median(ours)
    ink = lambda frame: np.abs(frame - background) > 20  # noqa: E731 - text pixels
    assert len(shown) == 3 and ink(ours).sum() > 500
    for frame in shown:
        assert (ink(frame) == ink(ours)).mean() > 0.999  # our message, and nothing else
        assert (ink(frame) & ink(psychopys)).sum() < 0.5 * ink(psychopys).sum()  # not PsychoPy's


class ScriptedKeys:
    """A keyboard that presses the given keys, one per poll once the screen is up (the input the screen reads)."""

    simulated = False

    def __init__(self, keys: list[str]) -> None:
        from psychopy import core

        self.keys, self.clock = list(keys), core.Clock()

    def start(self, win) -> None:
        win.callOnFlip(self.clock.reset)

    def poll(self, keys):
        from psyai.booth.ui import KeyResponse

        if not self.keys:
            return None
        key = self.keys.pop(0)
        return KeyResponse(key, self.clock.getTime()) if keys is None or key in keys else None


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_a_key_the_screen_does_not_take_brings_up_the_keys_it_does(win, lang):
    from psyai.booth import ui

    frames: list[np.ndarray] = []
    swap = win.backend.swapBuffers

    def look_then_swap(*args, **kwargs):
        win.getMovieFrame(buffer="back")
        frames.append(np.asarray(win.movieFrames.pop().convert("L"), dtype=float))
        return swap(*args, **kwargs)

    screens = ui.Screens(win, lang, ScriptedKeys(["j", "x", "2"]), simulated_time=False)
    win.backend.swapBuffers = look_then_swap
    try:
        resp = screens.show_message("check", keys=["1", "2", "3"], hint=screens.t("keys_hint", keys="1, 2, 3"))
    finally:
        del win.backend.swapBuffers
    assert (resp.key, resp.refused) == ("2", ["j", "x"])
    bottom = slice(int(0.85 * frames[0].shape[0]), None)  # the hint's band, below the message
    background = np.median(frames[0])
    ink = [int((np.abs(f[bottom] - background) > 20).sum()) for f in frames]
    assert ink[0] == 0 and ink[-1] > 300  # nothing there at first; the hint once a wrong key came
    # without a hint the screen ignores other keys silently, as before
    resp = ui.Screens(win, lang, ScriptedKeys(["j", "2"]), simulated_time=False).show_message("x", keys=["2"])
    assert (resp.key, resp.refused) == ("2", [])


def test_text_stims_lay_each_text_out_once_and_keep_the_most_recent(win):
    from psychopy import visual

    from psyai.booth import ui

    made = []

    def make():
        made.append(visual.TextStim(win, "", font=i18n.FONT, height=0.03, autoLog=False))
        return made[-1]

    lines = ui.TextStims(make, maxsize=2)
    a = lines.get("有用性：5")
    assert a.text == "有用性：5" and lines.get("有用性：5") is a and len(made) == 1  # back to a text: no new layout
    b = lines.get("有用性：6")
    assert b is not a and b.text == "有用性：6"
    lines.get("有用性：5")  # the most recent again, so 6 is the oldest of the two
    lines.get("有用性：7")  # a third text: the oldest (6) goes
    assert lines.get("有用性：5") is a and len(made) == 3
    assert lines.get("有用性：6") is not b and len(made) == 4
