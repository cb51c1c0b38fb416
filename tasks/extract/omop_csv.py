"""omop_csv: an OMOP CDM v5.3 or v5.4 as OHDSI ships it, in a DuckDB file or one file per table.

person, death, observation_period, condition_occurrence, drug_exposure and cdm_source, plus the
vocabulary tables concept, concept_ancestor and concept_relationship when the CDM carries them
(`tasks/extract/omop_tables.py` finds and reads each). Drugs and diagnoses are mapped by concept
through the vocabulary tables, else by source value (sql/staging/omop_csv/). The data cut is
cdm_source.source_release_date, else the latest observation_period_end_date.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import duckdb

from jakreg import vocabulary
from jakreg.config import Center
from jakreg.errors import CenterDataError
from jakreg.omop_cdm import COLUMNS, VOCABULARY_TABLES
from tasks.extract import omop_tables
from tasks.extract.csv_files import CsvFile, CsvLayout, csv_reader, read_header
from tasks.extract.reader_calls import ReaderCall
from tasks.registry import database


def _table(name: str, required: tuple[str, ...], dates: tuple[str, ...] = ()) -> CsvFile:
    optional = tuple(c for c in COLUMNS[name] if c not in required)
    return CsvFile(f"{name}.csv", required, dates, optional)


# The file each common staging table is read from (rows set aside are reported by file).
SOURCE_FILES = {
    "patients": "person.csv",
    "prescriptions": "drug_exposure.csv",
    "diagnoses": "condition_occurrence.csv",
}

LAYOUT = CsvLayout(
    encoding="utf-8",
    delimiter="\t",
    date_format="%Y-%m-%d",
    files=(
        _table("person", ("person_id", "gender_concept_id", "year_of_birth")),
        _table("death", ("person_id", "death_date"), ("death_date",)),
        _table(
            "observation_period",
            ("person_id", "observation_period_start_date", "observation_period_end_date"),
            ("observation_period_start_date", "observation_period_end_date"),
        ),
        _table(
            "condition_occurrence",
            ("person_id", "condition_start_date", "condition_source_value"),
            ("condition_start_date",),
        ),
        _table(
            "drug_exposure",
            (
                "person_id",
                "drug_exposure_start_date",
                "drug_exposure_end_date",
                "drug_source_value",
            ),
            ("drug_exposure_start_date", "drug_exposure_end_date"),
        ),
        _table("cdm_source", ("source_release_date",), ("source_release_date",)),
    ),
)
FILE_NAMES = tuple(spec.name for spec in LAYOUT.files)

# The files holding rows of data, which row rules check: cdm_source describes the extract.
DATA_FILES = tuple(spec.name for spec in LAYOUT.files if spec.name != "cdm_source.csv")


# Tables an extract may leave out: a CDM may record no deaths and carry no vocabulary, and without
# cdm_source the data cut is the latest observation period end.
OPTIONAL_TABLES = ("death", "cdm_source")
# The rows of the vocabulary tables staging reads: ancestors that are the vocabulary's ingredients
# and indications, the relationships that lead from a drug or condition towards them, and the
# ICD-10 concepts that name a condition's source code.
VOCABULARY = {
    "concept_ancestor": "ancestor_concept_id in $targets",
    "concept_relationship": (
        "relationship_id in $relationships and coalesce(invalid_reason, '') = ''"
    ),
    "concept": "vocabulary_id in ('ICD10', 'ICD10CM')",
}


def load_raw(con: duckdb.DuckDBPyConnection, center: Center, extract_dir: Path) -> dict[str, int]:
    """One raw table per CDM table, its rows read counted under the table's canonical file name
    (`drug_exposure.csv`, whatever the form sent) as the row rules and the gate name them; the
    vocabulary tables are read filtered and not counted. At most one release date is allowed."""
    source = omop_tables.locate(center, extract_dir)
    layout = LAYOUT.for_center(center)
    database.run(con, "create schema if not exists raw")
    rows: dict[str, int] = {}
    omop_tables.attach(con, source)
    try:
        for spec in (*LAYOUT.files, *_vocabulary_specs()):
            table = spec.table.removeprefix("raw.")
            where = VOCABULARY.get(table, "")
            read = omop_tables.load_table(
                con, center, source, spec, layout, where, _vocabulary_parameters(where)
            )
            if read is None and table in (*OPTIONAL_TABLES, *VOCABULARY):
                omop_tables.empty_table(con, spec)
            elif read is None:
                raise CenterDataError(
                    center.id,
                    "file is missing from the extract",
                    file=source.describe(table),
                    hint=f"send the CDM table {table} (a file {table}.csv or .parquet, or a "
                    "table in the database file)",
                )
            elif table not in VOCABULARY:
                rows[spec.name] = read
    finally:
        omop_tables.detach(con, source)
    _check_data_cut(con, center, source)
    return rows


# The vocabulary columns staging reads; the others of each table may be present or not.
VOCABULARY_COLUMNS = {
    "concept": ("concept_id", "vocabulary_id", "concept_code"),
    "concept_ancestor": ("ancestor_concept_id", "descendant_concept_id"),
    "concept_relationship": ("concept_id_1", "concept_id_2", "relationship_id"),
}


def _vocabulary_parameters(where: str) -> dict[str, list[str]]:
    """The target concept ids and relationship ids a vocabulary filter binds."""
    values = {
        "targets": [str(i) for i in vocabulary.concept_targets()],
        "relationships": sorted({r for r, _ in vocabulary.concept_relationships()}),
    }
    return {name: value for name, value in values.items() if f"${name}" in where}


def _vocabulary_specs() -> tuple[CsvFile, ...]:
    return tuple(_table(name, VOCABULARY_COLUMNS[name]) for name in VOCABULARY_TABLES)


def _check_data_cut(con: duckdb.DuckDBPyConnection, center: Center, source: omop_tables.CdmSource):
    """The data cut is the one release date in cdm_source, else the latest observation period
    end; several release dates, or none and no observation period, leave it unknown."""
    release_dates, period_ends = database.fetch_all(
        con,
        "select (select count(distinct nullif(trim(source_release_date), '')) "
        "from raw.cdm_source), (select count(nullif(trim(observation_period_end_date), '')) "
        "from raw.observation_period)",
    )[0]
    if release_dates > 1 or (release_dates == 0 and period_ends == 0):
        raise CenterDataError(
            center.id,
            f"cdm_source has {release_dates} source_release_date(s) and observation_period "
            f"{period_ends} end date(s); expected at most one release date, or observation "
            "periods to take the data cut from",
            file=source.describe("cdm_source"),
            column="source_release_date",
            hint="source_release_date is the data cut: the date the data were extracted up to",
        )


def reader_calls(center: Center, extract_dir: Path) -> list[ReaderCall]:
    """The CSV reader calls of the CDM tables sent as delimited text (none for a database or
    Parquet files, which the benchmark's floor does not time)."""
    source = omop_tables.locate(center, extract_dir)
    calls = []
    for spec in LAYOUT.files:
        path = source.files.get(spec.table.removeprefix("raw."))
        if source.database or path is None or path.suffix.lower() == ".parquet":
            continue
        layout = dataclasses.replace(
            LAYOUT.for_center(center),
            delimiter=omop_tables.detect_delimiter(center, path, spec, LAYOUT),
        )
        header = read_header(center, path, layout)
        calls.append(ReaderCall(path.name, *csv_reader(path, header, layout)))
    return calls


def staging_parameters(center: Center) -> dict[str, str]:
    """Values the dialect's staging models bind (the center may override the date format)."""
    return LAYOUT.staging_parameters(center)
