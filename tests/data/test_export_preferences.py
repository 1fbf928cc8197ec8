"""``psyai export pairwise|kwise``: psyai's rankings as the datasets TRL and datasets.load_dataset read.

The round trip runs the real ranking experiment (simulated rankers, ties allowed) under Xvfb, exports
its data folder, loads the file with ``datasets`` and trains TRL's own RewardTrainer one step on it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from psyai import cli
from psyai.data import load_rankings
from psyai.participants.stimuli import write_synthetic_rankings
from psyai.reward.data import comparisons, rankings_from_frame
from tests.helpers import run_experiment


def psyai(capsys, *argv: str) -> tuple[int, str, str]:
    status = cli.main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def ranking_data(tmp_path_factory) -> Path:
    """Two simulated participants ranking 4 prompts × 4 outputs with the real experiment script, ties allowed."""
    tmp = tmp_path_factory.mktemp("ranking")
    stimuli = write_synthetic_rankings(tmp / "rank.csv", n_prompts=4, k=4, langs=("en",))
    for pid in ("R1", "R2"):
        res = run_experiment("ranking", "--participant", pid, "--stimuli", str(stimuli), "--data-dir",
                             str(tmp / "data"), "--allow-ties", "--simulate", "--no-dialog", "--seed", pid[-1],
                             "--sim-noise", "2.0", timeout=300)
        assert res.returncode == 0, res.stderr[-2000:]
    return tmp / "data" / "ranking"


@pytest.fixture(scope="module")
def exported(ranking_data, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("export") / "pairs.jsonl"
    assert cli.main(["export", "pairwise", str(ranking_data), "--out", str(out)]) == 0
    return out


def test_pairwise_export_of_session_data_holds_every_comparison_and_no_tie(ranking_data, exported):
    out = exported
    rows = read_jsonl(out)
    long = load_rankings(ranking_data)
    expected = sum(len(r.pairs) for r in rankings_from_frame(long))
    assert len(rows) == expected > 0
    assert long.groupby(["participant", "prompt_id"])["rank"].apply(lambda r: r.duplicated().any()).any()  # ties
    assert all(r["chosen_rank"] < r["rejected_rank"] for r in rows)  # a tie never becomes a pair
    first = rows[0]
    trial = long[(long.participant == first["participant"]) & (long.prompt_id == first["prompt_id"])]
    assert first["prompt"] == trial.prompt.iloc[0] + "\n\n"
    assert first["chosen"] == trial.set_index("item_id").text[first["chosen_id"]]


def test_trls_reward_trainer_trains_one_step_on_the_export(exported, tmp_path, tiny):
    out = exported
    expected = len(read_jsonl(out))
    datasets = pytest.importorskip("datasets")
    trl = pytest.importorskip("trl")
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    dataset = datasets.load_dataset("json", data_files=str(out), split="train")
    assert dataset.num_rows == expected and {"prompt", "chosen", "rejected"} <= set(dataset.column_names)
    tokenizer = AutoTokenizer.from_pretrained(tiny)
    tokenizer.pad_token = tokenizer.pad_token or tokenizer.eos_token
    model = AutoModelForSequenceClassification.from_pretrained(tiny, num_labels=1)
    model.config.pad_token_id = tokenizer.pad_token_id
    before = {n: p.detach().clone() for n, p in model.named_parameters()}
    args = trl.RewardConfig(output_dir=str(tmp_path / "trl"), max_steps=1, per_device_train_batch_size=4,
                            learning_rate=1e-2, report_to="none", save_strategy="no", use_cpu=True,
                            logging_steps=1, disable_tqdm=True, dataloader_num_workers=0, bf16=False, fp16=False)
    trainer = trl.RewardTrainer(model=model, args=args, train_dataset=dataset, processing_class=tokenizer)
    trainer.train()
    assert trainer.state.global_step == 1
    losses = [h["loss"] for h in trainer.state.log_history if "loss" in h]
    assert len(losses) == 1 and losses[0] > 0
    changed = [n for n, p in model.named_parameters() if not torch.equal(before[n], p.detach())]
    assert "score.weight" in changed and len(changed) > 1  # the head and the backbone both moved


def test_kwise_export_orders_completions_by_rank_with_ties_and_unranked_outputs(tmp_path, capsys):
    rows = [{"participant": "p1", "session": 1, "prompt_id": "q", "prompt": "Pick one.", "item_id": f"o{k}",
             "text": f"answer {k}", "position": k, "rank": rank} for k, rank in enumerate([2, None, 1, 2, None])]
    rows += [{"participant": "p1", "session": 1, "prompt_id": "solo", "prompt": "Only one.", "item_id": "s",
              "text": "alone", "position": 0, "rank": 1}]
    pd.DataFrame(rows).to_csv(tmp_path / "r.csv", index=False)
    out = tmp_path / "k.parquet"
    assert psyai(capsys, "export", "kwise", str(tmp_path / "r.csv"), "--out", str(out))[0] == 0
    import pyarrow.parquet as pq

    exported = pq.read_table(out).to_pylist()
    assert len(exported) == 1  # the one-output ranking ranks nothing
    row = exported[0]
    assert row["completions"] == ["answer 2", "answer 0", "answer 3", "answer 1", "answer 4"]
    assert row["ranks"] == [1, 2, 2, None, None] and row["k"] == 5 and row["prompt"] == "Pick one.\n\n"
    # the pairwise export of the same ranking: the tie (o0, o3) and the two unranked outputs are never paired
    pairs = tmp_path / "p.jsonl"
    assert psyai(capsys, "export", "pairwise", str(tmp_path / "r.csv"), "--out", str(pairs))[0] == 0
    got = {(r["chosen_id"], r["rejected_id"]) for r in read_jsonl(pairs)}
    assert len(got) == len(comparisons([2, None, 1, 2, None])) == 8  # 2 ranked-vs-ranked + 3 × 2 ranked-vs-unranked
    assert ("o0", "o3") not in got and ("o3", "o0") not in got and ("o1", "o4") not in got


def test_a_conversational_import_exports_its_own_messages(tmp_path, capsys):
    msgs = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi?"}]
    src = tmp_path / "hh.jsonl"
    src.write_text(json.dumps({"chosen": msgs + [{"role": "assistant", "content": "Hello!"}],
                               "rejected": msgs + [{"role": "assistant", "content": "Go away."}]}) + "\n")
    assert psyai(capsys, "import", "preferences", str(src), "--out", str(tmp_path / "imp"))[0] == 0
    out = tmp_path / "pairs.jsonl"
    assert psyai(capsys, "export", "pairwise", str(tmp_path / "imp" / "rankings.csv"), "--conversational",
                 "--out", str(out))[0] == 0
    (row,) = read_jsonl(out)
    assert row["prompt"] == msgs
    assert row["chosen"] == [{"role": "assistant", "content": "Hello!"}]
    assert row["rejected"] == [{"role": "assistant", "content": "Go away."}]
    # and back in: the same pair, the same prompt messages
    assert psyai(capsys, "import", "preferences", str(out), "--out", str(tmp_path / "again"))[0] == 0
    again = pd.read_csv(tmp_path / "again" / "rankings.csv")
    assert again.text.tolist() == ["Hello!", "Go away."] and json.loads(again.prompt_messages[0]) == msgs


def test_export_refuses_an_existing_file_and_a_suffix_that_is_not_its_format(tmp_path, capsys):
    pd.DataFrame([{"participant": "p", "session": 1, "prompt_id": "q", "prompt": "x", "item_id": f"o{k}",
                   "text": f"t{k}", "rank": k + 1} for k in range(2)]).to_csv(tmp_path / "r.csv", index=False)
    (tmp_path / "taken.jsonl").write_text("keep me\n")
    status, _, err = psyai(capsys, "export", "pairwise", str(tmp_path / "r.csv"), "--out", str(tmp_path / "taken.jsonl"))
    assert status == 1 and "already exists; nothing was overwritten" in err
    assert (tmp_path / "taken.jsonl").read_text() == "keep me\n"
    status, _, err = psyai(capsys, "export", "kwise", str(tmp_path / "r.csv"), "--format", "parquet", "--out",
                           str(tmp_path / "k.jsonl"))
    assert status == 1 and "a parquet file should end in .parquet" in err and len(err.splitlines()) == 1
