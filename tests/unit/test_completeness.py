"""Completeness drops: a column the last accepted extract filled and the new one leaves empty
is an extract rule (tasks/quality/completeness.py)."""

from __future__ import annotations

from pathlib import Path

from jakreg.quality import QualityThresholds
from jakreg.settings import DuckDBSettings
from tasks.extract.stage_center import stage_center
from tasks.quality.completeness import completeness_drops
from tests.unit.extracts import es_his_extract, omop_extract

THRESHOLDS = QualityThresholds()


def test_all_death_dates_blank_in_a_new_extract_is_a_drop() -> None:
    [drop] = completeness_drops(
        {"patients.csv": {"death_date": 0, "birth_date": 400}},
        {"patients.csv": 400},
        {"patients.csv": {"death_date": 31, "birth_date": 398}},
        {"patients.csv": 398},
        THRESHOLDS,
    )
    message = drop.message(THRESHOLDS.max_filled_share_drop)
    assert message.startswith(
        "patients.csv: death_date is filled in 0 of 400 rows (0%), against 31 of 398 (7.79%)"
    )
    assert "more than 50% of its filled share was lost" in message
    assert "max_filled_share_drop" in message  # the one threshold to raise, named with its value


def test_few_filled_rows_or_a_modest_fall_are_no_drop() -> None:
    assert (
        completeness_drops(
            {"patients.csv": {"death_date": 1, "stop_reason": 60}},
            {"patients.csv": 100},
            {"patients.csv": {"death_date": 3, "stop_reason": 100}},
            {"patients.csv": 100},
            THRESHOLDS,
        )
        == []
    )


def test_staging_counts_the_filled_rows_of_each_column(tmp_path: Path) -> None:
    center, _ = es_his_extract(
        tmp_path,
        pacientes="000001;Mujer;02/03/1954;\r\n000002;Hombre;15/06/1960;01/01/2020\r\n",
    )
    staged = stage_center.fn(center, tmp_path / "work", DuckDBSettings())
    assert staged.filled["pacientes.csv"] == {
        "NHC": 2,
        "SEXO": 2,
        "FECHA_NACIMIENTO": 2,
        "FECHA_EXITUS": 1,
    }


def test_a_blank_omop_person_source_value_is_counted_for_the_gate(tmp_path: Path) -> None:
    person = {"person_id": "1", "gender_concept_id": "8532", "year_of_birth": "1960"}
    center, _ = omop_extract(tmp_path, {"person": [{**person, "person_source_value": ""}]})
    staged = stage_center.fn(center, tmp_path / "work", DuckDBSettings())
    assert staged.filled["person.csv"]["person_source_value"] == 0
    assert "cdm_source.csv" not in staged.filled
