"""Engine settings that are not clinical: DuckDB resources and where working files go."""

from __future__ import annotations

import os
from dataclasses import dataclass

import duckdb

from jakreg.errors import ConfigError

# Share of the machine's memory all of a run's DuckDB connections may use together; the rest is
# left to Python, Prefect and the operating system's file cache (which the CSV reader relies on).
MEMORY_SHARE = 0.5


@dataclass(frozen=True)
class DuckDBSettings:
    """DuckDB's memory limit and threads per connection, and how many centers stage at once.

    Centers stage concurrently, each in its own DuckDB, so by default the connections split the
    machine between them: each gets `MEMORY_SHARE` of RAM and all cores divided by
    `concurrent_centers`, and the total stays bounded however many centers there are. The
    registry build runs alone afterwards and gets the whole share. The defaults are worked out
    where the connection opens (a Dask worker uses its own machine's size);
    JAKREG_DUCKDB_MEMORY_LIMIT (e.g. `2GB`) and JAKREG_DUCKDB_THREADS set them per connection
    instead, and JAKREG_CONCURRENT_CENTERS the number of centers staged at once (default: the
    number of cores).
    """

    memory_limit: str | None = None
    threads: int | None = None
    concurrent_centers: int = 1

    @classmethod
    def from_environment(cls) -> DuckDBSettings:
        return cls(
            os.environ.get("JAKREG_DUCKDB_MEMORY_LIMIT") or None,
            _positive_int("JAKREG_DUCKDB_THREADS"),
            _positive_int("JAKREG_CONCURRENT_CENTERS") or os.cpu_count() or 1,
        )

    def connect(self, database: str = ":memory:", alone: bool = False) -> duckdb.DuckDBPyConnection:
        """A connection with this run's limits; `alone` when no other connection works meanwhile
        (the registry build), so the default limits are not divided between centers."""
        sharing = 1 if alone else self.concurrent_centers
        memory_share = int(_memory_bytes() * MEMORY_SHARE) // sharing
        config = {
            "memory_limit": self.memory_limit or f"{memory_share}B",
            "threads": self.threads or max(1, (os.cpu_count() or 1) // sharing),
        }
        return duckdb.connect(database, config=config)


def _memory_bytes() -> int:
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")


def _positive_int(variable: str) -> int | None:
    value = os.environ.get(variable)
    if not value:
        return None
    if not value.isdigit() or int(value) < 1:
        raise ConfigError(f"{variable} must be a whole number of 1 or more, not {value!r}")
    return int(value)


TASK_RUNNERS = ("threads", "dask")


@dataclass(frozen=True)
class RunnerSettings:
    """Where per-center work runs: a thread pool in this process (default) or a Dask cluster.

    From JAKREG_TASK_RUNNER (`threads` or `dask`) and JAKREG_DASK_ADDRESS (the scheduler, e.g.
    `tcp://scheduler:8786`; without it a Dask run starts a local cluster of worker processes).
    """

    kind: str = "threads"
    dask_address: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in TASK_RUNNERS:
            raise ConfigError(
                f"task runner {self.kind!r} is not one of {', '.join(TASK_RUNNERS)} "
                "(JAKREG_TASK_RUNNER or --task-runner)"
            )
        if self.dask_address and self.kind != "dask":
            raise ConfigError("a Dask scheduler address is given but the task runner is not dask")

    @classmethod
    def from_environment(
        cls, kind: str | None = None, dask_address: str | None = None
    ) -> RunnerSettings:
        """Values given here (command-line options) win over the environment's."""
        return cls(
            kind or os.environ.get("JAKREG_TASK_RUNNER") or "threads",
            dask_address or os.environ.get("JAKREG_DASK_ADDRESS") or None,
        )
