"""The model runner: build order from references, bound parameters, one table per model."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from tasks import sql_models
from tasks.registry import database


def _model(layer: str, name: str, sql: str) -> sql_models.Model:
    return sql_models.Model(layer, name, Path(f"{name}.sql"), sql)


def test_models_run_after_the_models_they_read_whatever_the_file_order() -> None:
    models = [
        _model("marts", "c", "select * from intermediate.b"),
        _model("intermediate", "b", "select * from staging.a -- not intermediate.z"),
        _model("staging", "a", "select 1 as x"),
    ]
    order = [m.table for m in sql_models.build_order(models)]
    assert order == ["staging.a", "intermediate.b", "marts.c"]


def test_a_reference_inside_a_comment_is_not_a_dependency() -> None:
    model = _model("intermediate", "b", "-- reads marts.c later\nselect 1 as x")
    assert model.references == set()


def test_a_cycle_between_models_is_reported() -> None:
    models = [
        _model("intermediate", "a", "select * from intermediate.b"),
        _model("intermediate", "b", "select * from intermediate.a"),
    ]
    with pytest.raises(ValueError, match="cycle"):
        sql_models.build_order(models)


def test_parameters_are_bound_and_row_counts_returned() -> None:
    con = duckdb.connect()
    models = [_model("staging", "numbers", "select range as n from range($how_many)")]
    counts = sql_models.run_models(con, models, {"how_many": 7, "unused": 1})
    assert counts == {"staging.numbers": 7}
    assert database.fetch_value(con, "select max(n) from staging.numbers") == 6


def test_a_missing_parameter_names_the_model() -> None:
    con = duckdb.connect()
    models = [_model("staging", "numbers", "select $how_many as n")]
    with pytest.raises(ValueError, match=r"numbers\.sql uses unbound parameters \['how_many'\]"):
        sql_models.run_models(con, models, {})


def test_every_shipped_model_uses_only_known_parameters_and_layers() -> None:
    from jakreg.config import Protocol

    known = set(Protocol().sql_parameters()) | {"center_id", "extract_date", "date_format"}
    folders = [p.parent for p in sql_models.SQL_DIR.rglob("*.sql") if p.parent.name != "macros"]
    models = sql_models.discover(sorted(set(folders)))
    assert len(models) >= 15
    for model in models:
        assert model.parameters <= known, model.path
        assert model.layer in sql_models.LAYERS


def _chain() -> list[sql_models.Model]:
    return [
        _model("intermediate", "courses", "select $gap as gap"),
        _model("intermediate", "links", "select gap, $window as days from intermediate.courses"),
        _model("marts", "failures", "select gap, days from intermediate.links"),
        _model("marts", "paths", "select $depth as depth from intermediate.courses"),
    ]


def test_only_models_depending_on_a_changed_parameter_are_rebuilt() -> None:
    con = duckdb.connect()
    models = _chain()
    built_with: dict = {}
    first = sql_models.rerun_changed_models(
        con, models, {"gap": 1, "window": 5, "depth": 3}, built_with
    )
    new_window = sql_models.rerun_changed_models(
        con, models, {"gap": 1, "window": 6, "depth": 3}, built_with
    )
    new_gap = sql_models.rerun_changed_models(
        con, models, {"gap": 2, "window": 6, "depth": 3}, built_with
    )

    assert sorted(first) == [
        "intermediate.courses",
        "intermediate.links",
        "marts.failures",
        "marts.paths",
    ]
    assert new_window == ["intermediate.links", "marts.failures"]
    assert sorted(new_gap) == sorted(first)
    assert database.fetch_all(con, "select gap, days from marts.failures") == [(2, 6)]


def test_the_models_upstream_of_a_table_are_it_and_what_it_reads() -> None:
    needed = sql_models.upstream_of(_chain(), {"marts.failures"})
    assert [m.table for m in needed] == [
        "intermediate.courses",
        "intermediate.links",
        "marts.failures",
    ]


def test_steps_not_kept_are_dropped_once_their_last_reader_has_run() -> None:
    con = duckdb.connect()
    models = [
        _model("staging", "a", "select 1 as x"),
        _model("intermediate", "b", "select x + 1 as x from staging.a"),
        _model("intermediate", "c", "select x + 1 as x from intermediate.b"),
        _model("marts", "d", "select * from intermediate.c union all select * from staging.a"),
        _model("intermediate", "unread", "select 5 as x"),
    ]
    counts = sql_models.run_models(con, models, {}, keep={"marts.d"})
    assert counts == {f"{m.layer}.{m.name}": 1 for m in models} | {"marts.d": 2}
    tables = database.fetch_all(con, "select schema_name, table_name from duckdb_tables()")
    assert sorted(tables) == [("intermediate", "unread"), ("marts", "d")]
    assert database.fetch_all(con, "select x from marts.d order by x") == [(1,), (3,)]
