"""A hand-built CDM with real concept ids (four JAK inhibitors, seven biologics) gives the marts it
was built to give, read once from a DuckDB database and once from a folder of files."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
import yaml

from flows.registry_refresh import registry_refresh
from tests import omop_cdm
from tests.conftest import TEST_KEY, expected_patient_key

pytestmark = pytest.mark.e2e

CENTERS = ("cdm_database", "cdm_files")


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory, prefect_harness) -> Path:
    root = tmp_path_factory.mktemp("omop_cdm")
    omop_cdm.write_database(_extract(root, "cdm_database") / "hospital_cdm.duckdb", schema="cdm")
    omop_cdm.write_folder(_extract(root, "cdm_files"))
    centers = [
        {"id": "cdm_database", "dialect": "omop_csv", "landing": "landing/cdm_database"},
        {"id": "cdm_files", "dialect": "omop_csv", "landing": "landing/cdm_files"},
    ]
    centers[0]["schema"] = "cdm"
    (root / "centers.yaml").write_text(yaml.safe_dump({"centers": centers}))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("JAKREG_PSEUDONYM_KEY", TEST_KEY)
        result = registry_refresh(root / "centers.yaml", root / "registry.duckdb", root / "out")
    assert result.failed_centers == {}
    return root / "registry.duckdb"


def _extract(root: Path, center: str) -> Path:
    folder = root / "landing" / center / "2026-11-01"
    folder.mkdir(parents=True)
    return folder


def _keys(center: str) -> dict[str, str]:
    return {expected_patient_key(center, local_id): local_id for local_id in omop_cdm.LOCAL_IDS}


@pytest.mark.parametrize("center", CENTERS)
def test_advanced_therapy_courses_are_the_ones_the_cdm_records(registry: Path, center: str):
    with duckdb.connect(str(registry), read_only=True) as con:
        rows = con.execute(
            "select patient_key, ingredient, start_date::varchar, end_date::varchar, status "
            "from marts.advanced_therapy_courses where center_id = $center "
            "order by patient_key, start_date",
            {"center": center},
        ).fetchall()
    keys = _keys(center)
    courses: dict[str, list[tuple]] = {}
    for key, *course in rows:
        courses.setdefault(keys[key], []).append(tuple(course))
    assert courses == omop_cdm.EXPECTED_COURSES


@pytest.mark.parametrize("center", CENTERS)
def test_jak_inhibitor_failures_carry_the_snomed_indication_and_the_next_drug(
    registry: Path, center: str
):
    with duckdb.connect(str(registry), read_only=True) as con:
        rows = con.execute(
            "select failures.patient_key, failures.jaki, courses.indication, "
            "failures.next_ingredient from marts.jaki_failures as failures "
            "inner join marts.jaki_courses as courses using (center_id, patient_key, jaki) "
            "where center_id = $center",
            {"center": center},
        ).fetchall()
    keys = _keys(center)
    assert {(keys[key], *rest) for key, *rest in rows} == omop_cdm.EXPECTED_FAILURES


def test_each_route_is_counted_in_meta_run(registry: Path):
    with duckdb.connect(str(registry), read_only=True) as con:
        [(recorded,)] = con.execute("select mapping_routes::varchar from meta.run").fetchall()
    routes = json.loads(recorded)
    for center in CENTERS:
        # Twelve exposures by clinical-drug or ingredient concept; filgotinib by its name.
        assert routes[center]["drug"] == {"concept_ancestor": 12, "source_value": 1}
        # RA, PsA and axSpA by SNOMED concept; the fourth patient's RA by its ICD-10 code.
        assert routes[center]["diagnosis"] == {"concept_ancestor": 3, "source_value": 1}
