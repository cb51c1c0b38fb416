"""A file that does not match its dialect is refused with a message naming center, file, row
(the file's line number, header = 1) and column, saying what to do, and quoting no identifier.

The bad row sits at line 5000 of a 5001-line file wherever a row is reported, so that a row
count off by the header, or rows counted out of file order, would show.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import duckdb
import pytest

from jakreg.errors import CenterDataError, ConfigError
from tasks.extract import dialects
from tasks.extract.stage_center import newest_extract
from tests.unit.extracts import PACIENTES, TRATAMIENTOS, es_his_extract, staged_rows

GOOD_ROW = "{nhc};XELJANZ 5 MG COMPRIMIDOS;01/02/2020;01/03/2021;Remisión\r\n"
BAD_LINE = 5000
# Identifiers of the patients on and around the bad line: none may appear in a message.
NHCS = [f"{i:08d}" for i in range(BAD_LINE - 5, BAD_LINE + 5)]


def _tratamientos(bad_row: str, tail: str = "") -> str:
    """tratamientos.csv text with `bad_row` on line 5000 and a good row after it."""
    rows = [GOOD_ROW.format(nhc=f"{i:08d}") for i in range(2, BAD_LINE + 2)]
    rows[BAD_LINE - 2] = bad_row.format(nhc=f"{BAD_LINE:08d}")
    return TRATAMIENTOS + "".join(rows) + tail


def _refused(center, folder: Path) -> str:
    with pytest.raises(CenterDataError) as caught:
        dialects.load_raw(duckdb.connect(), center, folder)
    message = str(caught.value)
    assert caught.value.hint, message
    assert not [nhc for nhc in NHCS if nhc in message], message
    return message


def _write(folder: Path, name: str, text: str, encoding: str) -> None:
    (folder / name).write_bytes(text.encode(encoding))


@pytest.mark.parametrize(
    ("bad_row", "problem"),
    [
        ("{nhc};XELJANZ;01/02/2020;01/03/2021;Remisión;sí\r\n", "a different number of fields"),
        ("{nhc},XELJANZ,01/02/2020,01/03/2021,Remisión\r\n", "a different number of fields"),
        ('{nhc};"XELJANZ 5 MG;01/02/2020;;\r\n', "a quoted field is not closed"),
    ],
    ids=["extra-field", "comma-delimited-row", "open-quote"],
)
def test_a_bad_row_deep_in_the_file_is_reported_at_its_line(
    tmp_path: Path, bad_row: str, problem: str
) -> None:
    center, folder = es_his_extract(tmp_path)
    _write(folder, "tratamientos.csv", _tratamientos(bad_row), "latin-1")
    message = _refused(center, folder)
    assert f"center valencia, file tratamientos.csv, row {BAD_LINE}" in message
    assert problem in message


def test_a_line_truncated_in_a_middle_field_is_reported(tmp_path: Path) -> None:
    center, folder = es_his_extract(tmp_path)
    text = _tratamientos(GOOD_ROW) + f"{NHCS[0]};XELJANZ 5 MG"
    _write(folder, "tratamientos.csv", text, "latin-1")
    message = _refused(center, folder)
    assert "file tratamientos.csv, row 5002: a line has a different number" in message


def test_a_line_truncated_in_its_last_date_is_set_aside_at_its_line(tmp_path: Path) -> None:
    """A date cut short no longer parses: a row rule sets that row aside (its share decides
    whether the extract is published), never echoing the identifier."""
    center, folder = es_his_extract(tmp_path)
    rows = "".join(f"{i:08d};Mujer;02/03/1954;\r\n" for i in range(2, BAD_LINE + 2))
    last = f"{NHCS[0]};Mujer;02/03/1954;23/0"
    _write(folder, "pacientes.csv", PACIENTES + rows + last, "latin-1")
    rejected = staged_rows(
        tmp_path, center, "select file, source_row, rule, detail from 'stg_rejected_rows.parquet'"
    )
    assert rejected == [
        ("pacientes.csv", 5002, "date_not_parseable", "FECHA_EXITUS (not a date, 4 characters)")
    ]


@pytest.mark.parametrize("encoding", ["latin-1", "cp1252"])
def test_a_file_not_in_utf8_is_refused_by_a_utf8_dialect(tmp_path: Path, encoding: str) -> None:
    center, folder = es_his_extract(tmp_path)
    center = dataclasses.replace(center, options={"encoding": "utf-8"})
    _write(
        folder,
        "tratamientos.csv",
        _tratamientos("{nhc};XELJANZ;01/02/2020;;Remisión\r\n"),
        encoding,
    )
    for name in ("pacientes.csv", "diagnosticos.csv"):
        _write(folder, name, (folder / name).read_bytes().decode("latin-1"), "utf-8")
    message = _refused(center, folder)
    assert "file tratamientos.csv, row 2: the file is not valid text in the expected encoding" in (
        message
    )


def test_a_windows_1252_file_is_refused_at_the_line_of_its_first_1252_character(
    tmp_path: Path,
) -> None:
    center, folder = es_his_extract(tmp_path)
    bad = "{nhc};XELJANZ;01/02/2020;01/03/2021;Decisión del paciente “voluntaria”\r\n"
    _write(folder, "tratamientos.csv", _tratamientos(bad), "cp1252")
    message = _refused(center, folder)
    assert f"file tratamientos.csv, row {BAD_LINE}: the file has Windows-1252 characters" in message


def test_a_utf8_file_with_curly_quotes_is_told_apart_from_windows_1252(tmp_path: Path) -> None:
    center, folder = es_his_extract(tmp_path)
    bad = "{nhc};XELJANZ;01/02/2020;01/03/2021;Decision del paciente “voluntaria”\r\n"
    _write(folder, "tratamientos.csv", _tratamientos(bad).replace("ó", "o"), "utf-8")
    message = _refused(center, folder)
    assert f"file tratamientos.csv, row {BAD_LINE}: the file looks like UTF-8" in message
    assert "set encoding: utf-8" in message


def test_a_utf8_file_read_as_latin1_is_refused_and_the_encoding_override_reads_it(
    tmp_path: Path,
) -> None:
    center, folder = es_his_extract(tmp_path, pacientes="00000002;Mujer;02/03/1954;\r\n")
    _write(folder, "tratamientos.csv", _tratamientos(GOOD_ROW), "utf-8")
    message = _refused(center, folder)
    assert "file tratamientos.csv, row 2, column MOTIVO_SUSPENSION: the text looks like UTF-8" in (
        message
    )
    for name in ("pacientes.csv", "diagnosticos.csv"):
        _write(folder, name, (folder / name).read_bytes().decode("latin-1"), "utf-8")
    fixed = dataclasses.replace(center, options={"encoding": "utf-8"})
    reasons = staged_rows(
        tmp_path, fixed, "select distinct stop_reason_class from 'stg_prescriptions.parquet'"
    )
    assert reasons == [("remission",)]


def test_an_encoding_duckdb_cannot_read_is_a_config_error(tmp_path: Path) -> None:
    center, folder = es_his_extract(tmp_path)
    center = dataclasses.replace(center, options={"encoding": "cp1252"})
    with pytest.raises(ConfigError, match=r"center valencia: encoding 'cp1252' cannot be read"):
        dialects.load_raw(duckdb.connect(), center, folder)


def test_a_comma_delimited_file_is_refused_and_the_delimiter_override_reads_it(
    tmp_path: Path,
) -> None:
    center, folder = es_his_extract(tmp_path)
    for name in ("pacientes.csv", "diagnosticos.csv"):
        _write(folder, name, (folder / name).read_bytes().decode().replace(";", ","), "latin-1")
    _write(folder, "tratamientos.csv", _tratamientos(GOOD_ROW).replace(";", ","), "latin-1")
    message = _refused(center, folder)
    assert "file pacientes.csv, row 1: missing column(s) NHC, SEXO" in message
    assert "the header has one column only: check the delimiter" in message
    fixed = dataclasses.replace(center, options={"delimiter": ","})
    assert dialects.load_raw(duckdb.connect(), fixed, folder)["tratamientos.csv"] == BAD_LINE


@pytest.mark.parametrize(
    ("header", "problem"),
    [
        ("NHC;MEDICAMENTO;FECHA_INICIO;FECHA_FIN\r\n", "missing column(s) MOTIVO_SUSPENSION"),
        (TRATAMIENTOS.replace("\r\n", ";SERVICIO\r\n"), "unexpected column(s) SERVICIO"),
        (TRATAMIENTOS.replace("FECHA_FIN", "FECHA_INICIO"), "repeated column(s) FECHA_INICIO"),
    ],
    ids=["missing", "extra", "repeated"],
)
def test_a_header_not_matching_the_dialect_names_the_columns(
    tmp_path: Path, header: str, problem: str
) -> None:
    center, folder = es_his_extract(tmp_path)
    _write(folder, "tratamientos.csv", header, "latin-1")
    message = _refused(center, folder)
    assert "file tratamientos.csv, row 1: " in message
    assert problem in message
    assert "expected exactly NHC, MEDICAMENTO, FECHA_INICIO, FECHA_FIN, MOTIVO_SUSPENSION" in (
        message
    )


def test_a_renamed_header_is_refused_and_the_renames_override_maps_it(tmp_path: Path) -> None:
    center, folder = es_his_extract(tmp_path)
    renamed = TRATAMIENTOS.replace("MOTIVO_SUSPENSION", "MOTIVO_FIN")
    _write(folder, "tratamientos.csv", renamed + GOOD_ROW.format(nhc="00000002"), "latin-1")
    message = _refused(center, folder)
    assert "missing column(s) MOTIVO_SUSPENSION; unexpected column(s) MOTIVO_FIN" in message
    assert "'renames'" in message
    fixed = dataclasses.replace(center, options={"renames": {"MOTIVO_FIN": "MOTIVO_SUSPENSION"}})
    assert staged_rows(
        tmp_path, fixed, "select stop_reason_class from 'stg_prescriptions.parquet'"
    ) == [("remission",)]


def test_an_empty_file_is_refused(tmp_path: Path) -> None:
    center, folder = es_his_extract(tmp_path)
    (folder / "diagnosticos.csv").write_bytes(b"")
    message = _refused(center, folder)
    assert "file " in message and "diagnosticos.csv, row 1: file is empty (no header)" in message


def test_mm_dd_dates_are_read_with_the_date_format_override(tmp_path: Path) -> None:
    center, _ = es_his_extract(tmp_path, tratamientos="00000002;XELJANZ;12/25/2020;;\r\n")
    assert staged_rows(
        tmp_path / "as-dialect", center, "select rule, detail from 'stg_rejected_rows.parquet'"
    ) == [("date_not_parseable", "FECHA_INICIO 12/25/2020")]
    fixed = dataclasses.replace(center, options={"date_format": "%m/%d/%Y"})
    starts = staged_rows(
        tmp_path, fixed, "select start_date::varchar from 'stg_prescriptions.parquet'"
    )
    assert starts == [("2020-12-25",)]


def test_a_missing_extract_json_is_refused(tmp_path: Path) -> None:
    center, folder = es_his_extract(tmp_path)
    (folder / "extract.json").unlink()
    message = _refused(center, folder)
    assert "extract.json: extract.json is missing" in message


def test_a_center_folder_with_no_extract_is_refused(tmp_path: Path) -> None:
    center, folder = es_his_extract(tmp_path)
    folder.rename(folder.with_name("latest"))
    with pytest.raises(CenterDataError, match=r"no extract folder \(named YYYY-MM-DD\)"):
        newest_extract(center)


def test_mixed_line_endings_are_reported_at_the_first_line_that_differs(tmp_path: Path) -> None:
    center, folder = es_his_extract(tmp_path)
    text = _tratamientos(GOOD_ROW).replace("\r\n", "\n", 1)
    _write(folder, "tratamientos.csv", text, "latin-1")
    message = _refused(center, folder)
    assert "file tratamientos.csv, row 2: the file mixes line endings (CR LF and LF)" in message
