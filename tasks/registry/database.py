"""DuckDB statements that always finish their result.

DuckDB 2.0 refuses new work on a connection while an `execute()` result is unfinished; these
helpers run a statement and drain it, so no caller has to remember.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb


def run(con: duckdb.DuckDBPyConnection, sql: str, parameters: dict[str, Any] | None = None) -> None:
    """Runs a statement whose result is not needed (DDL, COPY, INSERT)."""
    con.execute(sql, parameters or {}).complete()


def fetch_all(
    con: duckdb.DuckDBPyConnection, sql: str, parameters: dict[str, Any] | None = None
) -> list[tuple]:
    return con.execute(sql, parameters or {}).fetchall()


def fetch_records(
    con: duckdb.DuckDBPyConnection, sql: str, parameters: dict[str, Any] | None = None
) -> list[dict[str, Any]]:
    """Every row of a query's result as a mapping of column name to value."""
    result = con.execute(sql, parameters or {})
    names = [column[0] for column in result.description]
    return [dict(zip(names, row, strict=True)) for row in result.fetchall()]


def fetch_value(
    con: duckdb.DuckDBPyConnection, sql: str, parameters: dict[str, Any] | None = None
) -> Any:
    """The first column of the only row of a query's result."""
    rows = fetch_all(con, sql, parameters)
    if len(rows) != 1:
        raise ValueError(f"expected one row, got {len(rows)}: {sql}")
    return rows[0][0]


def create_parquet_view(con: duckdb.DuckDBPyConnection, name: str, parquet: Path) -> None:
    """A view `name` over one Parquet file (a view cannot take a bound parameter, so the path is
    written as a quoted literal)."""
    literal = "'" + str(parquet).replace("'", "''") + "'"
    run(con, f"create view {name} as select * from read_parquet({literal})")


def table_columns(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple[str, str]]:
    """(name, type) of each column of `schema.table`, in order, but the line number
    `source_row` that every raw and staged table carries."""
    schema, name = table.split(".")
    return fetch_all(
        con,
        "select column_name, data_type from information_schema.columns "
        "where table_schema = $schema and table_name = $table and column_name <> 'source_row' "
        "order by ordinal_position",
        {"schema": schema, "table": name},
    )
