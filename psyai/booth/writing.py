"""The demonstrations task's screens: read a prompt, write the answer you would want, revise, confirm.

The PsychoPy window shows the prompt and the current draft; the draft itself is
typed in a **Qt text editor** (:class:`QtEditor`, a multi-line ``QPlainTextEdit``
in a dialog that also shows the prompt), opened with E and pre-filled with the
draft. Why Qt and not PsychoPy's editable ``visual.TextBox2``: TextBox2 gets its
characters from pyglet's ``on_text`` event (``psychopy/visual/backends/
pygletbackend.py``: ``onText`` → ``TextBox2._onText(chr)``, one committed character
at a time, with no composition string), and pyglet 1.5 opens its X input context
with ``XIMPreeditNothing`` — so a Japanese input method (IBus/Fcitx/Mozc on Linux)
has nowhere to show the word being composed, and candidate selection does not work
reliably; on Windows pyglet reads ``WM_CHAR`` only, and on macOS its text view has
no marked text (``insertText_`` only), so MS-IME and the macOS Japanese input show
no composition where the participant types either. Qt widgets receive IME input
natively on all three systems (``QInputMethodEvent``: preedit shown in place,
commits as text), which is what PsychoPy's own dialogs (``psychopy.gui``) use.

Qt and the pyglet window share the process, as PsychoPy's dialogs do. Qt does not
fail politely (a missing platform plugin aborts the process), so whether it can open
is tried first in a child process (:func:`psyai.booth.dialog.gui_problem`) before the
session's window opens; where it cannot, the experiment falls back to an in-window
editor (:class:`WindowEditor`, TextBox2: typed characters work, IME composition may
not) and says so in the session header (``settings.editor``).

Keystrokes: the editor counts the key presses that reach it (every key, Backspace
and arrows included, from ``QEvent.KeyPress``) and, separately, the commits of an
input method (``QInputMethodEvent.commitString``; with an IME the key presses go to
the IME, so a Japanese answer typed with Mozc shows few key presses and many commits).

A simulated writer (:class:`psyai.participants.writers.WriterAgent`) plugs in where
the editor returns its text (:meth:`WritingScreens.edit` asks the input object), and
where the window reads E and Enter (:meth:`psyai.booth.ui.Screens.wait_key`).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

from psyai.booth import i18n

log = logging.getLogger(__name__)


@dataclass
class Edit:
    """One visit to the editor: the text it closed with and what it took."""

    text: str
    seconds: float                 # from the editor opening to it closing
    n_keys: int = 0                # key presses that reached the editor
    n_ime_commits: int = 0         # input-method commits (composed text handed to the editor)
    accepted: bool = True          # False: closed with Cancel/Escape (the draft before it stays)


@dataclass
class WritingState:
    """What the participant has done so far in one demonstration trial."""

    draft: str = ""
    edits: list[Edit] = field(default_factory=list)
    drafts: list[str] = field(default_factory=list)   # every accepted draft, in order (the revision history)
    n_revisions: int = 0       # accepted edits that changed an existing non-empty draft
    length_refusals: int = 0   # Enter pressed with a draft outside the length limits
    refusal: str = ""          # the refusal on screen now ("" when none)

    @property
    def n_keys(self) -> int:
        return sum(e.n_keys for e in self.edits)

    @property
    def n_ime_commits(self) -> int:
        return sum(e.n_ime_commits for e in self.edits)

    def apply(self, edit: Edit) -> None:
        """Take an editor visit: an accepted, changed text becomes the draft (a revision if one existed)."""
        self.edits.append(edit)
        text = clean_answer(edit.text)
        if not edit.accepted or text == self.draft:
            return
        if self.draft:
            self.n_revisions += 1
        self.draft = text
        self.drafts.append(text)
        self.refusal = ""


def clean_answer(text: str) -> str:
    """The answer as stored: line ends as ``\\n``, leading and trailing white space removed."""
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2029", "\n").strip()


def length_problem(text: str, min_chars: int, max_chars: int) -> tuple[str, dict] | None:
    """``(i18n key, fields)`` of the refusal when ``text`` is outside the limits, else None.
    Characters are Unicode code points of the cleaned answer (a kanji or a letter counts 1)."""
    n = len(clean_answer(text))
    if n == 0:
        return "demo_empty", {}
    if n < min_chars:
        return "demo_too_short", {"n": n, "min_chars": min_chars}
    if n > max_chars:
        return "demo_too_long", {"n": n, "max_chars": max_chars}
    return None


# -- the Qt editor ----------------------------------------------------------------------------------------


def qt_modules():
    """``(QtCore, QtGui, QtWidgets, Qt)`` of the Qt binding PsychoPy's dialogs use (PyQt6, else PyQt5)."""
    import importlib

    from psychopy.gui.qtgui import QtWidgets

    package = QtWidgets.__name__.rsplit(".", 1)[0]
    core = importlib.import_module(f"{package}.QtCore")
    return core, importlib.import_module(f"{package}.QtGui"), QtWidgets, core.Qt


class QtEditor:
    """A modal Qt dialog: the prompt (read only), a multi-line editor pre-filled with the draft, a live
    character count with the limits, Done (Ctrl+Enter) and Cancel (Escape). Runs in the session's process,
    in PsychoPy's QApplication; stays on top of the (full-screen) window and takes the keyboard focus."""

    name = "qt"

    def __init__(self, lang: str, min_chars: int, max_chars: int, font: str = i18n.FONT) -> None:
        self.lang = lang
        self.min_chars = min_chars
        self.max_chars = max_chars
        self.font = font

    def edit(self, prompt: str, draft: str) -> Edit:
        from psychopy.gui import qtgui

        QtCore, QtGui, QtWidgets, Qt = qt_modules()
        qtgui.ensureQtApp()
        t = lambda key, **f: i18n.text(key, self.lang, **f)  # noqa: E731
        dlg = QtWidgets.QDialog(None)
        dlg.setWindowTitle(t("demo_editor_title"))
        dlg.setWindowFlags(Qt.WindowType.Dialog | Qt.WindowType.WindowStaysOnTopHint)
        dlg.setFont(QtGui.QFont(self.font, 13))
        layout = QtWidgets.QVBoxLayout(dlg)
        shown = QtWidgets.QLabel(t("demo_editor_prompt") + "\n" + prompt)
        shown.setWordWrap(True)
        shown.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(shown)
        box = QtWidgets.QPlainTextEdit()
        box.setObjectName("psyai-answer")
        box.setPlainText(draft)
        box.setTabChangesFocus(True)
        box.setMinimumSize(720, 300)
        box.setAttribute(Qt.WidgetAttribute.WA_InputMethodEnabled, True)
        layout.addWidget(box)
        count = QtWidgets.QLabel()
        layout.addWidget(count)
        buttons = QtWidgets.QDialogButtonBox()
        done = buttons.addButton(t("demo_editor_done"), QtWidgets.QDialogButtonBox.ButtonRole.AcceptRole)
        cancel = buttons.addButton(t("demo_editor_cancel"), QtWidgets.QDialogButtonBox.ButtonRole.RejectRole)
        done.setAutoDefault(False)
        cancel.setAutoDefault(False)
        done.clicked.connect(dlg.accept)
        cancel.clicked.connect(dlg.reject)
        layout.addWidget(buttons)
        shortcut = getattr(QtGui, "QShortcut", None) or QtWidgets.QShortcut  # Qt 6 / Qt 5
        for seq in ("Ctrl+Return", "Ctrl+Enter"):
            shortcut(QtGui.QKeySequence(seq), dlg, activated=dlg.accept)

        def update_count() -> None:
            n = len(clean_answer(box.toPlainText()))
            ok = self.min_chars <= n <= self.max_chars
            count.setText(t("demo_editor_count", n=n, min_chars=self.min_chars, max_chars=self.max_chars))
            count.setStyleSheet("" if ok else "color: #b00020;")

        box.textChanged.connect(update_count)
        update_count()
        counter = _KeyCounter(box)
        box.installEventFilter(counter)
        box.moveCursor(QtGui.QTextCursor.MoveOperation.End)
        dlg.show()
        dlg.raise_()
        dlg.activateWindow()
        box.setFocus()
        start = time.perf_counter()
        accepted = dlg.exec() == QtWidgets.QDialog.DialogCode.Accepted
        seconds = time.perf_counter() - start
        text = box.toPlainText()
        dlg.deleteLater()
        QtWidgets.QApplication.processEvents()
        return Edit(text=text, seconds=round(seconds, 3), n_keys=counter.keys, n_ime_commits=counter.commits,
                    accepted=accepted)


def _KeyCounter(box):
    """A Qt event filter on ``box`` counting key presses and input-method commits (a factory, so Qt is
    imported only when an editor opens). Modifier keys on their own (Shift, Ctrl …) and the closing
    Ctrl+Enter are not counted; auto-repeats of a held key are not either."""
    QtCore, _gui, _widgets, Qt = qt_modules()
    MODIFIER_KEYS = {Qt.Key.Key_Shift, Qt.Key.Key_Control, Qt.Key.Key_Alt, Qt.Key.Key_Meta, Qt.Key.Key_AltGr,
                     Qt.Key.Key_CapsLock, Qt.Key.Key_Super_L, Qt.Key.Key_Super_R}

    class Counter(QtCore.QObject):
        def __init__(self, parent) -> None:
            super().__init__(parent)
            self.keys = 0
            self.commits = 0

        def eventFilter(self, obj, event) -> bool:  # noqa: N802 (Qt's name)
            kind = event.type()
            if kind == QtCore.QEvent.Type.KeyPress and not event.isAutoRepeat():
                key, mods = event.key(), event.modifiers()
                closing = key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and mods & Qt.KeyboardModifier.ControlModifier
                if key not in MODIFIER_KEYS and not closing:  # Shift for a capital is not a keystroke of its own
                    self.keys += 1
            elif kind == QtCore.QEvent.Type.InputMethod and event.commitString():
                self.commits += 1
            return False

    return Counter(box)


class WindowEditor:
    """The fallback where Qt cannot open: an editable ``visual.TextBox2`` in the PsychoPy window.

    Typed characters arrive (pyglet ``on_text``), but an input method's composition may not show or work
    (see the module docstring), so Japanese sessions should use the Qt editor. Ctrl+Enter (or F2) closes it
    with the text; Escape closes it and keeps the draft it opened with. Key presses are counted from
    PsychoPy's key events; IME commits cannot be told apart here (0)."""

    name = "window"

    def __init__(self, screens, min_chars: int, max_chars: int) -> None:
        self.screens = screens
        self.min_chars = min_chars
        self.max_chars = max_chars

    def edit(self, prompt: str, draft: str) -> Edit:
        from psychopy import core, event, visual

        from psyai.booth import ui

        win, lang = self.screens.win, self.screens.lang
        t = lambda key, **f: i18n.text(key, lang, **f)  # noqa: E731
        head = visual.TextStim(win, "", font=i18n.FONT, height=ui.TEXT_HEIGHT * 0.9, wrapWidth=ui.WRAP,
                               color=ui.PROMPT_COLOR, pos=(0, 0.45), anchorVert="top", languageStyle="LTR")
        ui.set_text(head, prompt)
        box = visual.TextBox2(win, draft, font=i18n.FONT, letterHeight=ui.TEXT_HEIGHT, size=(1.2, 0.5),
                              pos=(0, 0.0), color=ui.TEXT_COLOR, fillColor=(-0.5, -0.5, -0.5), borderColor="white",
                              editable=True, languageStyle="LTR")
        status = visual.TextStim(win, "", font=i18n.FONT, height=ui.TEXT_HEIGHT * 0.8, wrapWidth=1.5,
                                 color=ui.PROMPT_COLOR, pos=(0, -0.38))
        event.clearEvents()
        clock = core.Clock()
        keys = 0
        accepted = None
        shown = False
        while accepted is None:
            n = len(clean_answer(box.text))
            status.text = (t("demo_editor_count", n=n, min_chars=self.min_chars, max_chars=self.max_chars)
                           + "\n" + t("demo_window_editor_help"))
            for pressed, mods in event.getKeys(modifiers=True):
                keys += 1
                if pressed == "escape":
                    accepted = False
                elif pressed == "f2" or (pressed == "return" and mods.get("ctrl")):
                    accepted = True
            head.draw()
            box.draw()
            status.draw()
            win.flip()
            if not shown:
                self.screens.listening({"kind": "demo_write"})
                shown = True
        text = box.text
        win.currentEditable = None
        return Edit(text=text, seconds=round(clock.getTime(), 3), n_keys=keys, n_ime_commits=0,
                    accepted=accepted)


# -- the window's screens -------------------------------------------------------------------------------

PROMPT_SPACE = 0.24  # window height the prompt may fill (from y = 0.42 down)
DRAFT_BOTTOM = -0.27  # the draft, below the prompt, ends above the status line
MIN_SCALE = 0.4      # the smallest letters a long text is shrunk to, as a share of the normal height


def fit_text(stim, text: str, space: float, height: float) -> None:
    """``text`` on ``stim`` at ``height``, shrunk step by step (to :data:`MIN_SCALE` of it at most) until it
    fills no more than ``space`` of the window's height: a 1000-character answer is shown whole."""
    from psyai.booth.ui import drawn_height, set_text

    def lay_out(h: float) -> None:
        stim.height = h
        stim.text = ""  # the same text again is not laid out again at the new height
        set_text(stim, text)

    lay_out(height)
    while drawn_height(stim) > space and stim.height > height * MIN_SCALE:
        lay_out(stim.height * 0.9)


class WritingScreens:
    """Draws one demonstration trial in the PsychoPy window and runs it: E opens the editor, Enter
    confirms a draft within the length limits (outside them the window says why and stays)."""

    def __init__(self, screens, *, min_chars: int, max_chars: int, editor=None) -> None:
        from psychopy import visual

        from psyai.booth import ui

        self.screens = screens
        self.min_chars = min_chars
        self.max_chars = max_chars
        self.editor = editor
        win, font, h = screens.win, i18n.FONT, ui.TEXT_HEIGHT
        self.label = visual.TextStim(win, "", font=font, height=h * 0.8, color=ui.PROMPT_COLOR, pos=(0, 0.46),
                                     wrapWidth=ui.WRAP, languageStyle="LTR")
        self.prompt = visual.TextStim(win, "", font=font, height=h, wrapWidth=ui.WRAP, color=ui.TEXT_COLOR,
                                      pos=(0, 0.42), anchorVert="top", languageStyle="LTR")
        self.draft_label = visual.TextStim(win, "", font=font, height=h * 0.8, color=ui.PROMPT_COLOR,
                                           pos=(0, 0.12), wrapWidth=ui.WRAP, languageStyle="LTR")
        self.draft = visual.TextStim(win, "", font=font, height=h * 0.9, wrapWidth=ui.WRAP, color=ui.TEXT_COLOR,
                                     pos=(0, 0.08), anchorVert="top", alignText="left", languageStyle="LTR")
        self.prompt_height, self.draft_height = self.prompt.height, self.draft.height
        self.status = visual.TextStim(win, "", font=font, height=h * 0.8, color=ui.TEXT_COLOR, pos=(0, -0.33),
                                      wrapWidth=1.5, languageStyle="LTR")
        self.help = visual.TextStim(win, "", font=font, height=h * 0.75, color=ui.PROMPT_COLOR, pos=(0, -0.43),
                                    wrapWidth=1.5, languageStyle="LTR")

    def t(self, key: str, **fields) -> str:
        return self.screens.t(key, **fields)

    def _draw(self) -> None:
        for s in (self.label, self.prompt, self.draft_label, self.draft, self.status, self.help):
            s.draw()

    def show_prompt(self, prompt: str) -> float:
        """Put the prompt at the top (shrunk if long) and the draft right below it; returns the height the
        draft may fill, down to the status line."""
        from psyai.booth.ui import drawn_height

        self.label.text = self.t("demo_prompt_label")
        fit_text(self.prompt, prompt, PROMPT_SPACE, self.prompt_height)
        bottom = self.prompt.pos[1] - drawn_height(self.prompt)
        self.draft_label.pos = (0, bottom - 0.05)
        self.draft.pos = (0, bottom - 0.08)
        return (bottom - 0.08) - DRAFT_BOTTOM

    def edit(self, prompt: str, state: WritingState, context: dict) -> Edit:
        """The participant's visit to the editor, or the simulated writer's (same place, same record)."""
        src = self.screens.input
        if src.simulated:
            return src.observer.write(context)
        edit = self.editor.edit(prompt, state.draft)
        if self.editor.name == "qt":
            from psyai.booth.ui import take_keyboard_back

            take_keyboard_back(self.screens.win)
        src.start(self.screens.win)  # keys typed into the editor are not window keys
        return edit

    def run(self, prompt: str, context: dict) -> tuple[WritingState, float]:
        """One demonstration: returns the final state and the time on task (seconds from the first flip of
        the trial to the confirming key, editor time included)."""
        from psyai.booth.ui import set_text

        state = WritingState()
        draft_space = self.show_prompt(prompt)
        total = 0.0
        while True:
            if state.draft:
                self.draft_label.text = self.t("demo_draft_label", n=len(state.draft))
                fit_text(self.draft, state.draft, draft_space, self.draft_height)
            else:
                self.draft_label.text = ""
                set_text(self.draft, self.t("demo_no_draft"))
            self.status.text = state.refusal or self.t("demo_limits", min_chars=self.min_chars,
                                                       max_chars=self.max_chars)
            self.status.color = (1.0, 0.6, 0.4) if state.refusal else "white"
            self.help.text = self.t("demo_help_first" if not state.draft else "demo_help")
            keys = ["e", "return"]
            ctx = {**context, "kind": "demo_review", "state": state, "min_chars": self.min_chars,
                   "max_chars": self.max_chars}
            resp = self.screens.wait_key(self._draw, keys, ctx, hint=self.t("demo_keys_hint"))
            total += resp.rt
            if resp.key == "e":
                edit = self.edit(prompt, state, {**ctx, "kind": "demo_write"})
                total += edit.seconds
                state.apply(edit)
                continue
            problem = length_problem(state.draft, self.min_chars, self.max_chars)
            if problem is None:
                return state, total
            state.length_refusals += 1
            key, fields = problem
            state.refusal = self.t(key, **fields)
