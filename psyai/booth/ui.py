"""The parts that draw and read input: window, screens, keyboard, slider (the session dialog: psyai.booth.dialog).

A participant's key press and a simulated participant's decision enter at one
place: :meth:`Screens.wait_key` and :meth:`Screens.rate` ask an input object
(:class:`KeyboardInput` or :class:`SimulatedInput`) for the answer. Drawing,
flips, response-time origin (the flip that showed the screen) and logging
are the same for both.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass, field
from typing import Callable

from psychopy import core, visual
from psychopy.hardware import keyboard

from psyai.booth import i18n
from psyai.errors import SessionError
from psyai.booth.textlayout import wrap_cjk

log = logging.getLogger(__name__)

TEXT_COLOR = "white"
PROMPT_COLOR = (0.6, 0.8, 1.0)
BG_COLOR = (-0.7, -0.7, -0.7)
TEXT_HEIGHT = 0.032
WRAP = 1.15
# A simulated participant in real time (--realtime) redraws its screen once per 60 Hz frame. Where flip does not
# wait for the display's refresh (Xvfb, a virtual machine) an unpaced loop would redraw as fast as the CPU can,
# taking a core for the whole response time; people's screens are never paced this way (their flips wait).
SIM_FRAME = 1 / 60
# Where this environment variable names a file, each screen that takes keys from a person appends a line to it
# once it keeps the keys pressed from then on (see Screens.listening).
SCREEN_PROBE_ENV = "PSYAI_SCREEN_PROBE"


def set_text(stim, text: str) -> None:
    """Set a TextStim's text, wrapped for Japanese to the stimulus' own wrap width."""
    ems = (stim.wrapWidth or WRAP) / stim.height * 0.96
    stim.text = wrap_cjk(text, ems)


def drawn_height(stim) -> float:
    """The height of a TextStim's text as the font lays it out, in window ("height") units."""
    return float(stim.boundingBox[1]) / stim.win.size[1] if stim.text else 0.0


class RatingScale:
    """A horizontal rating scale: a PsychoPy ``visual.Slider`` (ticks, marker, clicks, RT) whose tick labels
    are ``TextStim``s drawn beside it, at the places the Slider would put its own.

    The Slider's own labels are ``TextBox2``s, which recompute their colour palette on every draw: six
    labels took 13.5 ms a frame against 1.8 ms without them (the two drawn in turn, 60 frames each, in one
    window under Xvfb on a 2-core machine), so a 60 Hz rating screen with text on it could drop frames. The
    two look alike to within 2 pixels (``tests/booth/test_ui.py``).
    ``slider`` is what :meth:`Screens.rate` takes; :meth:`draw` draws the scale with its labels.
    """

    def __init__(self, win: visual.Window, ticks: tuple[int, ...], *, pos: tuple[float, float],
                 size: tuple[float, float], font: str = i18n.FONT, label_height: float = 0.025,
                 color=TEXT_COLOR) -> None:
        self.slider = visual.Slider(win, ticks=ticks, labels=None, granularity=1, style="rating", pos=pos,
                                    size=size, font=font, labelHeight=label_height)
        lo, hi = ticks[0], ticks[-1]
        # the Slider's own layout: centred under each tick, the top (tick length + letter height) / 2 below
        # the line (psychopy.visual.slider: _getLabelParams, paddingVert)
        y = pos[1] - (min(size) + label_height) / 2
        self.labels = [visual.TextStim(win, str(t), font=font, height=label_height, color=color,
                                       pos=(pos[0] - size[0] / 2 + (t - lo) / (hi - lo) * size[0], y),
                                       anchorVert="top", languageStyle="LTR") for t in ticks]

    def draw(self) -> None:
        self.slider.draw()
        for label in self.labels:
            label.draw()


class TextStims:
    """A TextStim per text, each laid out once, for a line of a screen whose text follows the participant's
    keys (a status line, a help line, a header): going back to a text draws the stimulus already laid out.

    Setting a TextStim's text lays it out again with pyglet, 7-20 ms a time for a line of CJK-capable text on
    a 2-core machine; a ranking screen changed three such lines on most key presses, which is latency
    between the key and the next frame for a person, and most of a simulated ranker's time. ``make()``
    builds a stimulus with the line's place and style; :meth:`get` gives the one showing ``text``. The
    ``maxsize`` texts most recently asked for are kept.
    """

    def __init__(self, make: Callable[[], visual.TextStim], maxsize: int = 64) -> None:
        self.make = make
        self.maxsize = maxsize
        self._stims: dict[str, visual.TextStim] = {}

    def get(self, text: str) -> visual.TextStim:
        stim = self._stims.pop(text, None)
        if stim is None:
            stim = self.make()
            stim.text = text
            if len(self._stims) >= self.maxsize:
                self._stims.pop(next(iter(self._stims)))
        self._stims[text] = stim  # the most recent last
        return stim


class Quit(Exception):
    """The participant pressed Escape and confirmed: end the session, keep the data."""


@dataclass
class KeyResponse:
    key: str
    rt: float  # seconds from the flip that showed the screen
    refused: list[str] = field(default_factory=list)  # keys pressed before it that the screen does not take


def require_font(font: str = i18n.FONT) -> None:
    """Refuse to start if the CJK font is missing (Japanese would render as empty boxes)."""
    import pyglet.font

    if not pyglet.font.have_font(font):
        raise SessionError(f"font {font!r} is not installed; install it (Debian: apt-get install fonts-noto-cjk) and start again")


def make_window(*, windowed: bool, simulated: bool) -> visual.Window:
    """The experiment window: full screen in the lab, windowed for --windowed/--pilot/simulations."""
    win = visual.Window(
        size=(1024, 640) if (windowed or simulated) else (1280, 800), fullscr=not (windowed or simulated),
        units="height", color=BG_COLOR, winType="pyglet", allowGUI=windowed or simulated,
        checkTiming=False,  # measured by measure_frame_rate, with a message in the session's language
    )
    win.mouseVisible = False
    return win


def measure_frame_rate(win: visual.Window, simulated: bool, lang: str = "en") -> float | None:
    """The screen's refresh rate, measured while a "preparing the screen" message in the session's language
    is up (PsychoPy's own message is English only, in a font without Japanese). As PsychoPy Builder's
    scripts do, the window then knows its frame period."""
    if simulated:
        return None
    note = visual.TextStim(win, i18n.text("measuring_screen", lang), font=i18n.FONT, height=TEXT_HEIGHT,
                           color=TEXT_COLOR, wrapWidth=WRAP, autoDraw=True)
    try:
        rate = win.getActualFrameRate(nIdentical=10, nMaxFrames=120, nWarmUpFrames=10, threshold=1, infoMsg="")
    finally:
        note.autoDraw = False
    if not rate:
        return None
    win._monitorFrameRate = float(rate)  # as Builder's generated scripts set it
    win.monitorFramePeriod = 1.0 / float(rate)
    win.refreshThreshold = win.monitorFramePeriod * 1.2
    return round(float(rate), 3)


def take_keyboard_back(win: visual.Window) -> None:
    """After a window of another program part (the Qt editor) had the keyboard: the session's window takes it
    back (a window manager may have given it to another window) and forgets which keys it saw go down.

    pyglet counts a key as held from its press to its release and takes a press of a held key for
    auto-repeat, which is no key press. A person's E, which opens the editor, lasts ~0.1 s: the editor often
    has the keyboard before E goes up, the release goes there, and the window would ignore the next E. Held
    longer than 0.66 s, E auto-repeats to the window until the editor has the keyboard: those queued
    presses are dispatched first (a screen's ``start`` then clears them), or each would mark E held again.
    Keys held across the editor are unknown. (psychtoolbox, the lab's default, reads keys elsewhere; the
    ``event`` backend reads pyglet's.)"""
    handle = win.winHandle
    try:
        handle.dispatch_events()
    except Exception as err:  # noqa: BLE001 - a backend without it: nothing queued to go
        log.debug("no events to dispatch (%s)", err)
    held = getattr(handle, "pressed_keys", None)
    if held is not None:
        held.clear()
    try:
        handle.activate()
    except Exception as err:  # noqa: BLE001 - a window system that will not: the participant clicks it
        log.warning("could not give the keyboard back to the window (%s)", err)


class KeyboardInput:
    """A person: PsychoPy's Keyboard (psychtoolbox by default) and the mouse.

    With ``backend="event"`` keys are read with ``psychopy.event.getKeys``
    directly: PsychoPy 2026.2's Keyboard wraps that backend's timestamped
    keys as names (``[['f', 1.2]]``), so its ``keyList`` never matches.
    """

    simulated = False

    def __init__(self, win: visual.Window, backend: str) -> None:
        from psychopy import event

        self.backend = backend
        self._pending: list[KeyResponse] = []  # keys read from the buffer that a poll has not returned yet
        self.mouse = event.Mouse(win=win)
        if backend == "event":
            self._event = event
            self.clock = core.Clock()
        else:
            self.kb = keyboard.Keyboard(backend=backend)
            self.clock = self.kb.clock

    def start(self, win: visual.Window) -> None:
        self._pending = []
        if self.backend == "event":
            self._event.clearEvents("keyboard")
        else:
            self.kb.clearEvents()
        win.callOnFlip(self.clock.reset)

    def poll(self, keys: list[str] | None) -> KeyResponse | None:
        """The first of ``keys`` pressed since the last poll (None: any key), or None. Keys that arrive together
        (two presses within one frame: a refused key, then the right one) come back one per poll, in the order
        they were pressed: reading the buffer empties it, and the second would otherwise be lost."""
        if not self._pending:
            if self.backend == "event":
                got = [KeyResponse(name, float(t)) for name, t in
                       self._event.getKeys(keyList=keys, timeStamped=self.clock)]
            else:
                got = [KeyResponse(k.name, float(k.rt)) for k in self.kb.getKeys(keyList=keys, waitRelease=False)]
            self._pending = got
        while self._pending:
            resp = self._pending.pop(0)
            if keys is None or resp.key in keys:
                return resp
        return None


class SimulatedInput:
    """A simulated participant: answers as soon as the screen is up, with a drawn response time.

    In simulated time the drawn RT is recorded but not waited out; with
    ``realtime=True`` the screen stays up (redrawn every :data:`SIM_FRAME`) until the RT has passed.
    """

    simulated = True

    def __init__(self, observer, realtime: bool = False) -> None:
        self.observer = observer
        self.realtime = realtime
        self.clock = core.Clock()

    def start(self, win: visual.Window) -> None:
        win.callOnFlip(self.clock.reset)

    def decide(self, context: dict, keys: list[str]) -> KeyResponse:
        """The key the simulated participant presses on this screen.

        Screens every experiment has (consent, comprehension check, choices,
        "press space") are answered here; the experiment's own screens by the
        observer's ``decide(context, keys) -> (key, rt)``.
        """
        kind = context.get("kind", "continue")
        obs = self.observer
        if kind == "consent":
            return KeyResponse("y", obs.quick_rt())
        if kind == "comprehension":
            wrong = [k for k in keys if k != context["correct"]]
            key = context["correct"] if obs.passes_comprehension() else wrong[0]
            return KeyResponse(key, obs.quick_rt())
        if kind == "choice":
            return KeyResponse(keys[int(obs.rng_.integers(len(keys)))], obs.quick_rt())
        if kind == "continue":
            return KeyResponse(keys[0], obs.quick_rt())
        key, rt = obs.decide(context, keys)
        return KeyResponse(key, rt)


class Screens:
    """Screens of a session, drawn in one window in one language."""

    def __init__(self, win: visual.Window, lang: str, source, simulated_time: bool) -> None:
        self.win = win
        self.lang = lang
        self.input = source
        self.simulated_time = simulated_time
        self._n_listening = 0  # screens that announced they listen (see listening)
        self.message = visual.TextStim(win, text="", font=i18n.FONT, height=TEXT_HEIGHT, wrapWidth=WRAP,
                                       color=TEXT_COLOR, languageStyle="LTR")
        self.fixation = visual.TextStim(win, text="+", font=i18n.FONT, height=0.06, color=TEXT_COLOR)
        self.hint = visual.TextStim(win, text="", font=i18n.FONT, height=TEXT_HEIGHT * 0.9, wrapWidth=WRAP,
                                    color=PROMPT_COLOR, pos=(0, -0.42), languageStyle="LTR")

    def t(self, key: str, **fields) -> str:
        return i18n.text(key, self.lang, **fields)

    # -- input -------------------------------------------------------------
    def wait_key(self, draw: Callable[[], None], keys: list[str], context: dict | None = None,
                 allow_escape: bool = True, hint: str | None = None) -> KeyResponse:
        """Show a screen and return the first of ``keys`` pressed, RT from the flip that showed it.

        With ``hint``, a key the screen does not take brings up ``hint`` at the bottom of the
        screen (which keys it does take), and the response lists such keys in ``refused``.
        """
        context = context or {}
        src = self.input
        src.start(self.win)
        draw()
        self.win.flip()
        if src.simulated:
            return self._simulated(draw, keys, context)
        self.listening(context)
        listen = keys + (["escape"] if allow_escape else [])
        refused: list[str] = []
        if hint:
            set_text(self.hint, hint)

        def screen() -> None:
            draw()
            if refused:
                self.hint.draw()

        while True:
            resp = src.poll(None if hint else listen)
            if resp is not None and resp.key not in listen:
                refused.append(resp.key)
            elif resp is not None and resp.key == "escape":
                self.confirm_quit(context)
            elif resp is not None:
                resp.refused = refused
                return resp
            screen()
            self.win.flip()

    def listening(self, context: dict) -> None:
        """Say, where :data:`SCREEN_PROBE_ENV` names a file, that the screen on show keeps every key pressed from
        now on: its old keys are cleared and its first flip is done. One JSON line (``n``, this process'
        count of such screens; ``kind``, the screen's context kind). A program that drives the booth (the
        window tests, a lab checking its set-up with a key robot) presses when the line is there instead of
        guessing with pauses; on a loaded machine a key pressed before a screen listens is cleared with
        its old events."""
        path = os.environ.get(SCREEN_PROBE_ENV)
        if not path:
            return
        self._n_listening += 1
        with open(path, "a", encoding="utf-8") as f:
            f.write(json.dumps({"n": self._n_listening, "kind": context.get("kind", "continue")}) + "\n")

    def _simulated(self, draw: Callable[[], None], keys: list[str], context: dict) -> KeyResponse:
        """The simulated participant's answer; in real time the screen stays up until its RT has passed."""
        src = self.input
        resp = src.decide(context, keys)
        if src.realtime:
            while (left := resp.rt - src.clock.getTime()) > 0:
                draw()
                self.win.flip()
                self._pace(left)
        return resp

    def _pace(self, left: float) -> None:
        """After a flip in a simulated participant's real time: wait out the rest of the frame (at most ``left``
        seconds), so that the loop does not redraw as fast as the CPU allows where flips do not wait. In simulated
        time nothing waits (its one frame of a timed screen is not paced either)."""
        if self.input.simulated and not self.simulated_time:
            core.wait(min(SIM_FRAME, max(left, 0.0)), hogCPUperiod=0)

    def wait_click(self, draw: Callable[[], None], regions: list[tuple[float, float, float, float]],
                   keys: list[str], context: dict) -> KeyResponse:
        """A click on one of ``regions`` (x0, y0, x1, y1 in window units) or one of ``keys``.

        A click comes back as the key ``click:<index>``; the RT runs from the
        flip that showed the screen. A simulated participant answers the same
        way through its observer.
        """
        src = self.input
        src.start(self.win)
        draw()
        self.win.flip()
        if src.simulated:
            return self._simulated(draw, keys, context)
        mouse = src.mouse
        was_down = bool(mouse.getPressed()[0])
        self.listening(context)  # after the button's state is read: a press from here on is a click
        self.win.mouseVisible = True
        try:
            while True:
                down = bool(mouse.getPressed()[0])
                if down and not was_down:
                    x, y = mouse.getPos()
                    for i, (x0, y0, x1, y1) in enumerate(regions):
                        if x0 <= x <= x1 and y0 <= y <= y1:
                            return KeyResponse(f"click:{i}", float(src.clock.getTime()))
                was_down = down
                resp = src.poll(keys + ["escape"])
                if resp is not None and resp.key == "escape":
                    self.confirm_quit(context)
                elif resp is not None:
                    return resp
                draw()
                self.win.flip()
        finally:
            self.win.mouseVisible = False

    def confirm_quit(self, context: dict | None = None) -> None:
        """Escape: ask; 'y' raises :class:`Quit`, 'n' returns to the screen (``context``: the interrupted
        screen's, which says again that it listens).

        The question resets the response clock to its own onset; on 'n' the clock is set back to the
        time since the interrupted screen's onset, so its RT still counts from there.
        """
        clock = self.input.clock
        since_onset, asked = clock.getTime(), core.getTime()
        resp = self.show_message(self.t("quit_confirm"), keys=["y", "n"], allow_escape=False)
        if resp.key == "y":
            raise Quit()
        clock.reset(-(since_onset + (core.getTime() - asked)))  # Clock.reset(t) makes the clock read -t
        self.listening(context or {})

    def show_message(self, text: str, keys: list[str] | None = None, context: dict | None = None,
                     allow_escape: bool = True, hint: str | None = None) -> KeyResponse:
        set_text(self.message, text)
        self.message.pos = (0, 0)
        return self.wait_key(self.message.draw, keys or ["space"], context, allow_escape, hint)

    def show_for(self, text: str, seconds: float) -> float:
        """``text`` for ``seconds`` (none in simulated time), taking no key; returns the seconds it was up."""
        set_text(self.message, text)
        self.message.pos = (0, 0)
        clock = core.Clock()
        self.message.draw()
        self.win.flip()
        clock.reset()
        while not self.simulated_time and (left := seconds - clock.getTime()) > 0:
            self.message.draw()
            self.win.flip()
            self._pace(left)
        return clock.getTime() if not self.simulated_time else 0.0

    def show_frames(self, stims: list, n_frames: int) -> None:
        """Show ``stims`` for ``n_frames`` screen refreshes (one frame in simulated time)."""
        for _ in range(1 if self.simulated_time else n_frames):
            for s in stims:
                s.draw()
            self.win.flip()
            self._pace(SIM_FRAME)

    def rate(self, slider: visual.Slider, draw: Callable[[], None], context: dict) -> KeyResponse:
        """A rating on ``slider``: a mouse click on it or a number key; RT from the flip that showed it."""
        ticks = [str(int(t)) for t in slider.ticks]
        slider.reset()
        src = self.input
        if src.simulated:
            resp = self.wait_key(draw, ticks, context, allow_escape=False)
            slider.rating = int(resp.key)
            draw()
            self.win.flip()
            return resp
        self.win.mouseVisible = True
        try:
            src.start(self.win)
            draw()
            self.win.flip()
            self.listening(context)
            while True:
                if slider.getRating() is not None:
                    return KeyResponse(str(int(slider.getRating())), float(slider.getRT()))
                resp = src.poll(ticks + ["escape"])
                if resp is not None and resp.key == "escape":
                    self.confirm_quit(context)
                elif resp is not None:
                    slider.rating = int(resp.key)
                    return resp
                draw()
                self.win.flip()
        finally:
            self.win.mouseVisible = False
