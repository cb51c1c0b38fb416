"""Engine settings that are not clinical: DuckDB resources and where working files go."""

from __future__ import annotations

import os
from dataclasses import dataclass

import duckdb


@dataclass(frozen=True)
class DuckDBSettings:
    """DuckDB's memory limit and threads per connection, from JAKREG_DUCKDB_MEMORY_LIMIT and
    JAKREG_DUCKDB_THREADS; by default DuckDB's own (80% of RAM, one thread per core)."""

    memory_limit: str | None = None
    threads: int | None = None

    @classmethod
    def from_environment(cls) -> DuckDBSettings:
        threads = os.environ.get("JAKREG_DUCKDB_THREADS")
        return cls(
            os.environ.get("JAKREG_DUCKDB_MEMORY_LIMIT") or None, int(threads) if threads else None
        )

    def connect(self, database: str = ":memory:") -> duckdb.DuckDBPyConnection:
        config = {}
        if self.memory_limit:
            config["memory_limit"] = self.memory_limit
        if self.threads:
            config["threads"] = self.threads
        return duckdb.connect(database, config=config)
