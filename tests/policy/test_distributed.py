"""``psyai policy train`` launched as two processes (torchrun, as accelerate launch does on several GPUs)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_two_processes_train_one_policy_and_write_it_once(tiny, reward_plain, prompts_file, tmp_path):
    out = tmp_path / "policy"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
           "OMP_NUM_THREADS": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2", "-m", "psyai", "policy", "train",
         "--sft", tiny, "--reward", reward_plain, "--prompts", str(prompts_file), "--out", str(out),
         "--max-steps", "2", "--batch-size", "4", "--num-generations", "2", "--max-completion-length", "4",
         "--no-progress"],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.count('"policy"') == 1  # the summary is printed by the main process only
    meta = json.loads((out / "psyai_policy.json").read_text(encoding="utf-8"))
    # each process generates its own completions: a step sees 2 × 4 of them
    assert meta["trl"]["num_processes"] == 2 and meta["trl"]["generation_batch_size"] == 8
    rows = (out / "training_log.csv").read_text(encoding="utf-8").splitlines()
    assert len(rows) == 1 + 2  # header + one row per step, written once
    assert not out.with_name("policy.partial").exists()
