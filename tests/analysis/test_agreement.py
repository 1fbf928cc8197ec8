"""Tests of analysis/agreement.py (``psyai analyze agreement``): the composition of the
psyai.stats.agreement functions for a labels table, the sentences, report and command line.

The statistics are pinned to outside values in tests/stats/test_agreement.py (hand
computations, Krippendorff's published example, R's irr). Here: the analysis's numbers are
R's (labels_reference.json) for the simulated labels in tests/stats/reference/, its
intervals are those functions' with the stated seed, the level of measurement comes from
where the report says, and the command line runs on what ``psyai import labels`` writes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.agreement import AgreementConfig, analyze, load_labels, main, write_results
from psyai.errors import DataError
from psyai.stats import agreement

REPO = Path(__file__).resolve().parents[2]
REF_DIR = REPO / "tests" / "stats" / "reference"
REF = json.loads((REF_DIR / "labels_reference.json").read_text())
CATEGORIES = ["none", "offensive", "hateful"]


@pytest.fixture(scope="module")
def labels() -> pd.DataFrame:
    return pd.read_csv(REF_DIR / "labels_data.csv").drop(columns="score")


@pytest.fixture(scope="module")
def scores() -> pd.DataFrame:
    d = pd.read_csv(REF_DIR / "labels_data.csv")
    return d.drop(columns="label").rename(columns={"score": "label"})


def _strict(text: str) -> dict:
    return json.loads(text, parse_constant=lambda c: pytest.fail(f"results.json holds {c}"))


def test_alpha_at_each_level_is_rs_and_its_interval_is_the_bootstrap_of_the_stats_function(labels, scores):
    res = analyze(labels, AgreementConfig(measurement="ordinal", order=CATEGORIES, n_boot=200, seed=3))
    # R: kripp.alpha(<character matrix>, "nominal"); kripp.alpha(<codes 1 < 2 < 3>, "ordinal")
    assert res["alpha"]["nominal"]["alpha"] == pytest.approx(REF["label"]["nominal"], rel=1e-12)
    assert res["alpha"]["ordinal"]["alpha"] == pytest.approx(REF["label"]["ordinal"], rel=1e-12)
    assert res["alpha"]["ordinal"]["primary"] and not res["alpha"]["nominal"]["primary"]
    assert "interval" in res["alpha_not_computed"] and "interval" not in res["alpha"]
    # the levels draw in turn from one generator seeded with the seed: nominal first, then ordinal
    rng = np.random.default_rng(3)
    nominal = agreement.krippendorff_alpha_ci(labels, "item", "annotator", "label", level_of_measurement="nominal",
                                              n_boot=200, seed=rng, order=CATEGORIES)
    ordinal = agreement.krippendorff_alpha_ci(labels, "item", "annotator", "label", level_of_measurement="ordinal",
                                              n_boot=200, seed=rng, order=CATEGORIES)
    assert (res["alpha"]["nominal"]["ci_low"], res["alpha"]["nominal"]["ci_high"]) == (nominal["ci_low"],
                                                                                        nominal["ci_high"])
    assert (res["alpha"]["ordinal"]["ci_low"], res["alpha"]["ordinal"]["ci_high"]) == (ordinal["ci_low"],
                                                                                        ordinal["ci_high"])
    # numbers: every level; R: kripp.alpha(<scores>, level)
    res = analyze(scores, AgreementConfig(measurement="interval", n_boot=100))
    for level in ("nominal", "ordinal", "interval"):
        assert res["alpha"][level]["alpha"] == pytest.approx(REF["score"][level], rel=1e-12)
    assert res["alpha_not_computed"] == {} and res["alpha"]["interval"]["primary"]
    assert res["n_labels"] == scores["label"].notna().sum() and res["n_annotators"] == 5 and res["n_items"] == 40


def test_words_without_an_order_get_nominal_alpha_only_and_say_why(labels):
    res = analyze(labels, AgreementConfig(n_boot=100))
    assert list(res["alpha"]) == ["nominal"] and res["measurement"] == "nominal"
    assert "no order was given" in res["alpha_not_computed"]["ordinal"]
    assert "Not computed: ordinal α (the labels are words and no order was given" in res["sentences"]["alpha"]
    with pytest.raises(DataError, match=r"at the ordinal level \(option\) cannot be computed: the labels are words "
                                        r"and no order was given.*--order lowest"):
        analyze(labels, AgreementConfig(measurement="ordinal", measurement_source="option", n_boot=100))


def test_fleiss_kappa_where_it_applies_and_the_sentence_where_it_does_not(labels):
    res = analyze(labels, AgreementConfig(n_boot=100))
    assert res["fleiss"]["kappa"] is None and res["fleiss_categories"] == []
    assert res["sentences"]["fleiss"].startswith("Fleiss' κ does not apply to these labels: Fleiss' kappa needs the "
                                                 "same number of ratings on every unit")
    complete = pd.read_csv(REF_DIR / "labels_complete.csv")
    res = analyze(complete, AgreementConfig(n_boot=200))
    f = res["fleiss"]
    assert f["kappa"] == pytest.approx(REF["fleiss"]["kappa"], rel=1e-12)  # R: kappam.fleiss(ratings)
    assert f["z"] == pytest.approx(REF["fleiss"]["z"], rel=1e-10) and f["not_applicable"] is None
    assert [r["category"] for r in res["fleiss_categories"]] == REF["fleiss"]["categories"]
    assert "with 4 labels on each of 30 items in 3 categories" in res["sentences"]["fleiss"]
    assert f"κ = {REF['fleiss']['kappa']:.2f}".replace("0.", ".") in res["sentences"]["fleiss"]


def test_annotator_table_is_alpha_without_each_and_the_sentence_names_the_careless_one(labels):
    res = analyze(labels, AgreementConfig(measurement="ordinal", order=CATEGORIES, n_boot=100))
    table = res["tables"]["annotators"].set_index("annotator")
    # R: kripp.alpha(m[rownames(m) != a, ], "ordinal")
    assert table["alpha_without"].to_dict() == pytest.approx(REF["label_without"]["ordinal"], rel=1e-12)
    assert "agreement rose most without a5" in res["sentences"]["annotators"]
    two = labels[labels["annotator"].isin(["a1", "a2"])]
    res = analyze(two, AgreementConfig(n_boot=100))
    assert res["sentences"]["annotators"].startswith("With fewer than three annotators")


def test_analyze_writes_strict_json_and_a_report(labels, tmp_path):
    res = analyze(labels, AgreementConfig(measurement="ordinal", order=CATEGORIES, n_boot=100,
                                          measurement_source="import"))
    paths = write_results(res, tmp_path / "out")
    data = _strict(paths["json"].read_text(encoding="utf-8"))
    assert data["settings"] == {"measurement": "ordinal", "order": CATEGORIES, "level": 0.95, "n_boot": 100,
                                "seed": 0, "measurement_source": "import"}
    assert data["labels"][0]["label"] == "none" and sum(r["n"] for r in data["labels"]) == data["n_labels"]
    html = paths["html"].read_text(encoding="utf-8")
    for text in ("Krippendorff&#x27;s α (ordinal) = .75", "percentile bootstraps that resample items",
                 "not Krippendorff&#x27;s own bootstrap", "the level given to psyai import labels",
                 "Fleiss&#x27; κ does not apply", "without each annotator"):
        assert text in html, text
    assert (tmp_path / "out" / "figures").is_dir()


def test_load_labels_reads_every_cell_as_text(tmp_path):
    f = tmp_path / "own.csv"
    f.write_text("item,annotator,label\n1,a,None\n1,b,NA\n2,a,\n", encoding="utf-8")
    table, settings = load_labels(f)
    assert table["label"].tolist()[:2] == ["None", "NA"] and pd.isna(table["label"].iloc[2]) and settings == {}
    assert table["item"].tolist() == ["1", "1", "2"]
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match="holds no labels.csv"):
        load_labels(tmp_path / "empty")
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "labels.csv").write_text("item,annotator,label\n", encoding="utf-8")
    (tmp_path / "other" / "import_report.json").write_text('{"kind": "preferences"}', encoding="utf-8")
    with pytest.raises(DataError, match="report of a 'preferences' import, not of labels"):
        load_labels(tmp_path / "other")
    bad = tmp_path / "bad.csv"
    bad.write_text("item,coder,label\n1,a,x\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"no column\(s\) annotator; a labels table has item, annotator and label"):
        load_labels(bad)


def test_main_takes_the_level_from_the_import_unless_told(labels, tmp_path, capsys):
    from psyai.data.importing import Imported, write_import

    folder = tmp_path / "imported"
    write_import(Imported("labels", {"labels": labels}, [], settings={"level": "ordinal", "order": CATEGORIES}),
                 folder, argv=[])
    out = tmp_path / "out"
    assert main([str(folder), "--out", str(out / "a"), "--n-boot", "100"]) == 0
    data = _strict((out / "a" / "results.json").read_text(encoding="utf-8"))
    assert data["measurement"] == "ordinal" and data["settings"]["measurement_source"] == "import"
    assert data["alpha"]["ordinal"]["alpha"] == pytest.approx(REF["label"]["ordinal"], rel=1e-12)
    assert "analysis/agreement.py" in data["command_line"]
    assert main([str(folder), "--out", str(out / "b"), "--n-boot", "100", "--measurement", "nominal"]) == 0
    data = _strict((out / "b" / "results.json").read_text(encoding="utf-8"))
    assert data["measurement"] == "nominal" and data["settings"]["measurement_source"] == "option"
    assert data["alpha"]["nominal"]["primary"] and not data["alpha"]["ordinal"]["primary"]
    # a plain CSV: no import settings, so nominal by default, and the report says so
    labels.to_csv(tmp_path / "plain.csv", index=False)
    assert main([str(tmp_path / "plain.csv"), "--out", str(out / "c"), "--n-boot", "100"]) == 0
    data = _strict((out / "c" / "results.json").read_text(encoding="utf-8"))
    assert data["settings"]["measurement_source"] == "default"
    assert "the default: no level was given" in (out / "c" / "report.html").read_text(encoding="utf-8")
    capsys.readouterr()
    assert main([str(tmp_path / "plain.csv"), "--out", str(out / "d"), "--measurement", "interval"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: Krippendorff's alpha at the interval level (option) cannot be computed: the labels "
                          "are words, not numbers") and len(err.strip().splitlines()) == 1
    assert main([str(tmp_path / "nope"), "--out", str(out / "e")]) == 1
    assert "no such file or folder" in capsys.readouterr().err


def test_psyai_import_then_psyai_analyze_agreement_from_another_folder(tmp_path):
    """The researcher's two commands, run outside the checkout: psyai finds its own analysis/agreement.py."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    res = subprocess.run([sys.executable, "-m", "psyai.cli", "import", "labels", str(REF_DIR / "labels_data.csv"),
                          "--label", "score", "--level", "interval", "--out", "imported"],
                         capture_output=True, text=True, timeout=120, cwd=tmp_path, env=env)
    assert res.returncode == 0, res.stderr
    res = subprocess.run([sys.executable, "-m", "psyai.cli", "analyze", "agreement", "imported", "--out", "results",
                          "--n-boot", "200"], capture_output=True, text=True, timeout=300, cwd=tmp_path, env=env)
    assert res.returncode == 0, res.stderr
    assert f"analysis: {REPO / 'analysis' / 'agreement.py'}" in res.stderr
    data = _strict((tmp_path / "results" / "results.json").read_text(encoding="utf-8"))
    assert data["measurement"] == "interval" and data["settings"]["measurement_source"] == "import"
    assert data["alpha"]["interval"]["alpha"] == pytest.approx(REF["score"]["interval"], rel=1e-12)
    assert data["command_line"].startswith("psyai analyze agreement imported")
    res = subprocess.run([sys.executable, "-m", "psyai.cli", "analyze", "agreement", "--help"], capture_output=True,
                         text=True, timeout=120, cwd=tmp_path, env=env)
    assert res.returncode == 0 and "--measurement" in res.stdout and "usage: psyai analyze agreement" in res.stdout
