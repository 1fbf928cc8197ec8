"""Subcommand groups of the ``psyai`` command (``psyai reward|sft|policy ACTION``), written once.

Each group is a module with an ``ACTIONS`` dict: action name → ``(add_arguments, function, help)``.
:func:`register` adds the actions to a subparser; :func:`run` calls the chosen one with the
libraries' own progress bars off (psyai prints its own); :func:`standalone_main` is the module's
``python -m psyai.<group>.cli ACTION …`` (what ``accelerate launch -m …`` runs) with psyai's
one-line errors.
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Callable

from psyai.errors import PsyaiError

__all__ = ["register", "run", "standalone_main"]

Actions = dict[str, tuple[Callable[[argparse.ArgumentParser], None], Callable[[argparse.Namespace], int], str]]


def register(subparsers, actions: Actions, dest: str) -> None:
    """Add every action of ``actions`` to ``subparsers``; the chosen function is stored as ``args.<dest>``."""
    for name, (add, func, help_text) in actions.items():
        p = subparsers.add_parser(name, help=help_text, description=help_text)
        add(p)
        p.set_defaults(**{dest: func})


def run(args: argparse.Namespace, dest: str) -> int:
    """Call ``args.<dest>`` with transformers' and datasets' per-load and per-map bars switched off."""
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # psyai shows its own progress; the libraries' bars only clutter
    try:
        from datasets.utils.logging import disable_progress_bar
    except ImportError:  # datasets comes with TRL; reward models alone do not need it
        pass
    else:
        disable_progress_bar()
    return int(getattr(args, dest)(args) or 0)


def standalone_main(prog: str, description: str, add_arguments: Callable, run_args: Callable,
                    argv: list[str] | None = None) -> int:
    """``python -m psyai.<group>.cli ACTION …``: parse, log, run; a :class:`PsyaiError` is one line and exit 1."""
    from rich.console import Console

    parser = argparse.ArgumentParser(prog=prog, description=description)
    parser.add_argument("-v", "--verbose", action="store_true", help="log what is being done")
    add_arguments(parser.add_subparsers(dest="action", required=True, metavar="ACTION"))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    try:
        return run_args(args)
    except PsyaiError as err:
        Console(stderr=True).print(f"error: {err}", markup=False, highlight=False, soft_wrap=True)
        return 1
