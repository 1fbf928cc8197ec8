"""``psyai policy train``: the command-line glue of :mod:`psyai.policy`.

Wiring into the ``psyai`` command (``psyai/cli.py``)::

    from psyai.policy import cli as policy_cli
    p = sub.add_parser("policy", help=...)
    policy_cli.add_arguments(p.add_subparsers(dest="policy_command", required=True, metavar="ACTION"))
    p.set_defaults(func=policy_cli.run)

Each action's function takes the parsed ``argparse.Namespace`` and returns
the exit status; failures raise :class:`psyai.errors.PsyaiError` (one line,
exit 1). ``python -m psyai.policy.cli train …`` and ``python -m psyai policy
train …`` run the same action; both run under ``accelerate launch -m …``.
"""

from __future__ import annotations

import argparse
import json
import logging
import shlex
import sys
from pathlib import Path

from psyai.errors import PsyaiError

logger = logging.getLogger(__name__)

__all__ = ["add_arguments", "run", "train", "main"]


def _command_line() -> str:
    return " ".join(shlex.quote(a) for a in sys.argv)


def _train_arguments(p: argparse.ArgumentParser) -> None:
    from psyai.policy.config import add_config_arguments

    p.add_argument("--out", required=True, type=Path, metavar="POLICY",
                   help="folder to write: a transformers causal LM with psyai_policy.json, training_log.csv and "
                        "training_summary.json (must not exist: nothing is overwritten)")
    add_config_arguments(p)


def train(args: argparse.Namespace) -> int:
    """``psyai policy train --sft CKPT --reward RM --prompts FILE --out POLICY``: prints the summary as JSON."""
    from accelerate import PartialState

    from psyai.policy.config import resolve_config
    from psyai.policy.trainer import PolicyTrainer

    config = resolve_config(args)
    trainer = PolicyTrainer(config).fit(args.out, command_line=_command_line())
    if PartialState().is_main_process:
        print(json.dumps(trainer.summary_, indent=2, ensure_ascii=False, allow_nan=False))
    return 0


ACTIONS = {
    "train": (_train_arguments, train,
              "optimise a policy (the SFT model) against a reward checkpoint with RLOO and a KL penalty to the SFT "
              "model"),
}


def add_arguments(subparsers) -> None:
    """Register ``train`` on ``subparsers`` (from ``add_subparsers()``); each sets ``policy_func``."""
    for name, (add, func, help_text) in ACTIONS.items():
        p = subparsers.add_parser(name, help=help_text, description=help_text)
        add(p)
        p.set_defaults(policy_func=func)


def run(args: argparse.Namespace) -> int:
    """Run the action chosen on the command line (the ``func`` of ``psyai policy``)."""
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # psyai shows its own bar; transformers' per-load bars only clutter
    return int(args.policy_func(args) or 0)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="psyai policy", description="Policies optimised against reward models.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log what is being done")
    add_arguments(parser.add_subparsers(dest="policy_command", required=True, metavar="ACTION"))
    return parser


def main(argv: list[str] | None = None) -> int:
    """``python -m psyai.policy.cli ACTION …``: the same actions outside the ``psyai`` command."""
    from rich.console import Console

    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    try:
        return run(args)
    except PsyaiError as err:
        Console(stderr=True).print(f"error: {err}", markup=False, highlight=False, soft_wrap=True)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
