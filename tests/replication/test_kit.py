"""Replication kits: every shipped kit loads; bad kit.yaml files are refused in one line naming the field."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from psyai.errors import PsyaiError
from psyai.replication.kit import KITS_DIR, Kit, KitError, list_kits, load_kit
from psyai.study import EXPERIMENTS, packaged_root

SHIPPED = ("rlhf_preference", "surprisal_reading", "turing_text", "word_importance")


def test_the_four_kits_ship():
    assert list_kits() == sorted(SHIPPED)


@pytest.mark.parametrize("kit_id", SHIPPED)
def test_every_shipped_kit_loads_with_both_languages(kit_id):
    kit = load_kit(kit_id)
    assert isinstance(kit, Kit) and kit.id == kit_id and kit.path == KITS_DIR / kit_id
    assert kit.experiment in EXPERIMENTS
    assert kit.stimuli is None or kit.stimuli.is_relative_to(packaged_root()) and kit.stimuli.is_file()
    assert set(kit.title) == {"en", "ja"} and set(kit.effect["label"]) == {"en", "ja"}
    assert kit.effect["direction"] in ("positive", "negative") and kit.effect["sesoi"] > 0
    assert kit.original_se() > 0 and kit.original["n"] >= 2
    assert "doi.org" in kit.original["citation"] or "arxiv.org" in kit.original["citation"]
    assert {"original", "null"} <= set(kit.simulation) <= {"original", "null", "between_sd"}
    for name in ("protocol", "instructor"):
        for lang in ("en", "ja"):
            assert kit.text(name, lang).strip()
    assert kit.power["n_grid"] == sorted(kit.power["n_grid"])


def test_a_kit_loads_from_its_folder_and_from_its_yaml():
    assert load_kit(KITS_DIR / "turing_text").id == "turing_text"
    assert load_kit(KITS_DIR / "turing_text" / "kit.yaml").id == "turing_text"


def test_original_se_from_a_95_interval():
    # (ci_high − ci_low) / (2 × 1.959964): a 95% interval of 0.32–0.38 is an SE of 0.06 / 3.919928
    kit = load_kit("turing_text")
    kit.original.update(se=None, ci_low=0.32, ci_high=0.38)
    assert kit.original_se() == pytest.approx(0.0153064, abs=1e-7)


@pytest.fixture
def kit_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "turing_text"
    shutil.copytree(KITS_DIR / "turing_text", folder)
    return folder


def edit(folder: Path, old: str, new: str) -> None:
    path = folder / "kit.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize("old, new, field", [
    ("id: turing_text", "id: turing", "field id"),
    ("experiment: turing_test", "experiment: turing_tst", "field experiment"),
    ("stimuli: stimuli/turing_test/items.csv", "stimuli: stimuli/turing_test/nope.csv", "field stimuli"),
    ("stimuli: stimuli/turing_test/items.csv", "stimuli: ../../etc/passwd", "field stimuli"),
    ("direction: positive", "direction: up", "field effect.direction"),
    ("sesoi: 0.05", "sesoi: -0.05", "field effect.sesoi"),
    ("sesoi: 0.05", "sesoi: small", "field effect.sesoi"),
    ("  se: 0.0112", "  se: null", "field original.se"),
    ("  n: 390 ", "  n: many ", "field original.n"),
    ("    ja: \"チャンスレベル", "    jp: \"チャンスレベル", "field effect.label.ja"),
    ("settings: {lang: en, trials: 16}", "settings: {lang: fr, trials: 16}", "field settings.lang"),
    ("analysis: turing_test", "analysis: ranking", "field analysis"),
    ("power: {n_grid: [10, 20, 40, 80, 160]}", "power: {n_grid: [1, 20]}", "field power.n_grid"),
    ("  null: {dprime: 0.0}", "  null: [dprime]", "field simulation.null"),
])
def test_a_bad_field_is_refused_naming_the_file_and_field(kit_copy, old, new, field):
    edit(kit_copy, old, new)
    with pytest.raises(KitError, match=field) as info:
        load_kit(kit_copy)
    message = str(info.value)
    assert str(kit_copy / "kit.yaml") in message and "\n" not in message
    assert isinstance(info.value, PsyaiError)


def test_a_missing_field_is_named(kit_copy):
    edit(kit_copy, "analysis: turing_test\n", "")  # analysis is optional …
    assert load_kit(kit_copy).analysis is None
    edit(kit_copy, "experiment: turing_test\n", "")  # … the experiment is not
    with pytest.raises(KitError, match=r"kit.yaml: field experiment: missing"):
        load_kit(kit_copy)


def test_yaml_that_does_not_parse_is_refused_with_its_line(kit_copy):
    (kit_copy / "kit.yaml").write_text("id: turing_text\ntitle: {en: [\n", encoding="utf-8")
    with pytest.raises(KitError, match=r"kit.yaml line \d+: not valid YAML"):
        load_kit(kit_copy)


def test_a_missing_text_is_refused(kit_copy):
    (kit_copy / "protocol.ja.md").unlink()
    with pytest.raises(KitError, match=r"protocol.ja.md is missing"):
        load_kit(kit_copy)


def test_an_unknown_kit_lists_the_shipped_ones():
    with pytest.raises(KitError, match=r"no replication kit 'stroop'.*turing_text"):
        load_kit("stroop")


def test_text_refuses_unknown_names_and_languages():
    kit = load_kit("turing_text")
    with pytest.raises(KitError, match="no language 'de'"):
        kit.text("protocol", "de")
    with pytest.raises(KitError, match="no text 'prereg'"):
        kit.text("prereg", "en")


def test_how_far_the_original_numbers_were_checked_is_stated(kit_copy):
    # every shipped kit says it, and the unverified one warns in its preregistration
    from psyai.replication.prereg import preregistration

    assert {k: load_kit(k).original["verified"] for k in SHIPPED} == {
        "rlhf_preference": True, "surprisal_reading": True, "turing_text": True, "word_importance": True}
    assert "**Warning**" not in preregistration(load_kit("rlhf_preference"), "en")
    edit(kit_copy, "  verified: true", "  verified: false")
    assert "**Warning**: not every number" in preregistration(load_kit(kit_copy), "en")
    assert "**注意**" in preregistration(load_kit(kit_copy), "ja")
    edit(kit_copy, "  verified: false", "  verified: maybe")
    with pytest.raises(KitError, match="field original.verified: 'maybe'"):
        load_kit(kit_copy)


def test_psyai_class_kits_lists_them(capsys):
    from psyai.cli import main

    assert main(["class", "kits"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in lines] == sorted(SHIPPED)
    assert not any("numbers NOT checked" in line for line in lines)  # every shipped kit's numbers were read
    assert main(["class", "kits", "--lang", "ja"]) == 0
    assert load_kit("turing_text").title["ja"] in capsys.readouterr().out


@pytest.mark.parametrize("kit_id", SHIPPED)
def test_every_shipped_kit_explains_itself_in_both_languages(kit_id):
    kit = load_kit(kit_id)
    for text in (kit.effect["scale"], kit.original["design"], kit.original["note"]):
        assert set(text) == {"en", "ja"} and text["en"] != text["ja"]
        assert any("\u3040" <= ch <= "\u30ff" for ch in text["ja"]), text["ja"][:60]  # kana: written in Japanese
    # YAML folds a line break into a space: Japanese text may break only where it already has one
    import re

    wide = r"[\u3000-\u30ff\u4e00-\u9fff\uff00-\uffef]"
    for text in (kit.effect["scale"], kit.original["design"], kit.original["note"], kit.effect.get("sesoi_reason")):
        assert not text or not re.search(f"{wide} {wide}", text["ja"]), text["ja"]


def test_a_kit_written_in_one_language_is_read_for_both(kit_copy):
    import yaml

    data = yaml.safe_load((kit_copy / "kit.yaml").read_text(encoding="utf-8"))
    data["effect"]["scale"] = "proportion correct minus .5"
    data["original"]["note"] = {"en": "read in the paper"}  # a mapping must give both
    (kit_copy / "kit.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(KitError, match=r"field original.note.ja: missing"):
        load_kit(kit_copy)
    data["original"]["note"] = "read in the paper"
    (kit_copy / "kit.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    kit = load_kit(kit_copy)
    assert kit.effect["scale"] == {"en": "proportion correct minus .5", "ja": "proportion correct minus .5"}
    assert kit.original["note"]["ja"] == "read in the paper"
