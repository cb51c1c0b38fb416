"""Tiny hand-written prescription histories, loaded as staging tables and run through the models.

A history reads like a timeline: dates are day numbers counted from DAY_ZERO, and a prescription
is `(ingredient, start, end, stop_reason_class)` with `end=None` for an open prescription and the
stop reason optional ('unknown', as staging writes an empty one). The staging tables are built
straight from these literals with the columns `sql/staging/*.sql` write, so each test exercises
only the protocol's models (`sql/intermediate`, `sql/marts`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import duckdb

from jakreg import vocabulary
from jakreg.config import Protocol
from tasks import sql_models
from tasks.registry import database

DAY_ZERO = date(2020, 1, 1)
DATA_CUT = 2000
CENTER = "c1"

Prescription = tuple  # (ingredient, start, end | None) or (ingredient, start, end | None, reason)


@dataclass(frozen=True)
class Patient:
    """One patient of center c1; `key` stands in for the pseudonymous patient_key."""

    key: str
    prescriptions: list[Prescription]
    death: int | None = None
    birth: date = date(1960, 6, 15)
    sex: str = "F"
    diagnoses: list[tuple[str, int, str]] = field(default_factory=lambda: [("M06.9", -100, "RA")])


def day(number: int | None) -> date | None:
    return None if number is None else DAY_ZERO + timedelta(days=number)


def build(
    *patients: Patient, data_cut: int = DATA_CUT, protocol: Protocol | None = None
) -> duckdb.DuckDBPyConnection:
    """An in-memory registry built from the patients' staging rows with the protocol's models."""
    con = duckdb.connect(config={"threads": 1})  # tiny tables: threads only add overhead
    database.run(con, "create schema staging")
    database.run(
        con,
        "create table staging.stg_extract as "
        "select $center_id as center_id, $cut::date as extract_date, $cut::date as data_cut_date",
        {"center_id": CENTER, "cut": day(data_cut)},
    )
    database.run(
        con,
        "create table staging.stg_patients (center_id varchar, patient_key varchar, "
        "sex varchar, birth_date date, death_date date, source_row integer)",
    )
    database.run(
        con,
        "create table staging.stg_diagnoses (center_id varchar, patient_key varchar, "
        "icd10_code varchar, diagnosis_date date, indication varchar, mapping_route varchar, "
        "diagnosis_unmapped boolean, source_row integer)",
    )
    database.run(
        con,
        "create table staging.stg_prescriptions (center_id varchar, patient_key varchar, "
        "drug_source_value varchar, ingredient varchar, drug_mapping_route varchar, "
        "target_class varchar, start_date date, "
        "end_date date, stop_reason_class varchar, stop_reason_classified_by varchar, "
        "stop_reason_unmapped boolean, source_row integer)",
    )
    classes = {name: ing.target_class for name, ing in vocabulary.ingredients().items()}
    rx_row = 0
    for row, patient in enumerate(patients, start=1):
        _insert(
            con,
            "stg_patients",
            [CENTER, patient.key, patient.sex, patient.birth, day(patient.death), row],
        )
        for icd10, diagnosed, indication in patient.diagnoses:
            route = None if indication == "other" else "source_value"
            _insert(
                con,
                "stg_diagnoses",
                [CENTER, patient.key, icd10, day(diagnosed), indication, route, False, row],
            )
        for ingredient, start, end, *reason in patient.prescriptions:
            rx_row += 1
            stop = reason[0] if reason else "unknown"
            _insert(
                con,
                "stg_prescriptions",
                [
                    CENTER,
                    patient.key,
                    ingredient,
                    ingredient,
                    "source_value",
                    classes[ingredient],
                    day(start),
                    day(end),
                    stop,
                    "blank" if stop == "unknown" else "vocabulary",
                    False,
                    rx_row,
                ],
            )
    models = sql_models.discover(
        [sql_models.SQL_DIR / "intermediate", sql_models.SQL_DIR / "marts"]
    )
    sql_models.run_models(con, models, (protocol or Protocol()).sql_parameters())
    return con


def registry_file(con: duckdb.DuckDBPyConnection, path: Path) -> Path:
    """The staging tables of a `build` written to a database file, as the registry holds them."""
    database.run(con, f"attach '{path}' as registry")
    database.run(con, "create schema registry.staging")
    for table in ("stg_extract", "stg_patients", "stg_diagnoses", "stg_prescriptions"):
        database.run(con, f"create table registry.staging.{table} as from staging.{table}")
    database.run(con, "detach registry")
    return path


def rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple]:
    """The query's rows in order, dates written back as day numbers."""
    return [
        tuple((value - DAY_ZERO).days if isinstance(value, date) else value for value in row)
        for row in database.fetch_all(con, sql)
    ]


def _insert(con: duckdb.DuckDBPyConnection, table: str, values: list[Any]) -> None:
    placeholders = ", ".join(f"$v{i}" for i in range(len(values)))
    database.run(
        con,
        f"insert into staging.{table} values ({placeholders})",
        {f"v{i}": value for i, value in enumerate(values)},
    )
