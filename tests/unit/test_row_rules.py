"""Row rules set bad rows aside in staging, with their file, line, rule and labelled values, and
the models never see them (jakreg/row_rules.py, tasks/extract/row_rejects.py)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from jakreg.config import Protocol
from jakreg.errors import ConfigError
from jakreg.layout import RegistryLayout
from jakreg.quality import QualityThresholds
from jakreg.settings import DuckDBSettings
from tasks.extract.stage_center import stage_center
from tasks.registry.build_center import build_center, mart_tables
from tests.conftest import expected_patient_key
from tests.unit.extracts import es_his_extract, omop_extract, staged_rows

XELJANZ = "XELJANZ 5 MG COMPRIMIDOS"
PACIENTES = "000001;Mujer;02/03/1954;\r\n000002;Hombre;15/06/1960;\r\n"


def _rejected(tmp_path: Path, center) -> list[tuple]:
    return staged_rows(
        tmp_path,
        center,
        "select file, source_row, rule, detail from 'stg_rejected_rows.parquet' order by all",
    )


def test_a_prescription_ending_before_it_starts_is_set_aside_with_its_line_and_dates(
    tmp_path: Path,
) -> None:
    center, _ = es_his_extract(
        tmp_path,
        pacientes=PACIENTES,
        tratamientos=f"000001;{XELJANZ};01/02/2018;01/03/2019;\r\n"
        f"000002;{XELJANZ};22/02/2018;14/02/2018;\r\n",
    )
    staged = stage_center.fn(center, tmp_path / "work", DuckDBSettings())
    with duckdb.connect() as con:
        kept = con.sql(f"select source_row from '{staged.parquet('stg_prescriptions')}'").fetchall()
        rejected = con.sql(
            f"select file, source_row, rule, patient_key, detail "
            f"from '{staged.parquet('stg_rejected_rows')}'"
        ).fetchall()
    assert kept == [(2,)]
    assert rejected == [
        (
            "tratamientos.csv",
            3,
            "end_before_start",
            expected_patient_key("valencia", "000002"),
            "start 2018-02-22, end 2018-02-14",
        )
    ]
    assert staged.rejected == {"tratamientos.csv": {"end_before_start": 1}}
    assert staged.rows_rejected == {"tratamientos.csv": 1}
    assert staged.rows_staged["stg_prescriptions"] == 1


def test_a_date_that_does_not_parse_is_set_aside_not_the_whole_file(tmp_path: Path) -> None:
    center, _ = es_his_extract(
        tmp_path,
        pacientes=PACIENTES,
        tratamientos=f"000001;{XELJANZ};13/25/2020;;\r\n000002;{XELJANZ};01/02/2018;;\r\n"
        # An identifier keyed into a date column is described, never echoed.
        f"000002;{XELJANZ};01/02/2019;00000397;\r\n",
    )
    assert _rejected(tmp_path, center) == [
        ("tratamientos.csv", 2, "date_not_parseable", "FECHA_INICIO 13/25/2020"),
        ("tratamientos.csv", 4, "date_not_parseable", "FECHA_FIN (not a date, 8 characters)"),
    ]


def test_an_exact_copy_of_a_row_is_set_aside_and_the_first_copy_kept(tmp_path: Path) -> None:
    row = f"000001;{XELJANZ};01/02/2018;01/03/2019;Remisión\r\n"
    center, _ = es_his_extract(tmp_path, pacientes=PACIENTES, tratamientos=row + row + row)
    assert _rejected(tmp_path, center) == [
        ("tratamientos.csv", 3, "duplicate_row", "a copy of an earlier row"),
        ("tratamientos.csv", 4, "duplicate_row", "a copy of an earlier row"),
    ]


def test_a_patient_listed_twice_differently_is_set_aside_with_their_prescriptions(
    tmp_path: Path,
) -> None:
    center, _ = es_his_extract(
        tmp_path,
        pacientes=PACIENTES + "000001;Hombre;02/03/1954;\r\n",
        diagnosticos="000001;M06.9;12/07/2015\r\n000002;M06.9;12/07/2015\r\n",
        tratamientos=f"000001;{XELJANZ};01/02/2018;;\r\n000002;{XELJANZ};01/02/2018;;\r\n",
    )
    assert [row[:3] for row in _rejected(tmp_path, center)] == [
        ("diagnosticos.csv", 2, "diagnosis_patient_set_aside"),
        ("pacientes.csv", 2, "patient_listed_twice"),
        ("pacientes.csv", 4, "patient_listed_twice"),
        ("tratamientos.csv", 2, "prescription_patient_set_aside"),
    ]


def test_dates_outside_the_window_and_before_birth_are_set_aside(tmp_path: Path) -> None:
    center, _ = es_his_extract(
        tmp_path,
        pacientes=PACIENTES + "000003;Mujer;01/01/2099;\r\n",
        diagnosticos="000001;M06.9;12/07/2027\r\n",
        tratamientos=f"000001;{XELJANZ};01/02/1900;01/03/1900;\r\n"
        f"000001;{XELJANZ};01/02/2027;;\r\n"
        f"000002;{XELJANZ};01/02/1959;01/03/1959;\r\n"
        f"000002;{XELJANZ};;01/03/2021;\r\n",
    )
    thresholds = QualityThresholds(earliest_treatment_date="1950-01-01")
    staged = stage_center.fn(center, tmp_path / "work", DuckDBSettings(), thresholds=thresholds)
    with duckdb.connect() as con:
        rejected = con.sql(
            f"select file, source_row, rule, detail from '{staged.parquet('stg_rejected_rows')}' "
            "order by all"
        ).fetchall()
    assert rejected == [
        (
            "diagnosticos.csv",
            2,
            "diagnosis_outside_window",
            "diagnosis 2027-07-12, data cut 2026-10-31",
        ),
        ("pacientes.csv", 4, "birth_outside_window", "birth 2099-01-01"),
        ("tratamientos.csv", 2, "before_study_window", "start 1900-02-01, end 1900-03-01"),
        (
            "tratamientos.csv",
            3,
            "after_data_cut",
            "start 2027-02-01, end empty, data cut 2026-10-31",
        ),
        ("tratamientos.csv", 4, "start_before_birth", "birth 1960-06-15, start 1959-02-01"),
        ("tratamientos.csv", 5, "start_missing", "start empty"),
    ]


def test_nul_bytes_in_patient_ids_are_set_aside_as_control_characters(tmp_path: Path) -> None:
    center, _ = es_his_extract(
        tmp_path,
        pacientes=PACIENTES,
        tratamientos=f"000001;{XELJANZ};01/02/2018;;\r\n"
        f"0000\x0002;{XELJANZ};01/02/2018;;\r\n"
        f"000\x001;{XELJANZ};01/02/2018;;\r\n",
    )
    assert _rejected(tmp_path, center) == [
        ("tratamientos.csv", 3, "control_characters", "NHC holds a control character"),
        ("tratamientos.csv", 4, "control_characters", "NHC holds a control character"),
    ]


def test_an_empty_omop_death_table_stages_with_no_row_set_aside(tmp_path: Path) -> None:
    center, _ = omop_extract(
        tmp_path,
        {
            "person": [{"person_id": "1", "gender_concept_id": "8532", "year_of_birth": "1960"}],
            "drug_exposure": [
                {
                    "person_id": "1",
                    "drug_exposure_start_date": "2020-01-01",
                    "drug_exposure_end_date": "2020-06-01",
                    "drug_source_value": "tofacitinib",
                }
            ],
        },
    )
    assert staged_rows(tmp_path, center, "select death_date from 'stg_patients.parquet'") == [
        (None,)
    ]
    assert _rejected(tmp_path, center) == []


def test_a_rejected_row_inside_a_course_changes_no_mart(tmp_path: Path) -> None:
    """A typo (end before start) between two prescriptions of the same course: set aside, the
    marts equal those of the extract without it, row for row."""
    rows = [
        f"000001;{XELJANZ};01/02/2018;01/05/2018;\r\n",
        f"000001;{XELJANZ};01/05/2018;01/09/2018;Ineficacia\r\n",
        "000001;HUMIRA 40 MG;15/09/2018;;\r\n",
    ]
    typo = f"000001;{XELJANZ};22/06/2018;14/06/2018;Ineficacia\r\n"
    marts = {}
    for name, tratamientos in {
        "clean": "".join(rows),
        "typo": rows[0] + typo + rows[1] + rows[2],
    }.items():
        center, _ = es_his_extract(
            tmp_path / name,
            pacientes=PACIENTES,
            diagnosticos="000001;M06.9;12/07/2015\r\n",
            tratamientos=tratamientos,
        )
        layout = RegistryLayout.for_database(tmp_path / name / "registry.duckdb")
        staged = stage_center.fn(center, layout.work_dir, DuckDBSettings())
        build = build_center.fn(staged, Protocol(), layout, DuckDBSettings())
        with duckdb.connect() as con:
            marts[name] = {
                table: con.sql(
                    f"select * exclude (source_row) from '{build.parquet(table)}' order by all"
                    if "source_row" in con.sql(f"from '{build.parquet(table)}'").columns
                    else f"select * from '{build.parquet(table)}' order by all"
                ).fetchall()
                for table in mart_tables()
            }
        if name == "typo":
            assert staged.rejected == {"tratamientos.csv": {"end_before_start": 1}}
    assert marts["clean"]["marts.jaki_courses"], "the history has a JAK-inhibitor course"
    assert marts["typo"] == marts["clean"]


def test_row_rule_shares_can_be_overridden_by_name_and_are_checked() -> None:
    thresholds = QualityThresholds(row_rules={"end_before_start": {"error_share": 0.05}})
    assert thresholds.row_rule_shares()["end_before_start"] == (0.0, 0.05)
    assert thresholds.row_rule_shares()["start_before_birth"] == (0.0, 0.01)
    with pytest.raises(ConfigError, match="unknown rule 'end_befor_start'"):
        QualityThresholds(row_rules={"end_befor_start": {"error_share": 0.05}})
    with pytest.raises(ConfigError, match="between 0 and 1"):
        QualityThresholds(row_rules={"end_before_start": {"error_share": 5}})
    with pytest.raises(ConfigError, match="exceeds error_share"):
        QualityThresholds(row_rules={"end_before_start": {"warning_share": 0.5}})
