"""The fhir_ndjson reader and staging on tiny hand-written bulk exports: periods, ATC codes old and
new, text-only drugs, deaths, and errors that name file, line and element but no identifier."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import duckdb
import pytest

from jakreg.config import Center
from jakreg.errors import CenterDataError
from jakreg.settings import DuckDBSettings
from tasks import sql_models
from tasks.extract import fhir_ndjson
from tasks.extract.stage_center import stage_center
from tasks.registry import database
from tests.unit.extracts import staged_rows

ATC = "http://www.whocc.no/atc"
ICD10 = "http://hl7.org/fhir/sid/icd-10"
MANIFEST = {"transactionTime": "2026-10-31T23:00:00+01:00", "output": []}


def _patient(local_id: str, **elements: object) -> dict:
    return {"resourceType": "Patient", "id": local_id, "gender": "female", **elements}


def _statement(local_id: str, medication: dict, period: dict, **elements: object) -> dict:
    return {
        "resourceType": "MedicationStatement",
        "status": "completed",
        "subject": {"reference": f"Patient/{local_id}"},
        "medicationCodeableConcept": medication,
        "effectivePeriod": period,
        **elements,
    }


def _line(resource: dict | str) -> str:
    return resource if isinstance(resource, str) else json.dumps(resource)


def _extract(
    tmp_path: Path,
    patients: list = (),
    conditions: list = (),
    statements: list = (),
    manifest: object = MANIFEST,
) -> tuple[Center, Path]:
    folder = tmp_path / "landing" / "bilbao" / "2026-11-01"
    folder.mkdir(parents=True)
    for name, resources in (
        ("Patient", patients),
        ("Condition", conditions),
        ("MedicationStatement", statements),
    ):
        text = "".join(_line(r) + "\n" for r in resources)
        (folder / f"{name}.ndjson").write_text(text, encoding="utf-8")
    if manifest is not None:
        (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return Center("bilbao", "fhir_ndjson", folder.parent), folder


def _load(center: Center, folder: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    fhir_ndjson.load_raw(con, center, folder)
    return con


def _staged_prescriptions(tmp_path: Path, center: Center) -> list[tuple]:
    """Runs the real staging task and reads back what it wrote (no local identifiers there)."""
    staged = stage_center.fn(center, tmp_path / "work", DuckDBSettings())
    return database.fetch_all(
        duckdb.connect(),
        "select drug_source_value, ingredient, start_date::varchar, end_date::varchar, "
        "stop_reason_class from read_parquet($path) order by source_row",
        {"path": str(staged.parquet("stg_prescriptions"))},
    )


def test_atc_codes_old_and_new_and_text_alone_map_to_the_ingredient(tmp_path: Path) -> None:
    center, _ = _extract(
        tmp_path,
        patients=[_patient("000123")],
        statements=[
            _statement(
                "000123", {"coding": [{"system": ATC, "code": "L04AA29"}]}, {"start": "2020-01-01"}
            ),
            _statement(
                "000123",
                {"coding": [{"system": ATC, "code": "L04AF01"}], "text": "Xeljanz 5 mg"},
                {"start": "2021-01-01"},
            ),
            _statement("000123", {"text": "OLUMIANT 4 mg"}, {"start": "2022-01-01"}),
            _statement(
                "000123",
                {"coding": [{"system": "http://snomed.info/sct", "code": "1"}], "text": "Rinvoq"},
                {"start": "2023-01-01"},
            ),
        ],
    )
    rows = _staged_prescriptions(tmp_path, center)
    assert [(drug, ingredient) for drug, ingredient, *_ in rows] == [
        ("L04AA29", "tofacitinib"),
        ("L04AF01|Xeljanz 5 mg", "tofacitinib"),
        ("OLUMIANT 4 mg", "baricitinib"),
        ("Rinvoq", "upadacitinib"),
    ]


def test_a_period_without_end_is_open_and_a_datetime_keeps_its_local_date(tmp_path: Path) -> None:
    adalimumab = {"coding": [{"system": ATC, "code": "L04AB04"}]}
    center, _ = _extract(
        tmp_path,
        patients=[_patient("7")],
        statements=[
            _statement("7", adalimumab, {"start": "2020-01-01"}, status="active"),
            _statement("7", adalimumab, {"start": "2019-01-01", "end": None}, status="active"),
            _statement(
                "7",
                adalimumab,
                {"start": "2018-01-01T23:30:00-05:00", "end": "2018-06-30T00:10:00+02:00"},
                status="stopped",
                statusReason=[{"text": "Loss of efficacy"}],
            ),
        ],
    )
    assert [row[2:] for row in _staged_prescriptions(tmp_path, center)] == [
        ("2020-01-01", None, "unknown"),
        ("2019-01-01", None, "unknown"),
        ("2018-01-01", "2018-06-30", "inefficacy_secondary"),
    ]


def test_statements_entered_in_error_or_not_taken_are_left_out(tmp_path: Path) -> None:
    drug = {"text": "tofacitinib"}
    center, folder = _extract(
        tmp_path,
        patients=[_patient("7")],
        statements=[
            _statement("7", drug, {"start": "2020-01-01"}, status="entered-in-error"),
            _statement("7", drug, {"start": "2021-01-01"}, status="not-taken"),
            _statement("7", drug, {"start": "2022-01-01"}, status="completed"),
        ],
    )
    con = _load(center, folder)
    sql_models.run_models(
        con, sql_models.discover([sql_models.SQL_DIR / "staging" / "fhir_ndjson"]), {}
    )
    assert database.fetch_all(
        con, "select start_date::varchar, source_row from staging.stg_fhir_ndjson__prescriptions"
    ) == [("2022-01-01", 3)]


def test_patients_keep_leading_zeros_and_a_deceased_patient_has_a_death_date(
    tmp_path: Path,
) -> None:
    center, folder = _extract(
        tmp_path,
        patients=[
            _patient("000123", birthDate="1970-05-06"),
            _patient(
                "000124",
                gender="male",
                birthDate="1961-01-02",
                deceasedDateTime="2024-02-29T23:59:00+01:00",
            ),
            _patient("000125", gender="unknown", deceasedBoolean=False),
        ],
        conditions=[
            {
                "resourceType": "Condition",
                "subject": {"reference": "https://ehr.example/fhir/Patient/000124"},
                "code": {"coding": [{"system": ICD10, "code": "M05.79"}]},
                "recordedDate": "2015-03-04",
            }
        ],
    )
    con = _load(center, folder)
    sql_models.run_models(
        con, sql_models.discover([sql_models.SQL_DIR / "staging" / "fhir_ndjson"]), {}
    )
    assert database.fetch_all(
        con,
        "select local_id, sex, birth_date::varchar, death_date::varchar, source_row "
        "from staging.stg_fhir_ndjson__patients order by source_row",
    ) == [
        ("000123", "F", "1970-05-06", None, 1),
        ("000124", "M", "1961-01-02", "2024-02-29", 2),
        ("000125", None, None, None, 3),
    ]
    assert database.fetch_all(con, "select * from staging.stg_fhir_ndjson__diagnoses") == [
        ("000124", "M05.79", date(2015, 3, 4), 1)
    ]
    assert (
        database.fetch_value(
            con, "select data_cut_date::varchar from staging.stg_fhir_ndjson__extract"
        )
        == "2026-10-31"
    )


def test_a_malformed_line_is_reported_with_its_line_number_and_no_identifier(
    tmp_path: Path,
) -> None:
    good = [_patient(f"LOCAL{i:05d}") for i in range(2500)]
    center, folder = _extract(
        tmp_path, patients=[*good, '{"resourceType":"Patient","id":"LOCAL99999",']
    )
    with pytest.raises(CenterDataError) as caught:
        _load(center, folder)
    message = str(caught.value)
    assert "center bilbao, file Patient.ndjson, row 2501: a line is not valid JSON" in message
    assert "LOCAL" not in message


def test_an_element_of_the_wrong_shape_is_named_without_its_value(tmp_path: Path) -> None:
    statement = _statement("LOCAL00001", {"text": "Olumiant"}, {"start": "2020-01-01"})
    center, folder = _extract(
        tmp_path,
        patients=[_patient("LOCAL00001")],
        statements=[statement, {**statement, "subject": "Patient/LOCAL00001"}],
    )
    with pytest.raises(CenterDataError) as caught:
        _load(center, folder)
    message = str(caught.value)
    assert "file MedicationStatement.ndjson, row 2, column subject:" in message
    assert "wrong JSON type" in message
    assert "LOCAL" not in message


def test_a_line_that_is_not_a_json_object_is_reported_with_its_line(tmp_path: Path) -> None:
    center, folder = _extract(tmp_path, patients=[_patient("1"), '["LOCAL00002"]', _patient("3")])
    with pytest.raises(CenterDataError) as caught:
        _load(center, folder)
    assert "file Patient.ndjson, row 2: a line is not a JSON object" in str(caught.value)
    assert "LOCAL" not in str(caught.value)


def test_a_reference_to_something_else_than_a_patient_costs_its_line_only(
    tmp_path: Path,
) -> None:
    statement = _statement("1", {"text": "Olumiant"}, {"start": "2020-01-01"})
    center, _ = _extract(
        tmp_path,
        patients=[_patient("1")],
        statements=[statement, {**statement, "subject": {"reference": "Group/LOCAL7"}}],
    )
    rejected = staged_rows(
        tmp_path, center, "select file, source_row, rule, detail from 'stg_rejected_rows.parquet'"
    )
    assert rejected == [
        (
            "MedicationStatement.ndjson",
            2,
            "prescription_patient_id_missing",
            "patient identifier empty",
        )
    ]
    assert "LOCAL" not in str(rejected)
    assert [row[-1] for row in _staged_prescriptions(tmp_path / "again", center)] == ["unknown"]


@pytest.mark.parametrize(
    ("bad_date", "shown"),
    [
        ("2020-13-01", "2020-13-01"),
        ("2020-05", "(not a date, 7 characters)"),
        ("01/02/2020", "01/02/2020"),
        ("2020-01-01T10:00", "(not a date, 16 characters)"),
    ],
)
def test_a_date_that_is_not_a_full_fhir_date_costs_its_line_only(
    tmp_path: Path, bad_date: str, shown: str
) -> None:
    good = _statement("1", {"text": "Olumiant"}, {"start": "2020-01-01", "end": "2020-06-01"})
    bad = _statement("1", {"text": "Olumiant"}, {"start": "2021-01-01", "end": bad_date})
    center, _ = _extract(tmp_path, patients=[_patient("1")], statements=[good, bad])
    rejected = staged_rows(
        tmp_path, center, "select file, source_row, rule, detail from 'stg_rejected_rows.parquet'"
    )
    assert rejected == [
        (
            "MedicationStatement.ndjson",
            2,
            "date_not_parseable",
            f"effectivePeriod.end {shown}",
        )
    ]
    staged = _staged_prescriptions(tmp_path / "again", center)
    assert [(start, end) for _, _, start, end, _ in staged] == [("2020-01-01", "2020-06-01")]


def test_a_line_of_another_resource_type_is_refused(tmp_path: Path) -> None:
    center, folder = _extract(
        tmp_path, patients=[_patient("1"), {"resourceType": "Observation", "id": "2"}]
    )
    with pytest.raises(
        CenterDataError, match=r"row 2, column resourceType: a line is not a Patient"
    ):
        _load(center, folder)


def test_a_missing_manifest_is_a_clear_error(tmp_path: Path) -> None:
    center, folder = _extract(tmp_path, manifest=None)
    with pytest.raises(CenterDataError, match=r"manifest\.json is missing — add the bulk export"):
        _load(center, folder)


@pytest.mark.parametrize(
    "manifest",
    [{"output": []}, {"transactionTime": "2026-02-30T10:00:00Z"}, {"transactionTime": 1}],
)
def test_a_manifest_without_a_transaction_time_is_a_clear_error(
    tmp_path: Path, manifest: object
) -> None:
    center, folder = _extract(tmp_path, manifest=manifest)
    with pytest.raises(CenterDataError, match=r"column transactionTime: manifest\.json has no"):
        _load(center, folder)


def test_a_manifest_that_is_not_an_object_is_a_clear_error(tmp_path: Path) -> None:
    center, folder = _extract(tmp_path, manifest=["2026-10-31"])
    with pytest.raises(CenterDataError, match=r"manifest\.json is not a JSON object"):
        _load(center, folder)


def test_a_missing_resource_file_is_named(tmp_path: Path) -> None:
    center, folder = _extract(tmp_path)
    (folder / "Condition.ndjson").unlink()
    with pytest.raises(CenterDataError, match=r"file Condition\.ndjson: file is missing"):
        _load(center, folder)


def test_a_file_shorter_than_the_manifest_says_is_reported_as_truncated(tmp_path: Path) -> None:
    manifest = {**MANIFEST, "output": [{"type": "Patient", "url": "Patient.ndjson", "count": 3}]}
    center, folder = _extract(tmp_path, patients=[_patient("1"), _patient("2")], manifest=manifest)
    with pytest.raises(CenterDataError, match=r"2 resources read but manifest\.json lists 3"):
        _load(center, folder)


def test_staging_counts_the_filled_elements_a_completeness_drop_compares(tmp_path: Path) -> None:
    olumiant = {"text": "Olumiant"}
    center, _ = _extract(
        tmp_path,
        patients=[_patient("1", deceasedDateTime="2024-01-01"), _patient("2")],
        statements=[
            _statement("1", olumiant, {"start": "2020-01-01", "end": "2020-06-01"}),
            _statement("2", olumiant, {"start": "2021-01-01"}, statusReason=[{"text": "x"}]),
            _statement("2", olumiant, {"start": "2022-01-01", "end": " "}),
        ],
    )
    staged = stage_center.fn(center, tmp_path / "work", DuckDBSettings())
    assert staged.filled["Patient.ndjson"]["deceasedDateTime"] == 1
    statements = staged.filled["MedicationStatement.ndjson"]
    assert (statements["effectivePeriod.start"], statements["effectivePeriod.end"]) == (3, 1)
    assert statements["statusReason"] == 1
