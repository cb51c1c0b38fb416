"""How many rows of each file fill each column: the record a completeness check compares.

A column that the center's last accepted extract filled and the new one leaves empty (all death
dates blank, OMOP's person_source_value blank, no stop reasons) reads as valid rows and changes
results silently. Staging counts, per delimited file and column, the rows with a value; the gate
compares them with the same counts of the last accepted extract (tasks/quality/completeness.py).
"""

from __future__ import annotations

import duckdb

from tasks.registry import database


def filled_counts(
    con: duckdb.DuckDBPyConnection, files: list[tuple[str, str, tuple[str, ...]]]
) -> dict[str, dict[str, int]]:
    """Per data file (name, raw table, date columns), the rows with a value in each column: not
    empty or blank text, or (a FHIR element) present."""
    counts = {}
    for name, table, _ in files:
        columns = database.table_columns(con, table)
        filled = database.fetch_all(
            con,
            "select "
            + ", ".join(
                f"count(nullif(trim({_q(c)}), ''))" if data_type == "VARCHAR" else f"count({_q(c)})"
                for c, data_type in columns
            )
            + f" from {table}",
        )[0]
        counts[name] = dict(zip((c for c, _ in columns), map(int, filled), strict=True))
    return counts


def _q(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'
