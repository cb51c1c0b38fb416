"""What went wrong when a delimited file does not read as its dialect says, in words a data
manager can act on: DuckDB's reader errors without the line they quote, and the encoding
mistakes DuckDB cannot see.
"""

from __future__ import annotations

import mmap
import re
from pathlib import Path

import duckdb

from jakreg.config import Center
from jakreg.config_schema import duckdb_encoding as duckdb_encoding_name
from jakreg.config_schema import encoding_problem
from jakreg.errors import CenterDataError, ConfigError
from tasks.registry import database

_LINE_NUMBER = re.compile(r"\b[Ll]ine:?\s*(\d+)")
# DuckDB rejects these bytes in latin-1 files; Windows-1252 uses them for curly quotes, € etc.
_WINDOWS_1252_BYTES = re.compile(rb"[\x80-\x9f]")
# A UTF-8 accented Latin letter read as latin-1 becomes Ã or Â and a character from U+0080-U+00BF
# ("Remisión" -> "RemisiÃ³n"). Other UTF-8 sequences hold bytes DuckDB's latin-1 decoder refuses.
_UTF8_READ_AS_LATIN1 = "[\u00c2\u00c3][\u0080-\u00bf]"


def duckdb_encoding(center: Center, name: str) -> str:
    """DuckDB's name for an encoding; an encoding its reader cannot decode is a config error
    (centers.yaml is checked when it is read: this catches a layout's own mistake)."""
    encoding = duckdb_encoding_name(name)
    if encoding is None:
        raise ConfigError(f"center {center.id}: {encoding_problem(name)}")
    return encoding


def check_not_utf8(
    con: duckdb.DuckDBPyConnection, center: Center, file: str, table: str, columns: list[str]
) -> None:
    """A UTF-8 file read as latin-1 decodes without error but garbles every accented letter.
    The regular expression runs only on rows holding Ã or Â: a fifth of its cost on clean data."""
    candidates = " or ".join(
        f"contains({name}, $lead_c2) or contains({name}, $lead_c3)" for name in columns
    )
    found = database.fetch_all(
        con,
        f"with candidates as (select * from {table} where {candidates}) select "
        + ", ".join(
            f"min(source_row) filter (where regexp_matches({name}, $pattern))" for name in columns
        )
        + " from candidates",
        {"pattern": _UTF8_READ_AS_LATIN1, "lead_c2": "\u00c2", "lead_c3": "\u00c3"},
    )[0]
    rows = {row: name for name, row in zip(columns, found, strict=True) if row is not None}
    if rows:
        first = min(rows)
        raise CenterDataError(
            center.id,
            "the text looks like UTF-8 read as latin-1 (accented letters are garbled)",
            file=file,
            row=first,
            column=rows[first],
            hint="set encoding: utf-8 for this center, or re-export the file as latin-1",
        )


def _first_line_matching(path: Path, pattern: re.Pattern[bytes]) -> int | None:
    """The 1-based line number of the first match in the file's bytes (only on the error path)."""
    with path.open("rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
        match = pattern.search(data)
        return data[: match.start()].count(b"\n") + 1 if match else None


def _line_is_utf8(path: Path, row: int | None) -> bool:
    """Whether the file's line `row` is valid UTF-8 (only on the error path)."""
    if row is None:
        return False
    with path.open("rb") as handle:
        for _ in range(row - 1):
            handle.readline()
        line = handle.readline()
    try:
        line.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _mixed_line_ending(path: Path) -> int | None:
    """The first line ending unlike the header's (CR LF after LF, or LF after CR LF)."""
    with path.open("rb") as handle:
        crlf = handle.readline().endswith(b"\r\n")
    return _first_line_matching(path, re.compile(rb"(?<!\r)\n" if crlf else rb"\r\n"))


def reader_error(center: Center, path: Path, err: duckdb.Error) -> CenterDataError:
    """DuckDB quotes the offending line, which may hold identifiers: keep only the kind of error."""
    message = str(err)
    match = _LINE_NUMBER.search(message)
    row = int(match.group(1)) if match else None
    # What follows "Possible fixes" lists the reader options, which mention quotes and encodings.
    lowered = message.split("Possible fix")[0].lower()
    if "not latin-1 encoded" in lowered:
        row = _first_line_matching(path, _WINDOWS_1252_BYTES)
        if _line_is_utf8(path, row):
            problem = "the file looks like UTF-8 (curly quotes, €, …), not latin-1 text"
            hint = "set encoding: utf-8 for this center, or re-export the file as latin-1"
        else:
            problem = "the file has Windows-1252 characters (curly quotes, €, …), not latin-1 text"
            hint = "re-export it as latin-1 (ISO-8859-1) or UTF-8 and set encoding for this center"
    elif "unicode" in lowered or "encoding" in lowered:
        problem = "the file is not valid text in the expected encoding"
        hint = "export it in the dialect's encoding, or set encoding for this center"
    elif ("expected" in lowered and "column" in lowered) or "too many columns" in lowered:
        problem = "a line has a different number of fields than the header"
        hint = "check the delimiter and quoting, and that the file was not truncated"
    elif "unterminated quote" in lowered:
        problem = "a quoted field is not closed"
        hint = "the file may be truncated; re-send it"
    elif "invalid state" in lowered and (line := _mixed_line_ending(path)):
        problem = "the file mixes line endings (CR LF and LF)"
        hint = "re-export it, or convert it to one kind of line ending"
        row = line
    else:
        problem = "the file cannot be read as delimited text"
        hint = "check the encoding, delimiter and that the file is complete"
    return CenterDataError(center.id, problem, file=path.name, row=row, hint=hint)
