"""A center's marts are built once per set of inputs and reused after
(tasks/registry/build_center.py)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from jakreg.config import Protocol
from jakreg.layout import RegistryLayout
from jakreg.settings import DuckDBSettings
from tasks import sql_models
from tasks.extract.stage_center import StagedExtract, stage_center
from tasks.registry import build_center as build_center_module
from tasks.registry.build_center import build_center
from tests.unit.extracts import es_his_extract

# One JAK-inhibitor course stopped for remission, then adalimumab from 20/05/2019, still open.
TRATAMIENTOS = (
    "000042;XELJANZ 5 MG COMPRIMIDOS RECUBIERTOS CON PELÍCULA;01/02/2018;13/05/2019;Remisión\r\n"
    "000042;HUMIRA 40 MG SOLUCIÓN INYECTABLE EN PLUMA PRECARGADA;20/05/2019;;\r\n"
)


@pytest.fixture
def staged(tmp_path: Path) -> tuple[StagedExtract, RegistryLayout]:
    center, _ = es_his_extract(
        tmp_path,
        pacientes="000042;Mujer;02/03/1954;\r\n",
        diagnosticos="000042;M06.9;12/07/2015\r\n",
        tratamientos=TRATAMIENTOS,
    )
    layout = RegistryLayout.for_database(tmp_path / "registry.duckdb")
    return stage_center.fn(center, layout.work_dir, DuckDBSettings()), layout


def _runs_of_models(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the times the models run."""
    runs: list[int] = []
    real = sql_models.run_models

    def counted(*args, **kwargs):
        runs.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(build_center_module.sql_models, "run_models", counted)
    return runs


def test_a_center_is_built_into_its_marts_as_parquet(staged) -> None:
    extract, layout = staged

    build = build_center.fn(extract, Protocol(), layout, DuckDBSettings())

    assert build.folder == layout.work_dir / "built" / "valencia"
    assert build.row_counts == {
        "marts.advanced_therapy_courses": 2,
        "marts.jaki_courses": 1,
        "marts.jaki_failure_sequences": 0,
        "marts.jaki_failures": 0,
    }
    with duckdb.connect() as con:
        courses = con.sql(
            "select ingredient, status from read_parquet($file) order by start_date",
            params={"file": str(build.parquet("marts.advanced_therapy_courses"))},
        ).fetchall()
    assert courses == [("tofacitinib", "discontinued"), ("adalimumab", "ongoing")]


def test_an_unchanged_center_is_not_built_again(staged, monkeypatch) -> None:
    extract, layout = staged
    first = build_center.fn(extract, Protocol(), layout, DuckDBSettings())
    runs = _runs_of_models(monkeypatch)

    again = build_center.fn(extract, Protocol(), layout, DuckDBSettings())

    assert runs == []
    assert again == first


def test_a_changed_protocol_builds_the_center_again(staged, monkeypatch) -> None:
    extract, layout = staged
    first = build_center.fn(extract, Protocol(), layout, DuckDBSettings())
    runs = _runs_of_models(monkeypatch)

    again = build_center.fn(extract, Protocol(permissible_gap_days=30), layout, DuckDBSettings())

    assert runs == [1]
    assert again.digest != first.digest
    assert not list(layout.built_dir.glob("*.partial"))
