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

from psyai import subcommands

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
    """Register the actions of :data:`ACTIONS` on ``subparsers`` (from ``add_subparsers()``); each sets ``policy_func``."""
    subcommands.register(subparsers, ACTIONS, "policy_func")


def run(args: argparse.Namespace) -> int:
    """Run the action chosen on the command line (the ``func`` of ``psyai policy``)."""
    return subcommands.run(args, "policy_func")


def main(argv: list[str] | None = None) -> int:
    """``python -m psyai.policy.cli ACTION …``: the same actions outside the ``psyai`` command."""
    return subcommands.standalone_main("psyai policy", "Policies optimised against reward models.", add_arguments, run, argv)


if __name__ == "__main__":
    raise SystemExit(main())
