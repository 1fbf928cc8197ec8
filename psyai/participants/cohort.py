"""Simulated cohorts: the real experiment script, run once per simulated participant.

Each participant is a separate run of ``experiments/<name>.py --simulate`` —
the same script, window, keyboard path and durable log a person gets — in a
headless X display (Xvfb) when there is no screen. Runs go in parallel
(``jobs``), each in its own process, as lab sessions would. The script is the
study folder's own, else psyai's copy (:func:`psyai.study.script_path`).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from psyai.errors import PsyaiError
from psyai.progress import progress
from psyai.booth.session import SessionPaths
from psyai.study import script_path

XVFB_SCREEN = "1280x800x24"


@contextlib.contextmanager
def headless_display():
    """Yield an environment with a DISPLAY: the current one, or a private Xvfb server started here."""
    env = dict(os.environ)
    if env.get("DISPLAY"):
        yield env
        return
    xvfb = shutil.which("Xvfb")
    if xvfb is None:
        raise PsyaiError("no DISPLAY and no Xvfb to open a headless window; install it (Debian: apt-get install xvfb) or run `make demo`")
    read_fd, write_fd = os.pipe()
    # -noreset: by default Xvfb resets when its last client leaves, and a participant's window that connects
    # during the reset is refused ("Cannot connect"); cohorts start and end clients all the time
    proc = subprocess.Popen([xvfb, "-displayfd", str(write_fd), "-screen", "0", XVFB_SCREEN, "-nolisten", "tcp",
                             "-noreset"],
                            pass_fds=(write_fd,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write_fd)
    try:
        with os.fdopen(read_fd) as fh:
            number = fh.readline().strip()
        if not number:
            raise PsyaiError("Xvfb did not start; check that it runs: Xvfb :99 &")
        env["DISPLAY"] = f":{number}"
        yield env
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@dataclass
class CohortRun:
    """A simulated cohort: ``n_participants`` runs of ``experiments/<experiment>.py --simulate``.

    ``observer_args`` are the experiment's own ``--sim-*`` flags (the
    observer's parameters); the seed of participant ``i``'s trial order is
    derived from ``seed``, and its counterbalancing list from ``i``.
    """

    experiment: str
    n_participants: int
    out: Path
    seed: int = 0
    observer_args: list[str] = field(default_factory=list)
    experiment_args: list[str] = field(default_factory=list)  # further options of the script (e.g. --unit)
    n_trials: int | None = None
    lang: str = "en"
    stimuli: str | None = None
    jobs: int = 2
    realtime: bool = False
    id_prefix: str = "sim"

    def participant_id(self, index: int) -> str:
        return f"{self.id_prefix}{index + 1:03d}"

    def command(self, index: int) -> list[str]:
        cmd = [sys.executable, str(script_path("experiments", self.experiment)),
               "--participant", self.participant_id(index), "--session", "1", "--lang", self.lang,
               "--data-dir", str(self.out), "--simulate", "--no-dialog", "--sim-index", str(index),
               "--sim-seed", str(self.seed), "--seed", str(self.seed * 1000 + index), *self.observer_args,
               *self.experiment_args]
        if self.n_trials is not None:
            cmd += ["--trials", str(self.n_trials)]
        if self.stimuli:
            cmd += ["--stimuli", str(self.stimuli)]
        if self.realtime:
            cmd.append("--realtime")
        return cmd


def run_cohort(run: CohortRun) -> list[Path]:
    """Run every simulated participant; return their session folders. Refuses to overwrite a session."""
    for i in range(run.n_participants):
        paths = SessionPaths(run.out, run.experiment, run.participant_id(i), 1)
        if paths.folder.exists():
            raise PsyaiError(f"{paths.folder} exists; simulate into an empty --out folder (nothing was overwritten)")
    run.out.mkdir(parents=True, exist_ok=True)
    folders = []
    with headless_display() as env, progress(f"simulating {run.experiment}", run.n_participants) as advance:
        pending = list(range(run.n_participants))
        running: list[tuple[int, subprocess.Popen]] = []
        while pending or running:
            while pending and len(running) < max(1, run.jobs):
                i = pending.pop(0)
                proc = subprocess.Popen(run.command(i), env=env, stdout=subprocess.PIPE,
                                        stderr=subprocess.STDOUT, text=True)
                running.append((i, proc))
            i, proc = running.pop(0)
            output, _ = proc.communicate()
            if proc.returncode != 0:
                for _, other in running:
                    other.kill()
                tail = "\n".join(output.strip().splitlines()[-15:])
                raise PsyaiError(f"simulated participant {run.participant_id(i)} failed (exit {proc.returncode}):\n{tail}")
            folders.append(SessionPaths(run.out, run.experiment, run.participant_id(i), 1).folder)
            advance()
    return folders
