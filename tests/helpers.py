"""Helpers for tests that run experiment scripts as a researcher or a participant would."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from psyai.data.log import read_log

ROOT = Path(__file__).resolve().parents[1]
EXPERIMENTS = ROOT / "experiments"


def run_experiment(name: str, *args: str, timeout: float = 120, **popen) -> subprocess.CompletedProcess:
    """Run ``experiments/<name>.py`` as a researcher would, in a subprocess."""
    return subprocess.run([sys.executable, str(EXPERIMENTS / f"{name}.py"), *args], capture_output=True,
                          text=True, timeout=timeout, cwd=popen.pop("cwd", ROOT), **popen)


def tree(path: Path) -> dict[str, bytes]:
    """Every file under ``path`` with its bytes, to show that a refusal wrote nothing. A session's ``.lock``
    is left out: every process that takes the lock (a refused one too) writes its PID and host there, so
    that a second process can be told who holds the session."""
    if not path.exists():
        return {}
    return {str(p.relative_to(path)): p.read_bytes() for p in sorted(path.rglob("*"))
            if p.is_file() and p.suffix != ".lock"}


class Booth:
    """Drives the experiment window the way a participant does: pointer over the window, then keys."""

    def __init__(self, log: Path, probe: Path | None = None) -> None:
        self.log = log
        # the file the session's screens say they listen in (PSYAI_SCREEN_PROBE; the process needs env())
        self.probe = probe or Path(tempfile.mkdtemp(prefix="psyai-booth-")) / "screens.jsonl"
        self.heard = 0  # how many of the probe's lines had been written when a key was last pressed
        self.wid: str | None = None  # the session's X window, once focus() has found it

    def env(self) -> dict[str, str]:
        """The environment for the session's process: its screens say in :attr:`probe` when they listen."""
        from psyai.booth.ui import SCREEN_PROBE_ENV

        return {**os.environ, SCREEN_PROBE_ENV: str(self.probe)}

    def screens(self) -> list[dict]:
        import json

        if not self.probe.exists():
            return []
        return [json.loads(line) for line in self.probe.read_text(encoding="utf-8").splitlines() if line.strip()]

    def when(self, kind: str, *, same: bool = False, after: float = 0.0, timeout: float = 90) -> None:
        """Wait until a screen of ``kind`` listens (then ``after`` seconds more: the participant looking at it).
        The screen must be a new one, shown since the last key or click; with ``same``, the one that took (or
        refused) it may do (a key the screen refuses leaves it up). No pause to guess, and nothing pressed
        while a screen is still being built (a key then is cleared with the screen's old events)."""
        end = time.time() + timeout
        while time.time() < end:
            shown = self.screens()
            if shown and shown[-1]["kind"] == kind and (same or len(shown) > self.heard):
                self.heard = len(shown)
                time.sleep(after)
                return
            time.sleep(0.05)
        raise AssertionError(f"no {'' if same else 'new '}{kind!r} screen listened within {timeout:.0f} s; screens so "
                             f"far: {self.screens()[-5:]}; log has {[r['record'] for r in self.records()]}")

    def press_on(self, kind: str, key: str, *, same: bool = False, after: float = 0.0, timeout: float = 90) -> None:
        """Press ``key`` once a screen of ``kind`` listens (see :meth:`when`)."""
        self.when(kind, same=same, after=after, timeout=timeout)
        self.keep_focus()
        subprocess.run(["xdotool", "key", key], check=True, timeout=10)

    def keep_focus(self) -> None:
        """Give the session's window the keyboard again if something took it (a window that closed hands the
        focus back to the X root, and a key pressed then goes wherever the pointer is)."""
        if self.wid is None:
            return
        now = subprocess.run(["xdotool", "getwindowfocus"], capture_output=True, text=True, timeout=10).stdout.strip()
        if now != self.wid:
            subprocess.run(["xdotool", "windowfocus", "--sync", self.wid], check=True, timeout=30)

    def records(self) -> list[dict]:
        return read_log(self.log)[0] if self.log.exists() else []

    def wait(self, predicate, timeout: float = 30, what: str = "") -> None:
        end = time.time() + timeout
        while time.time() < end:
            if predicate(self.records()):
                return
            time.sleep(0.05)
        raise AssertionError(f"timed out waiting for {what}; log has {[r['record'] for r in self.records()]}; "
                             f"screens that listened: {self.screens()[-6:]}")

    def focus(self) -> None:
        """The pointer over the session's window and the keyboard to it (kept there by :meth:`press_on`)."""
        self.wid = subprocess.run(["xdotool", "search", "--sync", "--onlyvisible", "--name", "PsychoPy"],
                                  capture_output=True, text=True, timeout=60).stdout.split()[0]
        subprocess.run(["xdotool", "mousemove", "--window", self.wid, "200", "200"], check=True, timeout=10)
        subprocess.run(["xdotool", "windowfocus", "--sync", self.wid], check=True, timeout=30)

    def press(self, key: str, settle: float = 0.5) -> None:
        time.sleep(settle)  # the screen is up and listening
        subprocess.run(["xdotool", "key", key], check=True, timeout=10)

    def read_text(self, n_words: int, question: bool, predicate, what: str, timeout: float = 90,
                  pace: float = 0.2) -> None:
        """Read one self-paced text as a person does: SPACE for "start reading" (the screen before each text) and
        for each word, Y for its question, each key when its screen listens; then wait for ``predicate`` to
        show the text on disk. ``pace``: seconds each word is looked at before SPACE."""
        self.press_on("continue", "space")
        for _ in range(n_words):
            self.press_on("spr_word", "space", after=pace)
        if question:
            self.press_on("spr_question", "y")
        self.wait(predicate, timeout, what)

    def n_trials(self, phase: str) -> int:
        return sum(1 for r in self.records() if r["record"] == "trial" and r["phase"] == phase)


def default_sigint() -> None:
    """In the child: Ctrl-C acts as at a terminal even when the tests run where SIGINT is ignored (a shell's
    background job), which the child would inherit, so Python would install no KeyboardInterrupt."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def kill_mid_session(experiment: str, args: list[str], log: Path, n_main: int, timeout: float = 180,
                     sig: int = signal.SIGKILL, result: dict | None = None) -> list[dict]:
    """Run ``experiments/<experiment>.py`` with ``--realtime`` until ``n_main`` main trials are on disk,
    then send it ``sig`` (``kill -9`` unless told). Returns the trial records the log holds afterwards;
    ``result`` (if given) gets the process's ``returncode`` and ``stderr``."""
    proc = subprocess.Popen([sys.executable, str(EXPERIMENTS / f"{experiment}.py"), *args, "--realtime"],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            preexec_fn=default_sigint)
    booth = Booth(log)
    try:
        booth.wait(lambda recs: booth.n_trials("main") >= n_main, timeout, f"{n_main} main trial(s) on disk")
        os.kill(proc.pid, sig)
        _, err = proc.communicate(timeout=30)
        if result is not None:
            result.update(returncode=proc.returncode, stderr=err)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return [r for r in booth.records() if r["record"] == "trial"]


def restamp(text: str) -> str:
    """A log's text with every record's ``header_sha256`` set to its (edited) header's digest: what a
    log written with that header would hold (for tests that build a log by editing another)."""
    import json

    from psyai.data.log import header_digest

    lines = [json.loads(line) for line in text.split("\n") if line.strip()]
    digest = header_digest(lines[0])
    for rec in lines[1:]:
        if "header_sha256" in rec:
            rec["header_sha256"] = digest
    return "".join(json.dumps(rec, ensure_ascii=False) + "\n" for rec in lines)


def stop_session_early(log: Path, n_main: int, status: str | None = None) -> None:
    """Make a finished session's log what it would be had the session stopped after ``n_main`` main trials:
    killed (``status`` None: the log ends there, with no end record) or stopped by the participant
    (``status="aborted"``: an end record saying so, stamped as the original one was). The lines kept are
    the original bytes, so their header digests still hold."""
    import json

    lines = log.read_bytes().split(b"\n")[:-1]
    recs = [json.loads(line) for line in lines]
    cut = [k for k, r in enumerate(recs) if r["record"] == "trial" and r["phase"] == "main"][n_main]
    kept = lines[:cut]
    if status is not None:
        end = {**recs[-1], "status": status, "n_trials_done": n_main}
        assert end["record"] == "end"
        kept.append(json.dumps(end, ensure_ascii=False).encode("utf-8"))
    log.write_bytes(b"".join(line + b"\n" for line in kept))
