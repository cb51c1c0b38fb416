"""omop_csv: an OMOP CDM v5.4 extract, tab-delimited UTF-8 files with headers, ISO dates.

person, death, observation_period, condition_occurrence (ICD-10 in condition_source_value),
drug_exposure (drug_source_value: an ATC code, a name, or `ATC|name`; drug_concept_id may be 0)
and cdm_source, whose single row's source_release_date is the data cut. A file may leave out CDM
columns jakreg does not need. OMOP always has an end date, so staging reads an exposure ending on
the release date or on the end of one of the person's observation periods as still running.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from jakreg.config import Center
from jakreg.errors import CenterDataError
from jakreg.omop_cdm import COLUMNS
from tasks.extract.csv_files import CsvFile, CsvLayout, csv_reader_calls, load_csv_files
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

# The files holding rows of data, which row rules check: cdm_source describes the extract.
DATA_FILES = tuple(spec.name for spec in LAYOUT.files if spec.name != "cdm_source.csv")


def load_raw(con: duckdb.DuckDBPyConnection, center: Center, extract_dir: Path) -> dict[str, int]:
    """One raw table per CDM file; cdm_source must hold exactly one release date (the data cut)."""
    rows = load_csv_files(con, center, extract_dir, LAYOUT)
    release_dates = database.fetch_value(
        con, "select count(nullif(trim(source_release_date), '')) from raw.cdm_source"
    )
    if release_dates != 1 or rows["cdm_source.csv"] != 1:
        raise CenterDataError(
            center.id,
            f"cdm_source has {rows['cdm_source.csv']} row(s) and {release_dates} "
            "source_release_date(s); expected one row with one",
            file="cdm_source.csv",
            column="source_release_date",
            hint="source_release_date is the data cut: the date the data were extracted up to",
        )
    return rows


def reader_calls(center: Center, extract_dir: Path) -> list[ReaderCall]:
    return csv_reader_calls(center, extract_dir, LAYOUT)


def staging_parameters(center: Center) -> dict[str, str]:
    """Values the dialect's staging models bind (the center may override the date format)."""
    return LAYOUT.staging_parameters(center)
