"""Hand-built extracts in each dialect, and staging them with the real task to query the result."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

from jakreg.config import Center
from jakreg.omop_cdm import COLUMNS
from jakreg.settings import DuckDBSettings
from tasks.extract.stage_center import stage_center

RELEASE = "2026-10-31"
PACIENTES = "NHC;SEXO;FECHA_NACIMIENTO;FECHA_EXITUS\r\n"
DIAGNOSTICOS = "NHC;CIE10;FECHA_DIAGNOSTICO\r\n"
TRATAMIENTOS = "NHC;MEDICAMENTO;FECHA_INICIO;FECHA_FIN;MOTIVO_SUSPENSION\r\n"


def es_his_extract(
    root: Path, pacientes: str = "", diagnosticos: str = "", tratamientos: str = ""
) -> tuple[Center, Path]:
    """A valencia es_his_csv extract with the given data rows, written as latin-1."""
    folder = root / "landing" / "valencia" / "2026-11-01"
    folder.mkdir(parents=True)
    (folder / "pacientes.csv").write_text(PACIENTES + pacientes, encoding="latin-1")
    (folder / "diagnosticos.csv").write_text(DIAGNOSTICOS + diagnosticos, encoding="latin-1")
    (folder / "tratamientos.csv").write_text(TRATAMIENTOS + tratamientos, encoding="latin-1")
    (folder / "extract.json").write_text(
        json.dumps({"center": "valencia", "data_cut_date": "2026-10-31"})
    )
    return Center("valencia", "es_his_csv", folder.parent), folder


def omop_extract(root: Path, tables: dict[str, list[dict[str, str]]]) -> tuple[Center, Path]:
    """A madrid OMOP extract. A table given rows has the columns those rows name (CDM columns
    left out are optional); one not given is empty with all CDM columns. cdm_source holds the
    release date unless given."""
    folder = root / "landing" / "madrid" / "2026-11-01"
    folder.mkdir(parents=True)
    tables = {"cdm_source": [{"source_release_date": RELEASE}], **tables}
    for name, all_columns in COLUMNS.items():
        rows = tables.get(name, [])
        columns = list(dict.fromkeys(c for row in rows for c in row)) or list(all_columns)
        lines = ["\t".join(columns)] + ["\t".join(r.get(c, "") for c in columns) for r in rows]
        (folder / f"{name}.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return Center("madrid", "omop_csv", folder.parent), folder


def staged_rows(tmp_path: Path, center: Center, sql: str) -> list[tuple]:
    """Rows of `sql` over the staged files, named as 'stg_prescriptions.parquet' and so on."""
    staged = stage_center.fn(center, tmp_path / "work", DuckDBSettings())
    with duckdb.connect() as con:
        con.execute("set file_search_path = $folder", {"folder": str(staged.folder)})
        return con.sql(sql).fetchall()
