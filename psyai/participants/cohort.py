"""Simulated cohorts: the real experiment script, run once per simulated participant.

Each participant is a run of ``experiments/<name>.py --simulate`` — the same
script, window, keyboard path and durable log a person gets — in a headless X
display (Xvfb) when there is no screen. The script is the study folder's own,
else psyai's copy (:func:`psyai.study.script_path`).

``jobs`` processes run in parallel. By default each runs its share of the
participants one session after another (:mod:`psyai.participants.batch`:
the script's ``main`` with each participant's arguments, PsychoPy imported
once); ``per_process=True`` starts a fresh process for every participant, as
separate lab sessions would. A participant's data are the same either way
(tested); a batch saves the ~3 s of CPU each start costs.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import shutil
import subprocess
import sys
import tempfile
import threading
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
    per_process: bool = False  # a fresh process per participant instead of jobs processes that run them in turn

    def participant_id(self, index: int) -> str:
        return f"{self.id_prefix}{index + 1:03d}"

    def command(self, index: int) -> list[str]:
        """The command that runs participant ``index`` on its own."""
        return [sys.executable, str(script_path("experiments", self.experiment)), *self.script_args(index)]

    def script_args(self, index: int) -> list[str]:
        cmd = ["--participant", self.participant_id(index), "--session", "1", "--lang", self.lang,
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
    jobs = max(1, min(run.jobs, run.n_participants))
    with headless_display() as env, progress(f"simulating {run.experiment}", run.n_participants) as advance, \
            tempfile.TemporaryDirectory(prefix="psyai-cohort-") as tmp:
        if run.per_process:
            workers = [([i], run.command(i)) for i in range(run.n_participants)]
        else:
            script = str(script_path("experiments", run.experiment))
            workers = []
            for j in range(jobs):
                share = list(range(j, run.n_participants, jobs))
                spec = Path(tmp) / f"batch{j}.json"
                spec.write_text(json.dumps([[i, run.script_args(i)] for i in share]), encoding="utf-8")
                workers.append((share, [sys.executable, "-m", "psyai.participants.batch", script, str(spec)]))
        _run_workers(run, workers, jobs, env, advance)
    return [SessionPaths(run.out, run.experiment, run.participant_id(i), 1).folder for i in range(run.n_participants)]


def _run_workers(run: CohortRun, workers: list[tuple[list[int], list[str]]], jobs: int, env: dict, advance) -> None:
    """Run ``workers`` (participants, command), ``jobs`` at a time; ``advance`` once per finished participant.

    A worker's output is read line by line; a batch's markers (:data:`psyai.participants.batch.MARK`) say
    which participant each line belongs to. The first participant that fails stops the cohort: the other
    workers are killed and the error quotes the end of that participant's output."""
    from psyai.participants.batch import MARK

    events: queue.Queue = queue.Queue()

    def read(w: int, proc: subprocess.Popen) -> None:
        for line in proc.stdout:
            events.put((w, line))
        events.put((w, None))

    pending = list(range(len(workers)))
    running: dict[int, subprocess.Popen] = {}
    current: dict[int, int] = {}  # worker -> the participant it is running
    output: dict[int, list[str]] = {}  # participant -> its output lines
    try:
        while pending or running:
            while pending and len(running) < jobs:
                w = pending.pop(0)
                proc = subprocess.Popen(workers[w][1], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                        text=True)
                running[w] = proc
                current[w] = workers[w][0][0]
                threading.Thread(target=read, args=(w, proc), daemon=True).start()
            w, line = events.get()
            if line is not None and line.startswith(MARK):
                _mark, what, index, *code = line.split()
                if what == "start":
                    current[w] = int(index)
                elif int(code[0]) == 0:
                    advance()
                continue
            if line is not None:
                output.setdefault(current[w], []).append(line)
                continue
            proc = running.pop(w)  # its output has ended
            proc.wait()
            if proc.returncode != 0:
                i = current[w]
                tail = "\n".join("".join(output.get(i, [])).strip().splitlines()[-15:])
                raise PsyaiError(f"simulated participant {run.participant_id(i)} failed (exit {proc.returncode}):"
                                 f"\n{tail}")
            if run.per_process:
                advance()
    finally:
        for proc in running.values():
            if proc.poll() is None:
                proc.kill()
            proc.wait()
