"""Engine settings: DuckDB limits split between concurrent centers, and the task runner choice."""

from __future__ import annotations

import pytest

from jakreg import settings
from jakreg.errors import ConfigError
from jakreg.settings import DuckDBSettings, RunnerSettings
from tasks.registry import database


def _limits(duckdb_settings: DuckDBSettings, alone: bool = False) -> tuple[str, str]:
    with duckdb_settings.connect(alone=alone) as con:
        [limits] = database.fetch_all(
            con, "select current_setting('memory_limit'), current_setting('threads')::varchar"
        )
    return limits


@pytest.fixture
def eight_gib_four_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(settings, "_memory_bytes", lambda: 8 * 2**30)
    monkeypatch.setattr(settings.os, "cpu_count", lambda: 4)


def test_concurrent_centers_split_half_the_memory_and_the_cores(eight_gib_four_cores) -> None:
    assert _limits(DuckDBSettings(concurrent_centers=2)) == ("2.0 GiB", "2")
    assert _limits(DuckDBSettings(concurrent_centers=8)) == ("512.0 MiB", "1")


def test_a_connection_working_alone_gets_the_whole_share(eight_gib_four_cores) -> None:
    assert _limits(DuckDBSettings(concurrent_centers=2), alone=True) == ("4.0 GiB", "4")


def test_limits_from_the_environment_apply_to_every_connection(
    eight_gib_four_cores, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JAKREG_DUCKDB_MEMORY_LIMIT", "1GB")
    monkeypatch.setenv("JAKREG_DUCKDB_THREADS", "3")
    monkeypatch.setenv("JAKREG_CONCURRENT_CENTERS", "2")
    configured = DuckDBSettings.from_environment()
    assert configured.concurrent_centers == 2
    assert _limits(configured) == _limits(configured, alone=True) == ("953.6 MiB", "3")


def test_centers_stage_one_per_core_by_default(eight_gib_four_cores) -> None:
    assert DuckDBSettings.from_environment().concurrent_centers == 4


def test_a_thread_count_that_is_not_a_positive_number_is_a_config_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("JAKREG_DUCKDB_THREADS", "0")
    with pytest.raises(ConfigError, match="JAKREG_DUCKDB_THREADS"):
        DuckDBSettings.from_environment()


def test_options_win_over_the_environment_for_the_task_runner(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("JAKREG_TASK_RUNNER", "dask")
    monkeypatch.setenv("JAKREG_DASK_ADDRESS", "tcp://scheduler:8786")
    assert RunnerSettings.from_environment() == RunnerSettings("dask", "tcp://scheduler:8786")
    assert RunnerSettings.from_environment(dask_address="tcp://other:8786").dask_address == (
        "tcp://other:8786"
    )


def test_an_unknown_task_runner_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="'processes' is not one of threads, dask"):
        RunnerSettings("processes")
