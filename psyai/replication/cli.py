"""``psyai class new|collect|power|report|demo``: the command-line glue of :mod:`psyai.replication`.

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

from psyai import subcommands
from psyai.errors import PsyaiError

__all__ = ["ACTIONS", "add_arguments", "collect", "kits", "main", "new", "run"]


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
    p.add_argument("--lang", choices=("en", "ja"), default="en", help="language of the summary on the terminal "
                   "(collect_report.json and tables/ give every reason in both)")
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
    print_summary(report, args.lang)
    return 0 if report["totals"]["accepted"] else 1


# -- power, report, demo ---------------------------------------------------------

def _power_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("kit", metavar="KIT", help="a kit id (psyai class new --list) or a kit folder")
    p.add_argument("--effect", default="original",
                   help="effect to simulate: original, sesoi, d33 or a number in the kit's units (default %(default)s)")
    p.add_argument("--n", type=int, nargs="+", default=None, metavar="N",
                   help="participants per group to try (default: the kit's power.n_grid)")
    p.add_argument("--groups", type=int, default=None, metavar="G",
                   help="the power of a class of G groups of N (the share of simulated classes `psyai class report` "
                        "calls replicated) instead of one group's")
    p.add_argument("--seeds", type=int, default=200, metavar="S",
                   help="simulated groups per N (default %(default)s; Monte-Carlo SE ≤ .5/√S)")
    p.add_argument("--alpha", type=float, default=0.05, help="one-sided alpha of the kit's test (default %(default)s)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--script", action="store_true",
                   help="run the real experiment script per simulated participant (slow) instead of synthetic tables")
    p.add_argument("--model", default=None, metavar="NAME_OR_PATH",
                   help="model whose surprisal the reading kit uses (default: a tiny local demo model; a lab: gpt2)")
    p.add_argument("--out", type=Path, default=None, help="folder for power.json, power.csv and power.png")
    p.add_argument("--lang", choices=("en", "ja"), default="en")


def _power(args: argparse.Namespace) -> int:
    import json

    from psyai.replication.kit import load_kit
    from psyai.replication.power import power_curve, power_figure

    if not 0 < args.alpha < 1:
        raise PsyaiError(f"--alpha {args.alpha}: give a number between 0 and 1")
    kit = load_kit(args.kit)
    work = None
    if args.out is not None:
        args.out.mkdir(parents=True, exist_ok=True)
        work = args.out / "work"
    res = power_curve(kit, effect=args.effect, n_grid=args.n, n_sims=args.seeds, alpha=args.alpha, seed=args.seed,
                      script=args.script, work=work, model=args.model, groups=args.groups)
    ja = args.lang == "ja"
    if args.groups:
        print(f"クラス全体の検定力:{args.groups} グループ × N 人" if ja else
              f"power of a class of {args.groups} groups of N (share of classes called replicated)")
    print(("効果 " if ja else "effect ") + f"{res.effect:.4g} ({res.effect_source_ja if ja else res.effect_source})")
    print(res.curve.to_string(index=False))
    for t, n in res.n_for.items():
        label = f"{t:.0%}"
        if n is None:
            print(f"{label}: " + (f"N ≤ {res.curve['n'].max()} では届かない" if ja else
                                  f"not reached by N = {res.curve['n'].max()}; try larger --n"))
        else:
            print(f"{label}: N = {n}" + (" 人" if ja else ""))
    if args.out is not None:
        (args.out / "power.json").write_text(json.dumps(res.to_dict(), indent=2, ensure_ascii=False) + "\n",
                                             encoding="utf-8")
        res.curve.to_csv(args.out / "power.csv", index=False)
        power_figure(res, lang=args.lang).savefig(args.out / "power.png", dpi=150)
        print(f"{args.out / 'power.json'}")
    return 0


def _report_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("folder", metavar="DIR", type=Path,
                   help="the folder `psyai class collect --out` wrote (or a folder of several kits' such folders)")
    p.add_argument("--out", required=True, type=Path, help="folder for results.json and report.html")
    p.add_argument("--kit", default=None, help="the kit, when DIR does not name it")
    p.add_argument("--lang", choices=("en", "ja"), default="en", help="language of the report")
    p.add_argument("--alpha", type=float, default=0.05)
    p.add_argument("--measures", type=Path, default=None,
                   help="the model's word measures of the stimuli (psyai attention extract), for kits that need them")
    p.add_argument("--model", default=None, metavar="NAME_OR_PATH",
                   help="extract those measures with this model instead (default: a tiny local demo model)")


def _report(args: argparse.Namespace) -> int:
    from psyai.replication.report import write_class_report

    from psyai.replication.report import VERDICT_WORDS

    summary = write_class_report(args.folder, args.out, kit=args.kit, alpha=args.alpha, lang=args.lang,
                                 measures=args.measures, model=args.model)
    for kit, verdict in summary["verdicts"].items():
        print(f"{kit}: {VERDICT_WORDS[args.lang][verdict]} — {summary['reasons'][kit]}")
    print(f"Results: {(args.out / 'results.json').resolve()}")
    print(f"Report: {(args.out / 'report.html').resolve()}")
    return 0


def _demo_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", required=True, type=Path, help="folder to write (new or empty)")
    p.add_argument("--groups", type=int, default=8, help="groups in the class (default %(default)s)")
    p.add_argument("--participants", type=int, default=3, help="simulated participants per group (default %(default)s)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--jobs", type=int, default=2, help="simulated sessions run in parallel (default %(default)s)")
    p.add_argument("--lang", choices=("en", "ja"), default="en", help="language of the report")
    p.add_argument("--model", default=None, metavar="NAME_OR_PATH",
                   help="model for the reading kit's surprisal (default: a tiny local demo model; a lab: gpt2)")


def _demo(args: argparse.Namespace) -> int:
    from psyai.replication.demo import run_class_demo

    summary = run_class_demo(args.out, groups=args.groups, participants=args.participants, seed=args.seed,
                             jobs=args.jobs, lang=args.lang, model=args.model)
    for kit, verdict in summary["verdicts"].items():
        print(f"{kit}: {verdict} — {summary['reasons'][kit]}")
    print(f"{summary['seconds']['total']:.0f} s")
    print(f"Results: {(args.out / 'results.json').resolve()}")
    print(f"Report: {(args.out / 'report.html').resolve()}")
    return 0


ACTIONS = {
    "kits": (_kits_arguments, kits, "the replication kits psyai ships"),
    "new": (_new_arguments, new, "make the assignment folder of a kit: study folders per group, protocol, preregistration"),
    "collect": (_collect_arguments, collect, "check and pool the groups' session folders or zip files"),
    "power": (_power_args, _power, "power by simulation through the kit's own effect and test; N for 80, 90 and 95 percent power"),
    "report": (_report_args, _report, "each group's estimate, the pooled estimate and the verdict against the original"),
    "demo": (_demo_args, _demo, "a simulated class of 8 groups runs two kits through the real scripts, then the report"),
}


def add_arguments(subparsers) -> None:
    """Register every action of :data:`ACTIONS` on ``subparsers``; each sets ``class_func``, which :func:`run` calls."""
    subcommands.register(subparsers, ACTIONS, "class_func")


def run(args: argparse.Namespace) -> int:
    """Run the action chosen on the command line (the ``func`` of ``psyai class``); nothing here needs
    transformers' progress bars switched off, and ``new``/``collect`` should not wait for it to import."""
    return int(args.class_func(args) or 0)


def main(argv: list[str] | None = None) -> int:
    """``python -m psyai.replication.cli ACTION …``: the same actions outside the ``psyai`` command."""
    return subcommands.standalone_main("psyai class", "Replications for a class: kits, pooling, judging.",
                                       add_arguments, run, argv)


if __name__ == "__main__":
    sys.exit(main())
