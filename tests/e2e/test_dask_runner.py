"""The flow on a local Dask cluster of separate worker processes builds the same marts as the
default thread pool; workers exchange staged data only as Parquet under the shared work folder."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from distributed import LocalCluster
from prefect.settings import PREFECT_API_URL

from flows.task_runners import configured_registry_refresh
from jakreg.settings import DuckDBSettings, RunnerSettings
from jakreg.simulate import simulate

pytestmark = pytest.mark.e2e

MARTS = ("advanced_therapy_courses", "jaki_courses", "jaki_failures")


@pytest.fixture(scope="module")
def dask_cluster(prefect_harness):
    """Two single-threaded worker processes. The harness sets the API URL only in this process's
    settings; workers learn it from the environment they start with, or each would start its own
    temporary Prefect server."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PREFECT_API_URL", PREFECT_API_URL.value())
        patch.setenv("JAKREG_PSEUDONYM_KEY", "test-key-not-secret-0123456789abcdef")
        with LocalCluster(
            processes=True, n_workers=2, threads_per_worker=1, dashboard_address=None
        ) as cluster:
            yield cluster


def _marts(database: Path) -> dict[str, list[tuple]]:
    with duckdb.connect(str(database), read_only=True) as con:
        return {mart: sorted(con.sql(f"select * from marts.{mart}").fetchall()) for mart in MARTS}


def test_a_dask_cluster_builds_the_same_marts_as_the_thread_pool(
    tmp_path: Path, dask_cluster: LocalCluster
) -> None:
    cohort = simulate(tmp_path / "cohort", patients=300, centers=2, seed=11)
    duckdb_settings = DuckDBSettings.from_environment()
    results = {}
    for runner in (RunnerSettings(), RunnerSettings("dask", dask_cluster.scheduler_address)):
        registry_refresh = configured_registry_refresh(runner, duckdb_settings)
        results[runner.kind] = registry_refresh(
            cohort.centers_file, tmp_path / runner.kind / "registry.duckdb", tmp_path / "out"
        )
    assert results["dask"].failed_centers == {}
    dask_marts = _marts(results["dask"].database)
    assert all(len(rows) > 20 for rows in dask_marts.values())
    assert dask_marts == _marts(results["threads"].database)
    staged = {p.parent.parent.name for p in (tmp_path / "dask").rglob("stg_prescriptions.parquet")}
    assert staged == {"valencia", "sagunto"}
