"""A hand-built OMOP CDM with real concept ids, written as OHDSI ships a CDM: a DuckDB database
(upper-case names, typed columns, concept ids as DOUBLE as in Eunomia) or a folder of files
(upper-case CSV names, comma-delimited, and Parquet).

Four patients: tofacitinib failing to adalimumab (RA by SNOMED concept), baricitinib failing to
upadacitinib (recorded at ingredient level) then infliximab (PsA), filgotinib (no RxNorm concept:
drug_concept_id 0, found by its source value) failing to tocilizumab (axSpA), and abatacept,
rituximab, sarilumab, anakinra in turn (RA by the ICD-10 source value only; died in 2025).
Clinical-drug concepts are those of jakreg/simulate/omop_concepts.py, linked to their ingredients
in concept_ancestor as every CDM links them.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from jakreg import vocabulary
from jakreg.omop_cdm import COLUMNS
from jakreg.simulate.omop_concepts import CLINICAL_DRUGS

RELEASE = "2026-10-31"
LOCAL_IDS = ("000101", "000102", "000103", "000104")


def _drug(name: str) -> int:
    return CLINICAL_DRUGS[name][0]


def _ingredient(name: str) -> int:
    concept_id = vocabulary.ingredients()[name].rxnorm_concept_id
    assert concept_id is not None
    return concept_id


# (person, drug_concept_id, drug_source_value, start, end, stop_reason)
EXPOSURES = (
    (1, _drug("tofacitinib"), "J1", "2021-01-01", "2021-06-30", ""),
    (1, _drug("tofacitinib"), "J1", "2021-07-01", "2021-12-31", "Lack of efficacy"),
    (1, _drug("adalimumab"), "B1", "2022-01-15", RELEASE, ""),
    (2, _drug("baricitinib"), "J2", "2020-03-01", "2020-09-30", "Adverse event"),
    (2, _ingredient("upadacitinib"), "J3", "2020-10-15", "2021-06-30", "Inefficacy"),
    (2, _drug("infliximab"), "B2", "2021-08-01", "2023-05-31", "Remission"),
    (3, 0, "Jyseleca 200 mg", "2022-02-01", "2022-08-01", "Inefficacy"),
    (3, _drug("tocilizumab"), "B3", "2022-09-01", "2026-10-30", ""),
    (4, _drug("abatacept"), "B4", "2019-01-01", "2019-12-31", "Inefficacy"),
    (4, _drug("rituximab"), "B5", "2020-06-01", "2021-05-31", "Adverse event"),
    (4, _drug("sarilumab"), "B6", "2021-09-01", "2022-08-31", "Inefficacy"),
    (4, _drug("anakinra"), "B7", "2023-01-01", "2023-03-31", "Adverse event"),
    (4, _drug("methotrexate"), "C1", "2018-01-01", "2024-12-31", ""),
)
# (person, condition_concept_id, condition_source_value, start)
CONDITIONS = (
    (1, 80809, "69896004", "2020-05-01"),
    (2, 40319772, "", "2019-11-01"),
    (3, 437082, "", "2021-06-01"),
    (4, 0, "M05.79", "2018-01-01"),
)

# What the registry must hold: per patient, (ingredient, start, end, status) of each advanced
# therapy course (end empty while ongoing), and per JAK-inhibitor course its indication and
# whether it failed, with the next treatment.
EXPECTED_COURSES = {
    "000101": [
        ("tofacitinib", "2021-01-01", "2021-12-31", "discontinued"),
        ("adalimumab", "2022-01-15", RELEASE, "ongoing"),
    ],
    "000102": [
        ("baricitinib", "2020-03-01", "2020-09-30", "discontinued"),
        ("upadacitinib", "2020-10-15", "2021-06-30", "discontinued"),
        ("infliximab", "2021-08-01", "2023-05-31", "discontinued"),
    ],
    "000103": [
        ("filgotinib", "2022-02-01", "2022-08-01", "discontinued"),
        ("tocilizumab", "2022-09-01", "2026-10-30", "ongoing"),
    ],
    "000104": [
        ("abatacept", "2019-01-01", "2019-12-31", "discontinued"),
        ("rituximab", "2020-06-01", "2021-05-31", "discontinued"),
        ("sarilumab", "2021-09-01", "2022-08-31", "discontinued"),
        ("anakinra", "2023-01-01", "2023-03-31", "discontinued"),
    ],
}
EXPECTED_FAILURES = {
    ("000101", "tofacitinib", "RA", "adalimumab"),
    ("000102", "baricitinib", "PsA", "upadacitinib"),
    ("000102", "upadacitinib", "PsA", "infliximab"),
    ("000103", "filgotinib", "axSpA", "tocilizumab"),
}


def tables() -> dict[str, list[dict[str, object]]]:
    """The CDM's rows per table (lower-case names, as the CDM specification writes them)."""
    ancestors = [
        (_ingredient(name), concept_id) for name, (concept_id, _) in CLINICAL_DRUGS.items()
    ]
    # Every standard concept is its own ancestor (upadacitinib is recorded at ingredient level).
    ancestors += [(i, i) for i, _ in ancestors] + [(_ingredient("upadacitinib"),) * 2]
    ancestors += [(c, c) for _, c, _, _ in CONDITIONS if c]
    return {
        "person": [
            {
                "person_id": n,
                "gender_concept_id": 8532 if n % 2 else 8507,
                "year_of_birth": 1960 + n,
                "month_of_birth": 3,
                "day_of_birth": 15,
                "person_source_value": local_id,
            }
            for n, local_id in enumerate(LOCAL_IDS, start=1)
        ],
        "observation_period": [
            {
                "person_id": n,
                "observation_period_start_date": "2015-01-01",
                "observation_period_end_date": RELEASE,
            }
            for n in range(1, len(LOCAL_IDS) + 1)
        ],
        "condition_occurrence": [
            {
                "condition_occurrence_id": i,
                "person_id": person,
                "condition_concept_id": concept,
                "condition_start_date": start,
                "condition_source_value": source,
                "condition_source_concept_id": 0,
            }
            for i, (person, concept, source, start) in enumerate(CONDITIONS, start=1)
        ],
        "drug_exposure": [
            {
                "drug_exposure_id": i,
                "person_id": person,
                "drug_concept_id": concept,
                "drug_exposure_start_date": start,
                "drug_exposure_end_date": end,
                "stop_reason": reason,
                "drug_source_value": source,
                "drug_source_concept_id": 0,
            }
            for i, (person, concept, source, start, end, reason) in enumerate(EXPOSURES, start=1)
        ],
        "death": [{"person_id": 4, "death_date": "2025-01-01"}],
        "cdm_source": [{"cdm_source_name": "fixture", "source_release_date": RELEASE}],
        "concept_ancestor": [
            {
                "ancestor_concept_id": ancestor,
                "descendant_concept_id": descendant,
                "min_levels_of_separation": int(ancestor != descendant),
                "max_levels_of_separation": int(ancestor != descendant),
            }
            for ancestor, descendant in sorted(set(ancestors))
        ],
        "concept_relationship": [],
        "concept": [],
    }


# Typed as a CDM database types them (Eunomia keeps concept_ancestor's ancestor ids as DOUBLE).
_TYPES = {"_date": "DATE", "_concept_id": "BIGINT", "ancestor_concept_id": "DOUBLE"}


def _column_type(column: str) -> str:
    for suffix, kind in _TYPES.items():
        if column.endswith(suffix):
            return kind
    return "BIGINT" if column.endswith("_id") or column.endswith("birth") else "VARCHAR"


def write_database(path: Path, schema: str = "cdm") -> None:
    """The CDM as a DuckDB file, tables and columns in upper case in `schema`."""
    with duckdb.connect(str(path)) as con:
        con.execute(f"create schema {schema}")
        for table, rows in tables().items():
            columns = list(dict.fromkeys(c for row in rows for c in row)) or list(COLUMNS[table])
            definition = ", ".join(f"{c.upper()} {_column_type(c)}" for c in columns)
            con.execute(f"create table {schema}.{table.upper()} ({definition})")
            for row in rows:
                con.execute(
                    f"insert into {schema}.{table.upper()} values "
                    f"({', '.join('?' for _ in columns)})",
                    [None if row.get(c) in ("", None) else row.get(c) for c in columns],
                )


def write_folder(folder: Path) -> None:
    """The CDM as one file per table: upper-case comma-delimited CSV, drug_exposure as Parquet."""
    folder.mkdir(parents=True, exist_ok=True)
    with duckdb.connect() as con:
        for table, rows in tables().items():
            columns = list(dict.fromkeys(c for row in rows for c in row))
            if not columns:
                continue
            if table == "drug_exposure":
                con.execute(
                    "create table exposures as select * from (values "
                    + ", ".join(
                        "(" + ", ".join(_sql_literal(row.get(c)) for c in columns) + ")"
                        for row in rows
                    )
                    + f") as t({', '.join(c.upper() for c in columns)})"
                )
                con.execute(f"copy exposures to '{folder / 'drug_exposure.parquet'}'")
                continue
            lines = [",".join(c.upper() for c in columns)]
            lines += [",".join(str(row.get(c, "")) for c in columns) for row in rows]
            (folder / f"{table.upper()}.csv").write_text("\n".join(lines) + "\n", "utf-8")


def _sql_literal(value: object) -> str:
    if isinstance(value, int):
        return str(value)
    text = str(value)
    if len(text) == 10 and text[4] == "-" and text[7] == "-":
        return f"date '{text}'"
    return "'" + text.replace("'", "''") + "'"
