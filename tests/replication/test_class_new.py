"""``psyai class new``: the assignment folder of a kit, its preregistration filled from the kit, never overwritten."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from psyai.cli import main
from psyai.errors import PsyaiError
from psyai.replication.assignment import new_assignment
from psyai.replication.kit import load_kit
from psyai.replication.prereg import experiment_command, preregistration
from psyai.study import packaged_root
from tests.helpers import tree

# what `psyai class power` writes (psyai.replication.power.PowerResult.to_dict), as the preregistration reads it
POWER = {"kit": "turing_text", "effect": 0.05, "effect_source": "the smallest effect of interest (effect.sesoi)",
         "flags": {"dprime": 0.27}, "alpha": 0.05, "path": "synthetic", "curve": [],
         "n_for": {"80": 34, "90": 47, "95": None}, "method": "200 simulated groups per N, one-sided t test",
         "effect_sources": {"en": "the smallest effect of interest (effect.sesoi)",
                            "ja": "関心のある最小の効果量(effect.sesoi)"},
         "methods": {"en": "200 simulated groups per N, one-sided t test", "ja": "N ごとに 200 の模擬グループ,片側 t 検定"}}


def test_two_groups_get_study_folders_protocol_and_preregistration(tmp_path):
    kit = load_kit("turing_text")
    dest = tmp_path / "class"
    written = new_assignment(kit, dest, groups=2, lang="en")
    assert all(p.is_file() for p in written)
    for group in ("group-01", "group-02"):
        folder = dest / group
        script = folder / "experiments" / "turing_test.py"
        assert script.read_bytes() == (packaged_root() / "experiments" / "turing_test.py").read_bytes()
        assert (folder / "analysis" / "turing_test.py").is_file()
        assert (folder / "stimuli" / "turing_test" / "items.csv").is_file()
        protocol = (folder / "PROTOCOL.md").read_text(encoding="utf-8")
        assert protocol.startswith(kit.text("protocol", "en").rstrip("\n"))
        assert "python experiments/turing_test.py --participant P001 --lang en --trials 16" in protocol
        assert "--pilot" in protocol and "--resume" in protocol and f"python -m zipfile -c {group}.zip data" in protocol
        prereg = (folder / "PREREGISTRATION.md").read_text(encoding="utf-8")
        assert f"**Group**: {group}" in prereg
    assert not (dest / "group-03").exists()
    instructor = dest / "instructor"
    assert (instructor / "instructor.md").read_text(encoding="utf-8") == kit.text("instructor", "en")
    commands = (instructor / "README.md").read_text(encoding="utf-8")
    assert "psyai class collect" in commands and "--kit turing_text" in commands and "psyai class report" in commands
    assert {p.name for p in instructor.glob("preregistration.*.md")} == {"preregistration.en.md", "preregistration.ja.md"}
    config = json.loads((dest / "assignment.json").read_text(encoding="utf-8"))
    assert config["kit"] == "turing_text" and config["groups"] == ["group-01", "group-02"] and config["lang"] == "en"


def test_the_preregistration_names_the_effect_test_original_and_what_is_to_be_filled():
    kit = load_kit("turing_text")
    text = preregistration(kit, "en", group="group-01")
    for needed in ("## 1. Hypothesis", "the effect is above 0", f"(SESOI) is {kit.effect['sesoi']:g}",
                   kit.original["citation"], f"N = {kit.original['n']}", "`accuracy_above_chance`", kit.effect["scale"]["en"],
                   "one-sided", "REML", "Knapp–Hartung", "d33", "TOST", "pilot sessions", "attention-check trials",
                   experiment_command(kit), "## 4. Sample size", "*to be filled*",
                   "psyai class power turing_text --effect sesoi --out power", "## 7. Deviations"):
        assert needed in text, needed


def test_the_sample_size_comes_from_a_power_result():
    kit = load_kit("turing_text")
    text = preregistration(kit, "en", power=POWER)
    assert "34 participants: the smallest N with 80% power for 0.05 (the smallest effect of interest" in text
    assert "N for 90% power: 47; for 95%: beyond the power grid" in text
    assert "psyai class power turing_text" not in text  # nothing left to fill in that section
    ja = preregistration(kit, "ja", power=POWER)
    assert "34 人" in ja and "検定力の格子の範囲外" in ja


def test_japanese_assignment(tmp_path):
    kit = load_kit("turing_text")
    new_assignment(kit, tmp_path / "class", groups=1, lang="ja")
    prereg = (tmp_path / "class" / "group-01" / "PREREGISTRATION.md").read_text(encoding="utf-8")
    for needed in ("# 事前登録: " + kit.title["ja"], "## 1. 仮説", kit.effect["label"]["ja"], "## 4. サンプルサイズ",
                   "*要記入*", "## 5. 除外基準", "注意確認試行", "## 6. 分析計画", "片側"):
        assert needed in prereg, needed
    # a class working in Japanese runs Japanese participants
    assert "--lang ja --trials 16" in prereg
    protocol = (tmp_path / "class" / "group-01" / "PROTOCOL.md").read_text(encoding="utf-8")
    assert protocol.startswith(kit.text("protocol", "ja").rstrip("\n")) and "このグループのコマンド" in protocol
    assert (tmp_path / "class" / "instructor" / "instructor.md").read_text(encoding="utf-8") == kit.text("instructor", "ja")


@pytest.mark.parametrize("kit_id", ["turing_text", "surprisal_reading", "word_importance", "rlhf_preference"])
def test_a_japanese_preregistration_is_in_japanese_but_for_the_citation(kit_id):
    """The effect's units, the original's design and where its numbers come from are the kit's Japanese texts;
    the only English run of words left is the reference itself (cited as published)."""
    import re

    kit = load_kit(kit_id)
    ja = preregistration(kit, "ja", power=POWER)
    for text in (kit.effect["scale"]["ja"], kit.original["design"]["ja"], kit.original["note"]["ja"]):
        assert text in ja
    assert kit.effect["scale"]["en"] not in ja and kit.original["note"]["en"] not in ja
    rest = ja.replace(kit.original["citation"], "")
    english = re.findall(r"(?:[A-Za-z][A-Za-z'\-]*[ ,;:]+){6,}[A-Za-z]+", rest)
    assert not english, english
    if kit.effect.get("sesoi_reason"):
        assert "理由:" in ja and kit.effect["sesoi_reason"]["ja"].rstrip("。") in ja
        assert "Why: " in preregistration(kit, "en")


@pytest.mark.parametrize("kit_id", ["surprisal_reading", "word_importance", "rlhf_preference"])
def test_every_kit_makes_an_assignment(tmp_path, kit_id):
    kit = load_kit(kit_id)
    new_assignment(kit, tmp_path / kit_id, groups=1, lang="en")
    folder = tmp_path / kit_id / "group-01"
    assert (folder / "experiments" / f"{kit.experiment}.py").is_file()
    protocol = (folder / "PROTOCOL.md").read_text(encoding="utf-8")
    assert f"python experiments/{kit.experiment}.py --participant P001" in protocol
    if kit.stimuli_command:
        assert kit.stimuli_command.split()[0] in protocol


def test_never_overwrites(tmp_path):
    kit = load_kit("turing_text")
    dest = tmp_path / "class"
    new_assignment(kit, dest, groups=1)
    (dest / "group-01" / "PREREGISTRATION.md").write_text("our edits\n", encoding="utf-8")
    before = tree(dest)
    with pytest.raises(PsyaiError, match=r"already exists and is not empty; nothing was written"):
        new_assignment(kit, dest, groups=2)
    assert tree(dest) == before
    empty = tmp_path / "empty"
    empty.mkdir()
    assert new_assignment(kit, empty, groups=1)  # an empty folder is fine


def test_the_command_line(tmp_path, capsys):
    power = tmp_path / "power.json"
    power.write_text(json.dumps(POWER), encoding="utf-8")
    assert main(["class", "new", "turing_text", str(tmp_path / "c"), "--groups", "2", "--power", str(power)]) == 0
    assert "wrote" in capsys.readouterr().out
    prereg = (tmp_path / "c" / "group-02" / "PREREGISTRATION.md").read_text(encoding="utf-8")
    assert "34 participants" in prereg
    # bad input: one line naming what is wrong, exit 1, nothing written
    for argv, message in (
            (["class", "new", "stroop", str(tmp_path / "d")], "no replication kit 'stroop'"),
            (["class", "new", "turing_text", str(tmp_path / "d"), "--groups", "0"], "--groups 0"),
            (["class", "new", "turing_text", str(tmp_path / "d"), "--power", str(tmp_path / "nope.json")],
             "--power .*nope.json: no such file"),
            (["class", "new", "turing_text", str(tmp_path / "c")], "already exists")):
        assert main(argv) == 1
        err = capsys.readouterr().err
        assert err.startswith("error: ") and err.count("\n") == 1, err
        assert __import__("re").search(message, err), err
    assert not Path(tmp_path / "d").exists()


def test_the_instructor_commands_name_the_model_measures_where_the_kit_needs_them(tmp_path):
    new_assignment(load_kit("surprisal_reading"), tmp_path / "reading")
    new_assignment(load_kit("turing_text"), tmp_path / "turing")
    reading = (tmp_path / "reading" / "instructor" / "README.md").read_text(encoding="utf-8")
    assert "psyai class report collected --kit surprisal_reading --out report --measures measures/model_measures.csv" in reading
    assert "--measures" not in (tmp_path / "turing" / "instructor" / "README.md").read_text(encoding="utf-8")


def test_the_preregistration_names_how_the_model_measures_are_made():
    kit = load_kit("word_importance")
    text = preregistration(kit, "en")
    assert f"(the same model for every group) with**: `{kit.stimuli_command}`" in text and "--measures attention,saliency" in text
