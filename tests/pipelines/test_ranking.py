"""Issue 4 end to end: simulated rankers go through the real ranking experiment, curation,
reward-model training and evaluation; the model predicts held-out participants near the
simulated agreement ceiling."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from psyai.models.demo import tiny_causal_lm
from psyai.participants.stimuli import write_synthetic_rankings
from tests.helpers import ROOT

pytestmark = pytest.mark.slow


def psyai(*args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "psyai.cli", *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=timeout)


def test_real_experiment_to_reward_model_near_the_ceiling(tmp_path):
    stim = write_synthetic_rankings(tmp_path / "rank.csv", n_prompts=24, k=4, langs=("en",))
    res = psyai("simulate", "ranking", "--participants", "12", "--stimuli", str(stim), "--seed", "4",
                "--out", str(tmp_path / "sim"))
    assert res.returncode == 0, res.stderr[-3000:]
    backbone = tiny_causal_lm(tmp_path / "tiny")
    res = psyai("reward", "train", str(tmp_path / "sim"), "--model", str(backbone), "--out", str(tmp_path / "ckpt"),
                "--num-epochs", "2", "--learning-rate", "1e-3", "--batch-size", "8", "--device", "cpu",
                "--eval-fraction", "0.25", "--no-progress")
    assert res.returncode == 0, res.stderr[-3000:]
    trained = json.loads(res.stdout)
    assert trained["curation_dropped_rows"] == 0  # synthetic texts hold no personal information
    assert (tmp_path / "ckpt" / "curation_summary.csv").exists()
    assert trained["last_loss"] < trained["first_loss"]
    res = psyai("reward", "eval", str(tmp_path / "ckpt"), str(tmp_path / "sim"))
    assert res.returncode == 0, res.stderr[-3000:]
    ev = json.loads(res.stdout)
    assert 0.6 < ev["agreement_ceiling"] < 0.9
    assert ev["heldout_accuracy"] > ev["agreement_ceiling"] - 0.05, ev
    res = psyai("analyze", "ranking", str(tmp_path / "sim"), "--out", str(tmp_path / "report"))
    assert res.returncode == 0, res.stderr[-3000:]
    results = json.loads((tmp_path / "report" / "results.json").read_text(encoding="utf-8"))
    scores = {row["model"]: row for row in results["bradley_terry"]["scores"]}
    assert set(scores) == {"sim-large", "sim-medium", "sim-small"}
    # the simulated models' quality order (psyai.participants.rankers.SIM_MODELS) comes back out of the people's rankings
    assert scores["sim-large"]["ci_low"] > scores["sim-medium"]["ci_high"]
    assert scores["sim-medium"]["ci_low"] > scores["sim-small"]["ci_high"]
