"""The task runner a run uses for its per-center work, chosen by configuration.

With threads, at most `concurrent_centers` centers stage at once, the number DuckDB's default
limits are divided by. With Dask, each center stages on a cluster worker: workers read the landing
folders and write staged Parquet under the work folder, both on a path shared with this process,
and need no access to the registry database (docs/operations.md, "Scaling out with Dask").
"""

from __future__ import annotations

from prefect import Flow
from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner

from flows.registry_refresh import registry_refresh
from jakreg.settings import DuckDBSettings, RunnerSettings


def task_runner(runner: RunnerSettings, duckdb: DuckDBSettings) -> TaskRunner:
    if runner.kind == "dask":
        # Imported here: the Dask packages are only needed by runs that use them.
        from prefect_dask import DaskTaskRunner

        if runner.dask_address:
            return DaskTaskRunner(address=runner.dask_address)
        return DaskTaskRunner(cluster_kwargs={"processes": True})
    return ThreadPoolTaskRunner(max_workers=duckdb.concurrent_centers)


def configured_registry_refresh(runner: RunnerSettings, duckdb: DuckDBSettings) -> Flow:
    """The `registry-refresh` flow on the task runner the settings choose."""
    return registry_refresh.with_options(task_runner=task_runner(runner, duckdb))
