"""es_his_csv: a Spanish hospital information system export.

latin-1, semicolon, dd/mm/yyyy dates, Spanish headers and values (SEXO Mujer/Hombre, product
descriptions such as "XELJANZ 5 MG COMPRIMIDOS RECUBIERTOS CON PELICULA", Spanish stop reasons),
and the same extract.json as registry_csv. An empty FECHA_FIN is an open prescription.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from jakreg.config import Center
from tasks.extract.csv_files import CsvFile, CsvLayout, csv_reader_calls, load_csv_extract
from tasks.extract.reader_calls import ReaderCall

# The file each common staging table is read from (rows set aside are reported by file).
SOURCE_FILES = {
    "patients": "pacientes.csv",
    "prescriptions": "tratamientos.csv",
    "diagnoses": "diagnosticos.csv",
}

LAYOUT = CsvLayout(
    encoding="latin-1",
    delimiter=";",
    date_format="%d/%m/%Y",
    files=(
        CsvFile(
            "pacientes.csv",
            ("NHC", "SEXO", "FECHA_NACIMIENTO", "FECHA_EXITUS"),
            ("FECHA_NACIMIENTO", "FECHA_EXITUS"),
        ),
        CsvFile("diagnosticos.csv", ("NHC", "CIE10", "FECHA_DIAGNOSTICO"), ("FECHA_DIAGNOSTICO",)),
        CsvFile(
            "tratamientos.csv",
            ("NHC", "MEDICAMENTO", "FECHA_INICIO", "FECHA_FIN", "MOTIVO_SUSPENSION"),
            ("FECHA_INICIO", "FECHA_FIN"),
        ),
    ),
)

# The files holding rows of data, which row rules check (not the extract's metadata).
DATA_FILES = tuple(spec.name for spec in LAYOUT.files)


def load_raw(con: duckdb.DuckDBPyConnection, center: Center, extract_dir: Path) -> dict[str, int]:
    """raw.pacientes, raw.diagnosticos, raw.tratamientos and raw.extract (the data cut)."""
    return load_csv_extract(con, center, extract_dir, LAYOUT)


def reader_calls(center: Center, extract_dir: Path) -> list[ReaderCall]:
    return csv_reader_calls(center, extract_dir, LAYOUT)


def staging_parameters(center: Center) -> dict[str, str]:
    """Values the dialect's staging models bind (the center may override the date format)."""
    return LAYOUT.staging_parameters(center)
