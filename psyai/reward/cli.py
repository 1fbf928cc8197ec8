"""``psyai reward train|eval|score|bench``: the command-line glue of :mod:`psyai.reward`.

Wiring into the ``psyai`` command (``psyai/cli.py``)::

    from psyai.reward import cli as reward_cli
    p = sub.add_parser("reward", help=...)
    reward_cli.add_arguments(p.add_subparsers(dest="reward_command", required=True, metavar="ACTION"))
    p.set_defaults(func=reward_cli.run)

Each action's function takes the parsed ``argparse.Namespace`` and returns
the exit status; failures raise :class:`psyai.errors.PsyaiError` (one line,
exit 1 in ``psyai``'s ``main``). ``python -m psyai.reward.cli …`` runs the
same actions on their own.

``DATA_DIR`` is a ranking data folder read by ``psyai.data.load_rankings``, or
a ``.csv`` / ``.jsonl`` file of the same long-form table.
"""

from __future__ import annotations

import argparse
import json
import logging
import shlex
import sys
from pathlib import Path

from psyai import subcommands
from psyai.errors import PsyaiError

logger = logging.getLogger(__name__)

__all__ = ["add_arguments", "run", "train", "evaluate_checkpoint", "score", "bench", "load_table", "main"]


def load_table(path: str | Path):
    """The long-form ranking table from a data folder (``psyai.data.load_rankings``) or a CSV/JSONL file."""
    import pandas as pd

    from psyai.data.tables import SUFFIXES, read_rows
    from psyai.reward.data import RewardDataError

    path = Path(path)
    if not path.exists():
        raise RewardDataError(f"{path} does not exist; pass a ranking data folder (data/ranking) or a CSV/JSONL "
                              "file of the long-form table")
    if path.is_file():
        suffix = path.suffix.lower()
        if suffix not in (".csv", ".jsonl", ".json"):
            raise RewardDataError(f"{path}: pass a data folder, or a .csv or .jsonl file of the long-form table")
        if suffix in SUFFIXES:  # UTF-8, quotes, a header named once, one JSON object a line: named by line
            if not read_rows(path, RewardDataError)[1]:
                raise RewardDataError(f"{path}: no rows; the long-form table needs a header and one row per "
                                      "(trial, output)")
        try:
            if suffix == ".csv":
                # texts and ids as written: "None" or "N/A" is an answer, not a missing value; empty cells stay empty
                text_columns = ("participant", "prompt_id", "item_id", "text", "prompt")
                frame = pd.read_csv(path, dtype={c: str for c in text_columns}, keep_default_na=False,
                                    na_values={c: [""] for c in ("session", "rank", "position", "trial_index")})
                for column in text_columns:
                    if column in frame.columns:
                        frame[column] = frame[column].mask(frame[column] == "")
            else:
                frame = pd.read_json(path, lines=suffix == ".jsonl",
                                     dtype={"participant": str, "prompt_id": str, "item_id": str})
        except (ValueError, UnicodeDecodeError) as exc:  # pandas' parser errors are ValueErrors
            message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise RewardDataError(f"{path}: cannot be read as the long-form table ({message}); save it as UTF-8 "
                                  "CSV or JSON Lines, one row per (trial, output)") from None
        if "rank" in frame.columns:
            frame["rank"] = pd.to_numeric(frame["rank"], errors="coerce").astype("Int64")
        if "prompt" in frame.columns:
            frame["prompt"] = frame["prompt"].fillna("")
        return frame
    try:
        from psyai.data import load_rankings
    except ImportError as exc:
        raise RewardDataError(f"{path}: psyai.data.load_rankings is not available in this psyai; pass a CSV or "
                              "JSONL file of the long-form ranking table instead") from exc
    return load_rankings(path)


def _command_line() -> str:
    return " ".join(shlex.quote(a) for a in sys.argv)


def _is_main_process() -> bool:
    from psyai.reward.trainer import launched_distributed

    if not launched_distributed():
        return True
    from accelerate import PartialState

    return PartialState().is_main_process


def _print_json(obj: dict) -> None:
    print(json.dumps(obj, indent=2, ensure_ascii=False, allow_nan=False, default=float))


# -- train ----------------------------------------------------------------------------------------

def _train_arguments(p: argparse.ArgumentParser) -> None:
    from psyai.reward.config import add_config_arguments

    p.add_argument("data", metavar="DATA_DIR", help="ranking data folder (or a CSV/JSONL of the long-form table)")
    p.add_argument("--out", required=True, type=Path, metavar="CKPT",
                   help="checkpoint folder to write (must not exist: nothing is overwritten)")
    c = p.add_argument_group("curation before training (psyai.curation; every dropped row is reported)")
    c.add_argument("--no-curate", action="store_true", help="train on every ranking as it is (not recommended)")
    c.add_argument("--max-prompts-per-participant", default="200", metavar="N",
                   help="keep a participant's first N prompts (InstructGPT kept at most 200); 'none': no cap; "
                        "skipped when the data have no rater ids (default %(default)s)")
    c.add_argument("--min-shared-prefix", default="50", metavar="N",
                   help="drop a prompt sharing at least N leading characters with an earlier one; 'none': keep "
                        "them (default %(default)s)")
    add_config_arguments(p)


def count_or_none(value, flag: str) -> int | None:
    """A flag's whole number from 1, or None for 'none'; anything else one line naming the flag."""
    if value is None or str(value).strip().lower() in ("none", "off"):
        return None
    try:
        number = int(str(value).strip())
    except ValueError:
        number = None
    if number is None or number < 1:
        raise PsyaiError(f"{flag} {value}: give a whole number from 1, or 'none' to switch the rule off")
    return number


def positive(value: int, flag: str) -> int:
    """A count flag that must be 1 or more (one line naming the flag otherwise)."""
    if value < 1:
        raise PsyaiError(f"{flag} {value}: give a whole number from 1")
    return value


def curate_for_training(frame, args: argparse.Namespace, rater_ids: bool = True, notes: list | None = None):
    """Curate the rankings before training; returns (kept rows, dropped-row report, summary table).

    Without rater ids (each pair its own participant) the per-participant prompt cap means nothing
    and is skipped, with a note."""
    from psyai.curation import CurationConfig, curate, curation_summary

    cap = count_or_none(args.max_prompts_per_participant, "--max-prompts-per-participant")
    if not rater_ids and cap is not None:
        cap = None
        if notes is not None:
            notes.append("no rater ids: the per-participant prompt cap (--max-prompts-per-participant) was skipped, "
                         "each pair being its own participant")
    config = CurationConfig(max_prompts_per_participant=cap,
                            min_shared_prefix=count_or_none(args.min_shared_prefix, "--min-shared-prefix"))
    kept, dropped = curate(frame, config)
    summary = curation_summary(frame, kept, dropped)
    for row in summary.itertuples():
        if row.rule not in ("kept", "total") and row.n_rows:
            logger.warning("curation: %s dropped %d row(s) of %d prompt(s); see curation_dropped.csv",
                           row.rule, row.n_rows, row.n_prompts)
    return kept, dropped, summary


def train(args: argparse.Namespace) -> int:
    """``psyai reward train DATA_DIR --model NAME_OR_PATH --out CKPT``: prints the held-out metrics as JSON."""
    from psyai.reward.config import resolve_config
    from psyai.reward.data import drop_empty_texts, has_rater_ids
    from psyai.reward.evaluate import cross_validate
    from psyai.reward.model import CheckpointError
    from psyai.reward.trainer import RewardTrainer

    config = resolve_config(args)
    count_or_none(args.max_prompts_per_participant, "--max-prompts-per-participant")
    count_or_none(args.min_shared_prefix, "--min-shared-prefix")
    out = Path(args.out)
    if out.exists():
        raise CheckpointError(f"{out} already exists; psyai never overwrites a checkpoint: choose another --out "
                              "or remove the old one")
    frame, n_empty = drop_empty_texts(load_table(args.data))
    rater_ids = has_rater_ids(frame)
    notes: list[str] = []
    dropped = curation_table = None
    if not args.no_curate:
        frame, dropped, curation_table = curate_for_training(frame, args, rater_ids, notes)
    extra = {}
    if config.cross_validate:
        extra["cross_validation"] = cross_validate(frame, config)
    trainer = RewardTrainer(config, rater_ids=rater_ids).fit(frame)
    if _is_main_process():
        trainer.save(out, command_line=_command_line(), extra=extra)
        if dropped is not None:  # what curation left out, beside the checkpoint it shaped
            dropped.to_csv(out / "curation_dropped.csv", index=False)
            curation_table.to_csv(out / "curation_summary.csv", index=False)
        metrics = {k: v for k, v in trainer.metrics_.items() if k != "groups"}
        summary = {"checkpoint": str(out), "split": config.split, **metrics,
                   "train_participants": len(trainer.train_participants_),
                   "eval_participants": len(trainer.eval_participants_),
                   "train_prompts": len(trainer.train_prompts_), "eval_prompts": len(trainer.eval_prompts_),
                   "first_loss": trainer.history_[0]["loss"], "last_loss": trainer.history_[-1]["loss"],
                   "dropped_empty_texts": n_empty, "notes": notes + metrics.get("notes", [])}
        if dropped is not None:
            summary["curation_dropped_rows"] = int(len(dropped))
        if extra:
            summary["cross_validation"] = {k: v for k, v in extra["cross_validation"].items() if k != "per_fold"}
        _print_json(summary)
    return 0


# -- eval -----------------------------------------------------------------------------------------

def _eval_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("checkpoint", type=Path, metavar="CKPT", help="checkpoint folder written by psyai reward train")
    p.add_argument("data", metavar="DATA_DIR", help="ranking data folder (or a CSV/JSONL of the long-form table)")
    p.add_argument("--folds", type=int, default=5, help="participant groups for the intervals (default %(default)s)")
    p.add_argument("--seed", type=int, default=0, help="seeds the grouping (default %(default)s)")
    p.add_argument("--split", choices=("rater", "prompt", "both"), default=None,
                   help="what held out means: comparisons by participants (rater), on prompts (prompt), or by "
                        "participants on prompts (both) the checkpoint was not trained on (default: the split it "
                        "was trained with)")
    p.add_argument("--include-trained", action="store_true",
                   help="also score the comparisons the checkpoint was trained on (training accuracy)")
    p.add_argument("--batch-size", type=int, default=32, help="sequences per forward pass (default %(default)s)")
    p.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:1 … (default %(default)s)")


def evaluate_checkpoint(args: argparse.Namespace) -> int:
    """``psyai reward eval CKPT DATA_DIR``: JSON with ``heldout_accuracy`` and ``agreement_ceiling``."""
    from psyai.reward.data import drop_empty_texts, has_rater_ids
    from psyai.reward.evaluate import evaluate
    from psyai.reward.model import RewardModel

    if args.folds < 1:
        raise PsyaiError(f"--folds {args.folds}: use 1 or more participant groups (2 or more for intervals)")
    positive(args.batch_size, "--batch-size")
    if args.seed < 0:
        raise PsyaiError(f"--seed {args.seed}: give a whole number from 0")
    model = RewardModel.from_pretrained(args.checkpoint, device=args.device)
    frame, n_empty = drop_empty_texts(load_table(args.data))
    split = args.split or model.meta.get("split", "rater")
    people = [] if args.include_trained else model.meta.get("train_participants") or []
    prompts = None if args.include_trained else model.meta.get("train_prompts")
    if split != "rater" and prompts is None and not args.include_trained:
        raise PsyaiError(f"--split {split}: {args.checkpoint} does not say which prompts it was trained on (written "
                         "by an older psyai); evaluate it with --split rater, or retrain it")
    result = evaluate(model, frame, split=split, train_participants=people, train_prompts=prompts,
                      rater_ids=has_rater_ids(frame), folds=args.folds, seed=args.seed, batch_size=args.batch_size)
    if args.include_trained:
        result["notes"].append("--include-trained: the comparisons the checkpoint was trained on are scored too")
    result = {"checkpoint": str(args.checkpoint), "data": str(args.data),
              "excluded_trained_participants": len(set(people) & set(frame["participant"].astype(str))),
              "excluded_trained_prompts": len(set(prompts or []) & set(frame["prompt_id"].astype(str))),
              "dropped_empty_texts": n_empty, **result}
    if "cross_validation" in model.meta:
        result["cross_validation"] = model.meta["cross_validation"]
    _print_json(result)
    return 0


# -- score ----------------------------------------------------------------------------------------

def _score_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("checkpoint", type=Path, metavar="CKPT", help="checkpoint folder written by psyai reward train")
    p.add_argument("--prompt", default="", help="the prompt the responses answer (default: none)")
    p.add_argument("--response", action="append", required=True,
                   help="a response to score; repeat for several (rewards are comparable within a prompt)")
    p.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:1 … (default %(default)s)")


def score(args: argparse.Namespace) -> int:
    """``psyai reward score CKPT --prompt … --response …``: JSON with one reward per response."""
    from psyai.reward.model import RewardModel

    empty = [i + 1 for i, r in enumerate(args.response) if not r.strip()]
    if empty:
        raise PsyaiError(f"--response number {empty[0]} is empty; a reward model scores a text: give one")
    model = RewardModel.from_pretrained(args.checkpoint, device=args.device)
    rewards = model.score([args.prompt] * len(args.response), args.response)
    reference = (model.meta.get("reference_rewards") or {}).get("mean")
    _print_json({"checkpoint": str(args.checkpoint), "prompt": args.prompt,
                 "reward": "the model's raw output, as AutoModelForSequenceClassification gives it",
                 "reference_mean": reference,
                 "scores": [{"response": r, "reward": float(s),
                             **({"reward_centred": float(s) - reference} if reference is not None else {})}
                            for r, s in zip(args.response, rewards)]})
    return 0


# -- convert --------------------------------------------------------------------------------------

def _convert_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("checkpoint", type=Path, metavar="OLD_CKPT", help="a checkpoint in psyai's first format")
    p.add_argument("--out", required=True, type=Path, metavar="NEW_CKPT", help="the folder to write (must not exist)")


def convert(args: argparse.Namespace) -> int:
    """``psyai reward convert OLD --out NEW``: a first-format checkpoint as one transformers loads (JSON)."""
    from psyai.reward.convert import convert_checkpoint
    from psyai.reward.model import META_FILE

    out = convert_checkpoint(args.checkpoint, args.out)
    meta = json.loads((out / META_FILE).read_text(encoding="utf-8"))
    _print_json({"converted": str(args.checkpoint), "out": str(out), **meta["converted_from"],
                 "loads_with": f"AutoModelForSequenceClassification.from_pretrained({str(out)!r})"})
    return 0


# -- bench ----------------------------------------------------------------------------------------

def _bench_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    p.add_argument("--model", default=None, metavar="NAME_OR_PATH",
                   help="backbone (default: a tiny GPT-2 built locally by psyai.models.demo)")
    p.add_argument("--k", type=int, default=9, help="outputs per prompt (default %(default)s)")
    p.add_argument("--prompts", type=int, default=40, help="simulated prompts (default %(default)s)")
    p.add_argument("--participants", type=int, default=24,
                   help="simulated participants, each ranking every prompt; a quarter held out (default %(default)s)")
    p.add_argument("--epochs", type=int, default=1, help="epochs, the same for both sides (default %(default)s)")
    p.add_argument("--batch-size", type=int, default=8, help="rankings per listwise step (default %(default)s)")
    p.add_argument("--pairwise-batch-size", type=int, default=None,
                   help="pairs per pairwise step (default: batch size × K / 2, the same sequences per step)")
    p.add_argument("--learning-rate", type=float, default=1e-3, help="AdamW learning rate (default %(default)s)")
    p.add_argument("--engine", choices=("auto", "trl", "psyai"), default="auto",
                   help="pairwise side: TRL's RewardTrainer (if installed) or psyai's loop (default %(default)s)")
    p.add_argument("--threads", type=int, default=1,
                   help="torch threads while timing; 0 keeps torch's default (default %(default)s)")
    p.add_argument("--device", default="cpu", help="cpu, cuda … (default %(default)s)")
    p.add_argument("--seed", type=int, default=0, help="seeds data, weights and batches (default %(default)s)")


def bench(args: argparse.Namespace) -> int:
    """``psyai reward bench [--json]``: listwise vs pairwise training time and held-out accuracy."""
    from psyai.reward.bench import format_bench, run_bench

    for flag, value, least in (("--k", args.k, 2), ("--prompts", args.prompts, 1), ("--participants", args.participants, 2),
                               ("--epochs", args.epochs, 1), ("--batch-size", args.batch_size, 1),
                               ("--pairwise-batch-size", args.pairwise_batch_size, 1), ("--threads", args.threads, 0),
                               ("--seed", args.seed, 0)):
        if value is not None and value < least:
            raise PsyaiError(f"{flag} {value}: give a whole number from {least}")
    if not 0 < args.learning_rate < float("inf"):
        raise PsyaiError(f"--learning-rate {args.learning_rate}: give a positive rate, e.g. 1e-3")
    result = run_bench(model=args.model, k=args.k, n_prompts=args.prompts, n_participants=args.participants,
                       epochs=args.epochs, batch_size=args.batch_size, pairwise_batch_size=args.pairwise_batch_size,
                       learning_rate=args.learning_rate, seed=args.seed, threads=args.threads or None,
                       engine=args.engine, device=args.device, progress=not args.json)
    result["command_line"] = _command_line()
    if args.json:
        print(json.dumps(result, ensure_ascii=False, default=float))
    else:
        print(format_bench(result))
    return 0


ACTIONS = {
    "train": (_train_arguments, train, "train a reward model on rankings (InstructGPT's listwise loss)"),
    "eval": (_eval_arguments, evaluate_checkpoint,
             "held-out pairwise accuracy of a checkpoint beside the agreement ceiling (JSON)"),
    "score": (_score_arguments, score, "rewards of responses to a prompt (JSON)"),
    "convert": (_convert_arguments, convert,
                "rewrite a reward checkpoint of psyai's first format as one transformers loads"),
    "bench": (_bench_arguments, bench, "time listwise against pairwise training on simulated rankings"),
}


def add_arguments(subparsers) -> None:
    """Register the actions of :data:`ACTIONS` on ``subparsers`` (from ``add_subparsers()``); each sets ``reward_func``."""
    subcommands.register(subparsers, ACTIONS, "reward_func")


def run(args: argparse.Namespace) -> int:
    """Run the action chosen on the command line (the ``func`` of ``psyai reward``)."""
    return subcommands.run(args, "reward_func")


def main(argv: list[str] | None = None) -> int:
    """``python -m psyai.reward.cli ACTION …``: the same actions outside the ``psyai`` command."""
    return subcommands.standalone_main("psyai reward", "Reward models trained on rankings.", add_arguments, run, argv)


if __name__ == "__main__":
    raise SystemExit(main())
