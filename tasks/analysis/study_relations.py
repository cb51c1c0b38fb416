"""The cells of the study tables (attrition, sequences, competing risks, baseline, sensitivity)
and what an attacker knows about them, for `tasks.analysis.table_relations`.

Each table names its count cells and its estimates (`study_table_cells`); `study_relations`
states what holds between them and the run's other tables whatever the data; `study_withheld`
lists the estimates a primary rule withholds. The protection itself is the registry's
(`tasks.analysis.tables.protect_tables`): one suppression over every table of the run.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import polars as pl

from jakreg.config import Protocol
from tasks.analysis.disclosure_attack import Relation, at_most, same, share_of, sums_to
from tasks.analysis.disclosure_control import TableCells
from tasks.analysis.retention import POOLED

ATTRITION = "attrition"
SEQUENCES = "sequences"
COMPETING_RISKS = "competing_risks"
BASELINE = "baseline"
SENSITIVITY = "sensitivity"
ARMS = ("cycling", "switching")
INCIDENCE_ESTIMATES = ("incidence", "ci95_low", "ci95_high")
PERCENT_DECIMALS = 1
# attrition steps whose rows are a subset of the step before (courses are not patients)
SUBSET_STEPS = ("failures", "next_treatments", "kaplan_meier", "cox")
ARROW = " → "
MEAN_SD = "mean (SD)"


def study_table_cells(protocol: Protocol) -> dict[str, TableCells]:
    months = protocol.retention_months
    return {
        ATTRITION: TableCells(ATTRITION, ("scope", "name"), ("n", "excluded"), {}),
        SEQUENCES: TableCells(
            SEQUENCES,
            ("scope", "path"),
            ("n", "ended_here"),
            {"percent": ("percent_of_failures",)},
        ),
        COMPETING_RISKS: TableCells(
            COMPETING_RISKS,
            ("scope", "strategy", "cause"),
            ("n", "events", *(f"m{m}_events" for m in months)),
            {f"m{m}": tuple(f"m{m}_{e}" for e in INCIDENCE_ESTIMATES) for m in months},
        ),
        BASELINE: TableCells(
            BASELINE,
            ("variable", "level"),
            tuple(f"{arm}_{c}" for arm in ARMS for c in ("n", "of")),
            {
                **{f"{arm}_percent": (f"{arm}_percent",) for arm in ARMS},
                **{f"{arm}_summary": (f"{arm}_summary",) for arm in ARMS},
                "smd": ("smd",),
            },
        ),
        SENSITIVITY: TableCells(
            SENSITIVITY,
            ("permissible_gap_days", "next_treatment_window_days", "failure_reasons"),
            ("failures", *(f"n_{arm}" for arm in ARMS)),
            {},
        ),
    }


def study_withheld(frames: dict[str, pl.DataFrame], protocol: Protocol) -> set:
    """Estimates never shown as exact values: an incidence resting on 1 to min − 1 events by its
    time; a baseline share whose count or whose arm's rest is that small, a mean (SD) of fewer
    than min values, an SMD from any of those (with the arm sizes it gives the counts back)."""
    cells = study_table_cells(protocol)

    def small(value: int | None) -> bool:
        return value is not None and 1 <= value < protocol.min_cell_count

    withheld = set()
    risks = cells[COMPETING_RISKS]
    for key, row in risks.rows(frames.get(COMPETING_RISKS, pl.DataFrame())):
        for m in protocol.retention_months:
            if small(row[f"m{m}_events"]) or small(row["n"]):
                withheld.add(risks.cell(key, f"m{m}"))
    baseline = cells[BASELINE]
    for key, row in baseline.rows(frames.get(BASELINE, pl.DataFrame())):
        revealing = False
        for arm in ARMS:
            n, of = row[f"{arm}_n"], row[f"{arm}_of"]
            if small(n) or small(of):
                withheld.add(baseline.cell(key, f"{arm}_percent"))
            if of < protocol.min_cell_count or n < protocol.min_cell_count:
                withheld.add(baseline.cell(key, f"{arm}_summary"))
            revealing |= small(n) or small(of - n) or of < protocol.min_cell_count
        if revealing:
            withheld.add(baseline.cell(key, "smd"))
    return withheld


def study_relations(
    frames: dict[str, pl.DataFrame], cells: dict[str, TableCells], protocol: Protocol
) -> Iterator[Relation]:
    """Every relation of the study tables present in `frames`, among themselves and with the
    run's retention, descriptive and Cox tables (cells named as `table_relations` names them)."""
    if ATTRITION in frames:
        yield from _attrition(frames[ATTRITION], frames.get("descriptive"), cells)
    if SEQUENCES in frames:
        yield from _sequences(frames[SEQUENCES], cells[SEQUENCES])
    if COMPETING_RISKS in frames:
        yield from _competing_risks(frames[COMPETING_RISKS], cells, protocol)
    if BASELINE in frames:
        yield from _baseline(frames[BASELINE], cells)
    if SENSITIVITY in frames:
        yield from _sensitivity(frames[SENSITIVITY], cells)


def _centers(keys: list[tuple]) -> list[str]:
    return [scope for scope in dict.fromkeys(key[0] for key in keys) if scope != POOLED]


def _attrition(
    frame: pl.DataFrame, descriptive_frame: pl.DataFrame | None, cells: dict[str, TableCells]
) -> Iterator[Relation]:
    """Each step selected from the one before loses `excluded`; the steps are the descriptive,
    retention and Cox tables' counts; the pooled scope is the sum of the centers."""
    t = cells[ATTRITION]
    sexes = {}  # the patients are the denominator of the descriptive table's sex section
    if descriptive_frame is not None:
        for scope, item in (
            descriptive_frame.filter(pl.col("section") == "sex").select("scope", "item").iter_rows()
        ):
            sexes.setdefault(scope, (scope, "sex", item))
    retention, descriptive, cox = cells["retention_summary"], cells["descriptive"], cells["cox"]
    keys = [key for key, _ in t.rows(frame)]
    steps = list(dict.fromkeys(key[1] for key in keys))
    for scope in dict.fromkeys(key[0] for key in keys):
        n = {step: t.cell((scope, step), "n") for step in steps}
        for before, step in itertools.pairwise(steps):
            if step in SUBSET_STEPS:
                excluded = t.cell((scope, step), "excluded")
                yield sums_to([n[step], excluded], n[before])
        every = (scope, "failures_by_drug", "all")
        yield same(n["jaki_courses"], descriptive.cell(every, "of"))
        yield same(n["failures"], descriptive.cell(every, "n"))
        yield at_most([n["patients"]], [n["jaki_courses"]])
        if scope in sexes:
            yield same(n["patients"], descriptive.cell(sexes[scope], "of"))
        yield same(n["kaplan_meier"], retention.cell((scope, "overall", "all"), "n"))
        no_next = descriptive.cell((scope, "strategy_after_failure", "none"), "n")
        yield sums_to([n["next_treatments"], no_next], n["failures"])
        if scope == POOLED:
            yield same(n["cox"], cox.cell(("switching vs cycling",), "n"))
    centers = _centers(keys)
    for key in keys:
        if key[0] == POOLED:
            for column in t.counts:
                parts = [t.cell((c, key[1]), column) for c in centers]
                yield sums_to(parts, t.cell(key, column))


def _sequences(frame: pl.DataFrame, t: TableCells) -> Iterator[Relation]:
    """A shown prefix's patients are those who ended there and those of its shown children;
    its share is of the scope's first failures (the root)."""
    rows = list(t.rows(frame))
    children: dict[tuple, list[tuple]] = {}
    for key, _ in rows:
        if ARROW in key[1]:
            children.setdefault((key[0], key[1].rsplit(ARROW, 1)[0]), []).append(key)
    for key, row in rows:
        parts = [t.cell(key, "ended_here"), *(t.cell(k, "n") for k in children.get(key, []))]
        yield sums_to(parts, t.cell(key, "n"))
        if row["percent_of_failures"] is not None:
            root = (key[0], key[1].split(ARROW)[0])
            yield from share_of(
                t.cell(key, "n"),
                t.cell(root, "n"),
                row["percent_of_failures"],
                PERCENT_DECIMALS,
                t.cell(key, "percent"),
            )


def _competing_risks(
    frame: pl.DataFrame, cells: dict[str, TableCells], protocol: Protocol
) -> Iterator[Relation]:
    """Per scope and strategy: every cause has the arm's n; stops for failure and for another
    reason are the retention's events (by each time too); counts grow with time; the pooled
    scope is the sum of the centers."""
    t, retention = cells[COMPETING_RISKS], cells["retention_summary"]
    keys = [key for key, _ in t.rows(frame)]
    months = protocol.retention_months
    for scope, strategy in dict.fromkeys(key[:2] for key in keys):
        causes = [key for key in keys if key[:2] == (scope, strategy)]
        group = (scope, "strategy", strategy)
        n = retention.cell(group, "n")
        stops = [k for k in causes if k[2] in ("failure", "other_stop")]
        for column in ("events", *(f"m{m}_events" for m in months)):
            yield sums_to([t.cell(k, column) for k in stops], retention.cell(group, column))
            yield at_most([t.cell(k, column) for k in causes], [n])
        for key in causes:
            yield same(t.cell(key, "n"), n)
            previous = None
            for m in months:
                by_then = t.cell(key, f"m{m}_events")
                yield at_most([by_then], [t.cell(key, "events")])
                if previous:
                    yield at_most([previous], [by_then])
                previous = by_then
    centers = _centers(keys)
    for key in keys:
        if key[0] == POOLED:
            for column in t.counts:
                parts = [t.cell((c, *key[1:]), column) for c in centers]
                yield sums_to(parts, t.cell(key, column))


def _baseline(frame: pl.DataFrame, cells: dict[str, TableCells]) -> Iterator[Relation]:
    """Each arm: its levels add up to its failures; a share is of the arm; the arm is the
    descriptive table's pooled count of that strategy."""
    t, descriptive = cells[BASELINE], cells["descriptive"]
    rows = list(t.rows(frame))
    size = rows[0][0]  # the first row: the arms' failures
    for arm in ARMS:
        total = t.cell(size, f"{arm}_n")
        yield same(t.cell(size, f"{arm}_of"), total)
        yield same(total, descriptive.cell((POOLED, "strategy_after_failure", arm), "n"))
        by_variable: dict[str, list[tuple]] = {}
        for key, row in rows[1:]:
            yield same(t.cell(key, f"{arm}_of"), total)
            yield at_most([t.cell(key, f"{arm}_n")], [total])
            if key[1] != MEAN_SD:
                by_variable.setdefault(key[0], []).append(key)
            if row[f"{arm}_percent"] is not None:
                yield from share_of(
                    t.cell(key, f"{arm}_n"),
                    total,
                    row[f"{arm}_percent"],
                    PERCENT_DECIMALS,
                    t.cell(key, f"{arm}_percent"),
                )
        for levels in by_variable.values():
            yield sums_to([t.cell(k, f"{arm}_n") for k in levels], total)


def _sensitivity(frame: pl.DataFrame, cells: dict[str, TableCells]) -> Iterator[Relation]:
    """The failures do not depend on the window and a longer window keeps every next treatment
    of a shorter one; the run's own cell is the run's pooled counts."""
    t, retention, descriptive = cells[SENSITIVITY], cells["retention_summary"], cells["descriptive"]
    rows = list(t.rows(frame))
    by_window: dict[tuple, list[tuple]] = {}
    for key, row in rows:
        by_window.setdefault((key[0], key[2]), []).append(key)
        if row["is_run_protocol"] in (True, "true"):  # as computed, or read back from its CSV
            every = (POOLED, "failures_by_drug", "all")
            yield same(t.cell(key, "failures"), descriptive.cell(every, "n"))
            for arm in ARMS:
                group = (POOLED, "strategy", arm)
                yield same(t.cell(key, f"n_{arm}"), retention.cell(group, "n"))
    for keys in by_window.values():
        ordered = sorted(keys, key=lambda key: int(key[1]))
        for shorter, longer in itertools.pairwise(ordered):
            yield same(t.cell(shorter, "failures"), t.cell(longer, "failures"))
            for arm in ARMS:
                yield at_most([t.cell(shorter, f"n_{arm}")], [t.cell(longer, f"n_{arm}")])
