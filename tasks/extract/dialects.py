"""The export dialects jakreg reads: each loads raw tables and names its staging parameters."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType
from typing import Any

import duckdb

from jakreg.config import Center
from jakreg.errors import ConfigError
from tasks.extract import es_his_csv, fhir_ndjson, omop_csv, registry_csv
from tasks.extract.csv_files import CsvLayout
from tasks.extract.reader_calls import ReaderCall

READERS: dict[str, ModuleType] = {
    "registry_csv": registry_csv,
    "es_his_csv": es_his_csv,
    "omop_csv": omop_csv,
    "fhir_ndjson": fhir_ndjson,
}


def load_raw(con: duckdb.DuckDBPyConnection, center: Center, extract_dir: Path) -> dict[str, int]:
    return _reader(center).load_raw(con, center, extract_dir)


def reader_calls(center: Center, extract_dir: Path) -> list[ReaderCall]:
    """How the center's dialect reads each file of the extract (tasks/extract/reader_calls.py)."""
    return _reader(center).reader_calls(center, extract_dir)


def staging_parameters(center: Center) -> dict[str, Any]:
    return _reader(center).staging_parameters(center)


def file_names(center: Center) -> set[str]:
    """The names of the files the center's dialect reads from an extract folder."""
    return set(_reader(center).FILE_NAMES)


def source_files(center: Center) -> dict[str, str]:
    """The file of the center's extract each common staging table (patients, prescriptions,
    diagnoses) is read from."""
    return _reader(center).SOURCE_FILES


def raw_data_files(center: Center) -> list[tuple[str, str, tuple[str, ...]]]:
    """The files of the center's extract that hold rows of data (not the extract's metadata),
    each as (file name, raw table, date columns read as text). OMOP's reader parses its dates
    itself, so none are listed; FHIR's date elements are text until staging (fhir_date)."""
    reader = _reader(center)
    layout = csv_layout(center)
    if layout is None:
        return [
            (spec.name, spec.table, getattr(spec, "date_elements", ())) for spec in reader.FILES
        ]
    return [
        (spec.name, spec.table, spec.date_columns)
        for spec in layout.files
        if spec.name in reader.DATA_FILES
    ]


def csv_layout(center: Center) -> CsvLayout | None:
    """The center's files, their columns and date columns, and its date format; None for a
    dialect that is not delimited text."""
    layout = getattr(_reader(center), "LAYOUT", None)
    return layout.for_center(center) if layout else None


def _reader(center: Center) -> ModuleType:
    try:
        return READERS[center.dialect]
    except KeyError:
        raise ConfigError(f"center {center.id}: dialect {center.dialect!r} has no reader") from None
