"""A DuckDB data source for Great Expectations 1.24 that works over duckdb-engine.

GX's stock SQL data source fails on DuckDB with `MetricResolutionError: list index out of range`
(great_expectations issues 10738 and 11579): `SqlAlchemyExecutionEngine.execute_query` returns the
result after closing its connection, the close rolls the transaction back, and duckdb-engine
drops the pending result with it, so the caller's `fetchall()` finds no rows. This engine buffers
the rows (SQLAlchemy's public `Result.freeze()`) while the connection is still open; every metric
then runs as SQL inside DuckDB and only aggregates come back to Python.

SQLAlchemy's PostgreSQL reflection, which duckdb-engine inherits, queries `pg_collation`, which
DuckDB 2.0 does not have; GX then falls back to `select * from <table>` without the schema and
cannot find tables outside `main` (the registry's `marts.*`). This engine reads column names from
DuckDB's `information_schema` instead, and primary keys from `duckdb_constraints()`: the dialect's
query casts to `regclass`, which DuckDB lacks, so it failed after ~25 ms of catalog queries per
table and GX took the table to have none.

It keeps one DuckDB connection (SQLAlchemy's StaticPool: opening a DuckDB file costs more than
most metric queries) until `close()`; the gate closes it after each validation run, so no file
lock outlives it and the registry database can be renamed into place right after.

Importing this module registers the data source type `duckdb`
(`context.data_sources.add_duckdb(...)`); it must be imported before `gx.get_context()` reads a
configuration that mentions it.
"""

from __future__ import annotations

from typing import Any, Literal

import sqlalchemy as sa
from great_expectations.datasource.fluent import SQLDatasource
from great_expectations.execution_engine.sqlalchemy_execution_engine import (
    SqlAlchemyExecutionEngine,
)


class DuckDBExecutionEngine(SqlAlchemyExecutionEngine):
    """SqlAlchemyExecutionEngine whose query results are fetched before the connection closes."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("poolclass", sa.pool.StaticPool)
        super().__init__(*args, **kwargs)

    def execute_query(self, query: sa.Selectable) -> sa.CursorResult | sa.Result:  # type: ignore[override]
        with self.get_connection() as connection:
            result = self._execute_query_with_recovery(connection, query)
            if not result.returns_rows:
                return result
            return result.freeze()()

    def get_inspector(self) -> Any:
        if self._inspector is None:
            self._inspector = _ColumnInspector(super().get_inspector(), self.engine)
        return self._inspector


class _ColumnInspector:
    """The dialect's inspector, with columns and primary keys answered from DuckDB's catalog."""

    def __init__(self, inspector: sa.Inspector, engine: sa.Engine) -> None:
        self._inspector = inspector
        self._engine = engine

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inspector, name)

    def get_columns(self, table_name: str, schema: str | None = None, **_: Any) -> list[dict]:
        names = self._catalog(
            "select column_name from information_schema.columns "
            "where table_schema = :schema and table_name = :table order by ordinal_position",
            table_name,
            schema,
        )
        if not names:
            raise sa.exc.NoSuchTableError(f"{schema}.{table_name}")
        return [{"name": name} for (name,) in names]

    def get_pk_constraint(self, table_name: str, schema: str | None = None, **_: Any) -> dict:
        keys = self._catalog(
            "select constraint_column_names from duckdb_constraints() "
            "where database_name = current_database() and schema_name = :schema "
            "and table_name = :table and constraint_type = 'PRIMARY KEY'",
            table_name,
            schema,
        )
        return {"constrained_columns": list(keys[0][0]) if keys else [], "name": None}

    def _catalog(self, query: str, table_name: str, schema: str | None) -> list[sa.Row]:
        with self._engine.connect() as connection:
            return connection.execute(
                sa.text(query), {"schema": schema or "main", "table": str(table_name)}
            ).fetchall()


class DuckDBDatasource(SQLDatasource):
    """A DuckDB database file read through DuckDBExecutionEngine."""

    type: Literal["duckdb"] = "duckdb"  # type: ignore[assignment]

    @property
    def execution_engine_type(self) -> type[SqlAlchemyExecutionEngine]:
        return DuckDBExecutionEngine

    def test_connection(self, test_assets: bool = True) -> None:
        """GX's test, which probes each asset's table, in one connection closed afterwards."""
        try:
            super().test_connection(test_assets)
        finally:
            self.get_engine().dispose()

    def _create_engine(self) -> sa.Engine:
        # Used by test_connection() only: one connection for all its probes (opening a DuckDB
        # file costs ~25 ms, more than a probe), which it closes so that no lock outlives it.
        model = self.dict(
            exclude=self._get_exec_engine_excludes(), config_provider=self._config_provider
        )
        kwargs = dict(model.pop("kwargs", None) or {})
        kwargs.setdefault("poolclass", sa.pool.StaticPool)
        return sa.create_engine(model.pop("connection_string"), **kwargs)
