"""registry_csv: UTF-8 (a BOM is tolerated), comma, ISO dates, English headers, extract.json."""

from __future__ import annotations

from pathlib import Path

import duckdb

from jakreg.config import Center
from tasks.extract.csv_files import CsvFile, CsvLayout, csv_reader_calls, load_csv_extract
from tasks.extract.reader_calls import ReaderCall

# The file each common staging table is read from (rows set aside are reported by file).
SOURCE_FILES = {
    "patients": "patients.csv",
    "prescriptions": "prescriptions.csv",
    "diagnoses": "diagnoses.csv",
}

LAYOUT = CsvLayout(
    encoding="utf-8",
    delimiter=",",
    date_format="%Y-%m-%d",
    files=(
        CsvFile(
            "patients.csv",
            ("patient_id", "sex", "birth_date", "death_date"),
            ("birth_date", "death_date"),
        ),
        CsvFile("diagnoses.csv", ("patient_id", "icd10", "diagnosis_date"), ("diagnosis_date",)),
        CsvFile(
            "prescriptions.csv",
            ("patient_id", "drug", "start_date", "end_date", "stop_reason"),
            ("start_date", "end_date"),
        ),
    ),
)

# The files holding rows of data, which row rules check (not the extract's metadata).
DATA_FILES = tuple(spec.name for spec in LAYOUT.files)


def load_raw(con: duckdb.DuckDBPyConnection, center: Center, extract_dir: Path) -> dict[str, int]:
    """raw.patients, raw.diagnoses, raw.prescriptions and raw.extract (the data cut)."""
    return load_csv_extract(con, center, extract_dir, LAYOUT)


def reader_calls(center: Center, extract_dir: Path) -> list[ReaderCall]:
    return csv_reader_calls(center, extract_dir, LAYOUT)


def staging_parameters(center: Center) -> dict[str, str]:
    """Values the dialect's staging models bind (the center may override the date format)."""
    return LAYOUT.staging_parameters(center)
