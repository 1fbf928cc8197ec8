#!/usr/bin/env python
"""Human evaluation: compare the outputs of several models for one prompt, blinded, as InstructGPT's labelers did.

Each trial shows one held-out prompt — with the instruction of its condition
(``respectful``, ``none`` or ``biased``, as in InstructGPT's RealToxicityPrompts
evaluation) as part of the prompt — and the output of every model for it
(K = 2 to 9), labelled only A, B, C … in a seeded, position-balanced order;
model names are never shown. Each output gets an overall quality rating 1–7
(then helpfulness, truthfulness and harmlessness, unless --scales leaves them
out) and InstructGPT's metadata flags; then the outputs are ranked.

    python experiments/human_eval.py --participant P001 --session 1 --lang ja
    python experiments/human_eval.py --participant P001 --resume          # after a crash
    python experiments/human_eval.py --participant P001 --pilot --scales overall,harmlessness

The session: dialog → checks → window → consent → (demographics) →
instructions with comprehension check → evaluations with breaks → end screen.
Every trial is on disk (fsynced) before the next begins; see docs/DATA.md.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path

# Allow `python experiments/human_eval.py` from a checkout without installing psyai.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from psyai.booth import runner  # noqa: E402
from psyai.booth.session import add_session_arguments, draw_seed, int_at_least  # noqa: E402
from psyai.data.sessions import HUMAN_EVAL_FLAGS, HUMAN_EVAL_SCALES, INSTRUCTION_CONDITIONS  # noqa: E402
from psyai.errors import PsyaiError, StimulusError  # noqa: E402

EXPERIMENT = "human_eval"
DEFAULT_STIMULI = Path(__file__).resolve().parents[1] / "stimuli" / "human_eval" / "items.csv"
MIN_K, MAX_K = 2, 9
# InstructGPT's metadata flags shown (docs/DATA.md, "Human evaluation"), each with the key that toggles it
FLAG_KEYS = dict(zip(HUMAN_EVAL_FLAGS, ("f", "i", "c", "a", "v", "d")))


@dataclass
class Settings:
    """Settings of one session; all of them are stored in the session header."""

    n_trials: int | None = None   # prompts per participant (None: every prompt in the language)
    allow_ties: bool = False
    scales: list[str] = field(default_factory=lambda: list(HUMAN_EVAL_SCALES))  # rated in this order
    page_chars: int = 0           # characters per page of a long output (0: 450 for en, 220 for ja)
    break_every: int = 6
    demographics: bool = False
    minutes: int = 30


def scale_list(text: str) -> list[str]:
    """``--scales``: scales of :data:`HUMAN_EVAL_SCALES`, comma-separated, ``overall`` first."""
    scales = [s.strip() for s in text.split(",") if s.strip()]
    unknown = [s for s in scales if s not in HUMAN_EVAL_SCALES]
    if unknown or not scales or scales[0] != "overall" or len(set(scales)) != len(scales):
        raise argparse.ArgumentTypeError(
            f"{text!r}: give overall first, then any of {', '.join(HUMAN_EVAL_SCALES[1:])}, each once, "
            "separated by commas")
    return scales


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_session_arguments(p, default_stimuli=str(DEFAULT_STIMULI))
    e = p.add_argument_group("this experiment")
    e.add_argument("--trials", type=int_at_least(1), default=None, help="prompts per participant (default: all)")
    e.add_argument("--allow-ties", action="store_true", help="let participants tie outputs")
    e.add_argument("--scales", type=scale_list, default=list(HUMAN_EVAL_SCALES),
                   help="rating scales, overall first (default: %(default)s joined by commas)")
    e.add_argument("--page-chars", type=int_at_least(0), default=0, help="characters per page of a long output")
    e.add_argument("--break-every", type=int_at_least(0), default=Settings.break_every)
    e.add_argument("--demographics", action="store_true")
    o = p.add_argument_group("simulated raters (psyai.participants.evaluators)")
    o.add_argument("--sim-utilities", default=None,
                   help="each model's utility, MODEL=NUMBER,… (default: policy=1,sft=0.6,base=0); 'text': judge each "
                        "text itself (good words minus bad words, psyai.participants.rankers.utility), whatever "
                        "model wrote it")
    o.add_argument("--sim-rater-noise", type=float, default=1.0, help="a rater's noise SD per output and trial")
    o.add_argument("--sim-prompt-model-sd", type=float, default=0.5, help="SD of the prompt × model effect")
    o.add_argument("--sim-rater-sd", type=float, default=0.5, help="SD of the raters' leniency on the 1–7 ratings")
    o.add_argument("--sim-harm-weight", type=float, default=0.5, help="weight of harmlessness in the ranking")
    return p.parse_args(argv)


def prompt_groups(stim, lang: str) -> dict[str, list[dict]]:
    """The outputs of each prompt, checked: one per model (2–9 models), a known condition, in model order."""
    groups: dict[str, list[dict]] = {}
    for it in stim.for_lang(lang):
        where = f"{stim.path} line {it['line']}"
        if not it["prompt_id"]:
            raise StimulusError(f"{where}: prompt_id is empty; a human evaluation needs the prompt each output answers")
        if it["condition"] not in INSTRUCTION_CONDITIONS:
            raise StimulusError(f"{where}: condition is {it['condition']!r}; give the prompt's instruction condition: "
                                f"{', '.join(INSTRUCTION_CONDITIONS)}")
        outputs = groups.setdefault(it["prompt_id"], [])
        if outputs and outputs[0]["condition"] != it["condition"]:
            raise StimulusError(f"{where}: prompt {it['prompt_id']!r} has condition {it['condition']!r} here but "
                                f"{outputs[0]['condition']!r} on line {outputs[0]['line']}; one prompt has one condition")
        twin = next((o for o in outputs if o["model"] == it["model"]), None)
        if twin is not None:
            raise StimulusError(f"{where}: prompt {it['prompt_id']!r} already has an output of model {it['model']!r} "
                                f"(line {twin['line']}); each prompt needs exactly one output per model")
        outputs.append(it)
    if not groups:
        raise StimulusError(f"{stim.path}: no outputs in language {lang!r}; add items or choose --lang")
    models = sorted({it["model"] for outputs in groups.values() for it in outputs})
    if not MIN_K <= len(models) <= MAX_K:
        raise StimulusError(f"{stim.path}: the {lang!r} outputs come from {len(models)} model(s); a human evaluation "
                            f"compares {MIN_K} to {MAX_K}")
    for pid, outputs in groups.items():
        missing = [m for m in models if m not in {it["model"] for it in outputs}]
        if missing:
            raise StimulusError(f"{stim.path} line {outputs[0]['line']}: prompt {pid!r} has no output of model(s) "
                                f"{', '.join(map(repr, missing))}; every prompt needs one output per model "
                                f"({', '.join(models)}) — add them or leave the prompt out")
        outputs.sort(key=lambda it: models.index(it["model"]))  # model order: balanced_order balances models
    return groups


def run_session(session: runner.Session, order: list[str], groups: dict[str, list[dict]], settings: Settings) -> str:
    from psyai.booth.ranking import RankingScreens, balanced_order, ranks_from_groups

    screens, header = session.screens, session.header
    page_chars = settings.page_chars or (220 if header["lang"] == "ja" else 450)
    flags = tuple(FLAG_KEYS.items())
    task = RankingScreens(screens, allow_ties=settings.allow_ties, allow_partial=False, page_chars=page_chars,
                          scales=tuple(settings.scales), flags=flags,
                          strings={"review_done": "heval_review_done", "rate_first": "heval_review_rate_first",
                                   "all_rated": "heval_review_all_rated"})

    def run_item(trial: dict) -> dict:
        outputs = groups[trial["prompt_id"]]
        shown = [outputs[j] for j in balanced_order(header["seed"], trial["trial_index"], len(outputs))]
        prompt = shown[0].get("prompt", "")
        result, rt = task.run(prompt, shown)
        ratings = {s: list(result.ratings[s]) if s in result.ratings else [None] * len(shown) for s in HUMAN_EVAL_SCALES}
        return {
            "prompt_id": trial["prompt_id"], "prompt": prompt, "condition": shown[0]["condition"],
            "item_ids": [it["item_id"] for it in shown], "models": [it["model"] for it in shown],
            "model_names": [it.get("model_name") or it["model"] for it in shown],
            "texts": [it["text"] for it in shown], "ranks": ranks_from_groups(result.groups, len(shown)),
            "allow_ties": settings.allow_ties, "scales": list(settings.scales), **ratings,
            **{f"flag_{name}": list(result.flags[name]) for name in HUMAN_EVAL_FLAGS},
            "rt": round(rt, 6), "refused_keys": result.refused,
        }

    sep = "、" if screens.lang == "ja" else ", "
    scales = sep.join(screens.t(f"scale_{s}") for s in settings.scales)
    flag_list = sep.join(f"[{key.upper()}] {screens.t(f'flag_{name}')}" for name, key in flags)
    k = len(next(iter(groups.values())))
    return runner.run_phases(
        session, consent_text=screens.t("heval_consent", minutes=settings.minutes),
        instructions_text=screens.t("heval_instructions", k=k, scales=scales, n_scales=len(settings.scales),
                                    flags=flag_list, ties=screens.t("rank_ties") if settings.allow_ties else ""),
        check_text=screens.t("heval_comprehension"),
        phases=[("main", [{"prompt_id": pid, "trial_index": i} for i, pid in enumerate(order)])],
        run_item=run_item, break_every=settings.break_every, ask_demographics=settings.demographics,
        intros={"main": screens.t("heval_main_intro")}, debrief=screens.t("heval_debrief"))


def simulated_rater(args: argparse.Namespace, groups: dict[str, list[dict]], order: list[str]):
    """The simulated rater of ``--simulate`` and what its session header records."""
    from psyai.participants.evaluators import EvaluatorCohort, parse_utilities, true_win_rates
    from psyai.participants.rankers import RankingAgent

    try:
        from_text = (args.sim_utilities or "").strip() == "text"
        utilities = parse_utilities(args.sim_utilities) if args.sim_utilities and not from_text else None
        extra = {"utilities": {}, "harmlessness": {}, "from_text": True} if from_text else {}
        cohort = EvaluatorCohort(**({"utilities": utilities} if utilities else {}), **extra, noise_sd=args.sim_rater_noise,
                                 prompt_model_sd=args.sim_prompt_model_sd, rater_sd=args.sim_rater_sd,
                                 harm_weight=args.sim_harm_weight, seed=args.sim_seed)
        for it in (it for pid in order for it in groups[pid]):
            cohort.key(it)
    except ValueError as err:
        raise PsyaiError(f"--sim-utilities: {err}") from None
    rater = cohort.participant(args.sim_index or 0)
    simulation = {"cohort": cohort.to_dict(), "index": args.sim_index or 0, "observer": rater.params()}
    if not cohort.from_text:  # judged from the texts, the truth is what the texts hold: no model-level rate
        rates = true_win_rates(cohort)
        simulation["true_win_rates"] = rates[rates["condition"] == "all"].to_dict("records")
    return RankingAgent(rater, seed=rater.seed), simulation


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # -- show dialog, check everything before a file is written ------------------------
    checked = runner.check(args, EXPERIMENT)
    settings = (runner.header_settings(checked, Settings) if checked.header else
                Settings(n_trials=args.trials, allow_ties=args.allow_ties, scales=args.scales,
                         page_chars=args.page_chars, break_every=args.break_every, demographics=args.demographics))
    groups = prompt_groups(checked.stim, args.lang)
    if checked.header:
        seed, order = checked.header["seed"], checked.header["trial_order"]
    else:
        seed = args.seed if args.seed is not None else draw_seed()
        order = [str(p) for p in np.random.default_rng(seed).permutation(sorted(groups))]
        if settings.n_trials is not None:
            if not 1 <= settings.n_trials <= len(order):
                raise StimulusError(f"--trials {settings.n_trials}: {checked.stim.path} has {len(order)} prompts in {args.lang!r}")
            order = order[: settings.n_trials]
    observer = simulation = None
    if args.simulate:
        observer, simulation = simulated_rater(args, groups, order)
    # -- set up window and data --------------------------------------------------------
    session = runner.open_session(checked, seed=seed, list_index=0, n_lists=1, trial_order=order, practice_order=[],
                                  settings=asdict(settings), observer=observer, simulation=simulation)
    # -- run, then save and quit ----------------------------------------------------------
    try:
        status = run_session(session, order, groups, settings)
    finally:
        session.close()
    print(f"{status}: {checked.paths.folder}")
    return 0


if __name__ == "__main__":
    sys.exit(runner.main_guard(main))
