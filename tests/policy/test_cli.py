"""``psyai policy train``: settings, one-line refusals of bad input, and a run through the real command."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from psyai import cli
from psyai.policy.config import ConfigError, PolicyConfig, add_config_arguments, resolve_config

ROOT = Path(__file__).resolve().parents[2]


def run(capsys, *argv: str) -> tuple[int, str, str]:
    status = cli.main(["policy", "train", *argv])
    out, err = capsys.readouterr()
    return status, out, err


def refused(capsys, *argv: str) -> str:
    """The one line ``psyai policy train`` prints for bad input (and checks it is one line, no traceback)."""
    status, out, err = run(capsys, *argv)
    assert status == 1 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in err
    return lines[0]


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_config_arguments(parser)
    return parser.parse_args(argv)


REQUIRED = ["--sft", "s", "--reward", "r", "--prompts", "p"]


@pytest.mark.parametrize("suffix, text", [
    (".yaml", "learning_rate: 3e-2\nbeta: 0.1\nprogress: false\n"),
    (".json", '{"learning_rate": 0.03, "beta": 0.1, "progress": false}'),
])
def test_settings_resolve_defaults_then_file_then_flags(tmp_path, suffix, text):
    path = tmp_path / f"policy{suffix}"
    path.write_text(text)
    config = resolve_config(_parse([*REQUIRED, "--config", str(path), "--beta", "0.2"]))
    assert config.learning_rate == 0.03  # from the file (YAML reads 3e-2 as text: converted)
    assert config.beta == 0.2  # the flag beats the file
    assert config.progress is False
    assert config.max_steps == PolicyConfig().max_steps  # the default
    assert PolicyConfig().beta > 0  # a KL penalty unless switched off


def test_a_config_file_with_an_unknown_setting_is_refused(tmp_path):
    path = tmp_path / "policy.yaml"
    path.write_text("beta: 0.1\nkl_coef: 0.2\n")
    with pytest.raises(ConfigError, match=r"unknown setting\(s\) kl_coef; the settings are sft, reward"):
        resolve_config(_parse([*REQUIRED, "--config", str(path)]))


@pytest.mark.parametrize("flags, message", [
    (["--beta", "-1"], r"beta=-1.0: the KL coefficient cannot be negative"),
    (["--learning-rate", "fast"], r"--learning-rate 'fast': expected a number such as 1e-5"),
    (["--max-steps", "2.5"], r"--max-steps '2.5': expected a whole number"),
    (["--num-generations", "1"], r"num_generations=1: RLOO .* needs at least 2"),
    (["--batch-size", "10"], r"batch_size=10 is not a multiple of num_generations=8: .* --batch-size 8"),
    (["--top-p", "2"], r"top_p=2.0: use a probability in \(0, 1\]"),
    (["--temperature", "0"], r"temperature=0.0: must be positive"),
    (["--device", "cuda:1"], r"device='cuda:1': use auto or cpu \(choose GPUs with CUDA_VISIBLE_DEVICES\)"),
    (["--learning-rate", "nan"], r"learning_rate=nan: must be a finite number"),
])
def test_bad_numbers_are_refused_naming_the_setting(flags, message):
    with pytest.raises(ConfigError, match=message):
        resolve_config(_parse([*REQUIRED, *flags]))


def test_missing_inputs_are_refused_in_one_line(capsys, tmp_path):
    assert "no sft given: pass --sft NAME_OR_PATH" in refused(capsys, "--reward", "r", "--prompts", "p",
                                                            "--out", str(tmp_path / "o"))


@pytest.fixture
def good(tiny, reward_chat, prompts_file):
    return {"--sft": tiny, "--reward": reward_chat, "--prompts": str(prompts_file)}


def argv(good: dict, out: Path, **changes: str) -> list[str]:
    flags = {**good, **{"--" + k.replace("_", "-"): v for k, v in changes.items()}}
    return [x for kv in flags.items() for x in kv] + ["--out", str(out), "--device", "cpu", "--no-progress"]


def test_a_reward_checkpoint_given_as_sft_is_refused(capsys, good, reward_chat, tmp_path):
    line = refused(capsys, *argv(good, tmp_path / "o", sft=reward_chat))
    assert f"--sft {reward_chat} is a psyai reward checkpoint" in line and "pass it as --reward" in line


def test_an_sft_folder_given_as_reward_is_refused(capsys, good, tiny, tmp_path):
    line = refused(capsys, *argv(good, tmp_path / "o", reward=tiny))
    assert "is a transformers model folder, without psyai_reward.json" in line


def test_missing_checkpoints_are_refused(capsys, good, tmp_path):
    assert "no such folder" in refused(capsys, *argv(good, tmp_path / "o", sft=str(tmp_path / "nowhere")))
    assert "reward checkpoint" in refused(capsys, *argv(good, tmp_path / "o", reward=str(tmp_path / "nowhere")))
    empty = tmp_path / "empty"
    empty.mkdir()
    assert "no config.json" in refused(capsys, *argv(good, tmp_path / "o", sft=str(empty)))


def test_an_encoder_given_as_sft_is_refused(capsys, good, tmp_path):
    from transformers import BertConfig

    BertConfig(vocab_size=50, hidden_size=8, num_hidden_layers=1, num_attention_heads=1,
               intermediate_size=8).save_pretrained(tmp_path / "bert")
    assert "is a bert encoder, not a causal LM" in refused(capsys, *argv(good, tmp_path / "o",
                                                                          sft=str(tmp_path / "bert")))


def test_an_empty_or_broken_prompt_file_is_refused(capsys, good, tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_text("prompt_id,lang,prompt\n", encoding="utf-8")
    assert f"{empty}: no prompts in the file" in refused(capsys, *argv(good, tmp_path / "o", prompts=str(empty)))
    broken = tmp_path / "broken.csv"
    broken.write_text("prompt_id,lang,prompt\np1,fr,Bonjour\n", encoding="utf-8")
    assert f"{broken} line 2: lang 'fr'" in refused(capsys, *argv(good, tmp_path / "o", prompts=str(broken)))


def test_ppo_is_refused_with_the_reason(capsys, good, tmp_path):
    import trl

    line = refused(capsys, *argv(good, tmp_path / "o", algorithm="ppo"))
    assert f"--algorithm ppo: TRL {trl.__version__} has no PPO trainer" in line and "use --algorithm rloo" in line


def test_an_existing_out_or_a_stopped_run_is_never_overwritten(capsys, good, tmp_path):
    out = tmp_path / "policy"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    assert "already exists; psyai never overwrites" in refused(capsys, *argv(good, out))
    assert (out / "keep.txt").read_text() == "mine"
    other = tmp_path / "other"
    (tmp_path / "other.partial").mkdir()
    assert "other.partial is left from a run that stopped" in refused(capsys, *argv(good, other))
    assert not other.exists()


def test_psyai_policy_train_runs_as_a_command(good, tmp_path):
    """``python -m psyai policy train`` (the form ``accelerate launch -m psyai`` runs): JSON summary, the folder."""
    out = tmp_path / "policy"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    result = subprocess.run([sys.executable, "-m", "psyai", "policy", "train", *argv(good, out),
                             "--max-steps", "2", "--batch-size", "4", "--num-generations", "2",
                             "--max-completion-length", "4"],
                            capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    summary = json.loads(result.stdout)
    assert summary["steps"] == 2 and summary["policy"] == str(out) and summary["first_kl"] == 0.0
    meta = json.loads((out / "psyai_policy.json").read_text(encoding="utf-8"))
    assert "policy train" in meta["command_line"] and meta["config"]["max_steps"] == 2
    assert {p.name for p in out.iterdir()} >= {"config.json", "model.safetensors", "tokenizer.json",
                                               "psyai_policy.json", "training_log.csv", "training_summary.json"}


def test_a_hub_name_that_cannot_be_loaded_offline_is_refused_and_leaves_nothing(capsys, good, tmp_path):
    line = refused(capsys, *argv(good, tmp_path / "o", sft="no-such-org-xyz/no-such-model"))
    assert "cannot load the tokenizer of hub model no-such-org-xyz/no-such-model" in line
    assert not (tmp_path / "o").exists() and not (tmp_path / "o.partial").exists()
