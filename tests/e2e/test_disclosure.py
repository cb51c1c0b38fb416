"""The attacker on the files a real run published: no `<5` cell may come back by arithmetic."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from flows.registry_refresh import registry_refresh
from jakreg.config import Protocol
from jakreg.simulate import simulate
from tasks.analysis.table_relations import read_shared_tables, recovered_from_published
from tests.conftest import TEST_KEY

pytestmark = pytest.mark.e2e


def test_no_masked_count_can_be_recovered_from_the_published_files(refreshed: dict) -> None:
    protocol = Protocol()
    frames = read_shared_tables(refreshed["root"] / "out" / "latest", protocol)

    assert recovered_from_published(frames, protocol) == {}


def test_a_run_of_many_small_groups_publishes_nothing_recoverable(
    tmp_path: Path, prefect_harness
) -> None:
    """Five small centers: most groups of most centers hold fewer than five courses."""
    protocol = Protocol()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("JAKREG_PSEUDONYM_KEY", TEST_KEY)
        summary = simulate(tmp_path / "cohort", patients=200, centers=5, seed=3)
        result = registry_refresh(summary.centers_file, tmp_path / "r.duckdb", tmp_path / "out")
    frames = read_shared_tables(result.run_folder, protocol)

    def shown_as(label: str) -> int:
        return sum(
            int((f[c].cast(pl.Utf8) == label).sum()) for f in frames.values() for c in f.columns
        )

    assert shown_as("<5") >= 100
    assert shown_as("masked") > 0
    assert recovered_from_published(frames, protocol) == {}
