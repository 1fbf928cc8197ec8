#!/usr/bin/env python
"""Rankings: read K model outputs for one prompt, rate each, put them in order from best to worst.

As InstructGPT's labelers did: every output is rated for helpfulness,
truthfulness and harmlessness (1–7) and can be flagged as harmful or as
inventing facts; then the outputs are ranked (ties and partial rankings only
where the researcher allows them). Long outputs are paged.

    python experiments/ranking.py --participant P001 --session 1 --lang ja
    python experiments/ranking.py --participant P001 --resume          # after a crash
    python experiments/ranking.py --participant P001 --pilot --allow-ties

The session: dialog → checks → window → consent → (demographics) →
instructions with comprehension check → rankings with breaks → end screen.
Every ranking is on disk (fsynced) before the next begins; see docs/DATA.md.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

# Allow `python experiments/ranking.py` from a checkout without installing psyai.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from psyai.booth import runner  # noqa: E402
from psyai.errors import StimulusError  # noqa: E402
from psyai.booth.session import add_session_arguments, draw_seed, int_at_least  # noqa: E402

EXPERIMENT = "ranking"
DEFAULT_STIMULI = Path(__file__).resolve().parents[1] / "stimuli" / "ranking" / "items.csv"
MIN_K, MAX_K = 4, 9


@dataclass
class Settings:
    """Settings of one session; all of them are stored in the session header."""

    n_trials: int | None = None   # prompts per participant (None: every prompt in the language)
    allow_ties: bool = False
    allow_partial: bool = False   # a ranking of at least two outputs may be confirmed
    page_chars: int = 0           # characters per page of a long output (0: 600 for en, 300 for ja)
    break_every: int = 5
    demographics: bool = False
    minutes: int = 30


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_session_arguments(p, default_stimuli=str(DEFAULT_STIMULI))
    e = p.add_argument_group("this experiment")
    e.add_argument("--trials", type=int_at_least(1), default=None, help="prompts per participant (default: all)")
    e.add_argument("--allow-ties", action="store_true", help="let participants tie outputs")
    e.add_argument("--allow-partial", action="store_true", help="let participants confirm a partial ranking")
    e.add_argument("--page-chars", type=int_at_least(0), default=0, help="characters per page of a long output")
    e.add_argument("--break-every", type=int_at_least(0), default=Settings.break_every)
    e.add_argument("--demographics", action="store_true")
    o = p.add_argument_group("simulated rankers (psyai.participants.rankers)")
    o.add_argument("--sim-noise", type=float, default=2.0, help="typical noise SD (Thurstone) or temperature (PL)")
    o.add_argument("--sim-participant-sd", type=float, default=0.3, help="spread of the noise across participants")
    o.add_argument("--sim-ranker", choices=("thurstone", "plackett_luce"), default="thurstone")
    return p.parse_args(argv)


def prompt_groups(stim, lang: str) -> dict[str, list[dict]]:
    """The outputs of each prompt, checked: 4–9 per prompt, every output with a prompt_id."""
    groups: dict[str, list[dict]] = {}
    for it in stim.for_lang(lang):
        if not it["prompt_id"]:
            raise StimulusError(f"{stim.path} line {it['line']}: prompt_id is empty; ranking needs the prompt each output answers")
        groups.setdefault(it["prompt_id"], []).append(it)
    if not groups:
        raise StimulusError(f"{stim.path}: no outputs in language {lang!r}; add items or choose --lang")
    for pid, outputs in groups.items():
        if not MIN_K <= len(outputs) <= MAX_K:
            raise StimulusError(
                f"{stim.path} line {outputs[0]['line']}: prompt {pid!r} has {len(outputs)} output(s); "
                f"a ranking needs {MIN_K} to {MAX_K}")
    return groups


def display_order(seed: int, trial_index: int, k: int) -> list[int]:
    """Seeded order in which a trial shows its outputs (position bias is balanced across trials)."""
    return [int(i) for i in np.random.default_rng([seed, trial_index, 7]).permutation(k)]


def run_session(session: runner.Session, order: list[str], groups: dict[str, list[dict]], settings: Settings) -> str:
    from psyai.booth.ranking import SCALES, RankingScreens, ranks_from_groups

    screens, header = session.screens, session.header
    page_chars = settings.page_chars or (300 if header["lang"] == "ja" else 600)
    task = RankingScreens(screens, allow_ties=settings.allow_ties, allow_partial=settings.allow_partial,
                          page_chars=page_chars)

    def run_item(trial: dict) -> dict:
        outputs = groups[trial["prompt_id"]]
        shown = [outputs[j] for j in display_order(header["seed"], trial["trial_index"], len(outputs))]
        result, rt = task.run(shown[0].get("prompt", ""), shown)
        return {
            "prompt_id": trial["prompt_id"], "prompt": shown[0].get("prompt", ""),
            "item_ids": [it["item_id"] for it in shown], "models": [it["model"] for it in shown],
            "model_names": [it.get("model_name") or it["model"] for it in shown],
            "texts": [it["text"] for it in shown], "ranks": ranks_from_groups(result.groups, len(shown)),
            "allow_ties": settings.allow_ties, **{scale: list(result.ratings[scale]) for scale in SCALES},
            "flag_harmful": list(result.harmful), "flag_invented_facts": list(result.invented), "rt": round(rt, 6),
            "refused_keys": result.refused,
        }

    ties = screens.t("rank_ties") if settings.allow_ties else ""
    return runner.run_phases(
        session, consent_text=screens.t("rank_consent", minutes=settings.minutes),
        instructions_text=screens.t("rank_instructions", k_range=f"{MIN_K}{'〜' if screens.lang == 'ja' else '–'}{MAX_K}",
                                    ties=ties),
        check_text=screens.t("rank_comprehension"),
        phases=[("main", [{"prompt_id": pid, "trial_index": i} for i, pid in enumerate(order)])],
        run_item=run_item, break_every=settings.break_every, ask_demographics=settings.demographics,
        intros={"main": screens.t("rank_main_intro")}, debrief=screens.t("rank_debrief"))


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # -- show dialog, check everything before a file is written ------------------------
    checked = runner.check(args, EXPERIMENT)
    settings = (runner.header_settings(checked, Settings) if checked.header else
                Settings(n_trials=args.trials, allow_ties=args.allow_ties, allow_partial=args.allow_partial,
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
        from psyai.participants.rankers import CohortRankers, RankingAgent, utility_source

        cohort = CohortRankers(noise=args.sim_noise, participant_sd=args.sim_participant_sd, model=args.sim_ranker,
                               seed=args.sim_seed)
        ranker = cohort.participant(args.sim_index or 0)
        observer = RankingAgent(ranker, seed=ranker.seed)
        simulation = {"cohort": cohort.to_dict(), "index": args.sim_index or 0, "observer": ranker.params(),
                      "utility": utility_source([it for pid in order for it in groups[pid]])}
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
