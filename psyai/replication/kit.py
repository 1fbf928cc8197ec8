"""Replication kits: one folder per published study a class replicates.

A kit is a folder ``psyai/replication/kits/<kit_id>/`` (or any folder laid out the
same way) holding

- ``kit.yaml``: the study's citation and original effect, the experiment and
  stimuli students run, the settings they use, the ONE effect the kit judges,
  the observer flags of simulated students, and the sample sizes to plan for;
- ``protocol.en.md`` / ``protocol.ja.md``: what students do in the lab;
- ``instructor.en.md`` / ``instructor.ja.md``: the instructor's sheet.

``original.verified`` (optional, default true) says whether every number of the original was
read in the source or computed from numbers read there (``true``), only some (``partly``) or
none (``false``); ``original.note`` says where each number comes from and how any was computed. Reports and preregistrations show a warning unless true.
``effect.scale``, ``effect.sesoi_reason`` (optional: why that smallest effect of interest),
``original.design`` and ``original.note`` are texts in both languages (``{en: …, ja: …}``; one text
is taken for both, for a kit written in one language); reports and preregistrations show the
language they are written in.
``original.test_design`` (optional) names the design of the original's test for
:func:`psyai.stats.meta.d33_for` (one_sample, paired, two_sample, correlation).
Observer flags in ``simulation`` are written without ``--sim-`` (``dprime``, ``b_measure``);
``simulation.between_sd`` (optional) is how much participants' own effects differ, in the effect's
units (the reading kit's simulated readers each draw their own surprisal slope).

The preregistration is not stored: ``psyai class new`` fills it from the kit
(:mod:`psyai.replication.prereg`). :func:`load_kit` checks every field before
anything uses it and refuses a bad kit in one line naming the file and field.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from psyai.errors import PsyaiError

__all__ = ["Kit", "KitError", "load_kit", "list_kits", "KITS_DIR", "TEXTS", "LANGS"]

KITS_DIR = Path(__file__).resolve().parent / "kits"
LANGS = ("en", "ja")
TEXTS = ("protocol", "instructor")  # <name>.<lang>.md in every kit folder
DIRECTIONS = ("positive", "negative")
Z975 = 1.959964  # the normal quantile of a two-sided 95% interval


class KitError(PsyaiError, ValueError):
    """A replication kit is missing, or its kit.yaml or texts break the layout in psyai/replication/kit.py."""


@dataclass
class Kit:
    """One replication kit, as read from its ``kit.yaml`` (fields as documented in the module docstring)."""

    id: str
    path: Path                      # the kit folder
    title: dict[str, str]           # {"en": …, "ja": …}
    experiment: str                 # experiments/<experiment>.py
    stimuli: Path | None            # the stimulus file (absolute), or None: stimuli_command makes it
    stimuli_command: str | None
    settings: dict[str, Any]        # experiment flags without "--" → values
    analysis: str | None            # analysis/<analysis>.py for the full report
    effect: dict[str, Any]          # name, label, scale, direction, sesoi, sesoi_reason (texts as {en, ja})
    original: dict[str, Any]        # citation, estimate, se | ci_low + ci_high, n, design, note, verified
    simulation: dict[str, dict]     # {"original": {flag: value}, "null": {flag: value}}
    power: dict[str, Any] = field(default_factory=dict)  # {"n_grid": [...]}

    def original_se(self) -> float:
        """The original estimate's standard error: ``se``, else the 95% interval's half width / 1.959964."""
        se = self.original.get("se")
        if se is not None:
            return float(se)
        return (float(self.original["ci_high"]) - float(self.original["ci_low"])) / (2 * Z975)

    def text(self, name: str, lang: str) -> str:
        """The kit's ``<name>.<lang>.md`` (name: protocol or instructor; lang: en or ja)."""
        if name not in TEXTS:
            raise KitError(f"kit {self.id}: no text {name!r}; the texts are {', '.join(TEXTS)}")
        if lang not in LANGS:
            raise KitError(f"kit {self.id}: no language {lang!r}; choose {' or '.join(LANGS)}")
        path = self.path / f"{name}.{lang}.md"
        try:
            return path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise KitError(f"{path} is missing; every kit needs {name}.en.md and {name}.ja.md") from None
        except UnicodeDecodeError as exc:
            raise KitError(f"{path}: not UTF-8 text (byte {exc.start}); save it as UTF-8") from None

    @property
    def direction_sign(self) -> int:
        """+1 when the hypothesis is an effect above 0, -1 below."""
        return 1 if self.effect["direction"] == "positive" else -1


def list_kits() -> list[str]:
    """The ids of the kits psyai ships (folders of psyai/replication/kits/ holding a kit.yaml)."""
    return sorted(p.parent.name for p in KITS_DIR.glob("*/kit.yaml"))


def _extractors() -> dict | None:
    """The effect extractors (psyai.replication.effects.EXTRACTORS), or None where that module is absent."""
    import importlib.util

    if importlib.util.find_spec("psyai.replication.effects") is None:
        return None
    from psyai.replication.effects import EXTRACTORS

    return EXTRACTORS


def _folder(kit_id_or_path: str | Path) -> Path:
    candidate = Path(kit_id_or_path)
    if (candidate / "kit.yaml").is_file():
        return candidate.resolve()
    if candidate.name == "kit.yaml" and candidate.is_file():
        return candidate.parent.resolve()
    shipped = KITS_DIR / str(kit_id_or_path)
    if "/" not in str(kit_id_or_path) and (shipped / "kit.yaml").is_file():
        return shipped
    raise KitError(f"no replication kit {str(kit_id_or_path)!r}: give a kit id ({', '.join(list_kits()) or 'none shipped'}) "
                   "or a folder holding a kit.yaml")


class _Fields:
    """Reads fields of one kit.yaml, each refusal naming the file and the field."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, name: str, what: str) -> KitError:
        return KitError(f"{self.path}: field {name}: {what}")

    def get(self, mapping: dict, name: str, prefix: str = "", *, required: bool = True) -> Any:
        full = f"{prefix}{name}"
        if name not in mapping or (required and mapping[name] is None):
            if required:
                return self._missing(full)
            return None
        return mapping[name]

    def _missing(self, full: str):
        raise self.fail(full, "missing; see psyai/replication/kit.py for the fields a kit.yaml needs")

    def text(self, mapping: dict, name: str, prefix: str = "", *, required: bool = True) -> str | None:
        value = self.get(mapping, name, prefix, required=required)
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            raise self.fail(f"{prefix}{name}", f"expected text, got {value!r}")
        return value.strip()

    def number(self, mapping: dict, name: str, prefix: str = "", *, required: bool = True,
               positive: bool = False) -> float | None:
        value = self.get(mapping, name, prefix, required=required)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise self.fail(f"{prefix}{name}", f"expected a number, got {value!r}")
        if positive and value <= 0:
            raise self.fail(f"{prefix}{name}", f"must be above 0, got {value!r}")
        return float(value)

    def mapping(self, mapping: dict, name: str, prefix: str = "", *, required: bool = True) -> dict:
        value = self.get(mapping, name, prefix, required=required)
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise self.fail(f"{prefix}{name}", f"expected a mapping (key: value), got {value!r}")
        return value

    def both_langs(self, mapping: dict, name: str, prefix: str = "") -> dict[str, str]:
        value = self.mapping(mapping, name, prefix)
        for lang in LANGS:
            self.text(value, lang, f"{prefix}{name}.")
        return {lang: value[lang].strip() for lang in LANGS}

    def either_langs(self, mapping: dict, name: str, prefix: str = "", *,
                     required: bool = True) -> dict[str, str] | None:
        """A text in both languages (``{en: …, ja: …}``), or one text used for both (a kit written in one
        language); None when absent and not required."""
        value = self.get(mapping, name, prefix, required=required)
        if value is None:
            return None
        if isinstance(value, dict):
            return self.both_langs(mapping, name, prefix)
        text = self.text(mapping, name, prefix)
        return {lang: text for lang in LANGS}


def load_kit(kit_id_or_path: str | Path) -> Kit:
    """The kit with this id (one psyai ships) or in this folder, every field checked.

    Raises:
        KitError: no such kit, kit.yaml unreadable, or a field missing or
            unusable (the message names kit.yaml and the field), or a text
            file missing.
    """
    import yaml

    from psyai.study import EXPERIMENTS, packaged_root

    folder = _folder(kit_id_or_path)
    path = folder / "kit.yaml"
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise KitError(f"{path}: not UTF-8 text (byte {exc.start}); save it as UTF-8") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise KitError(f"{path}{where}: not valid YAML ({problem})") from None
    if not isinstance(data, dict):
        raise KitError(f"{path}: must hold a mapping of field: value (id, title, experiment, …), "
                       f"not {type(data).__name__}")
    f = _Fields(path)

    kit_id = f.text(data, "id")
    if kit_id != folder.name:
        raise f.fail("id", f"{kit_id!r} differs from the kit's folder name {folder.name!r}; make them the same")
    title = f.both_langs(data, "title")
    experiment = f.text(data, "experiment")
    if experiment not in EXPERIMENTS:
        raise f.fail("experiment", f"unknown experiment {experiment!r}; choose from {', '.join(EXPERIMENTS)}")

    stimuli_rel = f.text(data, "stimuli", required=False)
    stimuli_command = f.text(data, "stimuli_command", required=False)
    stimuli = None
    if stimuli_rel is None and stimuli_command is None:
        raise f.fail("stimuli", "give a stimulus file relative to the study folder, or stimuli: null and a "
                                "stimuli_command that makes it")
    if stimuli_rel is not None:
        rel = Path(stimuli_rel)
        if rel.is_absolute() or ".." in rel.parts:
            raise f.fail("stimuli", f"{stimuli_rel!r} must be relative to the study folder, e.g. "
                                    "stimuli/turing_test/items.csv")
        stimuli = packaged_root() / rel
        if not stimuli.is_file():
            raise f.fail("stimuli", f"{stimuli} does not exist; name a stimulus file psyai ships, or set "
                                    "stimuli: null and a stimuli_command")

    settings = f.mapping(data, "settings", required=False)
    for key, value in settings.items():
        if not isinstance(key, str) or key.startswith("-") or isinstance(value, (dict, list)):
            raise f.fail(f"settings.{key}", "settings are experiment flags without '--' and one value each "
                                            "(e.g. trials: 40; true for a flag without a value)")
    if "lang" in settings and settings["lang"] not in LANGS:
        raise f.fail("settings.lang", f"{settings['lang']!r}: choose {' or '.join(LANGS)}")

    analysis = f.text(data, "analysis", required=False)
    if analysis is not None and analysis != EXPERIMENTS[experiment].analysis:
        raise f.fail("analysis", f"{analysis!r} is not the analysis of {experiment} "
                                 f"({EXPERIMENTS[experiment].analysis!r})")

    effect = dict(f.mapping(data, "effect"))
    name = f.text(effect, "name", "effect.")
    extractors = _extractors()
    if extractors is not None and name not in extractors:
        raise f.fail("effect.name", f"no effect extractor {name!r} in psyai/replication/effects.py; "
                                    f"choose from {', '.join(sorted(extractors))}")
    effect["label"] = f.both_langs(effect, "label", "effect.")
    effect["scale"] = f.either_langs(effect, "scale", "effect.")
    effect["sesoi_reason"] = f.either_langs(effect, "sesoi_reason", "effect.", required=False)
    direction = f.text(effect, "direction", "effect.")
    if direction not in DIRECTIONS:
        raise f.fail("effect.direction", f"{direction!r}: choose positive (the effect is > 0) or negative (< 0)")
    effect["sesoi"] = f.number(effect, "sesoi", "effect.", positive=True)

    original = dict(f.mapping(data, "original"))
    f.text(original, "citation", "original.")
    for name in ("design", "note"):
        original[name] = f.either_langs(original, name, "original.")
    original["estimate"] = f.number(original, "estimate", "original.")
    original["se"] = f.number(original, "se", "original.", required=False, positive=True)
    original["ci_low"] = f.number(original, "ci_low", "original.", required=False)
    original["ci_high"] = f.number(original, "ci_high", "original.", required=False)
    if original["se"] is None:
        if original["ci_low"] is None or original["ci_high"] is None:
            raise f.fail("original.se", "give the original estimate's se, or its 95% interval as ci_low and ci_high")
        if not original["ci_low"] < original["ci_high"]:
            raise f.fail("original.ci_low", f"{original['ci_low']} must be below ci_high {original['ci_high']}")
    verified = original.get("verified", True)
    if verified not in (True, False, "partly"):
        raise f.fail("original.verified", f"{verified!r}: true (every number read in the source), partly or false")
    original["verified"] = verified
    n = original.get("n")
    if isinstance(n, bool) or not isinstance(n, int) or n < 2:
        raise f.fail("original.n", f"expected the original's number of participants (a whole number ≥ 2), got {n!r}")

    simulation = dict(f.mapping(data, "simulation"))
    if None in simulation:  # YAML reads a bare `null:` key as None; the kit means the case named "null"
        simulation.setdefault("null", simulation.pop(None))
    for case in ("original", "null"):
        flags = f.mapping(simulation, case, "simulation.")
        for key, value in flags.items():
            if not isinstance(key, str) or key.startswith("-") or isinstance(value, (dict, list)):
                raise f.fail(f"simulation.{case}.{key}", "observer flags without '--sim-' and one value each "
                                                         "(e.g. dprime: 0.6)")
    between = f.number(simulation, "between_sd", "simulation.", required=False)
    if between is not None and between < 0:
        raise f.fail("simulation.between_sd", f"{between}: an SD, 0 or more (in the effect's units)")
    power = dict(f.mapping(data, "power", required=False))
    grid = power.get("n_grid", [10, 20, 40, 80, 160])
    if (not isinstance(grid, list) or not grid
            or not all(isinstance(n, int) and not isinstance(n, bool) and n >= 2 for n in grid)):
        raise f.fail("power.n_grid", f"expected a list of whole numbers ≥ 2 (participants), got {grid!r}")
    power["n_grid"] = sorted(set(grid))

    for name in TEXTS:
        for lang in LANGS:
            if not (folder / f"{name}.{lang}.md").is_file():
                raise KitError(f"{folder / f'{name}.{lang}.md'} is missing; every kit needs "
                               f"{name}.en.md and {name}.ja.md")
    return Kit(id=kit_id, path=folder, title=title, experiment=experiment, stimuli=stimuli,
               stimuli_command=stimuli_command, settings=dict(settings), analysis=analysis, effect=effect,
               original=original,
               simulation={**{k: dict(simulation[k]) for k in ("original", "null")},
                           **({"between_sd": between} if between is not None else {})}, power=power)
