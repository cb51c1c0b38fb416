"""Runs the plain-SQL models in `sql/` in the order their own `from`/`join` references imply.

A model is a file `sql/<layer>/.../<name>.sql` holding one `select`; it becomes the table
`<layer>.<name>`. References to other models are written schema-qualified
(`from intermediate.int_treatment_courses`), which is how the build order is derived: no hand-kept
list. Parameters reach a model as bound values (`$permissible_gap_days`), never pasted into SQL.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from graphlib import CycleError, TopologicalSorter
from pathlib import Path
from typing import Any

import duckdb

from tasks.registry import database

SQL_DIR = Path(__file__).resolve().parents[1] / "sql"
LAYERS = ("staging", "intermediate", "marts")
_REFERENCE = re.compile(r"\b(" + "|".join(LAYERS) + r")\.([a-z_][a-z0-9_]*)\b")
_PARAMETER = re.compile(r"\$([a-z_][a-z0-9_]*)")
_LINE_COMMENT = re.compile(r"--[^\n]*")


@dataclass(frozen=True)
class Model:
    layer: str
    name: str
    path: Path
    sql: str

    @property
    def table(self) -> str:
        return f"{self.layer}.{self.name}"

    @property
    def references(self) -> set[str]:
        return {f"{layer}.{name}" for layer, name in _REFERENCE.findall(self._code)} - {self.table}

    @property
    def parameters(self) -> set[str]:
        return set(_PARAMETER.findall(self._code))

    @property
    def _code(self) -> str:
        return _LINE_COMMENT.sub("", self.sql)


def discover(folders: list[Path]) -> list[Model]:
    """Models directly inside each folder (not its subfolders), layer taken from the path."""
    models = []
    for folder in folders:
        layer = folder.relative_to(SQL_DIR).parts[0]
        for path in sorted(folder.glob("*.sql")):
            models.append(Model(layer, path.stem, path, path.read_text(encoding="utf-8")))
    return models


def build_order(models: list[Model]) -> list[Model]:
    """Models sorted so each runs after the models it reads; tables outside the set are inputs."""
    by_table = {m.table: m for m in models}
    graph = {m.table: {r for r in m.references if r in by_table} for m in models}
    try:
        return [by_table[t] for t in TopologicalSorter(graph).static_order()]
    except CycleError as err:
        raise ValueError(f"SQL models reference each other in a cycle: {err.args[1]}") from err


def run_models(
    con: duckdb.DuckDBPyConnection,
    models: list[Model],
    parameters: dict[str, Any],
    keep: set[str] | None = None,
) -> dict[str, int]:
    """Materialise each model as a table; returns the row count of each. Given `keep`, every
    other model's table is dropped once the last model reading it has run, so that memory holds
    the steps in use only, not every step of the build."""
    counts = {}
    ordered = build_order(models)
    last_reader = {reference: model.table for model in ordered for reference in model.references}
    for model in ordered:
        _materialise(con, model, parameters)
        counts[model.table] = database.fetch_value(con, f"select count(*) from {model.table}")
        if keep is None:
            continue
        for done in [m for m in ordered if last_reader.get(m.table) == model.table]:
            if done.table not in keep:
                database.run(con, f"drop table {done.table}")
    return counts


def upstream_of(models: list[Model], tables: set[str]) -> list[Model]:
    """The models producing `tables` and every model they read, in the set given."""
    by_table = {m.table: m for m in models}
    wanted, pending = set(), [t for t in tables if t in by_table]
    while pending:
        table = pending.pop()
        if table not in wanted:
            wanted.add(table)
            pending += [r for r in by_table[table].references if r in by_table]
    return [m for m in models if m.table in wanted]


def rerun_changed_models(
    con: duckdb.DuckDBPyConnection,
    models: list[Model],
    parameters: dict[str, Any],
    built_with: dict[str, dict[str, Any]],
) -> list[str]:
    """Materialise only the models whose result can differ from the table already on `con`: those
    for which a parameter they or the models they read use has another value than when they
    were last built (`built_with`, updated here). Returns the tables rebuilt.

    Running a grid of protocols this way rebuilds, for a new next-treatment window, the models
    downstream of the window only, not the courses."""
    uses: dict[str, set[str]] = {}
    rebuilt = []
    for model in build_order(models):
        uses[model.table] = model.parameters.union(
            *(uses[reference] for reference in model.references if reference in uses)
        )
        values = {name: parameters.get(name) for name in sorted(uses[model.table])}
        if built_with.get(model.table) == values:
            continue
        _materialise(con, model, parameters)
        built_with[model.table] = values
        rebuilt.append(model.table)
    return rebuilt


def _materialise(con: duckdb.DuckDBPyConnection, model: Model, parameters: dict[str, Any]) -> None:
    missing = model.parameters - parameters.keys()
    if missing:
        raise ValueError(f"{model.path.name} uses unbound parameters {sorted(missing)}")
    database.run(con, f"create schema if not exists {model.layer}")
    database.run(
        con,
        f"create or replace table {model.table} as\n{model.sql}",
        {name: parameters[name] for name in model.parameters},
    )


def create_macros(con: duckdb.DuckDBPyConnection) -> None:
    """SQL macros shared by models (`sql/macros/*.sql`, each a `create or replace macro`)."""
    for path in sorted((SQL_DIR / "macros").glob("*.sql")):
        database.run(con, path.read_text(encoding="utf-8"))
