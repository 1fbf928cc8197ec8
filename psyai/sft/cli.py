"""``psyai sft train``: supervised fine-tuning on curated demonstrations (TRL's SFTTrainer).

``DATA`` is a demonstrations data folder (``experiments/demonstrations.py``'s
sessions, curated by :func:`psyai.data.exporters.sft.curated_demonstrations`),
or a file (``.jsonl``, ``.json``, ``.csv``, ``.parquet``) of ``prompt`` and
``completion`` columns — what ``psyai export sft`` writes and what TRL and the
hub carry, standard or conversational — curated here by the same rules.
"""

from __future__ import annotations

import argparse
import hashlib
import logging
from pathlib import Path

import pandas as pd

from psyai import subcommands
from psyai.errors import PsyaiError

logger = logging.getLogger(__name__)

__all__ = ["add_arguments", "run", "load_demonstrations_for_training"]

FILE_SUFFIXES = (".jsonl", ".json", ".csv", ".parquet")


def _message_text(value, column: str, path: Path, row: int) -> str:
    """A prompt or completion as text: a string, or the content of a conversational message list."""
    if isinstance(value, str):
        return value
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    try:
        turns = list(value)
        if all(isinstance(t, dict) and "content" in t for t in turns):
            if column == "prompt" and len([t for t in turns if t.get("role") != "system"]) > 1:
                raise PsyaiError(f"{path} row {row + 1}: field prompt holds a dialogue of several turns; psyai's "
                                 "SFT takes one user turn per demonstration")
            return "\n".join(str(t["content"]) for t in turns if t.get("role") != "system")
    except TypeError:
        pass
    raise PsyaiError(f"{path} row {row + 1}: field {column} is neither text nor a list of chat messages "
                     "({\"role\", \"content\"})")


def read_demonstration_file(path: Path) -> pd.DataFrame:
    """Rows of ``prompt``, ``completion`` (and ``participant``, ``prompt_id`` where given) from a file."""
    from psyai.data.tables import SUFFIXES, read_rows

    suffix = path.suffix.lower()
    if suffix in SUFFIXES:  # UTF-8, quoting and JSON per line checked, named by line
        read_rows(path, PsyaiError)
    try:
        if suffix == ".csv":
            frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        elif suffix == ".parquet":
            frame = pd.read_parquet(path)
        else:
            frame = pd.read_json(path, lines=suffix == ".jsonl", dtype=False)
    except (ValueError, UnicodeDecodeError, ImportError) as exc:
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise PsyaiError(f"{path}: cannot be read ({message}); save it as UTF-8 JSON Lines or CSV with prompt and "
                         "completion columns") from None
    missing = [c for c in ("prompt", "completion") if c not in frame.columns]
    if missing:
        raise PsyaiError(f"{path}: no {' or '.join(missing)} column (it has {', '.join(map(str, frame.columns))}); "
                         "SFT data need a prompt and the demonstration (completion) written for it")
    for column in ("prompt", "completion"):
        frame[column] = [_message_text(v, column, path, i) for i, v in enumerate(frame[column])]
    return frame


def load_demonstrations_for_training(data: str | Path, *, max_prompts_per_participant: int | None,
                                     min_shared_prefix: int | None, curate_data: bool = True
                                     ) -> tuple[pd.DataFrame, pd.DataFrame | None, dict]:
    """``(kept demonstrations, dropped-row report or None, provenance)`` from a folder or a file.

    Curation (psyai.curation): personal information in a prompt or a demonstration drops it; prompts sharing
    ``min_shared_prefix`` leading characters with an earlier one are dropped; a participant's prompts beyond
    ``max_prompts_per_participant`` are dropped (InstructGPT's three rules).
    """
    path = Path(data)
    if not path.exists():
        raise PsyaiError(f"{path} does not exist; pass a demonstrations data folder (data/demonstrations) or a "
                         "JSONL/CSV/Parquet file with prompt and completion columns")
    if path.is_dir():
        from psyai.data.exporters.sft import curated_demonstrations

        if not curate_data:
            raise PsyaiError("--no-curate applies to files only: demonstrations collected by psyai are always "
                             "screened for personal information before training")
        kept, dropped = curated_demonstrations(path, max_prompts_per_participant=max_prompts_per_participant,
                                               min_shared_prefix=min_shared_prefix)
        return kept, dropped, {"data": str(path), "kind": "demonstrations data folder"}
    if path.suffix.lower() not in FILE_SUFFIXES:
        raise PsyaiError(f"{path}: pass a data folder, or a {', '.join(FILE_SUFFIXES)} file with prompt and "
                         "completion columns")
    frame = read_demonstration_file(path)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    provenance = {"data": str(path), "kind": "file", "sha256": digest}
    rater_ids = "participant" in frame.columns
    if not rater_ids:
        frame["participant"] = [f"row{i + 1}" for i in range(len(frame))]
    frame["participant"] = frame["participant"].astype(str)
    if "prompt_id" not in frame.columns:  # the same prompt text is the same prompt
        frame["prompt_id"] = [hashlib.sha256(p.encode()).hexdigest()[:12] for p in frame["prompt"]]
    frame["prompt_id"] = frame["prompt_id"].astype(str)
    frame["session"] = 1
    frame["trial_index"] = range(len(frame))
    frame["item_id"] = [f"line{i + 1}" for i in range(len(frame))]
    frame["text"] = frame["completion"]
    if not curate_data:
        return frame, None, provenance
    from psyai.curation import CurationConfig, curate

    cap = max_prompts_per_participant if rater_ids else None
    if not rater_ids and max_prompts_per_participant is not None:
        provenance["note"] = ("no participant column: the per-participant prompt cap was skipped, each row being "
                              "its own participant")
    kept, dropped = curate(frame, CurationConfig(max_prompts_per_participant=cap,
                                                 min_shared_prefix=min_shared_prefix, min_outputs=1))
    return kept, dropped, provenance


def _train_arguments(p: argparse.ArgumentParser) -> None:
    from psyai.reward.config import add_config_arguments
    from psyai.sft.config import SFTSettings

    p.add_argument("data", metavar="DATA", help="demonstrations data folder, or a JSONL/CSV/Parquet file with prompt "
                                                "and completion columns")
    p.add_argument("--out", required=True, type=Path, metavar="CKPT",
                   help="the folder to write: a transformers model folder (must not exist: nothing is overwritten)")
    c = p.add_argument_group("curation before training (psyai.curation; every dropped row is reported)")
    c.add_argument("--no-curate", action="store_true",
                   help="train on every row of a file as it is (not for data collected from people)")
    c.add_argument("--max-prompts-per-participant", default="200", metavar="N",
                   help="keep a participant's first N prompts (InstructGPT kept at most 200); 'none': no cap "
                        "(default %(default)s)")
    c.add_argument("--min-shared-prefix", default="50", metavar="N",
                   help="drop a prompt sharing at least N leading characters with an earlier one; 'none': keep "
                        "them (default %(default)s)")
    add_config_arguments(p, cls=SFTSettings)


def train(args: argparse.Namespace) -> int:
    """``psyai sft train DATA --model NAME_OR_PATH --out CKPT``: prints what was trained as JSON."""
    from psyai.reward.cli import _command_line, _print_json, count_or_none
    from psyai.reward.config import resolve_config
    from psyai.sft.config import SFTSettings
    from psyai.sft.trainer import SFTRun

    config = resolve_config(args, cls=SFTSettings)
    cap = count_or_none(args.max_prompts_per_participant, "--max-prompts-per-participant")
    prefix = count_or_none(args.min_shared_prefix, "--min-shared-prefix")
    out = Path(args.out)
    if out.exists():
        raise PsyaiError(f"{out} already exists; psyai never overwrites a checkpoint: choose another --out")
    kept, dropped, provenance = load_demonstrations_for_training(
        args.data, max_prompts_per_participant=cap, min_shared_prefix=prefix, curate_data=not args.no_curate)
    run = SFTRun(config).fit(kept, source=str(args.data))
    if not run.is_main_process_:
        return 0
    curation = None
    if dropped is not None:
        curation = {"rules": {"pii": True, "max_prompts_per_participant": cap, "min_shared_prefix": prefix},
                    "dropped": int(len(dropped)),
                    "dropped_by_rule": {str(k): int(v) for k, v in dropped["rule"].value_counts().items()}
                    if len(dropped) else {}}
    run.save(out, command_line=_command_line(), extra={"data": provenance, "curation": curation})
    if dropped is not None:
        dropped.to_csv(out / "curation_dropped.csv", index=False)
    _print_json({"checkpoint": str(out), **run.summary(), "curation": curation, "data": provenance,
                 "loads_with": f"AutoModelForCausalLM.from_pretrained({str(out)!r})"})
    return 0


ACTIONS = {"train": (_train_arguments, train, "fine-tune a causal LM on demonstrations (TRL SFTTrainer)")}


def add_arguments(subparsers) -> None:
    """Register the actions of :data:`ACTIONS` on ``subparsers`` (from ``add_subparsers()``); each sets ``sft_func``."""
    subcommands.register(subparsers, ACTIONS, "sft_func")


def run(args: argparse.Namespace) -> int:
    """Run the action chosen on the command line (the ``func`` of ``psyai sft``)."""
    return subcommands.run(args, "sft_func")


def main(argv: list[str] | None = None) -> int:
    """``python -m psyai.sft.cli ACTION …``: the same actions outside the ``psyai`` command."""
    return subcommands.standalone_main("psyai sft", "Supervised fine-tuning on demonstrations.", add_arguments, run, argv)


if __name__ == "__main__":
    raise SystemExit(main())
