"""The benchmark's floor reads every file of each center's newest extract as its reader does."""

from __future__ import annotations

from pathlib import Path

import duckdb

from benchmarks.floor import measure_floor
from jakreg.config import DIALECTS, load_centers
from jakreg.settings import DuckDBSettings
from jakreg.simulate import simulate
from tasks.extract import dialects
from tasks.extract.landing import newest_extract


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_floor_counts_the_rows_of_every_file_of_the_newest_extract(tmp_path: Path) -> None:
    _write(
        tmp_path / "centers.yaml",
        "centers:\n  - {id: valencia, dialect: registry_csv, landing: landing/valencia}\n",
    )
    old = tmp_path / "landing" / "valencia" / "2026-01-01"
    new = tmp_path / "landing" / "valencia" / "2026-02-01"
    _write(old / "patients.csv", "patient_id,sex,birth_date,death_date\n1,F,1960-01-01,\n")
    _write(new / "patients.csv", "patient_id,sex,birth_date,death_date\n1,F,1960-01-01,\n2,M,,\n")
    _write(new / "diagnoses.csv", "patient_id,icd10,diagnosis_date\n")
    _write(
        new / "prescriptions.csv",
        "patient_id,drug,start_date,end_date,stop_reason\n"
        '1,"XELJANZ 5 MG, COMPRIMIDOS",2020-01-01,,\n'
        "1,metotrexato,2019-01-01,2019-06-01,Ineficacia\n"
        "2,HUMIRA,2021-01-01,,\n",
    )
    floor = measure_floor(tmp_path / "centers.yaml", DuckDBSettings())
    rows = {(f.center_id, f.file): f.rows for f in floor}
    assert rows == {
        ("valencia", "patients.csv"): 2,
        ("valencia", "diagnoses.csv"): 0,
        ("valencia", "prescriptions.csv"): 3,
    }
    assert all(f.seconds >= 0 and f.read_seconds >= 0 for f in floor)


def test_floor_reads_as_many_rows_as_each_dialect_loads(tmp_path: Path) -> None:
    cohort = simulate(tmp_path, patients=120, centers=4, seed=5, dialects=DIALECTS)
    floor = measure_floor(cohort.centers_file, DuckDBSettings())
    loaded = {}
    for center in load_centers(cohort.centers_file).centers:
        with duckdb.connect() as con:
            rows = dialects.load_raw(con, center, newest_extract(center))
        loaded.update({(center.id, file): n for file, n in rows.items()})
    assert {c.dialect for c in load_centers(cohort.centers_file).centers} == set(DIALECTS)
    assert {(f.center_id, f.file): f.rows for f in floor} == loaded
