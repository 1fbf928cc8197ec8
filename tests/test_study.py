"""psyai.study: which experiment and analysis scripts run, and psyai init's study folders."""

from __future__ import annotations

import pytest

from psyai.errors import PsyaiError
from psyai.study import EXPERIMENTS, init_study, packaged_root, script_path, study_files
from tests.helpers import ROOT


def tree(path):
    return {p: p.read_bytes() for p in sorted(path.rglob("*")) if p.is_file()}


def test_in_the_checkout_psyai_runs_its_own_scripts(tmp_path, monkeypatch):
    assert packaged_root() == ROOT
    monkeypatch.chdir(tmp_path)  # no study folder here or above
    assert script_path("experiments", "turing_test") == ROOT / "experiments" / "turing_test.py"
    assert script_path("analysis", "attention") == ROOT / "analysis" / "attention.py"
    with pytest.raises(PsyaiError, match="no analysis script 'nope'.*available: agreement, attention, human_eval, ranking, turing_test"):
        script_path("analysis", "nope")


def test_a_study_folder_runs_its_own_copies_from_anywhere_inside_it(tmp_path, monkeypatch):
    written = init_study(tmp_path / "study", ["self_paced_reading"])
    rel = sorted(str(p.relative_to(tmp_path / "study")) for p in written)
    assert "experiments/self_paced_reading.py" in rel and "analysis/attention.py" in rel
    assert "stimuli/attention/items.csv" in rel and "stimuli/attention/README.md" in rel
    assert not any(r.startswith(("experiments/turing_test", "stimuli/turing_test")) for r in rel)
    for path in written:
        assert path.read_bytes() == (ROOT / path.relative_to(tmp_path / "study")).read_bytes()
    (tmp_path / "study" / "data" / "x").mkdir(parents=True)
    monkeypatch.chdir(tmp_path / "study" / "data" / "x")
    assert script_path("experiments", "self_paced_reading") == tmp_path / "study/experiments/self_paced_reading.py"
    assert script_path("analysis", "attention") == tmp_path / "study/analysis/attention.py"
    # what the study folder does not hold still comes from psyai's own copy
    assert script_path("experiments", "ranking") == ROOT / "experiments" / "ranking.py"


def test_init_refuses_to_overwrite_and_copies_nothing(tmp_path):
    study = tmp_path / "study"
    init_study(study, ["ranking"])
    (study / "analysis" / "ranking.py").write_text("# the lab's edits\n")
    before = tree(study)
    with pytest.raises(PsyaiError, match="already exist.*nothing was copied"):
        init_study(study)  # every experiment: ranking's files are there already
    assert tree(study) == before
    with pytest.raises(PsyaiError, match="unknown experiment 'stroop'; choose from"):
        init_study(tmp_path / "other", ["stroop"])
    assert not (tmp_path / "other").exists()
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(PsyaiError, match="is a file, not a folder"):
        init_study(tmp_path / "notes.txt")
    blocked = tmp_path / "blocked"
    blocked.mkdir()
    (blocked / "experiments").write_text("a file where the folder should go")  # fails as root too
    with pytest.raises(PsyaiError, match="cannot write .*experiments/ranking.py: File exists; nothing was copied"):
        init_study(blocked, ["ranking"])


def test_every_experiment_has_its_script_analysis_and_stimuli():
    for name, spec in EXPERIMENTS.items():
        files = {str(p) for p in study_files([name])}
        assert f"experiments/{name}.py" in files and (spec.analysis is None or f"analysis/{spec.analysis}.py" in files)
        assert f"stimuli/{spec.stimuli}/{spec.default}" in files and f"stimuli/{spec.stimuli}/README.md" in files
    # and every experiment script of the checkout is known to psyai init
    assert {p.stem for p in (ROOT / "experiments").glob("*.py")} == set(EXPERIMENTS)
