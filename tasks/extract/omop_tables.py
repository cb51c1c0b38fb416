"""Finds the tables of an OMOP CDM in an extract folder and reads each into a `raw` table.

A CDM arrives as OHDSI ships it: one DuckDB database file (`*.duckdb`, tables in the schema the
center names, `main` by default), or one file per table, CSV with any of the usual delimiters or
Parquet, table and column names in upper or lower case. Every raw table has lower-case column
names and text values, as the CSV reader gives them: typed dates are written in the center's
date format and whole-number doubles (Eunomia stores some concept ids as DOUBLE) without `.0`,
so one set of staging models reads every form.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from jakreg.config import Center
from jakreg.errors import CenterDataError
from tasks.extract.csv_files import CsvFile, CsvLayout, load_csv_files, read_header
from tasks.registry import database

TEXT_SUFFIXES = (".csv", ".tsv", ".txt")
DELIMITERS = ("\t", ",", ";", "|")
DATABASE_ALIAS = "jakreg_cdm_source"
_UNNAMED = re.compile(r"column\d+")


@dataclass(frozen=True)
class CdmSource:
    """Where the extract's CDM is: a database file, or one file per table (by table name)."""

    database: Path | None
    schema: str
    files: dict[str, Path]

    def describe(self, table: str) -> str:
        """How messages name a table: its file, or `<database file> table <schema>.<table>`."""
        if self.database:
            return f"{self.database.name} table {self.schema}.{table}"
        return self.files[table].name if table in self.files else f"{table}.csv"


def locate(center: Center, extract_dir: Path) -> CdmSource:
    """The extract's CDM: its one `*.duckdb` file, else its table files (`PERSON.csv`,
    `person.parquet`, ...; a table sent twice under two names is refused)."""
    databases = sorted(extract_dir.glob("*.duckdb"))
    if len(databases) > 1:
        raise CenterDataError(
            center.id,
            f"the extract holds {len(databases)} DuckDB files; expected one CDM database",
            file=str(extract_dir),
            hint="send one database file per extract",
        )
    files: dict[str, Path] = {}
    for path in sorted(extract_dir.iterdir()):
        if not path.is_file() or path.suffix.lower() not in (*TEXT_SUFFIXES, ".parquet"):
            continue
        table = path.stem.lower()
        if table in files:
            raise CenterDataError(
                center.id,
                f"two files hold table {table}: {files[table].name} and {path.name}",
                file=str(extract_dir),
                hint="send one file per table",
            )
        files[table] = path
    schema = str(center.options.get("schema", "main"))
    return CdmSource(databases[0] if databases else None, schema, files)


def attach(con: duckdb.DuckDBPyConnection, source: CdmSource) -> None:
    """Opens the CDM database read-only as DATABASE_ALIAS (the file is never written)."""
    if source.database:
        literal = "'" + str(source.database).replace("'", "''") + "'"
        database.run(con, f"attach {literal} as {DATABASE_ALIAS} (read_only)")


def detach(con: duckdb.DuckDBPyConnection, source: CdmSource) -> None:
    if source.database:
        database.run(con, f"detach {DATABASE_ALIAS}")


def load_table(
    con: duckdb.DuckDBPyConnection,
    center: Center,
    source: CdmSource,
    spec: CsvFile,
    layout: CsvLayout,
    where: str = "",
    parameters: dict[str, Any] | None = None,
) -> int | None:
    """Reads one CDM table into `spec.table`; returns its rows, or None when the CDM lacks it.

    `where` filters the rows kept (a condition on the raw table's lower-case text columns, binding
    `parameters`): the vocabulary tables of a full CDM hold tens of millions of rows, of which
    jakreg needs a few."""
    name = spec.table.removeprefix("raw.")
    if source.database:
        relation = _database_relation(con, source, name)
    else:
        path = source.files.get(name)
        if path is None:
            relation = None
        elif path.suffix.lower() == ".parquet":
            relation = "read_parquet(" + _literal(str(path)) + ")"
        elif not where:
            return _load_csv(con, center, path, spec, layout)
        else:
            relation = _vocabulary_csv(center, path, spec)
    if relation is None:
        return None
    columns = _columns(con, relation)
    if columns and all(_UNNAMED.fullmatch(column) for column in columns):
        relation = _named_by_first_row(con, relation, [stored for stored, _ in columns.values()])
        columns = _columns(con, relation)
    _check_required(center, source, name, spec, columns)
    select_list = [
        _as_text(columns[column], column, layout.date_format)
        if column in columns
        else f"null::varchar as {column}"
        for column in (*spec.columns, *spec.optional)
    ]
    try:
        database.run(
            con,
            f"create or replace table {spec.table} as select * from ("
            f"select {', '.join(select_list)}, (row_number() over ())::integer as source_row "
            f"from {relation}) {'where ' + where if where else ''}",
            parameters,
        )
    except duckdb.Error as err:
        raise CenterDataError(
            center.id,
            "the table cannot be read",
            file=source.describe(name),
            hint="check that the file or database is complete; then ask the registry team",
        ) from err
    return database.fetch_value(con, f"select count(*) from {spec.table}")


def empty_table(con: duckdb.DuckDBPyConnection, spec: CsvFile) -> None:
    """A CDM table the extract does not carry, with its columns and no rows."""
    columns = ", ".join(f"null::varchar as {c}" for c in (*spec.columns, *spec.optional))
    database.run(
        con,
        f"create or replace table {spec.table} as "
        f"select {columns}, null::integer as source_row limit 0",
    )


def detect_delimiter(center: Center, path: Path, spec: CsvFile, layout: CsvLayout) -> str:
    """The center's delimiter if it set one, else the one that splits the header into the most
    known CDM column names (the header alone decides: nothing is guessed from the data)."""
    if "delimiter" in center.options:
        return str(center.options["delimiter"])
    known = {c.lower() for c in (*spec.columns, *spec.optional)}
    with path.open("rb") as handle:
        line = handle.readline().decode(layout.encoding, errors="replace").lstrip("\ufeff")

    def score(delimiter: str) -> int:
        fields = next(csv.reader(io.StringIO(line), delimiter=delimiter), [])
        return sum(field.strip().strip('"').lower() in known for field in fields)

    return max(DELIMITERS, key=score)


def _load_csv(
    con: duckdb.DuckDBPyConnection, center: Center, path: Path, spec: CsvFile, layout: CsvLayout
) -> int:
    """A CDM table sent as delimited text goes through the strict CSV reader, with its file name
    as sent and its header's names in lower case (renames set for the center still apply)."""
    delimiter = detect_delimiter(center, path, spec, layout)
    file_layout = dataclasses.replace(layout, delimiter=delimiter)
    header = read_header(center, path, file_layout.for_center(center))
    renames = {name: name.lower() for name in header} | center.options.get("renames", {})
    reading = dataclasses.replace(
        center, options={**center.options, "delimiter": delimiter, "renames": renames}
    )
    file_spec = dataclasses.replace(spec, name=path.name, raw_table=spec.table.removeprefix("raw."))
    rows = load_csv_files(
        con, reading, path.parent, dataclasses.replace(file_layout, files=(file_spec,))
    )
    return rows[path.name]


def _vocabulary_csv(center: Center, path: Path, spec: CsvFile) -> str:
    """A vocabulary table as text, read without the per-row checks a clinical table gets: it is
    reference data a CDM carries unchanged from OHDSI's vocabulary download."""
    delimiter = detect_delimiter(center, path, spec, CsvLayout("utf-8", ",", "%Y-%m-%d", (spec,)))
    return (
        f"read_csv({_literal(str(path))}, header = true, delim = {_literal(delimiter)}, "
        "quote = '\"', escape = '\"', all_varchar = true)"
    )


def _database_relation(con: duckdb.DuckDBPyConnection, source: CdmSource, name: str) -> str | None:
    found = database.fetch_all(
        con,
        "select table_schema, table_name from information_schema.tables "
        "where table_catalog = $catalog and lower(table_schema) = lower($schema) "
        "and lower(table_name) = $table",
        {"catalog": DATABASE_ALIAS, "schema": source.schema, "table": name},
    )
    if not found:
        return None
    schema, table = found[0]
    return f"{DATABASE_ALIAS}.{_quoted(schema)}.{_quoted(table)}"


def _named_by_first_row(con: duckdb.DuckDBPyConnection, relation: str, columns: list[str]) -> str:
    """A table loaded from a CSV file whose header was taken for data (its columns are named
    column0, column1, ...; Eunomia's death table is one): the first row names the columns."""
    first = database.fetch_all(con, f"select * from {relation} limit 1")
    if not first:
        return relation
    names = [str(value).strip().lower() for value in first[0]]
    renamed = ", ".join(
        f"{_quoted(column)} as {_quoted(name)}" for column, name in zip(columns, names, strict=True)
    )
    return (
        f"(select {renamed} from (select *, row_number() over () as line from {relation}) "
        "where line > 1)"
    )


def _columns(con: duckdb.DuckDBPyConnection, relation: str) -> dict[str, tuple[str, str]]:
    """Lower-case column name -> (name as stored, DuckDB type)."""
    described = database.fetch_all(con, f"describe select * from {relation}")
    return {row[0].lower(): (row[0], row[1]) for row in described}


def _check_required(
    center: Center,
    source: CdmSource,
    name: str,
    spec: CsvFile,
    columns: dict[str, tuple[str, str]],
) -> None:
    missing = [c for c in spec.columns if c not in columns]
    if missing:
        raise CenterDataError(
            center.id,
            f"missing column(s) {', '.join(missing)}",
            file=source.describe(name),
            hint=f"the CDM table {name} needs {', '.join(spec.columns)}",
        )


def _as_text(stored: tuple[str, str], name: str, date_format: str) -> str:
    column, kind = _quoted(stored[0]), stored[1].upper()
    if kind == "DATE" or kind.startswith("TIMESTAMP"):
        value = f"strftime({column}, {_literal(date_format)})"
    elif kind in ("DOUBLE", "FLOAT", "REAL") or kind.startswith("DECIMAL"):
        value = (
            f"case when {column} = trunc({column}) then cast({column} as hugeint)::varchar "
            f"else {column}::varchar end"
        )
    else:
        value = f"{column}::varchar"
    return f"{value} as {name}"


def _quoted(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
