"""The omop_csv reader: tab-delimited CDM v5.4 tables staged to the common shape; local ids from
person_source_value, deaths from death.csv, and OMOP's always-present end dates read back as open
prescriptions when they are the release date or an observation period's end."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from jakreg.config import Center
from jakreg.errors import CenterDataError
from tasks.extract import omop_csv
from tests.conftest import expected_patient_key
from tests.unit.extracts import RELEASE, omop_extract, staged_rows


def _person(person_id: str, source_value: str, gender: str = "8532") -> dict[str, str]:
    return {
        "person_id": person_id,
        "gender_concept_id": gender,
        "year_of_birth": "1960",
        "person_source_value": source_value,
    }


def _exposure(end: str, drug: str = "L04AF01|tofacitinib") -> dict[str, str]:
    return {
        "person_id": "1",
        "drug_exposure_start_date": "2024-01-01",
        "drug_exposure_end_date": end,
        "drug_source_value": drug,
    }


def test_an_end_on_the_release_date_or_an_observation_period_end_is_open(tmp_path: Path) -> None:
    center, _ = omop_extract(
        tmp_path,
        {
            "person": [_person("1", "000042")],
            "observation_period": [
                {
                    "person_id": "1",
                    "observation_period_start_date": "2020-01-01",
                    "observation_period_end_date": "2025-06-30",
                }
            ],
            "drug_exposure": [
                _exposure(RELEASE),
                _exposure("2025-06-30"),
                _exposure("2025-06-29"),
                _exposure(""),
            ],
        },
    )
    ends = staged_rows(
        tmp_path, center, "select end_date::varchar from 'stg_prescriptions.parquet' order by 1"
    )
    assert ends == [("2025-06-29",), (None,), (None,), (None,)]


def test_person_source_value_is_the_local_id_and_death_comes_from_the_death_table(
    tmp_path: Path,
) -> None:
    center, _ = omop_extract(
        tmp_path,
        {
            "person": [_person("1", "000042", "8507"), _person("2", "", "0")],
            "death": [{"person_id": "1", "death_date": "2025-06-30"}],
            "drug_exposure": [_exposure("2024-06-01", "L04AA29")],
        },
    )
    patients = staged_rows(
        tmp_path,
        center,
        "select patient_key, sex, birth_date::varchar, death_date::varchar "
        "from 'stg_patients.parquet' order by source_row",
    )
    assert patients == [
        (expected_patient_key("madrid", "000042"), "M", "1960-01-01", "2025-06-30"),
        (expected_patient_key("madrid", "2"), None, "1960-01-01", None),
    ]
    assert staged_rows(
        tmp_path, center, "select patient_key, ingredient from 'stg_prescriptions.parquet'"
    ) == [(expected_patient_key("madrid", "000042"), "tofacitinib")]


@pytest.mark.parametrize(
    ("drug_source_value", "ingredient"),
    [
        ("L04AA29", "tofacitinib"),
        ("L04AF02", "baricitinib"),
        ("L04AF03|Rinvoq 15 mg", "upadacitinib"),
        ("Olumiant", "baricitinib"),
        ("ADALIMUMAB", "adalimumab"),
    ],
)
def test_drug_source_value_maps_by_atc_code_name_or_both(
    tmp_path: Path, drug_source_value: str, ingredient: str
) -> None:
    center, _ = omop_extract(
        tmp_path,
        {
            "person": [_person("1", "000042")],
            "drug_exposure": [_exposure("2024-06-01", drug_source_value)],
        },
    )
    assert staged_rows(tmp_path, center, "select ingredient from 'stg_prescriptions.parquet'") == [
        (ingredient,)
    ]


def _load_raw(center: Center, folder: Path) -> dict[str, int]:
    return omop_csv.load_raw(duckdb.connect(), center, folder)


def test_cdm_source_with_two_release_dates_is_refused(tmp_path: Path) -> None:
    center, folder = omop_extract(
        tmp_path,
        {"cdm_source": [{"source_release_date": RELEASE}, {"source_release_date": "2026-09-30"}]},
    )
    with pytest.raises(CenterDataError) as caught:
        _load_raw(center, folder)
    assert str(caught.value).startswith(
        "center madrid, file cdm_source.csv, column source_release_date: cdm_source has 2 "
        "source_release_date(s)"
    )


def test_without_cdm_source_the_data_cut_is_the_latest_observation_period_end(
    tmp_path: Path,
) -> None:
    center, folder = omop_extract(
        tmp_path,
        {
            "person": [_person("1", "000042"), _person("2", "000043")],
            "observation_period": [
                {
                    "person_id": person,
                    "observation_period_start_date": "2020-01-01",
                    "observation_period_end_date": end,
                }
                for person, end in (("1", "2026-09-30"), ("2", "2026-10-15"))
            ],
            "drug_exposure": [_exposure("2024-06-01")],
        },
    )
    (folder / "cdm_source.csv").unlink()
    cut = staged_rows(tmp_path, center, "select data_cut_date::varchar from 'stg_extract.parquet'")
    assert cut == [("2026-10-15",)]


def test_a_missing_drug_exposure_table_is_named(tmp_path: Path) -> None:
    center, folder = omop_extract(tmp_path, {})
    (folder / "drug_exposure.csv").unlink()
    with pytest.raises(
        CenterDataError, match=r"drug_exposure\.csv: file is missing from the extract"
    ):
        _load_raw(center, folder)
