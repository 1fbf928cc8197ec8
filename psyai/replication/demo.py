"""``psyai class demo``: a simulated class runs two kits through the real experiment scripts and gets its report.

For each kit (``turing_text``, ``surprisal_reading``) and each of ``groups`` groups, a simulated
cohort (:func:`psyai.participants.cohort.run_cohort`: ``experiments/<experiment>.py --simulate``
once per participant, in a headless window) is run with the observer flags that give the
original study's effect (:func:`psyai.replication.power.simulation_flags`); participant ids carry
``sim001`` … in every group, as two real groups would both have a ``P001``; each group's data
folder is handed to :func:`psyai.replication.collect.collect_submissions` (``psyai class
collect``), which keeps the groups apart, and
:func:`psyai.replication.report.write_class_report` judges both kits:

    OUT/_submissions/<kit>/gNN/…             what each group hands in (its data folder)
    OUT/<kit>/                               `psyai class collect`'s folder: collect_report.json,
                                             groups/gNN/<experiment>/sub-*/ses-1/…, participants.csv
    OUT/surprisal_reading/surprisal.csv      the model's surprisal of every word (tiny local model,
                                             or --model, e.g. gpt2 on a lab machine)
    OUT/results.json, OUT/report.html        verdicts of both kits

Everything simulated is marked so in the data (``run_mode``) and in the report's banner.
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

from psyai.errors import PsyaiError

__all__ = ["DEMO_KITS", "run_class_demo"]

DEMO_KITS = ("turing_text", "surprisal_reading")


def run_class_demo(out: str | Path, *, groups: int = 8, participants: int = 3, seed: int = 0, jobs: int = 2,
                   lang: str = "en", model: str | None = None, kits=DEMO_KITS) -> dict:
    """Simulate the class, write the collected folders and the report; return the results summary
    (with ``seconds``)."""
    from psyai.participants.cohort import CohortRun, run_cohort
    from psyai.replication.kit import load_kit
    from psyai.replication.power import _flag_args, _setting_args, _words, simulation_flags, surprisal_measures
    from psyai.replication.collect import collect_submissions
    from psyai.replication.report import write_class_report

    out = Path(out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise PsyaiError(f"{out} exists and is not empty; give a new or empty --out folder (nothing was overwritten)")
    if groups < 2:
        raise PsyaiError(f"--groups {groups}: pooling needs at least 2 groups")
    if participants < 2:
        raise PsyaiError(f"--participants {participants}: each group needs at least 2 participants (its SE)")
    start = time.monotonic()
    seconds = {}
    for kit_id in kits:
        t0 = time.monotonic()
        kit = load_kit(kit_id)
        folder = out / kit.id  # the class folder, as `psyai class collect --out` writes it
        measures = words = None
        if kit.effect.get("name") == "surprisal_slope":
            measures = surprisal_measures(kit, model, out / "_model" / "surprisal.csv")
            words = _words(measures)
        flags = simulation_flags(kit, float(kit.original["estimate"]), words=words)
        if measures is not None:
            flags["measures"] = str(measures.resolve())
        submissions = []
        for g in range(1, groups + 1):
            name = f"g{g:02d}"
            data = out / "_submissions" / kit.id / name  # what each group hands in: its data folder
            run_cohort(CohortRun(experiment=kit.experiment, n_participants=participants, out=data,
                                 seed=seed * 1000 + g, observer_args=_flag_args(flags),
                                 experiment_args=_setting_args(kit.settings), n_trials=kit.settings.get("trials"),
                                 lang=kit.settings.get("lang", lang), stimuli=str(kit.stimuli) if kit.stimuli else None,
                                 jobs=jobs))
            submissions.append(f"{name}={data}")
        # every group's participants are sim001 …: collect keeps them apart (groups/<group>/, participants.csv)
        report = collect_submissions(kit, submissions, folder, allow_simulated=True)
        if report["totals"]["groups_accepted"] < groups:
            raise PsyaiError(f"{folder / 'collect_report.json'}: collect refused some simulated groups; see its tables/")
        if measures is not None:
            shutil.copy2(measures, folder / "surprisal.csv")
        seconds[kit.id] = round(time.monotonic() - t0, 1)
    summary = write_class_report(out, out, lang=lang, model=model, simulated=True)
    seconds["total"] = round(time.monotonic() - start, 1)
    summary["seconds"] = seconds
    results = out / "results.json"
    data = json.loads(results.read_text(encoding="utf-8"))
    data["seconds"] = seconds
    data["demo"] = {"groups": groups, "participants_per_group": participants, "seed": seed, "kits": list(kits)}
    results.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return summary
