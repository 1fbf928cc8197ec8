"""psyai installed the way a lab installs a package: a wheel in a fresh environment, used outside the checkout.

The wheel is built from a copy of the checkout (nothing is written into the
checkout) with the setuptools of the test environment, offline. The fresh
environment gets the wheel and nothing else of psyai; its other dependencies
are borrowed from the test environment through a ``.pth`` line, which adds that
folder to ``sys.path`` without running its ``.pth`` files (so the editable
install of the checkout stays invisible). Every command then runs in a folder
outside the checkout.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from tests.helpers import ROOT

pytestmark = pytest.mark.slow

GENERATED = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", "_model", "_model_*", "*.safetensors")
TOP_LEVEL_OUTPUTS = {".git", ".venv", "build", "dist", "data", "out", "demo_out", ".pytest_cache"}


def not_sources(folder: str, names: list[str]) -> set[str]:
    """What a copy of the checkout leaves out: outputs and environments at the top, generated files anywhere."""
    top = {n for n in names if n in TOP_LEVEL_OUTPUTS} if Path(folder) == ROOT else set()
    return top | GENERATED(folder, names)


def run(cmd: list[str], cwd: Path, timeout: float = 600) -> subprocess.CompletedProcess:
    res = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    assert res.returncode == 0, f"{' '.join(map(str, cmd))} failed:\n{res.stdout[-2000:]}\n{res.stderr[-3000:]}"
    return res


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> dict[str, Path]:
    """A fresh virtual environment with psyai installed from its wheel; a work folder outside the checkout."""
    tmp = tmp_path_factory.mktemp("wheel")
    src = tmp / "src"
    shutil.copytree(ROOT, src, ignore=not_sources)
    run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", str(tmp / "dist"),
         str(src)], cwd=tmp)
    wheel = next((tmp / "dist").glob("psyai-*.whl"))
    venv = tmp / "venv"
    run([sys.executable, "-m", "venv", str(venv)], cwd=tmp)
    python = venv / "bin" / "python"
    site = Path(run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], cwd=tmp)
                .stdout.strip())
    (site / "_test_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    run([str(python), "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)], cwd=tmp)
    work = tmp / "elsewhere"
    work.mkdir()
    return {"wheel": wheel, "python": python, "psyai": venv / "bin" / "psyai", "site": site, "work": work}


def test_the_wheel_carries_the_study_folders(installed):
    names = zipfile.ZipFile(installed["wheel"]).namelist()
    for rel in ("experiments/turing_test.py", "experiments/ranking.py", "experiments/self_paced_reading.py",
                "experiments/attention_highlight.py", "analysis/turing_test.py", "analysis/ranking.py",
                "analysis/attention.py", "analysis/agreement.py", "stimuli/turing_test/items.csv", "stimuli/turing_test/README.md",
                "stimuli/ranking/items.csv", "stimuli/attention/items.csv"):
        assert f"psyai/_study/{rel}" in names
    assert not [n for n in names if "__pycache__" in n or n.endswith(".safetensors")]
    for kit in ("turing_text", "surprisal_reading", "word_importance", "rlhf_preference"):  # replication kits
        for name in ("kit.yaml", "protocol.en.md", "protocol.ja.md", "instructor.en.md", "instructor.ja.md"):
            assert f"psyai/replication/kits/{kit}/{name}" in names


def test_class_new_from_the_wheel(installed):
    """A kit's assignment folder made by the installed psyai: its stimuli and scripts come from the wheel."""
    work = installed["work"]
    run([str(installed["psyai"]), "class", "new", "turing_text", "assignment", "--groups", "1", "--lang", "ja"], cwd=work)
    group = work / "assignment" / "group-01"
    assert (group / "experiments" / "turing_test.py").is_file() and (group / "stimuli" / "turing_test" / "items.csv").is_file()
    assert "## 1. 仮説" in (group / "PREREGISTRATION.md").read_text(encoding="utf-8")


def test_installed_psyai_is_the_wheel_not_the_checkout(installed):
    out = run([str(installed["python"]), "-c", "import psyai, psyai.study; print(psyai.__file__); "
               "print(psyai.study.packaged_root())"], cwd=installed["work"]).stdout.split()
    assert all(Path(p).is_relative_to(installed["site"]) for p in out), out
    assert not any(Path(p).is_relative_to(ROOT) for p in out)


def test_simulate_and_analyze_outside_the_checkout(installed):
    work = installed["work"]
    res = run([str(installed["psyai"]), "simulate", "turing_test", "--participants", "2", "--trials", "8",
               "--seed", "3", "--out", "sim"], cwd=work)
    assert f"{installed['site']}/psyai/_study/experiments/turing_test.py" in res.stdout
    res = run([str(installed["psyai"]), "analyze", "turing_test", "sim/turing_test", "--out", "report"], cwd=work)
    assert f"{installed['site']}/psyai/_study/analysis/turing_test.py" in res.stderr
    results = json.loads((work / "report" / "results.json").read_text())
    assert results["n_participants"] == 2 and results["n_trials"] == 16
    assert set(results["run_modes"]) == {"simulated"}
    html = (work / "report" / "report.html").read_text(encoding="utf-8")
    assert "Turing test" in html and "simulated" in html.lower()


def test_init_copies_a_study_folder_whose_scripts_then_run(installed):
    work = installed["work"]
    res = run([str(installed["psyai"]), "init", "study", "--experiment", "turing_test"], cwd=work)
    study = work / "study"
    for rel in ("experiments/turing_test.py", "analysis/turing_test.py", "stimuli/turing_test/items.csv",
                "stimuli/turing_test/README.md"):
        assert (study / rel).is_file(), res.stdout
    assert not (study / "experiments" / "ranking.py").exists()
    # an edited copy is the one that runs: the study's own script, its own stimuli
    script = study / "experiments" / "turing_test.py"
    script.write_text(script.read_text(encoding="utf-8").replace('EXPERIMENT = "turing_test"',
                                                                 'EXPERIMENT = "turing_test"  # edited by the lab'),
                      encoding="utf-8")
    res = run([str(installed["psyai"]), "simulate", "turing_test", "--participants", "1", "--trials", "4",
               "--out", str(study / "data")], cwd=study / "experiments")
    assert f"with {script}" in res.stdout
    header = json.loads((study / "data/turing_test/sub-sim001/ses-1/sub-sim001_ses-1_log.jsonl").read_text()
                        .splitlines()[0])
    assert Path(header["stimuli_path"]) == study / "stimuli" / "turing_test" / "items.csv"
    # a second init into the same folder copies nothing and says why
    before = {p: p.read_bytes() for p in study.rglob("*") if p.is_file()}
    res = subprocess.run([str(installed["psyai"]), "init", "study"], cwd=work, capture_output=True, text=True)
    assert res.returncode == 1 and "nothing was copied" in res.stderr and "Traceback" not in res.stderr
    assert {p: p.read_bytes() for p in study.rglob("*") if p.is_file()} == before
