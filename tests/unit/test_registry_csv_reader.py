"""The registry_csv reader: pinned options, text identifiers, errors naming file, row and column."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from jakreg.config import Center
from jakreg.errors import CenterDataError
from tasks.extract import registry_csv
from tasks.registry import database
from tests.unit.extracts import staged_rows

PATIENTS = "patient_id,sex,birth_date,death_date\n"
DIAGNOSES = "patient_id,icd10,diagnosis_date\n"
PRESCRIPTIONS = "patient_id,drug,start_date,end_date,stop_reason\n"


def _extract(tmp_path: Path, prescriptions: str = "", patients: str = "") -> tuple[Center, Path]:
    folder = tmp_path / "landing" / "valencia" / "2026-11-01"
    folder.mkdir(parents=True)
    (folder / "patients.csv").write_text("\ufeff" + PATIENTS + patients, encoding="utf-8")
    (folder / "diagnoses.csv").write_text(DIAGNOSES, encoding="utf-8")
    (folder / "prescriptions.csv").write_text(PRESCRIPTIONS + prescriptions, encoding="utf-8")
    (folder / "extract.json").write_text(
        json.dumps({"center": "valencia", "data_cut_date": "2026-10-31"})
    )
    return Center("valencia", "registry_csv", folder.parent), folder


def test_identifiers_keep_leading_zeros_and_a_bom_is_tolerated(tmp_path: Path) -> None:
    center, folder = _extract(tmp_path, patients="000123,F,1970-01-02,\n")
    con = duckdb.connect()
    rows = registry_csv.load_raw(con, center, folder)
    assert rows["patients.csv"] == 1
    assert database.fetch_all(con, "select patient_id, source_row from raw.patients") == [
        ("000123", 2)
    ]


def test_a_bad_date_is_set_aside_naming_file_row_and_column_but_not_the_patient(
    tmp_path: Path,
) -> None:
    good = "".join(f"{i:06d},xeljanz,2020-01-01,,\n" for i in range(3000))
    center, _ = _extract(tmp_path, prescriptions=good + "999999,xeljanz,2020-13-01,,\n")
    rejected = staged_rows(
        tmp_path, center, "select file, source_row, detail from 'stg_rejected_rows.parquet'"
    )
    assert rejected == [("prescriptions.csv", 3002, "start_date 2020-13-01")]


def test_a_missing_column_is_named_with_a_hint(tmp_path: Path) -> None:
    center, folder = _extract(tmp_path)
    (folder / "diagnoses.csv").write_text("patient_id,icd10\n", encoding="utf-8")
    with pytest.raises(CenterDataError, match=r"file diagnoses\.csv, row 1: missing column"):
        registry_csv.load_raw(duckdb.connect(), center, folder)


def test_extract_json_of_another_center_is_refused(tmp_path: Path) -> None:
    center, folder = _extract(tmp_path)
    (folder / "extract.json").write_text(json.dumps({"center": "madrid", "data_cut_date": "x"}))
    with pytest.raises(CenterDataError, match=r"extract\.json names center 'madrid'"):
        registry_csv.load_raw(duckdb.connect(), center, folder)
