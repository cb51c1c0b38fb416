"""The same simulated cohort, written once in each export dialect, yields identical marts.

Each dialect spells the cohort its own way (files, encodings, delimiters, date formats, Spanish
product descriptions, ATC codes, OMOP's closed-but-running exposures); once staged, nothing of
that may show: every mart row, every column, is the same as from registry_csv.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from jakreg.config import Protocol, load_centers
from jakreg.layout import RegistryLayout
from jakreg.settings import DuckDBSettings
from jakreg.simulate import simulate
from jakreg.simulate.writers import WRITERS
from tasks.extract.stage_center import stage_center
from tasks.registry.build import build_registry
from tasks.registry.build_center import build_center
from tests.conftest import TEST_KEY

pytestmark = pytest.mark.e2e
MARTS = ("advanced_therapy_courses", "jaki_courses", "jaki_failures")


def _marts(root: Path, dialect: str) -> dict[str, list[tuple]]:
    """Every row of every mart built from a one-center cohort written in the dialect."""
    summary = simulate(root / dialect, patients=800, centers=1, seed=5, dialects=(dialect,))
    [center] = load_centers(summary.centers_file).centers
    settings = DuckDBSettings()
    layout = RegistryLayout.for_database(root / dialect / "registry.duckdb")
    staged = stage_center.fn(center, layout.work_dir, settings)
    built = build_center.fn(staged, Protocol(), layout, settings)
    build = build_registry.fn(layout.database, [built], Protocol(), settings, "t", "", {})
    with duckdb.connect(str(build.building), read_only=True) as con:
        return {mart: sorted(con.table(f"marts.{mart}").fetchall()) for mart in MARTS}


@pytest.fixture(scope="module")
def registry_csv_marts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[tuple]]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("JAKREG_PSEUDONYM_KEY", TEST_KEY)
        return _marts(tmp_path_factory.mktemp("dialects"), "registry_csv")


@pytest.mark.parametrize("dialect", sorted(set(WRITERS) - {"registry_csv"}))
def test_each_dialect_yields_the_registry_csv_marts(
    tmp_path: Path, dialect: str, registry_csv_marts: dict[str, list[tuple]]
) -> None:
    assert len(registry_csv_marts["jaki_failures"]) > 100
    marts = _marts(tmp_path, dialect)
    for mart in MARTS:
        assert marts[mart] == registry_csv_marts[mart], mart
