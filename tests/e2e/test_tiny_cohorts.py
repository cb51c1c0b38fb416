"""Small and empty cohorts publish: a center of three patients, an OMOP center with an empty
death table, a registry with no JAK-inhibitor failure yet (issue 12, points 3 and 5)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from flows.registry_refresh import registry_refresh
from tests.unit.extracts import es_his_extract, omop_extract

pytestmark = pytest.mark.e2e

XELJANZ = "XELJANZ 5 MG COMPRIMIDOS"


def _centers_file(root: Path, entries: list[str]) -> Path:
    path = root / "centers.yaml"
    path.write_text("centers:\n" + "".join(entries), encoding="utf-8")
    return path


def _exposure(person: str, start: str, end: str, drug: str, reason: str = "") -> dict:
    return {
        "person_id": person,
        "drug_exposure_start_date": start,
        "drug_exposure_end_date": end,
        "drug_source_value": drug,
        "stop_reason": reason,
    }


def test_three_patients_and_an_empty_death_table_publish(tmp_path: Path, prefect_harness) -> None:
    es_his_extract(
        tmp_path,
        pacientes="000001;Mujer;02/03/1954;\r\n000002;Hombre;15/06/1960;\r\n"
        "000003;Mujer;01/01/1970;\r\n",
        diagnosticos="000001;M06.9;12/07/2015\r\n",
        tratamientos=f"000001;{XELJANZ};01/02/2018;01/03/2019;Ineficacia\r\n"
        "000001;HUMIRA 40 MG;15/03/2019;;\r\n",
    )
    person = {"gender_concept_id": "8532", "year_of_birth": "1960"}
    omop_extract(
        tmp_path,
        {
            "person": [{"person_id": str(i), **person} for i in (1, 2, 3)],
            "drug_exposure": [
                _exposure("1", "2020-01-01", "2020-06-01", "tofacitinib", "adverse event"),
                _exposure("1", "2020-07-01", "2026-10-31", "baricitinib"),
            ],
        },
    )
    centers = _centers_file(
        tmp_path,
        [
            "  - {id: valencia, dialect: es_his_csv, landing: landing/valencia}\n",
            "  - {id: madrid, dialect: omop_csv, landing: landing/madrid}\n",
        ],
    )

    result = registry_refresh(centers, tmp_path / "registry.duckdb", tmp_path / "out")

    assert result.failed_centers == {}
    assert result.mart_rows["marts.jaki_failures"] == 2
    report = (result.run_folder / "report.html").read_text(encoding="utf-8")
    assert "Nothing to estimate yet" not in report


def test_a_registry_without_any_failure_publishes_and_says_so(
    tmp_path: Path, prefect_harness
) -> None:
    es_his_extract(
        tmp_path,
        pacientes="000001;Mujer;02/03/1954;\r\n",
        diagnosticos="000001;M06.9;12/07/2015\r\n",
        tratamientos="000001;METOTREXATO 10 MG;01/02/2018;;\r\n",
    )
    centers = _centers_file(
        tmp_path, ["  - {id: valencia, dialect: es_his_csv, landing: landing/valencia}\n"]
    )

    result = registry_refresh(centers, tmp_path / "registry.duckdb", tmp_path / "out")

    assert result.failed_centers == {}
    with duckdb.connect(str(result.database), read_only=True) as con:
        assert con.sql("select count(*) from marts.jaki_courses").fetchall() == [(0,)]
    report = (result.run_folder / "report.html").read_text(encoding="utf-8")
    assert "Nothing to estimate yet" in report
    gate = (result.run_folder / "quality_gate.md").read_text(encoding="utf-8")
    assert "Data Docs: [data_docs/index.html](data_docs/index.html)" in gate
    assert ".building" not in gate
