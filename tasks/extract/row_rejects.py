"""Sets aside the rows of a center's extract that break a row rule (jakreg/row_rules.py).

Runs inside the center's in-memory staging database, twice: on the raw tables as read (fields with
control characters, over-long fields, dates that do not parse), before the staging models read
them; then on the common staging tables (patients first, so that a patient set aside takes their
prescriptions and diagnoses along). Each row set aside goes to `staging.stg_rejected_rows` with
its file, line (`source_row`), rule, pseudonymous patient key (staged rules only) and the wrong
values with their labels, and is deleted from its table: the models never see it. The row is
dropped, not corrected (docs/protocol.md#rows-set-aside). Whether the extract may still be
published is the gate's decision (tasks/quality/row_rule_outcomes.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import duckdb

from jakreg.quality import QualityThresholds
from jakreg.row_rules import ROW_RULES, STAGED_RULE_TABLES, RowRule
from tasks.registry import database
from tasks.registry.inputs import json_digest

REJECTED_TABLE = "staging.stg_rejected_rows"
# A longer field is not a value anyone typed: DuckDB's reader took the rest of a line (or file)
# into it. Free-text stop reasons stay far below this.
MAX_FIELD_CHARACTERS = 4000
# Control characters other than tab, line feed and carriage return (which quoted fields may hold).
CONTROL_CHARACTERS = "[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f]"
# A value shown as the wrong date only when it looks like one: anything else may be an identifier
# keyed into the wrong column, and is described by its length only.
DATE_LIKE = "^[0-9]{1,4}[-/.][0-9]{1,2}[-/.][0-9]{1,4}$"


@dataclass(frozen=True)
class RuleWindow:
    """The dates the staged rules compare with, from the thresholds and the extract's data cut."""

    earliest_treatment_date: date
    earliest_birth_date: date
    latest_date: date
    latest_end_date: date

    @classmethod
    def of(cls, thresholds: QualityThresholds, data_cut: date) -> RuleWindow:
        return cls(
            thresholds.earliest_treatment_date,
            thresholds.earliest_birth_date,
            data_cut + timedelta(days=thresholds.days_after_data_cut),
            data_cut + timedelta(days=thresholds.planned_end_days_after_data_cut),
        )


def rules_digest(thresholds: QualityThresholds) -> str:
    """The digest of what decides which rows are set aside in staging: the rules' dates (the
    rules themselves are code, covered by the code digest)."""
    return json_digest(
        {
            name: thresholds.as_dict()[name]
            for name in (
                "earliest_treatment_date",
                "earliest_birth_date",
                "days_after_data_cut",
                "planned_end_days_after_data_cut",
            )
        }
    )


REJECTED_COLUMNS = (
    "center_id varchar, file varchar, source_row integer, rule varchar, patient_key varchar, "
    "detail varchar"
)


def create_rejected_table(con: duckdb.DuckDBPyConnection, center_id: str) -> None:
    database.run(con, "create schema if not exists staging")
    database.run(con, f"create or replace table {REJECTED_TABLE} ({REJECTED_COLUMNS})")
    database.run(con, "set variable jakreg_center_id = $center", {"center": center_id})


def reject_raw_rows(
    con: duckdb.DuckDBPyConnection,
    files: list[tuple[str, str, tuple[str, ...]]],
    date_format: str | None,
) -> None:
    """Sets aside the rows of each data file (name, raw table, date columns) with a control
    character or an over-long text field, a date that does not parse in `date_format` (None: a
    FHIR date or dateTime, macro fhir_date), or that repeat an earlier row of the file exactly;
    deletes them from their raw table. A date column may be an element of a structure
    (`effectivePeriod.end`)."""
    for name, table, date_columns in files:
        columns = database.table_columns(con, table)
        text = [column for column, data_type in columns if data_type == "VARCHAR"]
        every_column = ", ".join(_q(column) for column, _ in columns)
        checks = [
            *(
                (
                    "field_too_long",
                    f"length({_q(c)}) > {MAX_FIELD_CHARACTERS}",
                    f"{_literal(c + ' is ')} || length({_q(c)}) || ' characters long'",
                )
                for c in text
            ),
            *(
                ("date_not_parseable", _unparseable(c, date_format), _date_detail(c))
                for c in date_columns
            ),
            (
                "duplicate_row",
                f"source_row in {_later_copies(table, every_column)}",
                "'a copy of an earlier row'",
            ),
        ]
        rule = " ".join(f"when {condition} then '{rule}'" for rule, condition, _ in checks)
        detail = " ".join(f"when {condition} then {words}" for _, condition, words in checks)
        if text:
            # One pattern match over the row's text, then, on the rare row it finds a control
            # character in, one per column to name it: a match per column and row cost a third
            # of the raw rules' time.
            rule = f"when {_any_control(text)} then 'control_characters' {rule}"
            detail = f"when {_any_control(text)} then case {_control_detail(text)} end {detail}"
        parameters = {"control": CONTROL_CHARACTERS, "date_like": DATE_LIKE}
        if date_format is not None:
            parameters["format"] = date_format
        _set_aside(
            con,
            name,
            f"select source_row, case {rule} end as rule, null::varchar as patient_key, "
            f"case {detail} end as detail from {table}",
            parameters,
        )
        database.run(
            con,
            f"delete from {table} where source_row in "
            f"(select source_row from {REJECTED_TABLE} where file = $file)",
            {"file": name},
        )


def _later_copies(table: str, every_column: str) -> str:
    """The rows of `table` that repeat an earlier row exactly. Rows are compared in full only
    among those sharing a hash of every column: numbering every row of the file within its own
    values sorted the whole file, the costliest raw rule."""
    row_hash = f"hash({every_column})"
    return (
        "(select source_row from ("
        f"select source_row, row_number() over (partition by {every_column} order by source_row) "
        f"as copy from {table} where {row_hash} in (select row_hash from "
        f"(select {row_hash} as row_hash from {table}) group by row_hash having count(*) > 1)"
        ") where copy > 1)"
    )


def _any_control(text: list[str]) -> str:
    return f"regexp_matches(concat({', '.join(_q(c) for c in text)}), $control)"


def _control_detail(text: list[str]) -> str:
    return " ".join(
        f"when regexp_matches({_q(c)}, $control) then {_literal(c + ' holds a control character')}"
        for c in text
    )


def reject_staged_rows(
    con: duckdb.DuckDBPyConnection, files: dict[str, str], thresholds: QualityThresholds
) -> None:
    """Sets aside the staged rows that break a rule of their table and deletes them: patients
    first, then prescriptions and diagnoses (whose patient may have been set aside). `files`
    names the source file of each staged table (`prescriptions` -> `tratamientos.csv`)."""
    data_cut = database.fetch_value(con, "select max(data_cut_date) from staging.stg_extract")
    if data_cut is None:
        return  # no data cut: an extract rule quarantines the extract (stg_extract's suite)
    window = RuleWindow.of(thresholds, data_cut)
    parameters = {
        "earliest_treatment_date": window.earliest_treatment_date,
        "earliest_birth_date": window.earliest_birth_date,
        "latest_date": window.latest_date,
        "latest_end_date": window.latest_end_date,
    }
    for table in STAGED_RULE_TABLES:
        rules = [rule for rule in ROW_RULES if rule.table == table]
        file = files[table]
        _set_aside(con, file, _staged_rules_query(table, rules), parameters)
        database.run(
            con,
            f"delete from staging.stg_{table} where source_row in "
            f"(select source_row from {REJECTED_TABLE} where file = $file)",
            {"file": file},
        )


def rejected_counts(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, int]]:
    """Rows set aside per file and rule."""
    counts: dict[str, dict[str, int]] = {}
    for file, rule, rows in database.fetch_all(
        con, f"select file, rule, count(*) from {REJECTED_TABLE} group by all order by all"
    ):
        counts.setdefault(file, {})[rule] = rows
    return counts


def _staged_rules_query(table: str, rules: list[RowRule]) -> str:
    rule = " ".join(f"when {r.condition} then '{r.name}'" for r in rules)
    detail = " ".join(f"when {r.condition} then {r.detail}" for r in rules)
    # Every row of a patient set aside in the patient file; a patient with an accepted row
    # (a duplicate's first copy) is kept.
    set_aside = (
        f"select distinct patient_key from {REJECTED_TABLE} "
        "where patient_key is not null and file <> $file "
        "and patient_key not in (select patient_key from staging.stg_patients "
        "where patient_key is not null)"
    )
    patient = (
        "select patient_key, min(birth_date) as birth_date from staging.stg_patients group by all"
    )
    return (
        f"select row.source_row, case {rule} end as rule, row.patient_key, "
        f"case {detail} end as detail "
        f"from staging.stg_{table} as row "
        "cross join (select data_cut_date from staging.stg_extract) as extract "
        f"left join ({patient}) as patient on row.patient_key = patient.patient_key "
        f"left join ({set_aside}) as set_aside on row.patient_key = set_aside.patient_key "
        "window same_patient as (partition by row.patient_key)"
    )


def _set_aside(
    con: duckdb.DuckDBPyConnection, file: str, checked: str, parameters: dict[str, object]
) -> None:
    sql = (
        f"insert into {REJECTED_TABLE} "
        "select getvariable('jakreg_center_id'), $file, source_row, rule, patient_key, detail "
        f"from ({checked}) where rule is not null"
    )
    # DuckDB refuses values bound to no parameter: bind those the rules of this table use.
    used = {name: value for name, value in parameters.items() if f"${name}" in sql}
    database.run(con, sql, {**used, "file": file})


def _unparseable(column: str, date_format: str | None) -> str:
    value = f"nullif(trim({_element(column)}), '')"
    parsed = f"fhir_date({value})" if date_format is None else f"try_strptime({value}, $format)"
    return f"({value} is not null and {parsed} is null)"


def _date_detail(column: str) -> str:
    value = f"trim({_element(column)})"
    return (
        f"{_literal(column + ' ')} || case when regexp_matches({value}, $date_like) then {value} "
        f"else '(not a date, ' || length({value}) || ' characters)' end"
    )


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _element(path: str) -> str:
    """A column, or an element of a structure column (`effectivePeriod.end`), in SQL."""
    return ".".join(_q(part) for part in path.split("."))


def _q(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'
