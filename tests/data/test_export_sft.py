"""psyai export sft: curated demonstrations from real simulated sessions, loaded by datasets and trained on for
one step by TRL's own SFTTrainer; personal information, shared prefixes and the per-participant limit dropped and
reported."""

from __future__ import annotations

import inspect
import json

import pytest

from psyai import cli
from psyai.curation import CurationConfig
from psyai.data import load_demonstrations
from psyai.data.exporters.sft import curated_demonstrations, report_path
from tests.helpers import run_experiment

SIM = ["--simulate", "--no-dialog", "--seed", "4", "--sim-revise", "0", "--sim-too-short", "0"]
SHARED = "Please read the following short story carefully and then tell me in your own words "
PROMPTS = [
    ("e1", "How do I keep cut flowers fresh for longer?"),
    ("e2", SHARED + "what the main character wanted."),
    ("e3", SHARED + "how the story ends."),                          # shares a long prefix with e2
    ("e4", "Write to taro.yamada@example.co.jp and ask about the meeting."),  # personal information in the prompt
    ("e5", "What is a good first houseplant?"),
]
ANSWERS = {
    "e1": "Cut the stems at an angle, change the water every day and keep the vase away from fruit.",
    "e2": "She wanted to find her way home before the winter came.",
    "e3": "It ends with the family together again, eating soup by the fire.",
    "e4": "Dear Taro, could you tell me when the meeting starts? Thank you.",
    "e5": "Call me on 090-1234-5678 and I will tell you: a pothos is hard to kill.",  # personal information
}


@pytest.fixture(scope="module")
def demo_data(tmp_path_factory):
    """Two simulated writers (English, own prompts with personal information and a shared prefix) and one
    Japanese writer of the shipped prompts: real sessions through the real script."""
    root = tmp_path_factory.mktemp("sft")
    prompts, answers = root / "prompts.csv", root / "answers.csv"
    prompts.write_text("item_id,prompt_id,lang,source,origin,text\n" + "".join(
        f'{pid},{pid},en,human,test,"{text}"\n' for pid, text in PROMPTS), encoding="utf-8")
    answers.write_text("answer_id,prompt_id,lang,text\n" + "".join(
        f'a{pid},{pid},en,"{text}"\n' for pid, text in ANSWERS.items()), encoding="utf-8")
    data = root / "data"
    for pid, extra in (("E1", ["--stimuli", str(prompts), "--sim-answers", str(answers), "--lang", "en"]),
                       ("E2", ["--stimuli", str(prompts), "--sim-answers", str(answers), "--lang", "en",
                               "--sim-index", "1"]),
                       ("J1", ["--lang", "ja", "--trials", "3"])):
        res = run_experiment("demonstrations", "--participant", pid, "--data-dir", str(data), "--min-chars", "10",
                             *extra, *SIM)
        assert res.returncode == 0, res.stderr[-2000:]
    return data


def test_curation_drops_personal_information_shared_prefixes_and_reports_each(demo_data):
    kept, dropped = curated_demonstrations(demo_data)
    assert list(kept.columns) == ["participant", "session", "trial_index", "prompt_id", "lang", "prompt", "completion"]
    assert len(kept) + len(dropped) == 13  # 5 + 5 + 3 demonstrations, each kept or reported
    rules = dropped.groupby("prompt_id")["rule"].agg(set).to_dict()
    assert rules["e4"] == {"pii_prompt"} and rules["e5"] == {"pii_output"}
    assert len(dropped[dropped.prompt_id == "e4"]) == 2 and len(dropped[dropped.prompt_id == "e5"]) == 2
    prefix = dropped[dropped.rule == "shared_prefix"]
    assert len(prefix) == 2 and prefix.prompt_id.nunique() == 1 and prefix.prompt_id.iloc[0] in {"e2", "e3"}
    assert "common prefix with earlier prompt" in prefix.detail.iloc[0]
    pii = dropped[dropped.rule.str.startswith("pii")]
    assert not pii.detail.str.contains("taro.yamada|1234-5678").any()  # masked, never written out
    assert set(pii.detector) == {"email", "phone_jp"}
    assert set(kept.prompt_id) >= {"e1"} and not set(kept.prompt_id) & {"e4", "e5"}
    assert set(kept[kept.lang == "ja"].participant) == {"J1"} and (kept.lang == "ja").sum() == 3
    # every completion is a participant's confirmed text, unchanged
    demos = load_demonstrations(demo_data).set_index(["participant", "trial_index"])
    for r in kept.itertuples():
        assert r.completion == demos.loc[(r.participant, r.trial_index), "text"]


def test_at_most_n_prompts_per_participant_in_session_order(demo_data):
    kept, dropped = curated_demonstrations(demo_data, max_prompts_per_participant=1, min_shared_prefix=None)
    assert kept.groupby("participant").size().max() == 1
    limited = dropped[dropped.rule == "max_prompts"]
    assert len(limited) > 0 and limited.detail.str.contains("at most 1 prompts per participant").all()
    demos = load_demonstrations(demo_data)
    survivors = demos[~demos.prompt_id.isin(["e4", "e5"])]  # the personal-information rules come first
    first = survivors.sort_values("trial_index").groupby("participant").head(1)
    assert sorted(zip(kept.participant, kept.trial_index)) == sorted(zip(first.participant, first.trial_index))


def test_the_library_call_keeps_the_signature_the_sft_trainer_uses():
    sig = inspect.signature(curated_demonstrations)
    assert list(sig.parameters) == ["data_dir", "max_prompts_per_participant", "min_shared_prefix", "include_pilot"]
    assert sig.parameters["max_prompts_per_participant"].default == 200
    assert sig.parameters["min_shared_prefix"].default == CurationConfig().min_shared_prefix
    assert sig.parameters["include_pilot"].default is False
    assert all(p.kind is p.KEYWORD_ONLY for name, p in sig.parameters.items() if name != "data_dir")


def test_export_writes_standard_and_conversational_files_with_a_report(demo_data, tmp_path, capsys):
    out = tmp_path / "sft.jsonl"
    assert cli.main(["export", "sft", str(demo_data), "--out", str(out)]) == 0
    assert capsys.readouterr().out.split() == [str(out), str(report_path(out))]
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    kept, dropped = curated_demonstrations(demo_data)
    assert len(rows) == len(kept)
    assert all(r["prompt"].endswith("\n\n") and isinstance(r["completion"], str) for r in rows)
    assert {"participant", "session", "trial_index", "prompt_id", "lang"} <= set(rows[0])
    report = json.loads(report_path(out).read_text(encoding="utf-8"))
    assert report["kind"] == "sft" and report["rows"] == {"kept": len(kept), "dropped": len(dropped)}
    assert report["dropped"]["by_reason"] == {"pii_prompt": 2, "pii_output": 2, "shared_prefix": 2}
    assert len(report["sources"]) == 3 and all(len(s["sha256"]) == 64 for s in report["sources"])
    assert "taro.yamada" not in report_path(out).read_text(encoding="utf-8")
    # conversational, as Parquet
    conv = tmp_path / "sft_conv.parquet"
    assert cli.main(["export", "sft", str(demo_data), "--out", str(conv), "--conversational"]) == 0
    datasets = pytest.importorskip("datasets")
    ds = datasets.load_dataset("parquet", data_files=str(conv), split="train")
    assert ds.num_rows == len(kept)
    assert ds[0]["prompt"][0]["role"] == "user" and ds[0]["completion"][0]["role"] == "assistant"
    # nothing is overwritten
    assert cli.main(["export", "sft", str(demo_data), "--out", str(out)]) == 1
    assert "already exists; nothing was overwritten" in capsys.readouterr().err


def test_trls_sft_trainer_trains_one_step_on_the_export(demo_data, tmp_path, tiny):
    out = tmp_path / "sft.jsonl"
    assert cli.main(["export", "sft", str(demo_data), "--out", str(out)]) == 0
    datasets = pytest.importorskip("datasets")
    trl = pytest.importorskip("trl")
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    dataset = datasets.load_dataset("json", data_files=str(out), split="train")
    assert {"prompt", "completion"} <= set(dataset.column_names) and dataset.num_rows >= 4
    tokenizer = AutoTokenizer.from_pretrained(tiny)
    tokenizer.pad_token = tokenizer.pad_token or tokenizer.eos_token
    model = AutoModelForCausalLM.from_pretrained(tiny)
    before = {n: p.detach().clone() for n, p in model.named_parameters()}
    args = trl.SFTConfig(output_dir=str(tmp_path / "trl"), max_steps=1, per_device_train_batch_size=4,
                         learning_rate=1e-2, report_to="none", save_strategy="no", use_cpu=True, logging_steps=1,
                         disable_tqdm=True, dataloader_num_workers=0, bf16=False, fp16=False, max_length=128)
    trainer = trl.SFTTrainer(model=model, args=args, train_dataset=dataset, processing_class=tokenizer)
    assert trainer.completion_only_loss  # prompt/completion: the loss is on the participant's answer only
    trainer.train()
    assert trainer.state.global_step == 1
    losses = [h["loss"] for h in trainer.state.log_history if "loss" in h]
    assert len(losses) == 1 and losses[0] > 0
    changed = [n for n, p in model.named_parameters() if not torch.equal(before[n], p.detach())]
    assert len(changed) > 1
