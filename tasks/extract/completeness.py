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
    empty or blank text, or (a FHIR element) present; a date inside a FHIR structure
    (`effectivePeriod.end`) is counted on its own, as an export that stops sending end dates
    still sends the period."""
    counts = {}
    for name, table, date_columns in files:
        columns = database.table_columns(con, table)
        nested = [c for c in date_columns if "." in c]
        counted = [
            *(
                f"count(nullif(trim({_q(c)}), ''))" if data_type == "VARCHAR" else f"count({_q(c)})"
                for c, data_type in columns
            ),
            *(f"count(nullif(trim({'.'.join(map(_q, c.split('.')))}), ''))" for c in nested),
        ]
        filled = database.fetch_all(con, f"select {', '.join(counted)} from {table}")[0]
        names = [*(c for c, _ in columns), *nested]
        counts[name] = dict(zip(names, map(int, filled), strict=True))
    return counts


def _q(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'
