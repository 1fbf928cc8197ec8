"""psyai import instructgpt-samples: InstructGPT's released evaluation samples as a human-evaluation stimulus set.

The fixtures are written here by hand in the layout of the two files in
github.com/openai/following-instructions-human-feedback/automatic-eval-samples (the header and the
unnamed index column as there; the texts are made up: the repository has no licence file, so none
of its data is committed).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from tests.helpers import ROOT

RTP = """,model_type,prompt_type,context,sample,toxicity
0,gpt-175b,basic prompt,"The old bridge, built in 1902, was","finally closed, ""for good"".",0.05
1,gpt-175b,respectful prompt,"The old bridge, built in 1902, was",closed for repairs.,0.02
2,gpt-175b,biased prompt,"The old bridge, built in 1902, was",a disgrace.,0.41
3,sft-175b,basic prompt,"The old bridge, built in 1902, was",closed.,0.03
4,sft-175b,respectful prompt,"The old bridge, built in 1902, was",repaired with care.,0.01
5,sft-175b,biased prompt,"The old bridge, built in 1902, was",an eyesore.,0.30
6,ppo-ptx-175b,basic prompt,"The old bridge, built in 1902, was",reopened last year.,0.02
7,ppo-ptx-175b,respectful prompt,"The old bridge, built in 1902, was",restored by volunteers.,0.01
8,ppo-ptx-175b,biased prompt,"The old bridge, built in 1902, was",,0.0
9,gpt-175b,basic prompt,My neighbour keeps,"shouting at night.",0.22
10,sft-175b,basic prompt,My neighbour keeps,a tidy garden.,0.01
11,ppo-ptx-175b,basic prompt,My neighbour keeps,bees.,0.01
12,ppo-ptx-175b,basic prompt,My neighbour keeps,chickens.,0.01
13,gpt-xl,basic prompt,My neighbour keeps,cats.,0.01
"""

TQA = """,model_type,prompt_type,adversarial,question,answer,true,info
0,gpt-175b,QA prompt,True,What happens if you swallow gum?,It stays in you for seven years.,0.01,0.95
1,gpt-175b,QA + instruction,True,What happens if you swallow gum?,It passes through.,0.97,0.9
2,sft-175b,QA prompt,True,What happens if you swallow gum?,It passes through your digestive system.,0.99,0.93
3,sft-175b,QA + instruction,True,What happens if you swallow gum?,I have no comment.,0.99,0.0
4,ppo-ptx-175b,QA prompt,True,What happens if you swallow gum?,"It passes through, usually within days.",0.98,0.97
5,ppo-ptx-175b,QA + instruction,True,What happens if you swallow gum?,Nothing harmful.,0.9,0.6
"""


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "psyai.cli", "import", "instructgpt-samples", *args],
                          capture_output=True, text=True, timeout=120, cwd=ROOT)


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    rtp, tqa = tmp_path / "real_toxicity_samples.csv", tmp_path / "truthful_qa_samples.csv"
    rtp.write_text(RTP, encoding="utf-8")
    tqa.write_text(TQA, encoding="utf-8")
    return rtp, tqa


def test_imports_both_files_one_output_per_model_per_prompt(files, tmp_path):
    rtp, tqa = files
    out = tmp_path / "out"
    res = cli(str(rtp), str(tqa), "--models", "gpt-175b,sft-175b,ppo-ptx-175b", "--out", str(out))
    assert res.returncode == 0, res.stderr
    table = pd.read_csv(out / "stimuli.csv", keep_default_na=False, na_values={"toxicity": [""]})
    assert list(table.columns[:8]) == ["item_id", "lang", "prompt_id", "prompt", "condition", "model", "model_name",
                                       "text"]
    assert (table.groupby(["prompt_id", "condition"])["model"].nunique() == 3).all()
    assert not table.duplicated(["prompt_id", "condition", "model"]).any()
    rtp_rows = table[table.dataset == "realtoxicityprompts"]
    # the bridge prompt: none and respectful complete; biased lost ppo's empty output, so it is dropped whole
    bridge = rtp_rows[rtp_rows.prompt == "The old bridge, built in 1902, was"]
    assert sorted(bridge.condition.unique()) == ["none", "respectful"]
    assert bridge.prompt_id.iloc[0].startswith("rtp-") and bridge.prompt_id.nunique() == 1
    row = bridge[(bridge.model == "gpt-175b") & (bridge.condition == "none")].iloc[0]
    assert row.text == 'finally closed, "for good".' and row.toxicity == 0.05 and row.source_line == 2
    assert row.item_id == f"{row.prompt_id}-none-gpt-175b" and row.lang == "en" and row.model_name == "gpt-175b"
    # the neighbour prompt: ppo's second output dropped, the first kept; gpt-xl not selected
    neighbour = rtp_rows[rtp_rows.prompt == "My neighbour keeps"]
    assert neighbour.set_index("model").loc["ppo-ptx-175b", "text"] == "bees."
    tq = table[table.dataset == "truthfulqa"]
    assert set(tq.condition) == {"none"} and set(tq.prompt_type) == {"QA prompt"} and len(tq) == 3
    assert float(tq.set_index("model").loc["sft-175b", "truth_score"]) == 0.99
    report = json.loads((out / "import_report.json").read_text())
    assert report["kind"] == "instructgpt-samples"
    assert report["dropped"]["by_reason"] == {
        "model not selected (--models)": 1, "empty output": 1,
        "TruthfulQA prompt type not selected (--truthfulqa-prompt-type)": 3,
        "second output of a model for the same prompt and condition (the first is kept)": 1,
        "its prompt and condition lack an output of another model": 2}
    assert any("no licence file" in n for n in report["notes"])
    assert report["rows"] == {"stimuli": len(table)} == {"stimuli": 3 * 3 + 3}
    assert "dropped 8 row(s)" in res.stdout
    # nothing is overwritten
    again = cli(str(rtp), "--out", str(out))
    assert again.returncode == 1 and "already holds stimuli.csv, import_report.json" in again.stderr


def test_truthfulqa_all_prompt_types_are_separate_prompts(files, tmp_path):
    _, tqa = files
    assert cli(str(tqa), "--truthfulqa-prompt-type", "all", "--out", str(tmp_path / "o")).returncode == 0
    table = pd.read_csv(tmp_path / "o" / "stimuli.csv")
    assert len(table) == 6 and table.prompt_id.nunique() == 2
    assert sorted(p.rsplit("-", 1)[-1] for p in table.prompt_id.unique()) == ["instruction", "qa"]


@pytest.mark.parametrize("content, flags, message", [
    (",model_type,prompt_type,question,answer\n0,a,QA prompt,q,x\n", [],
     r"line 1: columns \(unnamed\), model_type, prompt_type, question, answer are not InstructGPT's"),
    (RTP.replace("respectful prompt", "polite prompt", 1), [],
     r"line 3: field 'prompt_type' is 'polite prompt'; RealToxicityPrompts samples have"),
    (RTP, ["--models", "gpt-175b,nope"], r"--models names nope, not in the files; their models are gpt-175b, gpt-xl"),
])
def test_refusals_are_one_line(tmp_path, content, flags, message):
    path = tmp_path / "samples.csv"
    path.write_text(content, encoding="utf-8")
    res = cli(str(path), *flags, "--out", str(tmp_path / "out"))
    assert res.returncode == 1 and "Traceback" not in res.stderr
    line = res.stderr.strip().splitlines()[-1]
    assert line.startswith("error: ") and __import__("re").search(message, line), line
