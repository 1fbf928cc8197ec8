"""Study folders: where the experiment scripts, analysis scripts and stimuli are found.

A study folder holds ``experiments/``, ``analysis/`` and ``stimuli/``, as the psyai
checkout does and as ``psyai init`` makes one. psyai runs those scripts the way a
researcher does (``python experiments/<name>.py``, ``python analysis/<name>.py``);
it never imports them. A script is looked for

1. in the study folder the command runs in: the current folder, or the nearest one
   above it, holding ``experiments/<name>.py`` (or ``analysis/<name>.py``) — so the
   copy a lab edited is the one that runs;
2. else in psyai's own copy: the checkout of an editable install, or the copy every
   wheel carries in ``psyai/_study/`` (written there by ``setup.py`` at build time).

Every command that runs a script says which file it ran.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from psyai.errors import PsyaiError

FOLDERS = ("experiments", "analysis", "stimuli")
PACKAGED = "_study"  # psyai/_study/{experiments,analysis,stimuli} inside an installed wheel


@dataclass(frozen=True)
class Experiment:
    """What one experiment needs in a study folder."""

    analysis: str | None  # analysis/<analysis>.py analyses its data (None: none; its data are exported instead)
    stimuli: str   # stimuli/<stimuli>/ holds its default stimulus set
    default: str = "items.csv"  # the default stimulus file in stimuli/<stimuli>/


EXPERIMENTS = {
    "turing_test": Experiment(analysis="turing_test", stimuli="turing_test"),
    "ranking": Experiment(analysis="ranking", stimuli="ranking"),
    "self_paced_reading": Experiment(analysis="attention", stimuli="attention"),
    "attention_highlight": Experiment(analysis="attention", stimuli="attention"),
    "human_eval": Experiment(analysis="human_eval", stimuli="human_eval"),
    # demonstrations are training data: `psyai export sft` curates them for TRL's SFTTrainer
    "demonstrations": Experiment(analysis=None, stimuli="demonstrations", default="prompts.csv"),
}


def packaged_root() -> Path:
    """psyai's own study folder: ``psyai/_study`` in a wheel, the checkout in an editable install."""
    here = Path(__file__).resolve().parent
    for root in (here / PACKAGED, here.parent):
        if all((root / folder).is_dir() for folder in FOLDERS):
            return root
    raise PsyaiError(f"this psyai installation has no experiments/, analysis/ and stimuli/ (looked in {here / PACKAGED} "
                     f"and {here.parent}); reinstall psyai from a wheel or a checkout")


def local_root(folder: str, name: str, start: Path | None = None) -> Path | None:
    """The nearest study folder at or above ``start`` (default: the current folder) holding ``folder/name.py``."""
    start = (start or Path.cwd()).resolve()
    for base in (start, *start.parents):
        if (base / folder / f"{name}.py").is_file():
            return base
    return None


def script_path(folder: str, name: str) -> Path:
    """``experiments/<name>.py`` or ``analysis/<name>.py``: the local study folder's, else psyai's own."""
    if folder not in ("experiments", "analysis"):
        raise ValueError(f"folder={folder!r}: scripts live in experiments/ or analysis/")
    root = local_root(folder, name) or packaged_root()
    path = root / folder / f"{name}.py"
    if not path.is_file():
        available = sorted(p.stem for p in path.parent.glob("*.py") if not p.stem.startswith("_"))
        raise PsyaiError(f"no {folder} script {name!r} in {path.parent}; available: {', '.join(available) or 'none'}")
    return path


def study_files(experiments: list[str]) -> list[Path]:
    """The files ``psyai init`` copies for these experiments, relative to a study folder."""
    unknown = [e for e in experiments if e not in EXPERIMENTS]
    if unknown:
        raise PsyaiError(f"unknown experiment {', '.join(map(repr, unknown))}; choose from {', '.join(EXPERIMENTS)}")
    root = packaged_root()
    files: dict[Path, None] = {}
    for name in experiments:
        spec = EXPERIMENTS[name]
        files[Path("experiments", f"{name}.py")] = None
        if spec.analysis is not None:
            files[Path("analysis", f"{spec.analysis}.py")] = None
        for path in sorted((root / "stimuli" / spec.stimuli).rglob("*")):
            rel = path.relative_to(root)
            if path.is_file() and not _generated(rel):
                files[rel] = None
    return list(files)


def _generated(rel: Path) -> bool:
    """Files a build or a run leaves beside the sources (bytecode, locally built demo models)."""
    return any(part == "__pycache__" or part.startswith("_model") for part in rel.parts) or rel.suffix == ".pyc"


def init_study(dest: str | Path, experiments: list[str] | None = None) -> list[Path]:
    """Copy the experiment scripts, their analysis scripts and stimuli into the study folder ``dest``.

    Refuses, copying nothing, when any of the files exists there already. Returns the
    files written.
    """
    dest = Path(dest)
    if dest.exists() and not dest.is_dir():
        raise PsyaiError(f"{dest} is a file, not a folder; give the study folder to create or fill")
    files = study_files(list(experiments or EXPERIMENTS))
    existing = [rel for rel in files if (dest / rel).exists()]
    if existing:
        shown = ", ".join(str(dest / rel) for rel in existing[:3]) + (" …" if len(existing) > 3 else "")
        raise PsyaiError(f"{shown} already exist{'s' if len(existing) == 1 else ''}; nothing was copied. "
                         "Choose an empty study folder, or move those files away first")
    root = packaged_root()
    written = []
    for rel in files:
        target = dest / rel
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(root / rel, target)
        except OSError as err:
            done = f"; copied so far: {len(written)} files" if written else "; nothing was copied"
            raise PsyaiError(f"cannot write {target}: {err.strerror or err}{done}") from None
        written.append(target)
    return written
