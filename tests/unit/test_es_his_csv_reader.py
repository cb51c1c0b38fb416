"""The es_his_csv reader: latin-1, semicolons, dd/mm/yyyy and Spanish values, staged to the common
shape (sex F/M, ISO dates, open prescriptions as a null end, Spanish texts mapped)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.extracts import es_his_extract, staged_rows


def test_spanish_values_reach_the_common_staging_shape(tmp_path: Path) -> None:
    center, _ = es_his_extract(
        tmp_path,
        pacientes="000042;Mujer;02/03/1954;\r\n000043;Hombre;18/06/1949;23/02/2016\r\n",
        diagnosticos="000042;M06.9;12/07/2015\r\n",
        tratamientos=(
            "000042;XELJANZ 5 MG COMPRIMIDOS RECUBIERTOS CON PELÍCULA;01/02/2018;13/05/2019;"
            "Remisión\r\n"
            "000042;HUMIRA 40 MG SOLUCIÓN INYECTABLE EN PLUMA PRECARGADA;20/05/2019;;\r\n"
        ),
    )
    patients = staged_rows(
        tmp_path,
        center,
        "select sex, birth_date::varchar, death_date::varchar "
        "from 'stg_patients.parquet' order by source_row",
    )
    assert patients == [("F", "1954-03-02", None), ("M", "1949-06-18", "2016-02-23")]
    prescriptions = staged_rows(
        tmp_path,
        center,
        "select ingredient, start_date::varchar, end_date::varchar, stop_reason_class "
        "from 'stg_prescriptions.parquet' order by source_row",
    )
    assert prescriptions == [
        ("tofacitinib", "2018-02-01", "2019-05-13", "remission"),
        ("adalimumab", "2019-05-20", None, "unknown"),
    ]
    assert staged_rows(tmp_path, center, "select indication from 'stg_diagnoses.parquet'") == [
        ("RA",)
    ]


@pytest.mark.parametrize(
    ("row", "detail"),
    [
        ("000042;XELJANZ;13/25/2020;;\r\n", "FECHA_INICIO 13/25/2020"),
        ("000042;XELJANZ;01/02/2020;2020-03-01;\r\n", "FECHA_FIN 2020-03-01"),
    ],
)
def test_a_date_not_in_dd_mm_yyyy_is_set_aside_naming_row_and_column(
    tmp_path: Path, row: str, detail: str
):
    center, _ = es_his_extract(tmp_path, tratamientos=row)
    assert staged_rows(
        tmp_path,
        center,
        "select file, source_row, rule, detail from 'stg_rejected_rows.parquet'",
    ) == [("tratamientos.csv", 2, "date_not_parseable", detail)]
