"""Fault injection on real sessions (issue 12): the real Turing-test script, killed, run twice at once,
run out of disk, pointed at a read-only folder, resumed from damaged and edited logs. Each case ends
with the data intact (the log a checked sequence of complete records, nothing duplicated, the usual
CSV name holding a complete CSV only) and a one-line message, never a traceback.

Full and read-only file systems are real: a small tmpfs mounted for the test where the machine allows
it (root, as in CI); elsewhere those cases are skipped, and the rest still run.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from psyai.data.log import check_sequence, read_log
from psyai.data.sessions import load
from tests.helpers import EXPERIMENTS, ROOT, Booth, kill_mid_session, restamp, run_experiment, tree

SIM = ["--simulate", "--no-dialog", "--windowed", "--lang", "en", "--trials", "6", "--checks", "0", "--no-practice"]


def args_for(data: Path, pid: str, *extra: str) -> list[str]:
    return ["--data-dir", str(data), "--participant", pid, *SIM, *extra]


def folder(data: Path, pid: str) -> Path:
    return data / "turing_test" / f"sub-{pid}" / "ses-1"


def log_of(data: Path, pid: str) -> Path:
    return folder(data, pid) / f"sub-{pid}_ses-1_log.jsonl"


def csvs(data: Path, pid: str) -> list[str]:
    return sorted(p.name for p in folder(data, pid).glob("*.csv"))


def one_line(stderr: str) -> str:
    """The process said one thing, and not with a traceback."""
    assert "Traceback" not in stderr, stderr
    lines = [ln for ln in stderr.splitlines() if ln.startswith(("error:", "warning:", "interrupted", "terminated"))]
    assert lines, stderr
    return lines[0]


def intact(log: Path, n_main: int | None = None) -> list[dict]:
    """The log is complete records in a checked sequence; returns its main trials."""
    records, fragment = read_log(log)
    check_sequence(log, records)
    trials = [r for r in records if r["record"] == "trial" and r["phase"] == "main"]
    assert [r["trial_index"] for r in trials] == list(range(len(trials)))
    if n_main is not None:
        assert len(trials) == n_main
    return trials


def csv_rows(path: Path) -> int:
    import pandas as pd

    return len(pd.read_csv(path))


def resume_to_the_end(data: Path, pid: str, *extra: str) -> subprocess.CompletedProcess:
    done = run_experiment("turing_test", *args_for(data, pid, "--resume", *extra), timeout=300)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    return done


# --------------------------------------------------------------------------- kill -9 at each phase


def run_until_then_kill(data: Path, pid: str, until, what: str, *extra: str) -> None:
    """Run the session (``--realtime``) until ``until(records)`` holds, then ``kill -9`` it."""
    proc = subprocess.Popen([sys.executable, str(EXPERIMENTS / "turing_test.py"), *args_for(data, pid, *extra),
                             "--realtime"], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    booth = Booth(log_of(data, pid))
    try:
        booth.wait(until, 240, what)
        os.kill(proc.pid, signal.SIGKILL)
        proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def n_main(records: list[dict]) -> int:
    return sum(1 for r in records if r["record"] == "trial" and r["phase"] == "main")


@pytest.mark.parametrize("phase", ["before the first trial", "during trials", "during the resume",
                                   "after the end record"])
def test_kill_9_then_resume_gives_every_trial_once_and_the_usual_csv(tmp_path, phase):
    data, pid = tmp_path / "data", "K9"
    log = log_of(data, pid)
    if phase == "before the first trial":  # the header is on disk, the consent screen is up
        run_until_then_kill(data, pid, lambda recs: len(recs) >= 1, "the header")
    elif phase == "during trials":
        run_until_then_kill(data, pid, lambda recs: n_main(recs) >= 2, "2 main trials")
    elif phase == "during the resume":  # killed again right after its resume record
        run_until_then_kill(data, pid, lambda recs: n_main(recs) >= 1, "1 main trial")
        run_until_then_kill(data, pid, lambda recs: any(r["record"] == "resume" for r in recs), "the resume record",
                            "--resume")
    else:  # the end record is on disk and the end screens are up
        run_until_then_kill(data, pid, lambda recs: any(r["record"] == "end" for r in recs), "the end record")
    before = intact(log)
    if phase == "after the end record":
        # the CSV is written as soon as the end record is on disk; a kill in between is what this
        # simulates when the CSV is missing: --resume makes it from the log
        assert len(before) == 6
        (folder(data, pid) / f"sub-{pid}_ses-1_turing_test.csv").unlink(missing_ok=True)
        done = resume_to_the_end(data, pid)
        assert "its CSV was missing; written from the log" in done.stdout
        again = run_experiment("turing_test", *args_for(data, pid, "--resume"))
        assert again.returncode == 1 and "already ended" in one_line(again.stderr)
    else:
        assert csvs(data, pid) == []  # kill -9: no CSV at all, and no empty one under the usual name
        resume_to_the_end(data, pid)
    after = intact(log, 6)
    assert [r["item_id"] for r in after[:len(before)]] == [r["item_id"] for r in before]
    assert csvs(data, pid) == [f"sub-{pid}_ses-1_turing_test.csv"]
    assert csv_rows(folder(data, pid) / csvs(data, pid)[0]) == 6
    assert len(load(data)) == 6


def test_sigterm_is_a_stop_like_ctrl_c(tmp_path):
    data, pid = tmp_path / "data", "TERM"
    result: dict = {}
    kill_mid_session("turing_test", args_for(data, pid), log_of(data, pid), 1, sig=signal.SIGTERM, result=result)
    assert result["returncode"] == 143
    assert one_line(result["stderr"]).startswith("terminated (SIGTERM): every finished trial is in the session's log")
    assert csvs(data, pid) == [f"sub-{pid}_ses-1_turing_test_interrupted.csv"]
    resume_to_the_end(data, pid)
    intact(log_of(data, pid), 6)
    assert f"sub-{pid}_ses-1_turing_test.csv" in csvs(data, pid)


HALF_BUILT = """
import sys
from psyai.booth import runner


class Domain:  # stands for pyglet's VertexDomain, which a stop can leave without the attribute __del__ reads
    def __init__(self):
        raise KeyboardInterrupt  # the stop lands inside the constructor

    def __del__(self):
        for attribute in self.attributes:
            pass


Domain.__module__ = Domain.__del__.__module__ = "pyglet.graphics.vertexdomain"


class Ours:
    def __del__(self):
        raise RuntimeError("psyai's own object failed in __del__")


def main():
    ours = Ours()  # noqa: F841 - held by the frame until the stop has been handled
    Domain()


sys.exit(runner.main_guard(main))
"""


def test_a_stop_inside_a_pyglet_constructor_prints_one_line_and_no_traceback(tmp_path):
    """Ctrl-C that lands while pyglet builds a vertex domain: the participant sees the one line that says how to
    go on, not pyglet's "Exception ignored in __del__" traceback; a failing __del__ of anything else still shows."""
    script = tmp_path / "stop.py"
    script.write_text(HALF_BUILT, encoding="utf-8")
    res = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert res.returncode == 130
    assert res.stderr.startswith("interrupted before the session started")
    assert "vertexdomain" not in res.stderr and "attributes" not in res.stderr
    assert "psyai's own object failed in __del__" in res.stderr  # other errors are not hidden


# --------------------------------------------------------------------------- two processes, one session


def test_two_resumes_at_once_one_runs_and_the_other_is_refused_with_the_holder(tmp_path):
    data, pid = tmp_path / "data", "RR"
    log = log_of(data, pid)
    short = ("--trials", "4")  # two before the kill, two for the resumes to race over
    kill_mid_session("turing_test", args_for(data, pid, *short), log, 2)
    cmd = [sys.executable, str(EXPERIMENTS / "turing_test.py"), *args_for(data, pid, *short, "--resume", "--realtime")]
    procs = [subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    outs = [p.communicate(timeout=300) for p in procs]
    codes = sorted(p.returncode for p in procs)
    assert codes == [0, 1], outs
    refused = next(err for (out, err), p in zip(outs, procs) if p.returncode == 1)
    line = one_line(refused)
    assert "is open in another process (pid " in line and "on host " in line
    winner = next(p.pid for p in procs if p.returncode == 0)
    assert f"pid {winner} " in line
    records, _ = read_log(log)
    assert [r["record"] for r in records].count("resume") == 1
    assert [r["record"] for r in records].count("end") == 1
    intact(log, 4)
    assert csvs(data, pid) == [f"sub-{pid}_ses-1_turing_test.csv"]


def test_a_second_new_start_while_one_runs_is_refused(tmp_path):
    data, pid = tmp_path / "data", "NN"
    cmd = [sys.executable, str(EXPERIMENTS / "turing_test.py"), *args_for(data, pid, "--trials", "3"), "--realtime"]
    first = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        Booth(log_of(data, pid)).wait(lambda recs: len(recs) >= 1, 120, "the header")
        second = run_experiment("turing_test", *args_for(data, pid))
        assert second.returncode == 1
        assert "already holds session 1" in one_line(second.stderr) or "open in another process" in second.stderr
        resumed = run_experiment("turing_test", *args_for(data, pid, "--resume"))
        assert resumed.returncode == 1 and "is open in another process" in one_line(resumed.stderr)
        first.communicate(timeout=300)
        assert first.returncode == 0
    finally:
        if first.poll() is None:
            first.kill()
            first.wait()
    intact(log_of(data, pid), 3)


# --------------------------------------------------------------------------- full disk, read-only folder


@pytest.fixture
def small_fs(tmp_path):
    """A real, small file system (tmpfs) the test can fill; skipped where mounting is not allowed."""
    made = []

    def mount(size: str, readonly: bool = False) -> Path:
        point = tmp_path / f"fs-{uuid.uuid4().hex[:6]}"
        point.mkdir()
        opts = f"size={size}" + (",ro" if readonly else "")
        if shutil.which("mount") is None or os.geteuid() != 0 or subprocess.run(
                ["mount", "-t", "tmpfs", "-o", opts, "tmpfs", str(point)], capture_output=True).returncode != 0:
            pytest.skip("cannot mount a tmpfs here (needs root): the full-disk cases run in CI")
        made.append(point)
        return point

    yield mount
    for point in made:
        subprocess.run(["umount", "-l", str(point)], capture_output=True)


def test_too_little_space_or_a_read_only_folder_is_refused_before_the_window(small_fs):
    tiny = small_fs("2m")
    r = run_experiment("turing_test", *args_for(tiny / "data", "FULL"))
    assert r.returncode == 1 and "free" in one_line(r.stderr) and "choose another --data-dir" in r.stderr
    assert tree(tiny) == {}
    ro = small_fs("4m", readonly=True)
    r = run_experiment("turing_test", *args_for(ro, "RO"))
    assert r.returncode == 1
    line = one_line(r.stderr)
    assert "cannot write there" in line and "Read-only" in line
    assert list(ro.iterdir()) == []


def test_a_disk_that_fills_mid_session_keeps_the_log_and_resume_writes_the_usual_csv(small_fs):
    fs = small_fs("24m")  # passes the 20 MB check; the filler then takes the rest
    data, pid = fs / "data", "DF"
    log = log_of(data, pid)
    proc = subprocess.Popen([sys.executable, str(EXPERIMENTS / "turing_test.py"), *args_for(data, pid), "--realtime"],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    booth = Booth(log)
    filler = fs / "filler"
    try:
        booth.wait(lambda recs: booth.n_trials("main") >= 2, 180, "2 main trials")
        with open(filler, "wb") as fh:  # fill the file system to the last byte
            try:
                while True:
                    fh.write(b"\0" * 65536)
                    fh.flush()
            except OSError:
                pass
        _, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 1, err
    line = one_line(err)
    assert "could not be written" in line and "--resume" in line
    before = intact(log)
    assert 2 <= len(before) < 6
    # no CSV under the usual name, and no empty or partial file anywhere
    assert f"sub-{pid}_ses-1_turing_test.csv" not in csvs(data, pid)
    assert all(p.stat().st_size > 0 for p in folder(data, pid).glob("*.csv"))
    assert not list(folder(data, pid).glob(".*partial*"))
    filler.unlink()
    resume_to_the_end(data, pid)
    after = intact(log, 6)
    assert [r["item_id"] for r in after[:len(before)]] == [r["item_id"] for r in before]
    assert f"sub-{pid}_ses-1_turing_test.csv" in csvs(data, pid)
    assert csv_rows(folder(data, pid) / f"sub-{pid}_ses-1_turing_test.csv") == 6


# --------------------------------------------------------------------------- damaged and edited logs


@pytest.fixture(scope="module")
def _killed_once(tmp_path_factory):
    data, pid = tmp_path_factory.mktemp("killed") / "data", "DM"
    kill_mid_session("turing_test", args_for(data, pid), log_of(data, pid), 2)
    return data


@pytest.fixture
def started(_killed_once, tmp_path):
    """A session killed after two main trials, a fresh copy for each test: (data folder, participant, log)."""
    data, pid = tmp_path / "data", "DM"
    shutil.copytree(_killed_once, data)
    return data, pid, log_of(data, pid)


@pytest.mark.parametrize("damage, message", [
    ("cut header", "stopped while starting"),
    ("empty", "stopped while starting"),
])
def test_a_log_without_its_header_is_set_aside_by_a_command_and_the_session_starts_again(started, damage, message):
    data, pid, log = started
    text = log.read_bytes()
    log.write_bytes(text[: text.index(b"\n") // 2] if damage == "cut header" else b"")
    for extra in ((), ("--resume",)):
        r = run_experiment("turing_test", *args_for(data, pid, *extra))
        assert r.returncode == 1 and message in one_line(r.stderr)
        assert f"psyai session set-aside {folder(data, pid)}" in r.stderr
    cli = subprocess.run([sys.executable, "-m", "psyai.cli", "session", "set-aside", str(folder(data, pid))],
                         capture_output=True, text=True, cwd=ROOT)
    assert cli.returncode == 0, cli.stderr
    kept = list((folder(data, pid) / "set-aside").iterdir())
    assert [p.read_bytes() for p in kept if ".fragment" not in p.name] == [log.read_bytes() if log.exists() else
                                                                           (text[: text.index(b"\n") // 2]
                                                                            if damage == "cut header" else b"")]
    r = run_experiment("turing_test", *args_for(data, pid), timeout=300)
    assert r.returncode == 0, r.stderr
    intact(log, 6)


def test_set_aside_refuses_a_log_that_can_be_resumed(started):
    data, pid, log = started
    before = tree(data)
    cli = subprocess.run([sys.executable, "-m", "psyai.cli", "session", "set-aside", str(folder(data, pid))],
                         capture_output=True, text=True, cwd=ROOT)
    assert cli.returncode == 1 and "--resume" in cli.stdout + cli.stderr and "Traceback" not in cli.stderr
    assert tree(data) == before


def _edit_header(log: Path, edit) -> None:
    lines = log.read_text(encoding="utf-8").split("\n")
    header = json.loads(lines[0])
    edit(header)
    lines[0] = json.dumps(header, ensure_ascii=False)
    log.write_text("\n".join(lines), encoding="utf-8")


@pytest.mark.parametrize("damage, message", [
    ("swapped trial_order", "header (line 1) was changed"),
    ("other participant", "header (line 1) was changed"),
    ("duplicated trial", "is already recorded on line"),
    ("bad JSON line", "not a JSON record"),
    ("bad UTF-8", "not UTF-8"),
])
def test_damaged_or_edited_logs_are_refused_by_resume_and_the_loader_naming_the_line(started, damage, message):
    data, pid, log = started
    if damage == "swapped trial_order":
        _edit_header(log, lambda h: h.__setitem__("trial_order", [h["trial_order"][1], h["trial_order"][0],
                                                                  *h["trial_order"][2:]]))
    elif damage == "other participant":
        _edit_header(log, lambda h: h.__setitem__("participant", "OTHER"))
    elif damage == "duplicated trial":
        lines = log.read_text(encoding="utf-8").splitlines(keepends=True)
        trial = next(ln for ln in lines if '"record": "trial"' in ln)
        log.write_text("".join(lines) + trial, encoding="utf-8")
    elif damage == "bad JSON line":
        lines = log.read_bytes().split(b"\n")
        lines[2] = lines[2][:-5]
        log.write_bytes(b"\n".join(lines))
    else:
        lines = log.read_bytes().split(b"\n")
        lines[2] = lines[2].replace(b'"record"', b'"rec\xff\xfeord"')
        log.write_bytes(b"\n".join(lines))
    before = tree(data)
    r = run_experiment("turing_test", *args_for(data, pid, "--resume"))
    assert r.returncode == 1
    line = one_line(r.stderr)
    assert message in line and str(log) in line and " line " in line
    analyze = subprocess.run([sys.executable, "-m", "psyai.cli", "analyze", "turing_test", str(data / "turing_test"),
                              "--out", str(data.parent / "out")], capture_output=True, text=True, cwd=ROOT)
    assert analyze.returncode == 1 and message in analyze.stdout + analyze.stderr
    assert "Traceback" not in analyze.stderr
    assert tree(data) == before  # nothing written, nothing "repaired"


@pytest.mark.parametrize("edit, message", [
    (lambda h: h["trial_order"].__setitem__(-1, "no-such-item"), "names 'no-such-item', which"),
    (lambda h: h["settings"].__setitem__("speed", 3), "hold speed, which turing_test does not have"),
    (lambda h: h.__setitem__("settings", [1]), "settings is not an object"),
    (lambda h: h.pop("seed"), "the session header has no seed"),
])
def test_a_header_resume_cannot_rebuild_is_refused_in_one_line(started, edit, message):
    """Headers with the digest made to match (or logs from before digests): still no KeyError or TypeError."""
    data, pid, log = started
    _edit_header(log, edit)
    log.write_text(restamp(log.read_text(encoding="utf-8")), encoding="utf-8")
    r = run_experiment("turing_test", *args_for(data, pid, "--resume"))
    assert r.returncode == 1
    line = one_line(r.stderr)
    assert message in line and f"{log} line 1" in line


def test_a_restamped_edit_is_a_different_valid_session_and_resume_follows_it(started):
    """What the digest protects against is an edit the records did not see; a log written whole under
    another header (restamped) is taken as that session — the check is not a signature."""
    data, pid, log = started
    log.write_text(restamp(log.read_text(encoding="utf-8")), encoding="utf-8")
    resume_to_the_end(data, pid)
    intact(log, 6)


def test_export_csv_remakes_the_csv_from_the_log_and_never_overwrites(started):
    data, pid, log = started
    run = lambda *a: subprocess.run([sys.executable, "-m", "psyai.cli", "export", "csv", *a],  # noqa: E731
                                    capture_output=True, text=True, cwd=ROOT)
    # a process killed while writing this CSV left its temporary file; one still running keeps its own
    gone = subprocess.Popen(["true"])
    gone.wait()
    stem = f".sub-{pid}_ses-1_turing_test_interrupted"
    dead = folder(data, pid) / f"{stem}.{gone.pid}.partial.csv"
    live = folder(data, pid) / f"{stem}.{os.getpid()}.partial.csv"
    dead.write_text("half a CSV", encoding="utf-8")
    live.write_text("being written", encoding="utf-8")
    r = run(str(folder(data, pid)))
    assert r.returncode == 0, r.stderr
    assert not dead.exists() and live.read_text(encoding="utf-8") == "being written"
    live.unlink()
    first = Path(r.stdout.strip())
    assert first.name == f"sub-{pid}_ses-1_turing_test_interrupted.csv"  # kill -9 left no CSV
    assert csv_rows(first) == 2
    r2 = run(str(log))
    assert Path(r2.stdout.strip()).name == f"sub-{pid}_ses-1_turing_test_interrupted_1.csv"
    assert first.read_bytes() == Path(r2.stdout.strip()).read_bytes()
    bad = run(str(data))
    assert bad.returncode == 1 and "Traceback" not in bad.stderr
