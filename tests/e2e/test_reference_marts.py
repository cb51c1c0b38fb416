"""The benchmark's peer, the plain DuckDB script (benchmarks/reference.py), publishes exactly
jakreg's marts for a registry_csv center: `make bench` compares the two, so they must agree."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from benchmarks.reference import build_marts, mart_differences
from jakreg.config import Protocol, load_centers
from tasks.extract.landing import newest_extract
from tests.conftest import TEST_KEY

pytestmark = pytest.mark.e2e


def _registry_csv_center(refreshed: dict):
    centers_file = refreshed["root"] / "cohort" / "centers.yaml"
    return next(c for c in load_centers(centers_file).centers if c.dialect == "registry_csv")


def test_reference_script_marts_equal_jakregs_row_by_row(refreshed: dict, tmp_path: Path):
    center = _registry_csv_center(refreshed)
    reference = tmp_path / "reference.duckdb"
    build_marts(newest_extract(center), center.id, reference, TEST_KEY.encode())
    registry = refreshed["root"] / "registry.duckdb"
    assert mart_differences(registry, reference, center.id) == {}


def test_mart_comparison_finds_a_reference_built_with_another_gap(refreshed: dict, tmp_path: Path):
    center = _registry_csv_center(refreshed)
    reference = tmp_path / "reference.duckdb"
    protocol = dataclasses.replace(Protocol(), permissible_gap_days=30)
    build_marts(newest_extract(center), center.id, reference, TEST_KEY.encode(), protocol)
    registry = refreshed["root"] / "registry.duckdb"
    assert set(mart_differences(registry, reference, center.id)) == {
        "advanced_therapy_courses",
        "jaki_courses",
        "jaki_failures",
    }
