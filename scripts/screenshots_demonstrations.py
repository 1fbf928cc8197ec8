#!/usr/bin/env python
"""Screenshots of the demonstrations task's screens, English and Japanese, to check by eye that they render.

    xvfb-run -a -s "-screen 0 1280x800x24" python scripts/screenshots_demonstrations.py OUT_DIR

Writes ``OUT_DIR/demo_{en,ja}_{window,refusal,editor}.png``: the window with a draft, the window after a
too-short answer was refused, and the Qt editor pre-filled with the draft (grabbed while it is open, then
closed as Done). Nothing is recorded; no session is started.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

PROMPTS = {"en": "How do I remove a coffee stain from a cotton shirt?",
           "ja": "綿のシャツについたコーヒーのしみは、どうすれば落とせますか。"}
DRAFTS = {"en": "Rinse it from the back with cold water, then rub in a little detergent. " * 13,
          "ja": "しみの裏側から冷たい水で流し、洗剤を少しもみ込んでください。" * 33}  # near the 1000-character limit


def main(out: Path) -> None:
    from PIL import Image
    from psychopy import visual

    from psyai.booth import ui
    from psyai.booth.writing import (
        Edit, QtEditor, WritingScreens, WritingState, fit_text, qt_modules,
    )

    out.mkdir(parents=True, exist_ok=True)
    win = visual.Window(size=(1024, 640), units="height", color=ui.BG_COLOR, winType="pyglet", checkTiming=False)
    for lang in ("en", "ja"):
        screens = ui.Screens(win, lang, source=None, simulated_time=True)
        task = WritingScreens(screens, min_chars=20, max_chars=1000)
        state = WritingState()
        state.apply(Edit(DRAFTS[lang].strip(), 1.0))
        for name, refusal in (("window", ""), ("refusal", screens.t("demo_too_short", n=12, min_chars=20))):
            task.label.text = screens.t("demo_prompt_label")
            space = task.show_prompt(PROMPTS[lang])
            task.draft_label.text = screens.t("demo_draft_label", n=len(state.draft))
            fit_text(task.draft, state.draft, space, task.draft_height)
            task.status.text = refusal or screens.t("demo_limits", min_chars=20, max_chars=1000)
            task.status.color = (1.0, 0.6, 0.4) if refusal else "white"
            task.help.text = screens.t("demo_help")
            task._draw()
            win.getMovieFrame(buffer="back").save(out / f"demo_{lang}_{name}.png")
            win.movieFrames = []
            win.flip()
        from psychopy.gui import qtgui

        QtCore, _gui, QtWidgets, _qt = qt_modules()
        qtgui.ensureQtApp()
        path = out / f"demo_{lang}_editor.png"

        def grab(path=path) -> None:
            dlg = QtWidgets.QApplication.activeModalWidget() or QtWidgets.QApplication.activeWindow()
            if dlg is None:  # not shown yet
                QtCore.QTimer.singleShot(200, grab)
                return
            dlg.grab().save(str(path))
            dlg.accept()

        QtCore.QTimer.singleShot(800, grab)
        QtEditor(lang, 20, 1000).edit(PROMPTS[lang], DRAFTS[lang].strip())
        print(path, Image.open(path).size)
    win.close()


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "screenshots"))
