"""A dirty cohort in all four dialects, as real exports come, publishes the truth row by row.

The dirt (`jakreg.simulate.dirt`): end-before-start typos, exact duplicate rows, records after
the data cut, drugs outside rheumatology, stop reasons phrased in each center's language, an
empty OMOP death table. A correct pipeline sets the bad rows aside, ignores what is outside the
study and classifies the phrasings; then nothing of the dirt shows in a mart.
"""

from __future__ import annotations

import csv
from collections import Counter

import pytest

from flows.registry_refresh import registry_refresh
from jakreg.simulate import simulate
from tests.conftest import TEST_KEY
from tests.e2e.conftest import DIALECTS
from tests.e2e.truth_tables import MARTS, mart_rows, truth_rows

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def dirty_refresh(tmp_path_factory: pytest.TempPathFactory, prefect_harness) -> dict:
    root = tmp_path_factory.mktemp("dirty")
    summary = simulate(
        root / "cohort", patients=1500, centers=4, seed=8, dialects=DIALECTS, dirty=True
    )
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("JAKREG_PSEUDONYM_KEY", TEST_KEY)
        # A night with centers not refreshed still returns its result (state Partial).
        result = registry_refresh(summary.centers_file, root / "registry.duckdb", root / "out")
    return {"result": result, "truth": root / "cohort" / "truth"}


def test_every_dirty_center_publishes(dirty_refresh: dict) -> None:
    result = dirty_refresh["result"]
    assert result.failed_centers == {}
    assert sorted(result.staged_centers) == ["barcelona", "madrid", "sagunto", "valencia"]


@pytest.mark.parametrize(("mart", "truth_file", "truth_columns"), MARTS)
def test_dirty_cohort_marts_equal_the_truth_row_by_row(
    dirty_refresh: dict, mart: str, truth_file: str, truth_columns: tuple[str, ...]
) -> None:
    expected = truth_rows(dirty_refresh["truth"] / truth_file, truth_columns)
    assert len(expected) > 300
    assert mart_rows(dirty_refresh["result"].database, mart, truth_columns) == expected


def test_the_rows_set_aside_are_the_rows_of_dirt_planted(dirty_refresh: dict) -> None:
    rules = {"end_before_start": "end_before_start", "exact_duplicate": "duplicate_row"}
    rules["after_data_cut"] = "after_data_cut"
    with (dirty_refresh["truth"] / "dirt.csv").open(encoding="utf-8") as handle:
        planted = {
            (row["center_id"], rules[row["kind"]]): int(row["rows"])
            for row in csv.DictReader(handle)
            if row["kind"] in rules and int(row["rows"])
        }
    set_aside: Counter[tuple[str, str]] = Counter()
    for load in dirty_refresh["result"].loads:
        for per_rule in load.staged.rejected.values():
            for rule, rows in per_rule.items():
                set_aside[load.center_id, rule] += rows
    assert {rule for _, rule in planted} == set(rules.values())
    assert dict(set_aside) == planted
