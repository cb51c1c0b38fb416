"""Copies of a center's raw tables for the raw suites, without any value that could identify.

The raw suites check a file's shape: its columns, its row count and whether its dates parse. A
copy keeps every column of the file (as read, after renames) and every row, but only the values
of date columns; all other columns are empty, so no local identifier (a medical record number, an
OMOP person_source_value) can reach Great Expectations, its results or Data Docs. Dates that parse
in the center's date format are written as ISO dates, so one suite serves every center whatever
its format; a date that does not parse is kept as sent, to be counted.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from jakreg.config import Center
from tasks.extract import dialects
from tasks.registry import database

RAW_COPY_PREFIX = "raw_"


def write_raw_copies(con: duckdb.DuckDBPyConnection, center: Center, folder: Path) -> None:
    """Writes `raw_<table>.parquet` for each raw table of the center's dialect into `folder`
    (none for a dialect that is not delimited text: its reader checks the documents' shape)."""
    layout = dialects.csv_layout(center)
    if layout is None:
        return
    for spec in layout.files:
        columns = [
            name
            for (name,) in database.fetch_all(
                con,
                "select column_name from information_schema.columns "
                "where table_schema = 'raw' and table_name = $table order by ordinal_position",
                {"table": spec.table.removeprefix("raw.")},
            )
        ]
        select_list = [
            _copied(column)
            if column in spec.date_columns or column == "source_row"
            else f"null::varchar as {_quoted(column)}"
            for column in columns
        ]
        name = spec.table.removeprefix("raw.")
        # Written straight from the query: a table in between would hold the copy in memory.
        database.run(
            con,
            f"copy (select {', '.join(select_list)} from {spec.table}) to $path (format parquet)",
            {
                "path": str(folder / f"{RAW_COPY_PREFIX}{name}.parquet"),
                **({"date_format": layout.date_format} if spec.date_columns else {}),
            },
        )


def _copied(column: str) -> str:
    if column == "source_row":
        return column
    value = f"nullif(trim({_quoted(column)}), '')"
    iso = f"strftime(try_strptime({value}, $date_format), '%Y-%m-%d')"
    return f"coalesce({iso}, {value}) as {_quoted(column)}"


def _quoted(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'
