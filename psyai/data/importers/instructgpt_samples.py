"""InstructGPT's released evaluation samples (RealToxicityPrompts, TruthfulQA) as a human-evaluation stimulus set.

Ouyang et al. (2022) released the outputs of GPT-3, SFT and PPO models on public benchmarks in
github.com/openai/following-instructions-human-feedback, folder ``automatic-eval-samples``
(``automatic_eval_samples`` in its first commit). Two of its CSV files are read, recognised by
their header (the first, unnamed column is the row index):

- ``real_toxicity_samples.csv``: ``model_type, prompt_type, context, sample, toxicity``: a
  RealToxicityPrompts prompt (``context``) continued by each model under three prompt types,
  mapped onto psyai's instruction conditions: ``respectful prompt`` → ``respectful``,
  ``basic prompt`` → ``none``, ``biased prompt`` → ``biased``;
- ``truthful_qa_samples.csv``: ``model_type, prompt_type, adversarial, question, answer, true,
  info``: TruthfulQA questions answered by each model; the condition is ``none``. Its prompt
  types (``QA prompt``, ``QA + instruction``, ``instruction prompt``) are how the model was
  prompted, not an instruction to be harmless: ``--truthfulqa-prompt-type`` keeps one (default
  ``QA prompt``, the paper's plain QA format), or ``all``, each type then its own prompt
  (``prompt_id`` suffixed ``-qa``, ``-qa-instruction``, ``-instruction``).

The other files there (squadv2, tldr, drop, fr_to_en) are not this layout and are refused.
``--models`` keeps some models (e.g. ``gpt-175b,sft-175b,ppo-ptx-175b``; default all).

Writes ``stimuli.csv``, one row per output: ``item_id`` (``<prompt_id>-<condition>-<model>``),
``lang`` (``en``), ``prompt_id`` (``rtp-``/``tqa-`` and the first 10 hex digits of the SHA-1 of
the prompt text, so the same prompt has the same id in any subset), ``prompt``, ``condition``,
``model`` and ``model_name`` (their ``model_type``), ``text``, and the originals: ``dataset``,
``prompt_type``, ``source_index``, ``toxicity`` (their Perspective API score), ``truth_score``,
``info_score`` (their automatic TruthfulQA judges), ``adversarial``, ``source_file``,
``source_line``. Each (prompt, condition) has one output per model: a second output of a model is
dropped (the first kept), and a prompt and condition lacking a kept model's output is dropped
whole, so every trial can show every model; both are counted in import_report.json.
"""

from __future__ import annotations

import argparse
import hashlib
from pathlib import Path

import pandas as pd

from psyai.data.importing import Dropped, Imported, table_files
from psyai.data.tables import read_rows
from psyai.errors import DataError

KIND = "instructgpt-samples"
SOURCE = "github.com/openai/following-instructions-human-feedback (automatic-eval-samples)"
RTP_CONDITIONS = {"respectful prompt": "respectful", "basic prompt": "none", "biased prompt": "biased"}
TQA_TYPES = {"QA prompt": "qa", "QA + instruction": "qa-instruction", "instruction prompt": "instruction"}
LAYOUTS = {
    "realtoxicityprompts": ("model_type", "prompt_type", "context", "sample", "toxicity"),
    "truthfulqa": ("model_type", "prompt_type", "question", "answer", "true", "info"),
}
COLUMNS = ["item_id", "lang", "prompt_id", "prompt", "condition", "model", "model_name", "text", "dataset",
           "prompt_type", "source_index", "toxicity", "truth_score", "info_score", "adversarial", "source_file",
           "source_line"]


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("paths", nargs="+", metavar="PATH",
                   help="real_toxicity_samples.csv and/or truthful_qa_samples.csv from InstructGPT's "
                        "automatic-eval-samples, or folders holding them")
    p.add_argument("--out", required=True, type=Path, help="folder to write stimuli.csv and import_report.json into")
    p.add_argument("--models", default=None, metavar="A,B,…",
                   help="keep these model_type values only, e.g. gpt-175b,sft-175b,ppo-ptx-175b (default: all)")
    p.add_argument("--truthfulqa-prompt-type", default="QA prompt", choices=[*TQA_TYPES, "all"],
                   help="TruthfulQA: the prompt type to keep (default 'QA prompt'); 'all' keeps each as its own prompt")


def _layout(path: Path, columns: list[str]) -> str:
    for name, needed in LAYOUTS.items():
        if all(c in columns for c in needed):
            return name
    raise DataError(f"{path} line 1: columns {', '.join(c or '(unnamed)' for c in columns[:8])} are not InstructGPT's "
                    "real_toxicity_samples.csv (model_type, prompt_type, context, sample, toxicity) or "
                    "truthful_qa_samples.csv (model_type, prompt_type, question, answer, true, info); give one of those "
                    "two files (the other benchmarks' samples are not a human-evaluation layout)")


def _prompt_id(prefix: str, text: str) -> str:
    return f"{prefix}-{hashlib.sha1(text.encode('utf-8')).hexdigest()[:10]}"


def _number(value: object) -> float | None:
    try:
        return float(value) if str(value).strip() != "" else None
    except (TypeError, ValueError):
        return None


def run(paths: list[Path], args: argparse.Namespace) -> Imported:
    files = table_files(paths, "InstructGPT sample")
    keep_models = None if args.models is None else [m.strip() for m in args.models.split(",") if m.strip()]
    if keep_models is not None and not keep_models:
        raise DataError("--models is empty; give model_type values separated by commas, e.g. gpt-175b,sft-175b")
    rows: list[dict] = []
    dropped: list[Dropped] = []
    seen_models: set[str] = set()
    layouts: set[str] = set()
    for path in files:
        columns, records = read_rows(path, DataError)
        if not columns:
            raise DataError(f"{path}: has no header and no rows; give real_toxicity_samples.csv or "
                            "truthful_qa_samples.csv")
        layout = _layout(path, columns)
        layouts.add(layout)
        for line, rec in records:
            model = str(rec.get("model_type") or "").strip()
            ptype = str(rec.get("prompt_type") or "").strip()
            if not model:
                raise DataError(f"{path} line {line}: field 'model_type' is empty; every sample names its model")
            seen_models.add(model)
            if layout == "realtoxicityprompts":
                if ptype not in RTP_CONDITIONS:
                    raise DataError(f"{path} line {line}: field 'prompt_type' is {ptype!r}; RealToxicityPrompts samples "
                                    f"have {', '.join(map(repr, RTP_CONDITIONS))}")
                prompt, text, condition = str(rec.get("context") or ""), str(rec.get("sample") or ""), \
                    RTP_CONDITIONS[ptype]
                prompt_id = _prompt_id("rtp", prompt)
            else:
                if ptype not in TQA_TYPES:
                    raise DataError(f"{path} line {line}: field 'prompt_type' is {ptype!r}; TruthfulQA samples have "
                                    f"{', '.join(map(repr, TQA_TYPES))}")
                prompt, text, condition = str(rec.get("question") or ""), str(rec.get("answer") or ""), "none"
                prompt_id = _prompt_id("tqa", prompt)
                if args.truthfulqa_prompt_type == "all":
                    prompt_id = f"{prompt_id}-{TQA_TYPES[ptype]}"
            ids = {"model_type": model, "prompt_type": ptype, "source_index": rec.get("", None)}
            if not prompt.strip():
                raise DataError(f"{path} line {line}: field {'context' if layout == 'realtoxicityprompts' else 'question'!r}"
                                " is empty; every sample needs its prompt")
            if keep_models is not None and model not in keep_models:
                dropped.append(Dropped(str(path), line, "model not selected (--models)", ids))
                continue
            if layout == "truthfulqa" and args.truthfulqa_prompt_type not in ("all", ptype):
                dropped.append(Dropped(str(path), line, "TruthfulQA prompt type not selected "
                                                        "(--truthfulqa-prompt-type)", ids))
                continue
            if not text.strip():
                dropped.append(Dropped(str(path), line, "empty output", ids))
                continue
            rows.append({"item_id": f"{prompt_id}-{condition}-{model}", "lang": "en", "prompt_id": prompt_id,
                         "prompt": prompt, "condition": condition, "model": model, "model_name": model, "text": text,
                         "dataset": layout, "prompt_type": ptype, "source_index": rec.get("", None),
                         "toxicity": _number(rec.get("toxicity")) if layout == "realtoxicityprompts" else None,
                         "truth_score": _number(rec.get("true")) if layout == "truthfulqa" else None,
                         "info_score": _number(rec.get("info")) if layout == "truthfulqa" else None,
                         "adversarial": rec.get("adversarial") if layout == "truthfulqa" else None,
                         "source_file": str(path), "source_line": line})
    if keep_models is not None:
        unknown = [m for m in keep_models if m not in seen_models]
        if unknown:
            raise DataError(f"--models names {', '.join(unknown)}, not in the files; their models are "
                            f"{', '.join(sorted(seen_models))}")
    table = pd.DataFrame(rows, columns=COLUMNS)
    # one output per model per prompt and condition: a second output of a model is dropped
    twice = table.duplicated(["prompt_id", "condition", "model"], keep="first")
    for r in table[twice].itertuples(index=False):
        dropped.append(Dropped(r.source_file, r.source_line, "second output of a model for the same prompt and "
                                                              "condition (the first is kept)",
                               {"model_type": r.model, "prompt_id": r.prompt_id, "condition": r.condition}))
    table = table[~twice]
    # every (prompt, condition) shows every kept model: incomplete ones are dropped whole
    models = sorted(set(table["model"]))
    have = table.groupby(["prompt_id", "condition"])["model"].agg(set)
    incomplete = have[have.map(len) < len(models)]
    if len(incomplete):
        gone = table.set_index(["prompt_id", "condition"]).index.isin(incomplete.index)
        for r in table[gone].itertuples(index=False):
            missing = sorted(set(models) - have[(r.prompt_id, r.condition)])
            dropped.append(Dropped(r.source_file, r.source_line, "its prompt and condition lack an output of another "
                                                                  "model", {"model_type": r.model,
                                                                            "prompt_id": r.prompt_id,
                                                                            "missing": missing}))
        table = table[~gone]
    if table.empty:
        raise DataError(f"{', '.join(map(str, files))}: no prompt kept an output of every model (see --models and "
                        "--truthfulqa-prompt-type)")
    table = table.sort_values(["dataset", "prompt_id", "condition", "model"], kind="stable").reset_index(drop=True)
    notes = [f"source: {SOURCE}; Ouyang et al. (2022), arXiv:2203.02155. The repository has no licence file: keep "
             "the samples (and this stimuli.csv) out of shared repositories unless OpenAI's terms allow",
             f"{len(models)} models, one output each per prompt and condition: {', '.join(models)}"]
    if "realtoxicityprompts" in layouts:
        notes.append("RealToxicityPrompts prompt types mapped to conditions: respectful prompt -> respectful, basic "
                     "prompt -> none, biased prompt -> biased. Prompts and outputs may be offensive: warn participants "
                     "before the session")
    if "truthfulqa" in layouts:
        notes.append(f"TruthfulQA: condition 'none'; prompt type kept: {args.truthfulqa_prompt_type}")
    return Imported(kind=KIND, tables={"stimuli": table}, sources=files, dropped=dropped, notes=notes,
                    settings={"models": keep_models, "truthfulqa_prompt_type": args.truthfulqa_prompt_type})
