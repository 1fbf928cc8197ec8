"""``psyai reward train|eval|score|bench`` and the settings they resolve."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pandas as pd
import pytest

from psyai.errors import PsyaiError
from psyai.data.log import DurableLog
from psyai.participants.rankers import CohortRankers, simulate_rankings, synthetic_ranking_items
from psyai.reward import cli
from psyai.reward.bench import run_bench
from psyai.reward.config import ConfigError, RewardConfig, add_config_arguments, resolve_config

TRAIN_FLAGS = ["--learning-rate", "1e-3", "--device", "cpu", "--no-progress", "--eval-fraction", "0.25",
               "--folds", "3", "--num-epochs", "2"]


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return simulate_rankings(CohortRankers(seed=7), synthetic_ranking_items(12, 6, seed=7), 8)


def write_ranking_logs(frame: pd.DataFrame, data_dir: Path) -> Path:
    """The long-form table as durable session logs (docs/DATA.md), for psyai.data.load_rankings."""
    for participant, rows in frame.groupby("participant"):
        folder = data_dir / f"sub-{participant}" / "ses-1"
        folder.mkdir(parents=True)
        with DurableLog.create(folder / f"sub-{participant}_ses-1_log.jsonl") as log:
            log.stamp = {"run_mode": "simulated"}
            log.write({"record": "header", "experiment": "ranking", "participant": participant, "session": 1,
                       "lang": "en", "simulation": {"source": "tests/reward/test_cli.py"}})
            for index, (prompt_id, trial) in enumerate(rows.groupby("prompt_id", sort=False)):
                trial = trial.sort_values("position")
                log.write({
                    "record": "trial", "experiment": "ranking", "participant": participant, "session": 1,
                    "pilot": False, "simulated": True, "phase": "main", "trial_index": index, "lang": "en",
                    "list": 0, "rt": 10.0, "resumed": False, "block": 0, "prompt_id": prompt_id,
                    "prompt": trial.prompt.iloc[0], "allow_ties": False, "item_ids": trial.item_id.tolist(),
                    "models": trial.model.tolist(), "texts": trial.text.tolist(),
                    "ranks": [int(r) for r in trial["rank"]],
                    **{s: [int(v) for v in trial[s]] for s in ("helpfulness", "truthfulness", "harmlessness")},
                    "flag_harmful": [bool(v) for v in trial.flag_harmful],
                    "flag_invented_facts": [bool(v) for v in trial.flag_invented_facts],
                })
            log.write({"record": "end", "status": "completed", "n_trials_done": int(rows.prompt_id.nunique())})
    return data_dir


def run(capsys, *argv: str) -> tuple[int, str, str]:
    status = cli.main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


# -- settings -------------------------------------------------------------------------------------

def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_config_arguments(parser)
    return parser.parse_args(argv)


@pytest.mark.parametrize("suffix, text", [
    (".yaml", "learning_rate: 0.002\nbatch_size: 4\nnormalize: false\n"),
    (".json", '{"learning_rate": 0.002, "batch_size": 4, "normalize": false}'),
])
def test_settings_resolve_defaults_then_file_then_flags(tmp_path, suffix, text):
    path = tmp_path / f"reward{suffix}"
    path.write_text(text)
    config = resolve_config(_parse(["--model", "m", "--config", str(path), "--batch-size", "16"]))
    assert config.learning_rate == 0.002  # from the file
    assert config.batch_size == 16  # the flag beats the file
    assert config.normalize is False  # from the file
    assert config.num_epochs == RewardConfig().num_epochs  # the default
    assert resolve_config(_parse(["--model", "m", "--normalize", "--config", str(path)])).normalize is True


@pytest.mark.parametrize("text, match", [
    ("learning_rat: 0.1\n", "unknown setting\\(s\\) learning_rat; the settings are model, pooling"),
    ("- 1\n- 2\n", "must hold a mapping"),
    ("batch_size: many\n", "--batch-size .many.: expected a whole number"),
    ("learning_rate: fast\n", "--learning-rate 'fast': expected a number"),
    ("a: [1\n", "not valid YAML"),
])
def test_bad_config_files_are_refused(tmp_path, text, match):
    path = tmp_path / "reward.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=match):
        resolve_config(_parse(["--model", "m", "--config", str(path)]))


def test_yaml_exponents_without_a_dot_are_numbers(tmp_path):
    (tmp_path / "reward.yaml").write_text("learning_rate: 1e-3\n")  # PyYAML reads this as a string
    assert resolve_config(_parse(["--model", "m", "--config", str(tmp_path / "reward.yaml")])).learning_rate == 1e-3


def test_config_file_must_exist_and_be_yaml_or_json(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        resolve_config(_parse(["--config", str(tmp_path / "none.yaml")]))
    (tmp_path / "reward.toml").write_text("x = 1")
    with pytest.raises(ConfigError, match="use a .yaml, .yml or .json file"):
        resolve_config(_parse(["--config", str(tmp_path / "reward.toml")]))


def test_every_setting_has_help_and_a_flag():
    from dataclasses import fields

    parser = argparse.ArgumentParser()
    add_config_arguments(parser)
    text = parser.format_help()
    for f in fields(RewardConfig):
        assert f.metadata["help"]
        assert "--" + f.name.replace("_", "-") in text


# -- train, eval, score ---------------------------------------------------------------------------

def test_train_eval_score_from_a_data_folder(tmp_path, capsys, tiny, frame):
    data = write_ranking_logs(frame, tmp_path / "data" / "ranking")
    ckpt = tmp_path / "rm"
    status, out, err = run(capsys, "train", str(data), "--model", tiny, "--out", str(ckpt), *TRAIN_FLAGS)
    assert status == 0, err
    trained = json.loads(out)
    assert trained["eval_participants"] == 2 and trained["train_participants"] == 6
    assert trained["last_loss"] < trained["first_loss"]
    meta = json.loads((ckpt / "psyai_reward.json").read_text())
    assert meta["command_line"] and meta["config"]["folds"] == 3 and meta["config"]["num_epochs"] == 2

    status, out, err = run(capsys, "eval", str(ckpt), str(data), "--folds", "2")
    assert status == 0, err
    result = json.loads(out)
    assert result["heldout_accuracy"] == pytest.approx(trained["heldout_accuracy"])
    assert result["n_heldout_participants"] == 2 and result["excluded_trained_participants"] == 6
    for key in ("heldout_accuracy", "agreement_ceiling"):
        lo, hi = result[f"{key}_ci"]
        assert 0 <= lo <= result[key] <= hi <= 1

    status, out, err = run(capsys, "score", str(ckpt), "--prompt", "Tell me about cats.",
                           "--response", "clear useful honest kind.", "--response", "vague rude wrong sloppy.")
    assert status == 0, err
    good, bad = (s["reward"] for s in json.loads(out)["scores"])
    assert good > bad


def test_train_from_a_csv_with_cross_validation(tmp_path, capsys, tiny, frame):
    frame.to_csv(tmp_path / "rankings.csv", index=False)
    status, out, err = run(capsys, "train", str(tmp_path / "rankings.csv"), "--model", tiny, "--out",
                           str(tmp_path / "rm"), *TRAIN_FLAGS, "--cross-validate")
    assert status == 0, err
    cv = json.loads(out)["cross_validation"]
    assert cv["folds"] == 3 and len(cv["heldout_accuracy_ci"]) == 2
    meta = json.loads((tmp_path / "rm" / "psyai_reward.json").read_text())
    assert len(meta["cross_validation"]["per_fold"]) == 3


def test_train_refuses_an_existing_checkpoint_before_training(tmp_path, capsys, tiny, frame):
    frame.to_csv(tmp_path / "rankings.csv", index=False)
    (tmp_path / "rm").mkdir()
    status, out, err = run(capsys, "train", str(tmp_path / "rankings.csv"), "--model", tiny, "--out",
                           str(tmp_path / "rm"), *TRAIN_FLAGS)
    assert status == 1 and "already exists; psyai never overwrites a checkpoint" in err
    assert list((tmp_path / "rm").iterdir()) == []


def test_train_reports_data_that_cannot_train_in_one_line(tmp_path, capsys, tiny, frame):
    frame.assign(rank=1).to_csv(tmp_path / "ties.csv", index=False)
    status, out, err = run(capsys, "train", str(tmp_path / "ties.csv"), "--model", tiny, "--out",
                           str(tmp_path / "rm"), *TRAIN_FLAGS)
    assert status == 1 and err.startswith("error: every ranking is a tie") and out == ""
    assert not (tmp_path / "rm").exists()


def test_eval_needs_participants_the_checkpoint_has_not_seen(tmp_path, capsys, tiny, frame):
    frame.to_csv(tmp_path / "rankings.csv", index=False)
    ckpt = tmp_path / "rm"
    assert run(capsys, "train", str(tmp_path / "rankings.csv"), "--model", tiny, "--out", str(ckpt),
               *TRAIN_FLAGS, "--eval-fraction", "0")[0] == 0
    status, out, err = run(capsys, "eval", str(ckpt), str(tmp_path / "rankings.csv"))
    assert status == 1 and "no participants left for evaluation" in err
    status, out, err = run(capsys, "eval", str(ckpt), str(tmp_path / "rankings.csv"), "--include-trained")
    assert status == 0 and json.loads(out)["n_heldout_participants"] == 8


def test_score_refuses_an_empty_response_and_a_non_checkpoint(capsys, tiny):
    status, _, err = run(capsys, "score", tiny, "--response", "hello")
    assert status == 1 and "not a reward checkpoint" not in err and "transformers model folder" in err
    status, _, err = run(capsys, "score", tiny, "--response", "  ")
    assert status == 1 and "--response number 1 is empty" in err


def test_add_arguments_plugs_into_a_parent_command(capsys):
    parser = argparse.ArgumentParser(prog="psyai")
    sub = parser.add_subparsers(dest="command", required=True)
    reward = sub.add_parser("reward")
    cli.add_arguments(reward.add_subparsers(dest="reward_command", required=True))
    reward.set_defaults(func=cli.run)
    args = parser.parse_args(["reward", "score", "ckpt", "--prompt", "p", "--response", "r"])
    assert args.func is cli.run and args.reward_func is cli.score
    with pytest.raises(SystemExit):
        parser.parse_args(["reward", "train", "data"])  # --out is required
    assert "--out CKPT" in capsys.readouterr().err


def test_a_missing_data_path_names_the_fix(tmp_path):
    with pytest.raises(PsyaiError, match="does not exist; pass a ranking data folder"):
        cli.load_table(tmp_path / "none")


def test_csv_texts_are_read_as_written_and_rows_without_a_session_are_refused(tmp_path):
    """"None" and "N/A" are answers, not missing values; a blank session would have dropped its rankings."""
    from psyai.reward.data import rankings_from_frame

    rows = [{"participant": p, "session": 1, "prompt_id": "q1", "prompt": "Anything to add?", "item_id": f"o{k}",
             "text": text, "rank": k + 1} for p in ("p1", "p2") for k, text in enumerate(["None", "N/A", "NA"])]
    path = tmp_path / "r.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    table = cli.load_table(path)
    assert table["text"].tolist() == ["None", "N/A", "NA"] * 2
    assert len(rankings_from_frame(table)) == 2
    lines = path.read_text().splitlines()
    lines[4] = lines[4].replace("p2,1,", "p2,,")  # p2's first output loses its session
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(PsyaiError, match="1 row\\(s\\) have no session \\(first: participant p2"):
        rankings_from_frame(cli.load_table(path))


# -- bad input: one line, no traceback -----------------------------------------------------------

@pytest.fixture(scope="module")
def untrained(tiny, tmp_path_factory) -> Path:
    """A real checkpoint (an untrained head is enough to load it) to break."""
    from psyai.reward.model import RewardModel

    return RewardModel.from_backbone(tiny, device="cpu").save_pretrained(tmp_path_factory.mktemp("ckpt") / "rm")


def _broken_copy(checkpoint: Path, tmp_path: Path, name: str, text: str) -> Path:
    import shutil

    broken = Path(shutil.copytree(checkpoint, tmp_path / "broken"))
    (broken / name).write_text(text, encoding="utf-8")
    return broken


def test_score_and_eval_report_a_broken_checkpoint_in_one_line(tmp_path, capsys, untrained, frame):
    config = json.loads((untrained / "config.json").read_text())
    broken = _broken_copy(untrained, tmp_path, "config.json", json.dumps({**config, "n_layer": 0}))
    frame.to_csv(tmp_path / "rankings.csv", index=False)
    expected = (f"error: {broken / 'config.json'}: field n_layer is 0; a size must be a whole number above 0 "
                "(written without quotes); copy the whole folder of one training run (psyai reward train --out), "
                "or retrain\n")
    status, out, err = run(capsys, "score", str(broken), "--response", "hello", "--device", "cpu")
    assert (status, out, err) == (1, "", expected)
    status, out, err = run(capsys, "eval", str(broken), str(tmp_path / "rankings.csv"), "--device", "cpu")
    assert (status, out, err) == (1, "", expected)


def test_the_psyai_command_reports_a_corrupt_tokenizer_in_one_line(tmp_path, untrained):
    import subprocess
    import sys

    broken = _broken_copy(untrained, tmp_path, "tokenizer.json", '{"version": "1.0", "model": {"type": "BPE"')
    res = subprocess.run([sys.executable, "-m", "psyai.cli", "reward", "score", str(broken), "--response", "hi",
                          "--device", "cpu"], capture_output=True, text=True, timeout=300)
    assert res.returncode == 1 and res.stdout == "" and "Traceback" not in res.stderr
    assert res.stderr.splitlines() == [
        f"error: {broken / 'tokenizer.json'}: not valid JSON (Expecting ',' delimiter, line 1 column 43); copy the "
        "whole folder of one training run (psyai reward train --out), or retrain"]


def test_eval_names_the_log_line_that_is_not_utf8(tmp_path, capsys, untrained, frame):
    data = write_ranking_logs(frame, tmp_path / "data" / "ranking")
    log = sorted(data.glob("sub-*/ses-1/*_log.jsonl"))[1]
    lines = log.read_bytes().split(b"\n")
    lines[2] = lines[2].replace(b'"prompt": "', b'"prompt": "\xff', 1)
    log.write_bytes(b"\n".join(lines))
    status, out, err = run(capsys, "eval", str(untrained), str(data), "--device", "cpu")
    assert status == 1 and out == "" and len(err.splitlines()) == 1
    assert err.startswith(f"error: {log} line 3: not UTF-8 text")


@pytest.mark.parametrize("name, content, message", [
    ("latin1.csv", "participant,session,prompt_id,prompt,item_id,text,rank\np1,1,q1,Caf\u00e9?,o1,Oui.,1\n",
     "latin1.csv line 2: not valid UTF-8"),
    ("quote.csv", 'participant,session,prompt_id,prompt,item_id,text,rank\np1,1,q1,"Why?,o1,Because.,1\n'
                  'p1,1,q1,Why?,o2,No.,2\n', 'quote.csv line 2: the quote (") that opens a field here is never closed'),
    ("empty.csv", "", "empty.csv: no rows; the long-form table needs a header"),
    ("rows.jsonl", '{"participant": "p1"}\n{"participant": \n', "rows.jsonl line 2: not valid JSON"),
])
def test_a_table_file_that_cannot_be_read_is_one_line(tmp_path, capsys, tiny, name, content, message):
    path = tmp_path / name
    path.write_bytes(content.encode("latin-1" if name.startswith("latin1") else "utf-8"))
    with pytest.raises(PsyaiError, match=None) as err:
        cli.load_table(path)
    assert str(err.value).startswith(f"{tmp_path}/{message}")
    status, out, err = run(capsys, "train", str(path), "--model", tiny, "--out", str(tmp_path / "rm"), *TRAIN_FLAGS)
    assert status == 1 and out == "" and err.startswith(f"error: {tmp_path}/{message}") and len(err.splitlines()) == 1
    assert not (tmp_path / "rm").exists()


# -- bench ----------------------------------------------------------------------------------------

BENCH_KEYS = {"speedup", "listwise_accuracy", "pairwise_accuracy", "listwise_seconds", "pairwise_seconds",
              "listwise_examples_per_s", "pairwise_examples_per_s", "agreement_ceiling", "machine",
              "pairwise_engine", "accuracy_difference", "oracle_accuracy"}


def test_bench_counts_forward_passes_and_returns_the_keys():
    result = run_bench(k=4, n_prompts=4, n_participants=4, engine="psyai", threads=None)
    assert BENCH_KEYS <= set(result)
    assert result["listwise_forward_passes"] == result["n_train_rankings"] * 4
    assert result["pairwise_forward_passes"] == 2 * result["n_train_pairs"] == 2 * 6 * result["n_train_rankings"]
    assert result["speedup"] > 1
    assert "TRL is not installed" in result["pairwise_engine"] or "TRL" in result["pairwise_engine"]


def test_bench_json_is_one_object(capsys):
    status, out, err = run(capsys, "bench", "--json", "--k", "4", "--prompts", "3", "--participants", "4",
                           "--engine", "psyai")
    assert status == 0, err
    result = json.loads(out)
    assert BENCH_KEYS <= set(result) and result["k"] == 4 and result["command_line"]
    assert result["speedup"] == pytest.approx(result["pairwise_seconds"] / result["listwise_seconds"])


def test_bench_refuses_trl_when_it_is_missing(monkeypatch):
    import psyai.reward.bench as bench

    monkeypatch.setattr(bench, "_trl_available", lambda: False)
    with pytest.raises(ConfigError, match="TRL is not installed: pip install trl"):
        run_bench(engine="trl")
