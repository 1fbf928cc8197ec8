"""Issue 5 end to end: a real (tiny, local) transformer's word measures drive simulated participants
through the real highlight and self-paced reading experiments; the analysis recovers what drove them."""

from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd
import pytest

from tests.helpers import ROOT

pytestmark = pytest.mark.slow
STIMULI = ROOT / "stimuli" / "attention" / "items.csv"


def psyai(*args: str) -> subprocess.CompletedProcess:
    res = subprocess.run([sys.executable, "-m", "psyai.cli", *args], capture_output=True, text=True, cwd=ROOT,
                         timeout=600)
    assert res.returncode == 0, res.stderr[-3000:]
    return res


@pytest.fixture(scope="module")
def measures(tiny, tmp_path_factory):
    out = tmp_path_factory.mktemp("measures") / "measures.csv"
    psyai("attention", "extract", "--model", tiny, "--texts", str(STIMULI), "--out", str(out), "--lang", "en")
    table = pd.read_csv(out, dtype={"text_id": str})
    assert set(table.measure) == {"attention", "rollout", "saliency", "surprisal"}
    return out, table


def per_word(table: pd.DataFrame, measure: str, layer: int, path) -> str:
    rows = table[(table.measure == measure) & (table.layer == layer)]
    rows.groupby(["text_id", "word_index"]).value.mean().reset_index().to_csv(path, index=False)
    return str(path)


def test_highlights_driven_by_layer_attention_are_recovered(measures, tmp_path):
    out, table = measures
    drive = per_word(table, "attention", 1, tmp_path / "layer1.csv")
    psyai("simulate", "attention_highlight", "--participants", "12", "--lang", "en", "--weight", "2.5",
          "--measures", drive, "--out", str(tmp_path / "sim"))
    psyai("analyze", "attention", str(tmp_path / "sim"), "--out", str(tmp_path / "report"), "--model-measures", str(out))
    results = json.loads((tmp_path / "report" / "results.json").read_text(encoding="utf-8"))
    best = {b["human_measure"]: b for b in results["best"]}["selection_rate"]
    assert best["model_measure"] == "attention" and best["mean_rho"] > 0.5 and best["p_holm"] < 0.01


def test_reading_times_driven_by_surprisal_give_back_its_slope(measures, tmp_path):
    out, table = measures
    drive = per_word(table, "surprisal", -1, tmp_path / "surprisal.csv")
    psyai("simulate", "self_paced_reading", "--participants", "8", "--lang", "en", "--b-measure", "0.03",
          "--measures", drive, "--out", str(tmp_path / "sim"))
    psyai("analyze", "attention", str(tmp_path / "sim"), "--out", str(tmp_path / "report"), "--model-measures", str(out))
    lmm = json.loads((tmp_path / "report" / "results.json").read_text(encoding="utf-8"))["lmm"]
    fixed = {f["term"]: f for f in lmm["fixed"]}
    assert fixed["surprisal"]["ci_low"] < 0.03 < fixed["surprisal"]["ci_high"]
    assert fixed["attention"]["ci_low"] < 0.0 < fixed["attention"]["ci_high"]  # not a driver: no effect


def test_japanese_bunsetsu_reading_times_give_back_the_surprisal_slope(tiny, tmp_path):
    """The same in Japanese, one bunsetsu per key press: measures extracted by bunsetsu drive the readers and
    the slope comes back; measures extracted by morpheme are refused, naming the item and the fix."""
    out = tmp_path / "bunsetsu.csv"
    psyai("attention", "extract", "--model", tiny, "--texts", str(STIMULI), "--out", str(out), "--lang", "ja",
          "--unit", "bunsetsu", "--measures", "surprisal,attention")
    table = pd.read_csv(out, dtype={"text_id": str})
    drive = per_word(table, "surprisal", -1, tmp_path / "surprisal.csv")
    psyai("simulate", "self_paced_reading", "--participants", "8", "--lang", "ja", "--unit", "bunsetsu",
          "--b-measure", "0.03", "--measures", drive, "--out", str(tmp_path / "sim"))
    psyai("analyze", "attention", str(tmp_path / "sim"), "--out", str(tmp_path / "report"), "--model-measures", str(out))
    lmm = json.loads((tmp_path / "report" / "results.json").read_text(encoding="utf-8"))["lmm"]
    fixed = {f["term"]: f for f in lmm["fixed"]}
    assert fixed["surprisal"]["ci_low"] < 0.03 < fixed["surprisal"]["ci_high"]
    morphemes = tmp_path / "morphemes.csv"
    psyai("attention", "extract", "--model", tiny, "--texts", str(STIMULI), "--out", str(morphemes), "--lang", "ja",
          "--measures", "surprisal,attention")
    res = subprocess.run([sys.executable, "-m", "psyai.cli", "analyze", "attention", str(tmp_path / "sim"), "--out",
                          str(tmp_path / "report2"), "--model-measures", str(morphemes)],
                         capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert res.returncode == 1 and "split the text into words differently" in res.stderr
    assert "--unit" in res.stderr and not (tmp_path / "report2" / "results.json").exists()
