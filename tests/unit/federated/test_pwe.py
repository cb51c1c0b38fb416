"""The piecewise-exponential model fitted from aggregates equals the fit on the full table of
events (tasks/federated/pwe.py)."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest
import statsmodels.api as sm

from jakreg.config import Protocol
from tasks.federated.aggregates import center_aggregates
from tasks.federated.pwe import pooled_hazard_ratios
from tests.unit.federated.cohorts import next_treatments

PROTOCOL = Protocol()


def aggregates_of(centers: dict[str, pl.DataFrame]) -> dict[str, pl.DataFrame]:
    tables: dict[str, list[pl.DataFrame]] = {
        "life_tables": [],
        "person_time": [],
        "event_margins": [],
    }
    for center, rows in centers.items():
        aggregates = center_aggregates(rows, PROTOCOL)
        for name, frames in tables.items():
            frames.append(getattr(aggregates, name).with_columns(pl.lit(center).alias("center_id")))
    return {name: pl.concat(frames) for name, frames in tables.items()}


def full_table_switching_hr(centers: dict[str, pl.DataFrame], life_tables: pl.DataFrame) -> float:
    """The same model on the event count of every cell, written out independently."""
    intervals = life_tables.filter(pl.col("strategy") == "cycling").select(
        "center_id", "start_day", pl.col("end_day").fill_null(math.inf)
    )
    rows = pl.concat(centers.values()).with_columns(
        pl.col("retention_days").cast(pl.Float64),
        pl.when(pl.col("age_at_start") < 45)
        .then(pl.lit("a"))
        .when(pl.col("age_at_start") < 60)
        .then(pl.lit("b"))
        .when(pl.col("age_at_start") < 75)
        .then(pl.lit("c"))
        .otherwise(pl.lit("d"))
        .alias("age"),
        pl.when(pl.col("prior_advanced_lines") < 2)
        .then(pl.lit("a"))
        .when(pl.col("prior_advanced_lines") < 4)
        .then(pl.lit("b"))
        .otherwise(pl.lit("c"))
        .alias("lines"),
    )
    cells = (
        rows.join(intervals, on="center_id")
        .filter(pl.col("retention_days") >= pl.col("start_day"))
        .with_columns(
            (pl.col("retention_event") & (pl.col("retention_days") < pl.col("end_day")))
            .cast(pl.Int64)
            .alias("event"),
            (pl.min_horizontal("retention_days", "end_day") - pl.col("start_day")).alias(
                "exposure"
            ),
            (pl.col("center_id") + ":" + pl.col("start_day").cast(pl.Utf8)).alias("stratum"),
            (pl.col("strategy") == "switching").cast(pl.Int8).alias("switching"),
            (pl.col("sex") == "M").cast(pl.Int8).alias("male"),
        )
        .group_by("stratum", "switching", "male", "age", "indication", "lines")
        .agg(pl.col("event").sum(), pl.col("exposure").sum())
        .filter(pl.col("exposure") > 0)
        .sort("stratum", "switching", "male", "age", "indication", "lines")
    )
    design = (
        pl.concat(
            [
                cells.select("stratum").to_dummies(),
                cells.select("switching", "male"),
                cells.select("age", "indication", "lines").to_dummies(drop_first=True),
            ],
            how="horizontal",
        )
        .to_pandas()
        .astype(float)
    )
    fit = sm.GLM(
        cells["event"].to_numpy(),
        design,
        family=sm.families.Poisson(),
        offset=np.log(cells["exposure"].to_numpy()),
    ).fit()
    return math.exp(fit.params["switching"])


def test_the_fit_from_aggregates_is_the_fit_on_every_cell():
    centers = {"a": next_treatments("a", 400, seed=1), "b": next_treatments("b", 250, seed=2)}
    tables = aggregates_of(centers)
    result = pooled_hazard_ratios(
        tables["life_tables"], tables["person_time"], tables["event_margins"]
    )
    switching = result.filter(pl.col("term") == "switching vs cycling").row(0, named=True)
    expected = full_table_switching_hr(centers, tables["life_tables"])
    # Person-days are whole days in a bundle; the full table here is exact.
    assert switching["hazard_ratio"] == pytest.approx(expected, abs=0.002)
    assert switching["ci95_low"] < switching["hazard_ratio"] < switching["ci95_high"]


def test_the_pooled_hazard_ratio_finds_the_simulated_one():
    centers = {c: next_treatments(c, 1000, seed=i) for i, c in enumerate(("a", "b", "c"))}
    tables = aggregates_of(centers)
    result = pooled_hazard_ratios(
        tables["life_tables"], tables["person_time"], tables["event_margins"]
    )
    switching = result.filter(pl.col("term") == "switching vs cycling").row(0, named=True)
    assert switching["ci95_low"] < 0.7 < switching["ci95_high"]
    assert switching["hazard_ratio"] == pytest.approx(0.7, abs=0.08)


def test_a_level_without_events_is_left_out_and_the_rest_is_estimated():
    rows = next_treatments("a", 600, seed=3).with_columns(
        (pl.col("retention_event") & (pl.col("indication") != "axSpA")).alias("retention_event")
    )
    tables = aggregates_of({"a": rows})
    assert tables["event_margins"].filter(pl.col("level") == "axSpA")["events"].to_list() == [0]
    result = pooled_hazard_ratios(
        tables["life_tables"], tables["person_time"], tables["event_margins"]
    )
    assert "indication PsA vs RA" in result["term"].to_list()
    assert not any("axSpA" in term for term in result["term"].to_list())
    switching = result.filter(pl.col("term") == "switching vs cycling")["hazard_ratio"][0]
    assert 0.5 < switching < 0.95
