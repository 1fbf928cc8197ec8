"""The session dialog: participant, session and language, asked before anything opens.

PsychoPy's dialog (Qt) when it can open here; otherwise the same questions in the
terminal, after one line that says why. Qt does not fail politely: when its platform
plugin cannot load (on Debian, for instance, without ``libxcb-cursor0``) it aborts the
whole process with SIGABRT. So whether a dialog can open is first tried in a child
process, and only a child that opened a Qt application cleanly lets the dialog run
here. This module imports neither PsychoPy's window nor Qt, so it works with no
display at all.
"""

from __future__ import annotations

import os
import subprocess
import sys

from psyai.errors import SessionError

# what the child process does: the Qt application psychopy.gui's dialogs run in
_PROBE = "from psychopy.gui import qtgui\nqtgui.ensureQtApp()\nprint('qt ok')\n"


def gui_problem(timeout: float = 60.0) -> str | None:
    """Why no GUI dialog can open here, in a few words; None when one can."""
    if sys.platform.startswith("linux") and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        return "no display (DISPLAY is not set)"
    try:
        res = subprocess.run([sys.executable, "-c", _PROBE], capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return f"Qt did not start within {timeout:.0f} s"
    if res.returncode == 0 and "qt ok" in res.stdout:
        return None
    lines = [ln.strip() for ln in res.stderr.splitlines() if ln.strip()]
    hint = next((ln for ln in lines if "xcb-cursor" in ln or "platform plugin" in ln.lower()), lines[-1] if lines else "")
    how = "aborted" if res.returncode < 0 else f"exited with {res.returncode}"
    return f"Qt {how}" + (f": {hint[:200]}" if hint else "")


def ask_in_terminal(fields: dict, title: str, reason: str, *, read=input, write=None) -> dict:
    """The dialog's questions at the terminal: each field with its default in brackets.

    A field whose default is a list is a choice: the first item is the default and an
    answer outside the list is asked again. Returns ``fields`` with the answers.
    """
    write = write or (lambda text: print(text, file=sys.stderr))
    write(f"{title}: the session dialog cannot open ({reason}); answer here instead (Enter keeps the default).")
    for key, default in list(fields.items()):
        choices = default if isinstance(default, list) else None
        shown = f"{'/'.join(choices)}, default {choices[0]}" if choices else str(default)
        while True:
            try:
                answer = read(f"{key} [{shown}]: ").strip()
            except EOFError:
                raise SessionError(f"no answer for {key} (the input ended); give --participant, --session and "
                                   "--lang on the command line instead") from None
            value = answer or (choices[0] if choices else default)
            if choices is None or value in choices:
                fields[key] = value
                break
            write(f"{key}: choose one of {', '.join(choices)}")
    return fields


def session_dialog(fields: dict, title: str) -> dict:
    """PsychoPy's session dialog (participant, session, language), else the terminal (see the module)."""
    reason = gui_problem()
    if reason is not None:
        return ask_in_terminal(fields, title, reason)
    from psychopy import gui

    dlg = gui.DlgFromDict(dictionary=fields, title=title, sortKeys=False)
    if not dlg.OK:
        raise SessionError("the session dialog was cancelled; nothing was written")
    return fields
