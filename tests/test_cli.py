"""The psyai command as a researcher types it: analyze hands its options to the analysis and names itself,
help texts say something, and a long run piped to a file shows its progress."""

from __future__ import annotations

import subprocess
import sys

from psyai.participants.stimuli import write_synthetic_stimuli
from tests.helpers import ROOT


def psyai(*args: str, cwd=ROOT, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "psyai.cli", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=timeout)


def test_analyze_name_help_shows_the_analysis_options():
    res = psyai("analyze", "turing_test", "--help")
    assert res.returncode == 0
    assert res.stdout.startswith("usage: psyai analyze turing_test") and "--min-rt" in res.stdout
    assert "--max-failed-checks" in res.stdout
    res = psyai("analyze", "ranking", "--help")
    assert "usage: psyai analyze ranking" in res.stdout and "--n-boot" in res.stdout
    assert "--model-measures" in psyai("analyze", "attention", "-h").stdout
    general = " ".join(psyai("analyze", "--help").stdout.split())
    assert "psyai analyze NAME --help" in general


def test_analyze_errors_name_psyai_analyze_and_list_only_analyses(tmp_path):
    res = psyai("analyze", "turing_test")
    assert res.returncode == 2
    assert "psyai analyze turing_test: error: the following arguments are required: data_dir, --out" in res.stderr
    res = psyai("analyze", "turing_test", str(tmp_path / "nothing"), "--out", str(tmp_path / "out"))
    assert res.returncode == 1 and "error: " in res.stderr and "no such data folder" in res.stderr
    res = psyai("analyze", "nope", "data", "--out", "x")
    assert res.returncode == 1
    assert "no analysis script 'nope'" in res.stderr and "available: agreement, attention, human_eval, ranking, turing_test" in res.stderr
    assert "report" not in res.stderr.split("available:")[1]


def test_reward_help_never_shows_an_empty_default():
    res = psyai("reward", "train", "--help")
    assert res.returncode == 0 and "(default: )" not in res.stdout
    assert "(default: none: required)" in res.stdout


def test_simulate_piped_to_a_file_prints_progress_lines(tmp_path):
    stim = write_synthetic_stimuli(tmp_path / "items.csv", n_prompts=4)
    res = psyai("simulate", "turing_test", "--participants", "2", "--trials", "4", "--stimuli", str(stim),
                "--out", str(tmp_path / "sim"))
    assert res.returncode == 0, res.stderr[-2000:]
    lines = [ln for ln in res.stderr.splitlines() if ln.startswith("simulating turing_test: ")]
    assert [ln.split(" (")[0] for ln in lines] == ["simulating turing_test: 1/2", "simulating turing_test: 2/2"]
    assert "simulated 2 participants with" in res.stdout
