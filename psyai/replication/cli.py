"""``psyai class new|collect|…``: the command-line glue of :mod:`psyai.replication`.

Wiring into the ``psyai`` command (``psyai/cli.py``, ``COMMANDS["class"]``)::

    from psyai.replication import cli as class_cli
    class_cli.add_arguments(p.add_subparsers(dest="class_command", required=True, metavar="ACTION"))
    p.set_defaults(func=class_cli.run)

Each action is one row of :data:`ACTIONS`: ``name: (add_arguments(parser), run(args) -> int, help)``.
To add an action (power, report, demo), write its two functions and add its row; nothing else
changes. Failures raise :class:`psyai.errors.PsyaiError` (one line, exit 1 in ``psyai``'s
``main``). ``python -m psyai.replication.cli …`` runs the same actions on their own.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from psyai.errors import PsyaiError

__all__ = ["ACTIONS", "add_arguments", "build_parser", "collect", "kits", "main", "new", "run"]


def _kit_help() -> str:
    from psyai.replication.kit import list_kits

    return f"a kit id ({', '.join(list_kits())}) or a folder holding a kit.yaml"


# -- kits -------------------------------------------------------------------------

def _kits_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--lang", choices=("en", "ja"), default="en", help="language of the titles")


def kits(args: argparse.Namespace) -> int:
    """``psyai class kits``: the kits psyai ships, one line each (id, experiment, effect, original, checked)."""
    from psyai.replication.kit import list_kits, load_kit

    for kit_id in list_kits():
        kit = load_kit(kit_id)
        checked = {True: "numbers checked", "partly": "numbers partly checked", False: "numbers NOT checked"}
        print(f"{kit.id}: {kit.title[args.lang]} — experiment {kit.experiment}, effect {kit.effect['name']}, "
              f"original {kit.original['estimate']:g} (N = {kit.original['n']}; "
              f"{checked[kit.original['verified']]})")
    return 0


# -- new --------------------------------------------------------------------------

def _new_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("kit", metavar="KIT", help=_kit_help())
    p.add_argument("dir", metavar="DIR", type=Path, help="assignment folder to create (refused if it exists and is not empty)")
    p.add_argument("--groups", type=int, default=1, help="number of groups, each gets a study folder group-NN (default 1)")
    p.add_argument("--lang", choices=("en", "ja"), default="en", help="language of the protocol, preregistration and sheet")
    p.add_argument("--power", type=Path, default=None, metavar="POWER_JSON",
                   help="power.json of `psyai class power`: fills the preregistration's sample size")
    p.epilog = ("Writes one study folder per group (the experiment script, its analysis script and stimuli, as "
                "psyai init does), the protocol and a preregistration filled from the kit, and an instructor "
                "folder with the sheet and the commands that pool and judge the data.")


def new(args: argparse.Namespace) -> int:
    """``psyai class new KIT DIR``: write the assignment folder."""
    from psyai.replication.assignment import new_assignment
    from psyai.replication.kit import load_kit
    from psyai.replication.prereg import load_power

    kit = load_kit(args.kit)
    power = load_power(args.power) if args.power is not None else None
    written = new_assignment(kit, args.dir, groups=args.groups, lang=args.lang, power=power, power_path=args.power)
    print(f"wrote {len(written)} files into {args.dir} for {args.groups} group(s) of kit {kit.id}")
    print(f"  hand out: {args.dir}/group-NN/ (PROTOCOL.md, PREREGISTRATION.md)")
    print(f"  instructor: {args.dir}/instructor/README.md")
    if power is None:
        print(f"  sample size: to be filled (psyai class power {kit.id} --effect sesoi --out power)")
    return 0


# -- collect ----------------------------------------------------------------------

def _collect_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("submissions", nargs="+", metavar="SUBMISSION",
                   help="a group's data folder or .zip; NAME=PATH names the group (default: from the file name, "
                        "e.g. group-03.zip → g03)")
    p.add_argument("--kit", required=True, help=_kit_help())
    p.add_argument("--out", required=True, type=Path, help="folder to write (refused if it exists and is not empty)")
    p.add_argument("--include-unfinished", action="store_true",
                   help="accept sessions that did not end (stopped with Escape, or cut off); they are refused by default")
    p.add_argument("--allow-simulated", action="store_true",
                   help="accept simulated sessions (demos, dry runs); never together with people's sessions")
    p.epilog = ("Each session is checked (a readable log of the kit's experiment, not a pilot, ended, not a "
                "participant's second session, not a copy of another) and copied byte for byte into "
                "OUT/groups/<group>/; participants.csv maps each group's IDs to class-wide ones (g01-P001); "
                "collect_report.json and one table per group say what was accepted and why anything was refused.")


def collect(args: argparse.Namespace) -> int:
    """``psyai class collect SUBMISSION… --kit KIT --out DIR``: check and pool the groups' sessions."""
    from psyai.replication.collect import collect_submissions, print_summary
    from psyai.replication.kit import load_kit

    kit = load_kit(args.kit)
    report = collect_submissions(kit, args.submissions, args.out, include_unfinished=args.include_unfinished,
                                 allow_simulated=args.allow_simulated)
    print_summary(report)
    return 0 if report["totals"]["accepted"] else 1


ACTIONS = {
    "kits": (_kits_arguments, kits, "the replication kits psyai ships"),
    "new": (_new_arguments, new, "make the assignment folder of a kit: study folders per group, protocol, preregistration"),
    "collect": (_collect_arguments, collect, "check and pool the groups' session folders or zip files"),
}


def add_arguments(subparsers) -> None:
    """Register every action of :data:`ACTIONS` on ``subparsers``; each sets ``class_func``, which :func:`run` calls."""
    for name, (add, func, help_text) in ACTIONS.items():
        p = subparsers.add_parser(name, help=help_text, description=help_text)
        add(p)
        p.set_defaults(class_func=func)


def run(args: argparse.Namespace) -> int:
    """Run the action chosen on the command line (the ``func`` of ``psyai class``)."""
    return int(args.class_func(args) or 0)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="psyai class", description="Replications for a class: kits, pooling, judging.")
    add_arguments(parser.add_subparsers(dest="class_command", required=True, metavar="ACTION"))
    return parser


def main(argv: list[str] | None = None) -> int:
    from rich.console import Console

    args = build_parser().parse_args(argv)
    try:
        return run(args)
    except PsyaiError as err:
        Console(stderr=True).print(f"error: {err}", markup=False, highlight=False, soft_wrap=True)
        return 1


if __name__ == "__main__":
    sys.exit(main())
