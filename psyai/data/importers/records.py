"""Rows of a published table with the line (or row number) each starts on, whatever it is stored in.

The preference, ranking and gold-pair importers read the same four containers:

- JSON Lines (``.jsonl``, or ``.json`` holding one object a line or one array of objects): values keep
  their JSON types; ``source_line`` is the file's line (the element's position, 1-based, in an array);
- CSV (``.csv``, UTF-8, header on line 1): values are strings; ``source_line`` is the line the
  record starts on (a quoted text may span lines);
- Parquet (``.parquet``): read with pyarrow; ``source_line`` is the row number, 1-based;
- a ``datasets`` folder written by ``Dataset.save_to_disk`` (``state.json`` and ``*.arrow``) or
  ``DatasetDict.save_to_disk`` (``dataset_dict.json`` and one such folder per split): read with
  pyarrow, so ``datasets`` itself need not be installed; ``source_line`` is the row number within
  the split, and the split's name is kept.

Each problem is a :class:`psyai.errors.DataError` naming the file (and line) and the fix.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from psyai.errors import DataError

__all__ = ["Source", "read_sources", "FORMATS"]

FORMATS = "a .jsonl, .json, .csv or .parquet file, or a folder written by datasets' save_to_disk"


@dataclass
class Source:
    """One table read: its rows as ``(line, record)`` and where they came from."""

    path: Path  # the file (or datasets split folder) the rows came from
    columns: list[str]
    rows: list[tuple[int, dict[str, Any]]]
    container: str  # jsonl, json, csv, parquet, datasets
    split: str | None = None
    files: list[Path] = field(default_factory=list)  # the files read (for their checksums)


def _arrow_rows(table) -> list[tuple[int, dict]]:
    return list(enumerate(table.to_pylist(), start=1))


def _read_json(path: Path) -> Source:
    from psyai.data.tables import _jsonl_rows, decode_utf8

    text = decode_utf8(path, path.read_bytes(), DataError)
    if text.lstrip().startswith("["):
        try:
            items = json.loads(text)
        except json.JSONDecodeError as err:
            raise DataError(f"{path} line {err.lineno}: not valid JSON ({err.msg})") from None
        rows = []
        for number, item in enumerate(items, start=1):
            if not isinstance(item, dict):
                raise DataError(f"{path} element {number}: each element of the array must be a JSON object")
            rows.append((number, item))
        columns = list(dict.fromkeys(k for _, r in rows for k in r))
        return Source(path, columns, rows, "json", files=[path])
    columns, rows = _jsonl_rows(path, text, DataError)
    return Source(path, columns, rows, "jsonl" if path.suffix.lower() == ".jsonl" else "json", files=[path])


def _read_parquet(path: Path) -> Source:
    try:
        import pyarrow.parquet as pq
    except ImportError:  # pragma: no cover - pyarrow comes with pandas' parquet support
        raise DataError(f"{path}: reading Parquet needs pyarrow: pip install pyarrow") from None
    try:
        table = pq.read_table(path)
    except Exception as err:  # pyarrow raises ArrowInvalid, OSError …
        raise DataError(f"{path}: not a readable Parquet file ({str(err).splitlines()[0]}); "
                        "write it with pandas' to_parquet or datasets' to_parquet") from None
    return Source(path, list(table.column_names), _arrow_rows(table), "parquet", files=[path])


def _read_arrow_folder(folder: Path, split: str | None) -> Source:
    import pyarrow as pa

    state_path = folder / "state.json"
    try:
        state = json.loads(state_path.read_text(encoding="utf-8"))
        names = [f["filename"] for f in state["_data_files"]]
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise DataError(f"{state_path}: not the state.json datasets' save_to_disk writes ({err}); save the dataset "
                        "again with Dataset.save_to_disk") from None
    tables = []
    for name in names:
        path = folder / name
        try:
            with pa.memory_map(str(path)) as source:
                tables.append(pa.ipc.open_stream(source).read_all())
        except Exception as err:  # ArrowInvalid, FileNotFoundError …
            raise DataError(f"{path}: cannot be read as an Arrow file of a saved dataset "
                            f"({str(err).splitlines()[0]}); save the dataset again with save_to_disk") from None
    table = pa.concat_tables(tables) if len(tables) > 1 else tables[0]
    return Source(folder, list(table.column_names), _arrow_rows(table), "datasets", split=split,
                  files=[folder / n for n in names])


def _read_folder(path: Path) -> list[Source]:
    if (path / "state.json").is_file():
        return [_read_arrow_folder(path, None)]
    if (path / "dataset_dict.json").is_file():
        try:
            splits = json.loads((path / "dataset_dict.json").read_text(encoding="utf-8"))["splits"]
        except (OSError, ValueError, KeyError, TypeError) as err:
            raise DataError(f"{path / 'dataset_dict.json'}: not the file DatasetDict.save_to_disk writes "
                            f"({err}); save the dataset again") from None
        return [_read_arrow_folder(path / s, s) for s in splits]
    raise DataError(f"{path}: a folder, but not one datasets' save_to_disk wrote (no state.json or "
                    f"dataset_dict.json); give {FORMATS}")


def read_source(path: str | Path) -> list[Source]:
    """The tables in one path (a ``DatasetDict`` folder holds one per split)."""
    path = Path(path)
    if not path.exists():
        raise DataError(f"{path}: no such file or folder; give {FORMATS}")
    if path.is_dir():
        return _read_folder(path)
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".json"):
        return [_read_json(path)]
    if suffix == ".csv":
        from psyai.data.tables import read_rows

        columns, rows = read_rows(path, DataError)
        return [Source(path, columns, rows, "csv", files=[path])]
    if suffix == ".parquet":
        return [_read_parquet(path)]
    raise DataError(f"{path}: {suffix or 'a file without extension'} is not a layout psyai imports; give {FORMATS}")


def read_sources(paths: list[Path]) -> Iterator[Source]:
    """Every table in ``paths``, in order; an empty table is refused by name."""
    for path in paths:
        for source in read_source(path):
            if not source.rows:
                raise DataError(f"{source.path}: no rows; the file holds a header at most")
            yield source
