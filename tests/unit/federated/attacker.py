"""An attacker of bundles: the arithmetic a recipient can do to bring back a count under the
minimum (until the statistics issue's attacker lands in tasks/analysis, which will replace it).

It tries: counts shown as such; a section's total minus its shown items (descriptive table);
differences of successive attrition steps; the covariate margins against the life tables'
events; and the pooled outputs minus what the centers publish."""

from __future__ import annotations

import itertools
from pathlib import Path

import polars as pl

from tasks.federated.suppression import PARTITIONS, WITH_ALL_ROW


def recovered(folder: Path, small: int) -> list[str]:
    """Every count from 1 to small - 1 the attacker brings back from the bundle in `folder`."""
    found = []
    label = f"<{small}"

    def check(value: int, where: str) -> None:
        if 1 <= value < small:
            found.append(f"{folder.name}: {where} = {value}")

    life = pl.read_csv(folder / "life_tables.csv")
    for row in life.iter_rows(named=True):
        check(row["events"], f"life table {row['strategy']} from day {row['start_day']}")
    margins = pl.read_csv(folder / "event_margins.csv")
    compared = int(life.filter(pl.col("strategy").is_in(["cycling", "switching"]))["events"].sum())
    for (covariate,), levels in margins.group_by("covariate"):
        for row in levels.iter_rows(named=True):
            check(row["events"], f"{covariate} {row['level']}")
        check(compared - int(levels["events"].sum()), f"{covariate}: life tables minus levels")
    descriptive = pl.read_csv(folder / "descriptive.csv", infer_schema_length=0)
    for section in (*PARTITIONS, *WITH_ALL_ROW):
        rows = descriptive.filter(pl.col("section") == section)
        if rows.is_empty():
            continue
        items = rows.filter(pl.col("item") != "all")
        for column in ("n", "of") if section in WITH_ALL_ROW else ("n",):
            total = (
                rows.filter(pl.col("item") == "all")[column][0]
                if section in WITH_ALL_ROW
                else rows["of"][0]
            )
            values = items[column].to_list()
            hidden = [v for v in values if v in (label, None, "")]
            shown = sum(int(v) for v in values if v not in (label, None, ""))
            for v in values:
                if v not in (label, None, ""):
                    check(int(v), f"{section} {column}")
            if total in (label, None, ""):
                continue
            if len(hidden) == 1:
                check(int(total) - shown, f"{section} {column}: total minus the others")
            elif hidden and int(total) - shown < small:
                found.append(f"{folder.name}: {section} {column}: hidden cells sum under {small}")
    steps = [v for v in pl.read_csv(folder / "attrition.csv", infer_schema_length=0)["n"]]
    shown_steps = [int(v) for v in steps if v not in (label, None, "")]
    for value in shown_steps:
        check(value, "attrition step")
    for before, after in itertools.pairwise(shown_steps):
        check(before - after, "difference of attrition steps")
    return found
