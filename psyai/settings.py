"""Settings dataclasses as command-line flags and config files: defaults → ``--config FILE`` → flags.

Reward-model training, SFT and policy optimisation each keep their settings in
one dataclass whose fields carry their help text (``field(metadata={"help": …})``)
and which has a ``check()`` method. The three functions here make one flag per
field (:func:`add_config_arguments`), read a YAML or JSON file of settings
(:func:`load_config_file`) and resolve the three layers into a checked instance
(:func:`resolve_config`), so each setting is described once, beside its default.

Numbers given as flags are read as text and converted here, so a bad one gets
psyai's one-line error naming the flag (not argparse's usage dump); so are numbers
YAML reads as text (``1e-3`` without a dot).
"""

from __future__ import annotations

import argparse
import json
from dataclasses import MISSING, fields, replace
from pathlib import Path
from typing import Any

from psyai.errors import PsyaiError

__all__ = ["ConfigError", "load_config_file", "add_config_arguments", "resolve_config", "flag"]

_TYPES = {"int": int, "float": float, "str": str, "bool": bool}


class ConfigError(PsyaiError, ValueError):
    """A setting, or a config file, cannot be used."""


def flag(name: str) -> str:
    """The command-line flag of a setting: ``learning_rate`` → ``--learning-rate``."""
    return "--" + name.replace("_", "-")


def _names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in fields(cls))


def load_config_file(path: str | Path, cls: type) -> dict[str, Any]:
    """Settings of ``cls`` from a YAML or JSON file: a mapping of field names to values.

    Raises:
        ConfigError: the file is missing, unreadable, not a mapping, or names
            a setting that does not exist (the message lists those that do).
    """
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"config file {path} does not exist; pass a .yaml or .json file of settings")
    if path.suffix.lower() not in (".json", ".yaml", ".yml"):
        raise ConfigError(f"config file {path}: use a .yaml, .yml or .json file")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"config file {path}: not UTF-8 text (byte {exc.start}); save it as UTF-8") from None
    try:
        if path.suffix.lower() == ".json":
            values = json.loads(text)
        else:
            import yaml

            values = yaml.safe_load(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"config file {path} line {exc.lineno}: not valid JSON ({exc.msg})") from None
    except Exception as exc:  # yaml.YAMLError; yaml is imported lazily
        raise ConfigError(f"config file {path} is not valid YAML: {str(exc).splitlines()[0]}") from None
    if values is None:
        values = {}
    if not isinstance(values, dict):
        raise ConfigError(f"config file {path} must hold a mapping of setting: value, not a {type(values).__name__}")
    unknown = sorted(set(map(str, values)) - set(_names(cls)))
    if unknown:
        raise ConfigError(f"config file {path}: unknown setting(s) {', '.join(unknown)}; "
                          f"the settings are {', '.join(_names(cls))}")
    return values


def add_config_arguments(parser: argparse.ArgumentParser, cls: type, *, skip: tuple[str, ...] = (),
                         metavars: dict[str, str] | None = None) -> None:
    """One flag per field of ``cls`` (``--learning-rate`` …), plus ``--config FILE``.

    Flags default to "not given", so :func:`resolve_config` can tell a flag
    from a default and let the config file fill the rest.
    """
    parser.add_argument("--config", type=Path, default=None, metavar="FILE",
                        help="YAML or JSON file of settings (field: value); flags override it")
    for f in fields(cls):
        if f.name in skip:
            continue
        default = f.default if f.default is not MISSING else None
        shown = "none: required" if default in ("", None) else default  # an empty default is no default
        help_text = f"{f.metadata['help']} (default: {shown})".replace("%", "%%")
        if str(f.type) == "bool":
            parser.add_argument(flag(f.name), dest=f.name, action=argparse.BooleanOptionalAction,
                                default=argparse.SUPPRESS, help=help_text)
        else:
            parser.add_argument(flag(f.name), dest=f.name, default=argparse.SUPPRESS, help=help_text,
                                metavar=(metavars or {}).get(f.name, f.name.upper()))


def resolve_config(args: argparse.Namespace, cls: type, **overrides: Any) -> Any:
    """Defaults → ``args.config`` file → flags given on the command line → ``overrides``; ``check()``-ed."""
    values: dict[str, Any] = {}
    if getattr(args, "config", None):
        values.update(load_config_file(args.config, cls))
    values.update({name: getattr(args, name) for name in _names(cls) if hasattr(args, name)})
    values.update(overrides)
    types = {f.name: _TYPES[str(f.type)] for f in fields(cls)}
    for name, value in values.items():
        expected = types[name]
        if expected in (int, float) and isinstance(value, str):
            try:  # flags arrive as text; YAML reads 1e-3 (no dot) as a string too
                value = values[name] = expected(value.strip())
            except ValueError:
                example = "a whole number such as 40" if expected is int else "a number such as 1e-5"
                raise ConfigError(f"{flag(name)} {value!r}: expected {example}") from None
        if expected is float and isinstance(value, int) and not isinstance(value, bool):
            value = values[name] = float(value)
        if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
            raise ConfigError(f"setting {name}={value!r}: expected {expected.__name__}")
    return replace(cls(), **values).check()
