"""Issue 13's attacker recovers no count under the minimum from any bundle, alone or together
with the other bundles and the run's published tables."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from jakreg.config import Protocol
from tasks.analysis.table_relations import DESCRIPTIVE
from tasks.analysis.tables import protect_tables
from tasks.federated.aggregates import center_aggregates
from tasks.federated.bundle import write_bundle
from tasks.federated.bundle_relations import (
    ATTRITION,
    COURSES,
    EVENT_MARGINS,
    LIFE_TABLES,
    PATIENTS,
    bundle_cells,
    bundle_relations,
    protect_bundle,
)
from tests.unit.federated.bundles import attack
from tests.unit.federated.cohorts import next_treatments


def _descriptive(center: str, sex_m: int, pregnancy: int) -> pl.DataFrame:
    """A small center's descriptive table: few men, few pregnancies."""
    n = [30, 12, 18 - pregnancy, pregnancy, 60 - sex_m, sex_m]
    return pl.DataFrame(
        {
            "scope": center,
            "section": ["stop_reason"] * 4 + ["sex"] * 2,
            "item": ["adverse_event", "remission", "other", "pregnancy", "F", "M"],
            "n": n,
            "of": [60] * 6,
            "percent": [round(100 * k / 60, 1) for k in n],
            "summary": [None] * 6,
        }
    )


def _bundle(folder: Path, center: str, sex_m: int, seed: int, protect: bool = True) -> Path:
    protocol = Protocol()
    # A small center: few courses, so intervals merge, covariates drop and groups are small.
    aggregates = center_aggregates(next_treatments(center, 60, seed=seed), protocol)
    descriptive = _descriptive(center, sex_m, 3)
    attrition = pl.DataFrame({"step": [PATIENTS, COURSES], "n": [60, 63]})
    if protect:
        descriptive, attrition = protect_bundle(
            center, descriptive, attrition, aggregates, protocol
        )
    else:  # the small counts masked alone, as a naive export would
        descriptive = descriptive.with_columns(
            pl.when(pl.col("n") < 5)
            .then(pl.lit("<5"))
            .otherwise(pl.col("n").cast(pl.Utf8))
            .alias("n"),
            pl.col("of").cast(pl.Utf8),
        )
        attrition = attrition.with_columns(pl.col("n").cast(pl.Utf8))
    write_bundle(folder / center, center, protocol, "passed", aggregates, descriptive, attrition)
    return folder / center


def test_a_naive_bundle_gives_its_small_counts_back(tmp_path: Path) -> None:
    leaky = _bundle(tmp_path, "tiny", sex_m=3, seed=11, protect=False)

    found = attack([leaky])

    assert found == {  # 60 patients − 57 women; 60 stops − 30 − 12 − 15
        (DESCRIPTIVE, ("tiny", "sex", "M"), "n"): 3,
        (DESCRIPTIVE, ("tiny", "stop_reason", "pregnancy"), "n"): 3,
    }


def test_every_bundle_relation_holds_on_the_exact_tables() -> None:
    """The attacker's facts about bundles are true: otherwise it would 'recover' wrong values."""
    protocol = Protocol()
    rows = next_treatments("tiny", 60, seed=11)
    aggregates = center_aggregates(rows, protocol)
    frames = {
        DESCRIPTIVE: _descriptive("tiny", 3, 3),
        ATTRITION: pl.DataFrame({"step": [PATIENTS, COURSES], "n": [60, 63]}),
        LIFE_TABLES: aggregates.life_tables,
        EVENT_MARGINS: aggregates.event_margins,
    }
    cells = bundle_cells("tiny", protocol)
    counts = {c: v for name, f in frames.items() for c, v in cells[name].counts_of(f).items()}

    for relation in bundle_relations(frames, "tiny", protocol):
        value = sum(k * counts.get(cell, 0) for cell, k in relation.terms)
        assert relation.lower - 1e-9 <= value <= relation.upper + 1e-9, relation


def test_small_center_bundles_give_nothing_back_alone_or_together(tmp_path: Path) -> None:
    first = _bundle(tmp_path, "tiny", sex_m=3, seed=11)
    second = _bundle(tmp_path, "small", sex_m=4, seed=12)
    protocol = Protocol()
    run = protect_tables({DESCRIPTIVE: _descriptive("valencia", 2, 4)}, protocol)

    assert attack([first]) == {}
    assert attack([second]) == {}
    assert attack([first, second], run) == {}
    assert "<5" in (first / "descriptive.csv").read_text(encoding="utf-8")
