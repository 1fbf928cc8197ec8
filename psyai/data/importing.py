"""Data from outside in, psyai's data out: the shape every importer and exporter shares.

``psyai import KIND PATH… --out DIR`` reads files in a published layout and writes psyai's own
tables into ``DIR``; ``psyai export KIND DATA… --out PATH`` writes psyai's data in the formats other
tools read. Each kind is a module with two functions, found through :data:`IMPORTERS` /
:data:`EXPORTERS` (so the command line and the library call the same code):

- ``add_arguments(parser)``: the kind's own options;
- ``run(paths, args) -> Imported`` for an importer (``paths``: the input files or folders), or
  ``run(paths, args) -> list[Path]`` for an exporter (the files written).

What an import writes (:func:`write_import`):

- one CSV per table (``<name>.csv``, UTF-8): every row keeps where it came from, ``source_file``
  and ``source_line`` (the line its record starts on; for Parquet and ``datasets`` folders the row
  number, 1-based), and the original ids in their own columns;
- ``import_report.json``: the kind, each input file with its SHA-256, the rows written per table,
  every dropped row with its file, line and reason (counted by reason), notes (choices the importer
  made that change what an analysis means, e.g. "no rater ids: each pair is its own rater"), the
  settings and the command line, psyai's version.

A bad row is refused (:class:`psyai.errors.DataError` naming file, line and field) when it means
the file is not what the kind expects; it is dropped and reported when the format allows it
(an empty reply in a preference pair). An existing output is never overwritten.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from psyai import __version__
from psyai.errors import DataError

# kind -> module (each with add_arguments(parser) and run(paths, args)); a kind's help is its module's
# first docstring line. A module keeps heavy imports (datasets, torch) inside its functions: the
# command line imports every kind's module to list them.
IMPORTERS: dict[str, str] = {
    "preferences": "psyai.data.importers.preferences",
    "rankings": "psyai.data.importers.rankings",
    "gold-pairs": "psyai.data.importers.gold_pairs",
    "eye-tracking": "psyai.data.importers.eye_tracking",
    "self-paced-reading": "psyai.data.importers.self_paced_reading",
    "turing-judgments": "psyai.data.importers.turing_judgments",
    "labels": "psyai.data.importers.labels",
    "instructgpt-samples": "psyai.data.importers.instructgpt_samples",
}
EXPORTERS: dict[str, str] = {
    "csv": "psyai.booth.csv_export",
    "pairwise": "psyai.data.exporters.pairwise",
    "kwise": "psyai.data.exporters.kwise",
    "trials": "psyai.data.exporters.trials",
    "words": "psyai.data.exporters.words",
    "sft": "psyai.data.exporters.sft",
}

REPORT_NAME = "import_report.json"
MAX_LISTED_DROPS = 200  # dropped rows listed one by one in the report (all are counted)


@dataclass
class Dropped:
    """A row left out of an import, and why."""

    file: str
    line: int | None
    reason: str
    ids: dict = field(default_factory=dict)


@dataclass
class Imported:
    """What an importer read: psyai's tables (``name -> DataFrame``) and an account of the rest."""

    kind: str
    tables: dict[str, pd.DataFrame]
    sources: list[Path]
    dropped: list[Dropped] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    settings: dict = field(default_factory=dict)


def table_files(paths: list[Path], what: str) -> list[Path]:
    """The files to read: each path as given, a folder as its .csv and .jsonl files (refused, naming the
    folder, when it holds none; ``what`` says what the files hold, e.g. ``label``)."""
    from psyai.data.tables import SUFFIXES

    files: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            found = sorted(p for p in path.iterdir() if p.suffix.lower() in SUFFIXES and p.is_file())
            if not found:
                raise DataError(f"{path}: holds no .csv or .jsonl file; give the {what} files themselves")
            files += found
        else:
            files.append(path)
    return files


def kind_module(kind: str, registry: dict[str, str], what: str):
    if kind not in registry:
        raise DataError(f"{what} kind {kind!r} is not known; choose one of {', '.join(sorted(registry))}")
    return importlib.import_module(registry[kind])


def kind_help(module_name: str) -> str:
    doc = importlib.import_module(module_name).__doc__ or ""
    return doc.strip().splitlines()[0] if doc.strip() else ""


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fresh_output(out: Path, names: list[str]) -> None:
    """Refuse to write into ``out`` when any of ``names`` is already there (nothing is overwritten)."""
    taken = [n for n in names if (out / n).exists()]
    if taken:
        raise DataError(f"{out}: already holds {', '.join(taken)}; nothing was overwritten — choose another --out "
                        "or move them away")


def write_import(imported: Imported, out: str | Path, argv: list[str] | None = None) -> dict[str, Path]:
    """Write ``imported`` into the folder ``out`` (see the module docstring); returns name -> path."""
    out = Path(out)
    names = [f"{name}.csv" for name in imported.tables] + [REPORT_NAME]
    out.mkdir(parents=True, exist_ok=True)
    fresh_output(out, names)
    written = {}
    for name, table in imported.tables.items():
        path = out / f"{name}.csv"
        table.to_csv(path, index=False, encoding="utf-8")
        written[name] = path
    reasons: dict[str, int] = {}
    for d in imported.dropped:
        reasons[d.reason] = reasons.get(d.reason, 0) + 1
    report = {
        "kind": imported.kind,
        "sources": [{"file": str(p), "sha256": file_sha256(p) if p.is_file() else None} for p in imported.sources],
        "rows": {name: int(len(t)) for name, t in imported.tables.items()},
        "dropped": {"n": len(imported.dropped), "by_reason": reasons,
                    "rows": [vars(d) for d in imported.dropped[:MAX_LISTED_DROPS]],
                    "listed": min(len(imported.dropped), MAX_LISTED_DROPS)},
        "notes": imported.notes,
        "settings": imported.settings,
        "command_line": argv if argv is not None else sys.argv,
        "psyai": __version__,
    }
    path = out / REPORT_NAME
    path.write_text(json.dumps(report, ensure_ascii=False, indent=2, default=str) + "\n", encoding="utf-8")
    written["report"] = path
    return written


def summary(imported: Imported, written: dict[str, Path]) -> str:
    """Lines the command prints: what was written, what was dropped, the notes."""
    lines = [f"{name}: {len(imported.tables[name])} rows -> {path}" for name, path in written.items()
             if name in imported.tables]
    if imported.dropped:
        reasons: dict[str, int] = {}
        for d in imported.dropped:
            reasons[d.reason] = reasons.get(d.reason, 0) + 1
        lines.append(f"dropped {len(imported.dropped)} row(s): " + "; ".join(f"{n} {r}" for r, n in reasons.items()))
    lines += [f"note: {n}" for n in imported.notes]
    lines.append(f"report: {written['report']}")
    return "\n".join(lines)


def available(registry: dict[str, str]) -> dict[str, str]:
    """The kinds whose module is installed."""
    import importlib.util

    return {kind: name for kind, name in registry.items() if importlib.util.find_spec(name) is not None}


def add_kind_parsers(parser: argparse.ArgumentParser, registry: dict[str, str], dest: str) -> None:
    """One subcommand per kind, each with its module's options (``psyai import KIND --help``)."""
    sub = parser.add_subparsers(dest=dest, required=True, metavar="KIND")
    for kind, module_name in available(registry).items():
        module = importlib.import_module(module_name)
        p = sub.add_parser(kind, help=kind_help(module_name), description=module.__doc__)
        module.add_arguments(p)
        p.set_defaults(kind_module=module)
