"""The shape every configuration file must have, checked before anything runs.

`centers.yaml`, the protocol file and the quality file are read with limits (size, and how many
values YAML aliases may expand to: an alias bomb of a few hundred bytes expands to billions) and
their keys and values checked against what jakreg knows, a typo answered with "did you mean".
A centers entry is checked on its own: a bad entry fails that center, not the network.
"""

from __future__ import annotations

import codecs
import difflib
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import duckdb
import yaml

from jakreg.errors import ConfigError

MAX_FILE_BYTES = 1 << 20
MAX_VALUES = 100_000
CENTER_ID = re.compile(r"[a-z0-9_]{1,64}")
REQUIRED_KEYS = ("id", "dialect", "landing")
# Keys every dump center may carry besides its reader options.
CENTER_KEYS = (*REQUIRED_KEYS, "kind", "term_overrides")
CSV_OPTIONS = ("encoding", "delimiter", "date_format", "renames")
# Options only one dialect reads: the schema of a CDM database file (docs/dialects.md).
DIALECT_OPTIONS = {"omop_csv": ("schema",)}
# The encodings DuckDB's CSV reader decodes without extensions, by Python's name for them.
_DUCKDB_ENCODINGS = {"utf-8": "utf-8", "iso8859-1": "latin-1", "utf-16": "utf-16"}
# A date whose day, month and year all differ, to check that a date format keeps each of them.
_PROBE_DATE = "2021-11-23"


def read_yaml_mapping(path: Path) -> dict[str, Any]:
    """The YAML mapping in `path`, refused when the file is too large, unreadable, not a
    mapping, or expands (through aliases) to more than `MAX_VALUES` values."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ConfigError(
                f"{path}: {size} bytes; a configuration file may have at most {MAX_FILE_BYTES}"
            )
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as err:
        raise ConfigError(f"{path}: file not found") from err
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError(f"{path}: cannot be read as UTF-8 text ({type(err).__name__})") from err
    except yaml.YAMLError as err:
        raise ConfigError(f"{path}: not valid YAML ({err})") from err
    except RecursionError as err:
        raise ConfigError(f"{path}: nested too deeply") from err
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping at the top level")
    if _count_values(data, MAX_VALUES) > MAX_VALUES:
        raise ConfigError(
            f"{path}: expands to more than {MAX_VALUES} values (YAML aliases repeating aliases?)"
        )
    return data


def _count_values(data: Any, limit: int) -> int:
    """Values in `data`, an alias counted each time it is used; stops counting past `limit`."""
    count = 0
    pending = [data]
    while pending and count <= limit:
        value = pending.pop()
        count += 1
        if isinstance(value, dict):
            pending.extend(value.keys())
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)
    return count


def unknown_key(key: Any, known: Iterable[str]) -> str:
    """`unknown option 'delimeter' (did you mean 'delimiter'?)`, or the known keys."""
    known = sorted(known)
    close = difflib.get_close_matches(str(key), known, n=1)
    suggestion = f"did you mean {close[0]!r}?" if close else f"known: {', '.join(known)}"
    return f"unknown option {_shown(key)} ({suggestion})"


def _shown(value: Any) -> str:
    """A configuration value as a message quotes it: its repr, cut short."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def center_id_problem(value: Any) -> str | None:
    if isinstance(value, str) and CENTER_ID.fullmatch(value):
        return None
    return f"id {_shown(value)} must be 1 to 64 lower-case letters, digits or _"


def center_entry_problems(entry: dict[str, Any], dialects: tuple[str, ...]) -> list[str]:
    """What is wrong with one `centers` entry (besides its id, see `center_id_problem`)."""
    problems = [f"missing {key}" for key in REQUIRED_KEYS if key not in entry]
    dialect = entry.get("dialect")
    if "dialect" in entry and dialect not in dialects:
        problems.append(f"dialect {_shown(dialect)} is not one of {', '.join(dialects)}")
    landing = entry.get("landing")
    if "landing" in entry and (not isinstance(landing, str) or not landing.strip()):
        problems.append("landing must be a folder path")
    options = (
        *(CSV_OPTIONS if dialect != "fhir_ndjson" else ()),
        *DIALECT_OPTIONS.get(dialect, ()),
    )
    for key in entry:
        if key not in CENTER_KEYS and key not in options:
            if key in CSV_OPTIONS:
                problems.append(f"option {key!r} applies to delimited dialects only")
            else:
                problems.append(unknown_key(key, (*CENTER_KEYS, *options)))
    checks = {
        "encoding": encoding_problem,
        "delimiter": delimiter_problem,
        "date_format": date_format_problem,
        "renames": renames_problem,
        "schema": schema_problem,
        "term_overrides": term_overrides_problem,
    }
    for key, check in checks.items():
        if key in entry and key in (*CENTER_KEYS, *options) and (problem := check(entry[key])):
            problems.append(problem)
    return problems


def term_overrides_problem(value: Any) -> str | None:
    if isinstance(value, str) and value.strip():
        return None
    return f"term_overrides {_shown(value)} must be the path of a CSV file"


def duckdb_encoding(name: str) -> str | None:
    """DuckDB's name for an encoding its CSV reader decodes, or None."""
    try:
        return _DUCKDB_ENCODINGS.get(codecs.lookup(name).name)
    except LookupError:
        return None


def encoding_problem(value: Any) -> str | None:
    if isinstance(value, str) and duckdb_encoding(value):
        return None
    return (
        f"encoding {_shown(value)} cannot be read; use utf-8, latin-1 or utf-16 (re-export "
        "Windows-1252 files as UTF-8 or latin-1)"
    )


def delimiter_problem(value: Any) -> str | None:
    if isinstance(value, str) and len(value) == 1 and value not in '"\r\n':
        return None
    return f"delimiter {_shown(value)} must be one character (not a quote or a line break)"


def date_format_problem(value: Any) -> str | None:
    """A date format must be one DuckDB's strptime reads and keep day, month and year."""
    problem = f"date_format {_shown(value)} is not a date format with day, month and year"
    if not isinstance(value, str):
        return problem
    try:
        [(back,)] = duckdb.execute(
            "select strptime(strftime($probe::date, $format), $format)::date::varchar",
            {"probe": _PROBE_DATE, "format": value},
        ).fetchall()
    except duckdb.Error:
        return problem
    return None if back == _PROBE_DATE else problem


def schema_problem(value: Any) -> str | None:
    if isinstance(value, str) and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", value):
        return None
    return "schema must be the name of the CDM's schema in its database file (e.g. cdm)"


def renames_problem(value: Any) -> str | None:
    if isinstance(value, dict) and all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        return None
    return "renames must map column names as sent to the dialect's names (name: name)"


def check_known_keys(path: Path, data: dict[str, Any], known: Iterable[str], kind: str) -> None:
    """Every key of a parameter file must be a known parameter."""
    known = list(known)
    for key in data:
        if key not in known:
            message = unknown_key(key, known).replace("unknown option", f"unknown {kind}")
            raise ConfigError(f"{path}: {message}")
