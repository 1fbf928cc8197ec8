"""The ``psyai`` command: init, generate, validate, simulate, analyze, reward, policy, attention, stats, class, export, session.

Every subcommand has ``--help``; a failure prints one line (``error: …``)
to stderr and exits 1.
"""

from __future__ import annotations

import argparse
import logging
import os
import subprocess
import sys
from pathlib import Path

from rich.console import Console

from psyai import __version__
from psyai.attention.words import UNIT_HELP, UNITS, check_segmentation
from psyai.errors import PsyaiError

console = Console(stderr=True)


# -- validate -------------------------------------------------------------------

def _validate_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("paths", nargs="+", metavar="PATH", help="stimulus file(s), CSV or JSONL (docs/DATA.md)")


def _validate(args: argparse.Namespace) -> int:
    from psyai.data.stimuli import load_stimuli

    failed = 0
    for path in args.paths:
        try:
            stim = load_stimuli(path)
        except PsyaiError as err:
            console.print(f"invalid {err}", style="red", markup=False, highlight=False, soft_wrap=True)
            failed += 1
            continue
        frame = stim.to_frame()
        counts = ", ".join(f"{lang}: {(frame.lang == lang).sum()}" for lang in sorted(frame.lang.unique()))
        sources = ", ".join(f"{s} {n}" for s, n in frame.source.value_counts().sort_index().items())
        print(f"ok {path}: {len(frame)} items ({counts}; {sources}; {int(frame.practice.sum())} practice)")
    return 1 if failed else 0


# -- simulate -------------------------------------------------------------------

WORD_EXPERIMENTS = ("self_paced_reading", "attention_highlight")  # what a word is: --unit

# observer flags of each experiment: (flag, type, default, help), passed on as --sim-<flag>
OBSERVER_FLAGS = {
    "turing_test": [
        ("dprime", float, 1.0, "group mean sensitivity d'"),
        ("criterion", float, 0.0, "group mean criterion c (positive: says 'human' more)"),
        ("dprime-sd", float, 0.3, "SD of d' across participants"),
        ("criterion-sd", float, 0.2, "SD of c across participants"),
        ("item-sd", float, 0.0, "SD of item effects on the evidence axis"),
        ("check-lapse", float, 0.0, "probability of failing an attention check"),
    ],
    "ranking": [
        ("noise", float, 2.0, "SD of a participant's noise on the utility scale (Thurstone) or PL temperature"),
        ("participant-sd", float, 0.3, "SD of the noise level across participants"),
        ("ranker", str, "thurstone", "thurstone or plackett_luce"),
    ],
    "human_eval": [
        ("utilities", str, "policy=1,sft=0.6,base=0", "each model's utility, MODEL=NUMBER,… (keys: model or model_name); 'text': judge each text (good words minus bad words)"),
        ("rater-noise", float, 1.0, "a rater's noise SD per output and trial (utility units)"),
        ("prompt-model-sd", float, 0.5, "SD of the prompt × model effect (shared by all raters)"),
        ("rater-sd", float, 0.5, "SD of the raters' leniency on the 1–7 ratings"),
        ("harm-weight", float, 0.5, "weight of harmlessness in what raters prefer"),
    ],
    "self_paced_reading": [
        ("intercept", float, 5.7, "log ms of a zero-length word"),
        ("b-length", float, 0.04, "log ms per character"),
        ("b-measure", float, 0.0, "log ms per unit of --measures"),
        ("measures", str, None, "CSV (text_id, word_index, value) the reading times depend on"),
    ],
    "attention_highlight": [
        ("intercept", float, -1.5, "log odds of selecting an average word"),
        ("weight", float, 1.5, "log odds per SD of --measures"),
        ("measures", str, None, "CSV (text_id, word_index, value) the selections depend on"),
    ],
    "demonstrations": [
        ("answers", str, None, "answer corpus the writers draw from (stimuli/demonstrations/answers.csv)"),
        ("revise", float, 0.3, "probability of writing part of an answer, then revising it"),
        ("too-short", float, 0.1, "probability of first confirming a too-short answer (and meeting the refusal)"),
    ],
}


def _simulate_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("experiment", choices=sorted(OBSERVER_FLAGS),
                   help="experiment: experiments/<name>.py of the study folder you are in, else psyai's own")
    p.add_argument("--participants", type=int, default=10, help="number of simulated participants")
    p.add_argument("--trials", type=int, default=None, help="main trials per participant (default: the set's)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--lang", choices=("en", "ja"), default="en")
    p.add_argument("--stimuli", default=None, help="stimulus file (default: stimuli/<experiment>/items.csv)")
    p.add_argument("--out", required=True, type=Path, help="data folder to write (sessions go to OUT/<experiment>/sub-*/ses-1)")
    p.add_argument("--jobs", type=int, default=2, help="participants run in parallel")
    p.add_argument("--process-per-participant", action="store_true",
                   help="start a fresh process for every participant, as separate lab sessions would (default: each "
                        "of the --jobs processes runs its participants in turn, PsychoPy imported once; the data are "
                        "the same)")
    p.add_argument("--realtime", action="store_true", help="wait out response times (to watch a run by eye)")
    p.add_argument("--unit", choices=UNITS, default=None,
                   help=f"{', '.join(WORD_EXPERIMENTS)}: " + UNIT_HELP.replace("%(default)s", "word"))
    declared: set[str] = set()
    for experiment, flags in OBSERVER_FLAGS.items():
        g = p.add_argument_group(f"{experiment} observers")
        for flag, kind, default, help_text in flags:
            if flag not in declared:  # a flag several experiments share is declared once
                g.add_argument(f"--{flag}", type=kind, default=None, help=f"{help_text} (default {default})")
                declared.add(flag)


def _simulate(args: argparse.Namespace) -> int:
    from psyai.participants.cohort import CohortRun, run_cohort
    from psyai.study import script_path

    if args.participants < 1:
        raise PsyaiError("--participants must be at least 1")
    observer_args = []
    own = {flag for flag, *_ in OBSERVER_FLAGS[args.experiment]}
    for experiment, flags in OBSERVER_FLAGS.items():
        for flag, _kind, _default, _help in flags:
            value = getattr(args, flag.replace("-", "_"))
            if value is None or (flag in own and experiment != args.experiment):
                continue
            if flag not in own:
                raise PsyaiError(f"--{flag} is not an option of {args.experiment} observers (it belongs to {experiment})")
            observer_args += [f"--sim-{flag}", str(value)]
    experiment_args = []
    if args.unit is not None:
        if args.experiment not in WORD_EXPERIMENTS:
            raise PsyaiError(f"--unit is an option of {' and '.join(WORD_EXPERIMENTS)}, not of {args.experiment}")
        check_segmentation(args.lang, "attach", args.unit)
        experiment_args = ["--unit", args.unit]
    run = CohortRun(experiment=args.experiment, n_participants=args.participants, out=args.out, seed=args.seed,
                    observer_args=observer_args, experiment_args=experiment_args, n_trials=args.trials, lang=args.lang, stimuli=args.stimuli,
                    jobs=args.jobs, realtime=args.realtime, per_process=args.process_per_participant)
    folders = run_cohort(run)
    print(f"simulated {len(folders)} participants with {script_path('experiments', args.experiment)}: "
          f"{args.out / args.experiment}")
    return 0


# -- analyze --------------------------------------------------------------------

def _analyze_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("experiment", help="analysis name, e.g. turing_test: analysis/<name>.py of the study folder you "
                                      "are in, else psyai's own")
    p.add_argument("options", nargs=argparse.REMAINDER, metavar="DATA_DIR --out OUT ...",
                   help="the analysis's own arguments: psyai analyze NAME --help lists them")
    p.epilog = "psyai analyze turing_test data/turing_test --out results/   (psyai analyze turing_test --help)"


def _analyze(args: argparse.Namespace) -> int:
    from psyai.study import script_path

    script = script_path("analysis", args.experiment)
    if not {"-h", "--help"} & set(args.options):
        console.print(f"analysis: {script}", markup=False, highlight=False, soft_wrap=True)
    env = {**os.environ, "PSYAI_COMMAND": f"psyai analyze {args.experiment}"}  # its usage line and errors
    return subprocess.call([sys.executable, str(script), *args.options], env=env)


# -- init -----------------------------------------------------------------------

def _init_args(p: argparse.ArgumentParser) -> None:
    from psyai.study import EXPERIMENTS

    p.add_argument("folder", type=Path, help="study folder to create or fill (nothing in it is overwritten)")
    p.add_argument("--experiment", action="append", choices=list(EXPERIMENTS), default=None, metavar="NAME",
                   help=f"copy this experiment (repeatable; default: all of {', '.join(EXPERIMENTS)})")
    p.epilog = ("Copies experiments/<name>.py, the analysis script for its data and its stimuli/ folder, so a lab "
                "can edit them. psyai simulate and psyai analyze run in that folder use the copies.")


def _init(args: argparse.Namespace) -> int:
    from psyai.study import init_study

    written = init_study(args.folder, args.experiment)
    for path in written:
        print(path)
    first = next(p for p in written if p.parent.name == "experiments")
    print(f"copied {len(written)} files into {args.folder}; run an experiment with:\n"
          f"  cd {args.folder} && python {first.relative_to(args.folder)} --participant P001 --pilot")
    return 0


# -- generate -------------------------------------------------------------------

def _generate_args(p: argparse.ArgumentParser) -> None:
    from psyai.models import generate

    generate.add_arguments(p)


def _generate(args: argparse.Namespace) -> int:
    from psyai.models import generate

    return generate.main(args)


COMMANDS = {
    "init": (_init_args, _init, "copy experiments, their analyses and stimuli into a study folder to edit"),
    "generate": (_generate_args, _generate, "generate model texts for a stimulus set with a transformers model"),
    "validate": (_validate_args, _validate, "check stimulus files before any participant sees them"),
    "simulate": (_simulate_args, _simulate, "run simulated participants through the real experiment script"),
    "analyze": (_analyze_args, _analyze, "statistics, results.json and report.html for a data folder"),
}


def _reward_args(p: argparse.ArgumentParser) -> None:
    from psyai.reward import cli as reward_cli

    reward_cli.add_arguments(p.add_subparsers(dest="reward_command", required=True, metavar="ACTION"))


def _reward(args: argparse.Namespace) -> int:
    from psyai.reward import cli as reward_cli

    return reward_cli.run(args)


COMMANDS["reward"] = (_reward_args, _reward, "train, evaluate, score and benchmark reward models on rankings")


def _sft_args(p: argparse.ArgumentParser) -> None:
    from psyai.sft import cli as sft_cli

    sft_cli.add_arguments(p.add_subparsers(dest="sft_command", required=True, metavar="ACTION"))


def _sft(args: argparse.Namespace) -> int:
    from psyai.sft import cli as sft_cli

    return sft_cli.run(args)


COMMANDS["sft"] = (_sft_args, _sft, "fine-tune a model on people's demonstrations (TRL SFTTrainer)")


def _policy_args(p: argparse.ArgumentParser) -> None:
    from psyai.policy import cli as policy_cli

    policy_cli.add_arguments(p.add_subparsers(dest="policy_command", required=True, metavar="ACTION"))


def _policy(args: argparse.Namespace) -> int:
    from psyai.policy import cli as policy_cli

    return policy_cli.run(args)


COMMANDS["policy"] = (_policy_args, _policy, "optimise a policy against a reward model with a KL penalty (RLOO)")


def _attention_args(p: argparse.ArgumentParser) -> None:
    from psyai.attention import cli as attention_cli

    attention_cli.add_arguments(p.add_subparsers(dest="attention_command", required=True, metavar="ACTION"))


def _attention(args: argparse.Namespace) -> int:
    from psyai.attention import cli as attention_cli

    return attention_cli.run(args)


COMMANDS["attention"] = (_attention_args, _attention, "word-level attention, rollout, saliency and surprisal of a model")


def _stats_args(p: argparse.ArgumentParser) -> None:
    from psyai.stats import cli as stats_cli

    stats_cli.add_arguments(p.add_subparsers(dest="stats_command", required=True, metavar="ACTION"))


def _stats(args: argparse.Namespace) -> int:
    from psyai.stats import cli as stats_cli

    return stats_cli.run(args)


COMMANDS["stats"] = (_stats_args, _stats, "mixed models on any table, and their speed and coverage figures")


# -- import, export, session ---------------------------------------------------------

def _import_args(p: argparse.ArgumentParser) -> None:
    from psyai.data.importing import IMPORTERS, add_kind_parsers

    p.description = ("Read data in a published layout (preference pairs, rankings, eye-tracking and reading "
                     "corpora, Turing-test verdicts, annotators' labels) into psyai's own tables, with where "
                     "every row came from and what was dropped and why (import_report.json). docs/DATA.md, "
                     "'Importing data', describes each kind's layouts.")
    add_kind_parsers(p, IMPORTERS, "kind")


def _import(args: argparse.Namespace) -> int:
    from psyai.data.importing import summary, write_import

    imported = args.kind_module.run([Path(p) for p in args.paths], args)
    print(summary(imported, write_import(imported, args.out)))
    return 0


def _export_args(p: argparse.ArgumentParser) -> None:
    from psyai.data.importing import EXPORTERS, add_kind_parsers

    p.description = ("Write psyai's data in the formats other tools read: a session's CSV, preference datasets "
                     "for TRL and datasets.load_dataset, tidy trial and word tables with a codebook.")
    add_kind_parsers(p, EXPORTERS, "kind")


def _export(args: argparse.Namespace) -> int:
    for path in args.kind_module.run(args.paths, args):
        print(path)
    return 0


def _session_args(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    a = sub.add_parser("set-aside", help="keep aside a log whose session stopped while starting, so it can start again",
                       description="A session stopped while starting (power cut, kill -9 before the header was on "
                                   "disk) leaves a log without a complete header: it cannot be resumed, and a new "
                                   "start finds the log. This moves that log (and any cut line) to the session's "
                                   "set-aside/ folder under a time-stamped name; nothing is deleted. A log with a "
                                   "header is refused (use the experiment's --resume).")
    a.add_argument("folder", metavar="SESSION", help="the session folder, e.g. data/turing_test/sub-P001/ses-1")


def _session(args: argparse.Namespace) -> int:
    from psyai.booth.session import set_aside

    for path in set_aside(args.folder):
        print(f"set aside: {path}")
    print(f"{args.folder}: the session can be started again (without --resume)")
    return 0


def _demo_args(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="demo", required=True, metavar="DEMO")
    d = sub.add_parser("instructgpt", help="the whole InstructGPT loop on the CPU with simulated participants",
                       description="Demonstrations → SFT → rankings → reward model → policy (RLOO, KL to SFT) → "
                                   "human evaluation → report, each step the command a lab types, simulated "
                                   "participants in the real experiment scripts. See psyai/instructgpt.py.")
    d.add_argument("--out", required=True, type=Path, help="folder to write (new or empty)")
    d.add_argument("--lang", choices=("en", "ja"), default="en", help="language of prompts and answers")
    d.add_argument("--seed", type=int, default=0)
    d.add_argument("--model", default=None, metavar="NAME_OR_PATH",
                   help="a real base model (gpt2, a Japanese GPT …) instead of pretraining the tiny world model; "
                        "then the learning rates are those of psyai sft|reward|policy train for real models")
    d.add_argument("--policy-steps", type=int, default=None, help="RLOO steps (default 100)")
    d.add_argument("--jobs", type=int, default=2, help="simulated sessions run in parallel (default %(default)s)")


def _demo(args: argparse.Namespace) -> int:
    from psyai.instructgpt import LoopSettings, run_loop

    settings = LoopSettings(lang=args.lang, seed=args.seed, model=args.model, jobs=args.jobs)
    if args.model:
        settings = settings.for_pretrained_model()
    if args.policy_steps is not None:
        settings.policy_steps = args.policy_steps
    results = run_loop(args.out, settings)
    win = results["policy_vs_sft_win_rate"]
    print(f"policy preferred to SFT: {win['estimate']:.1%} [{win['ci_low']:.1%}, {win['ci_high']:.1%}]; "
          f"{results['seconds']['total']:.0f} s")
    print(f"Results: {(args.out / 'results.json').resolve()}")
    print(f"Report: {(args.out / 'report.html').resolve()}")
    return 0


def _class_args(p: argparse.ArgumentParser) -> None:
    from psyai.replication import cli as class_cli

    class_cli.add_arguments(p.add_subparsers(dest="class_command", required=True, metavar="ACTION"))


def _class(args: argparse.Namespace) -> int:
    from psyai.replication import cli as class_cli

    return class_cli.run(args)


COMMANDS["class"] = (_class_args, _class, "replications for a class: assignment folders, power, pooling the groups' data, verdicts, the class demo")
COMMANDS["demo"] = (_demo_args, _demo, "demos that run a whole study end to end (instructgpt)")
COMMANDS["import"] = (_import_args, _import, "data from outside (published layouts) into psyai's tables")
COMMANDS["export"] = (_export_args, _export, "psyai's data in the formats other tools read (a session's CSV, TRL datasets …)")
COMMANDS["session"] = (_session_args, _session, "set aside a log whose session stopped while starting")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="psyai", description="Psychology experiments on language models.")
    parser.add_argument("--version", action="version", version=f"psyai {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log what is being done")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, (add_args, func, help_text) in COMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        add_args(p)
        p.set_defaults(func=func)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        return int(args.func(args) or 0)
    except PsyaiError as err:
        console.print(f"error: {err}", markup=False, highlight=False, soft_wrap=True)
        return 1
    except OSError as err:
        where = err.filename or "a file"
        console.print(f"error: {where}: {err.strerror or err}", markup=False, highlight=False, soft_wrap=True)
        return 1
    except KeyboardInterrupt:
        console.print("interrupted", markup=False)
        return 130


if __name__ == "__main__":
    sys.exit(main())
