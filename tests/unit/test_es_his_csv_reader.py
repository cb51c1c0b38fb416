"""The es_his_csv reader: latin-1, semicolons, dd/mm/yyyy and Spanish values, staged to the common
shape (sex F/M, ISO dates, open prescriptions as a null end, Spanish texts mapped)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from jakreg.errors import CenterDataError
from tasks.extract import es_his_csv
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
    ("row", "column"),
    [
        ("000042;XELJANZ;13/25/2020;;\r\n", "FECHA_INICIO"),
        ("000042;XELJANZ;01/02/2020;2020-03-01;\r\n", "FECHA_FIN"),
    ],
)
def test_a_date_not_in_dd_mm_yyyy_names_row_and_column(tmp_path: Path, row: str, column: str):
    center, folder = es_his_extract(tmp_path, tratamientos=row)
    with pytest.raises(CenterDataError) as caught:
        es_his_csv.load_raw(duckdb.connect(), center, folder)
    message = str(caught.value)
    assert f"file tratamientos.csv, row 2, column {column}: 1 value(s) are not dates" in message
    assert "%d/%m/%Y" in message
    assert "000042" not in message
