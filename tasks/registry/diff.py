"""What changed between two versions of the registry: the night-to-night diff.

Per center: rows added, removed and changed in each mart (a mart's first column is its row id:
`course_id`, `failure_course_id`; a row is changed when any column common to both versions
differs), the extract each version holds, and the data-quality findings that are new or resolved
(`meta.run.centers[*].findings`, recorded by the run). Then each headline estimate (pooled
9-month retention of the next treatment, overall and per strategy) in both versions, and whether
the new one lies outside the old one's 95% CI. Counts are shown as every shared output shows them
(tasks/analysis/disclosure.py): 1 to `min_cell_count - 1` as `<min_cell_count`; a withheld
estimate stays withheld.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import polars as pl

from jakreg.config import Protocol
from tasks.analysis.disclosure import mask_count
from tasks.analysis.inputs import load_inputs
from tasks.analysis.retention import POOLED, retention_summary
from tasks.registry import database as db
from tasks.registry.build_center import mart_tables

HEADLINE_MONTHS = 9
HEADLINE_GROUPS = ("overall", "strategy")


@dataclass(frozen=True)
class MartChange:
    center: str
    mart: str
    added: int
    removed: int
    changed: int


@dataclass(frozen=True)
class Estimate:
    retention: float
    low: float
    high: float


@dataclass(frozen=True)
class EstimateChange:
    group: str
    old: Estimate | None  # None when the group was absent or its estimate withheld
    new: Estimate | None

    @property
    def beyond_ci(self) -> bool:
        """The new estimate lies outside the old one's 95% CI."""
        if self.old is None or self.new is None:
            return False
        return not self.old.low <= self.new.retention <= self.old.high


@dataclass
class RegistryDiff:
    old: str
    new: str
    marts: list[MartChange] = field(default_factory=list)
    extracts: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)
    new_findings: dict[str, list[str]] = field(default_factory=dict)
    resolved_findings: dict[str, list[str]] = field(default_factory=dict)
    estimates: list[EstimateChange] = field(default_factory=list)

    def lines(self, min_cell_count: int) -> list[str]:
        """The diff in words, one line per change (for the terminal and the artifact)."""
        lines = [f"Changes from {self.old} to {self.new}:"]
        changed_marts = [m for m in self.marts if m.added or m.removed or m.changed]
        for m in changed_marts:
            counts = ", ".join(
                f"{mask_count(n, min_cell_count)} {what}"
                for n, what in ((m.added, "added"), (m.removed, "removed"), (m.changed, "changed"))
            )
            lines.append(f"  center {m.center}, {m.mart}: {counts}")
        if not changed_marts:
            lines.append("  no rows added, removed or changed in any mart")
        for center, (old, new) in sorted(self.extracts.items()):
            lines.append(f"  center {center}: extract {old or 'none'} -> {new or 'none'}")
        for title, findings in (("new", self.new_findings), ("resolved", self.resolved_findings)):
            for center, found in sorted(findings.items()):
                lines += [f"  center {center}: {title} finding {finding}" for finding in found]
        for change in self.estimates:
            lines.append("  " + _estimate_line(change))
        return lines

    def markdown(self, min_cell_count: int) -> str:
        [title, *changes] = self.lines(min_cell_count)
        return "\n".join([f"# {title}", "", *(f"- {line.strip()}" for line in changes)]) + "\n"


def _estimate_line(change: EstimateChange) -> str:
    """`cycling: 9-month retention 53.0% -> 61.2%, beyond the earlier 95% CI (48.5–57.3%)`."""

    def shown(estimate: Estimate | None) -> str:
        return "withheld" if estimate is None else f"{estimate.retention:.1%}"

    line = f"{change.group}: {HEADLINE_MONTHS}-month retention {shown(change.old)} -> "
    line += shown(change.new)
    if change.old is None or change.new is None:
        return line
    where = "BEYOND" if change.beyond_ci else "within"
    ci = f"{100 * change.old.low:.1f}–{100 * change.old.high:.1f}%"
    return f"{line}, {where} the earlier 95% CI ({ci})"


def compare_registries(
    old: Path | None, new: Path, protocol: Protocol, names: tuple[str, str] | None = None
) -> RegistryDiff:
    """The diff from registry file `old` (None: nothing was published before) to `new`."""
    diff = compare_rows(old, new, names)
    before = headline_estimates(old, protocol) if old is not None else {}
    after = headline_estimates(new, protocol)
    diff.estimates = [
        EstimateChange(group, before.get(group), after.get(group))
        for group in dict.fromkeys([*before, *after])
    ]
    return diff


def compare_rows(old: Path | None, new: Path, names: tuple[str, str] | None = None) -> RegistryDiff:
    """The marts' rows, extracts and findings of `new` against `old` (no estimates)."""
    diff = RegistryDiff(*(names or (old.name if old else "nothing published", new.name)))
    with duckdb.connect() as con:
        db.run(con, f"attach '{new}' as new_registry (read_only)")
        if old is not None:
            db.run(con, f"attach '{old}' as old_registry (read_only)")
        for mart in mart_tables():
            diff.marts += _mart_changes(con, mart, old is not None)
        new_run = _meta(con, "new_registry")
        old_run = _meta(con, "old_registry") if old is not None else {}
    _compare_runs(diff, old_run, new_run)
    return diff


def _mart_changes(con: duckdb.DuckDBPyConnection, mart: str, has_old: bool) -> list[MartChange]:
    new_columns = _columns(con, "new_registry", mart)
    if not has_old:
        rows = db.fetch_all(
            con, f"select center_id, count(*) from new_registry.{mart} group by 1 order by 1"
        )
        return [MartChange(center, mart, added, 0, 0) for center, added in rows]
    old_columns = _columns(con, "old_registry", mart)
    key = new_columns[0]
    common = [c for c in new_columns if c in old_columns and c != key]
    row = ", ".join(f'"{c}"' for c in common)
    rows = db.fetch_all(
        con,
        f"""
        with new_rows as (select "{key}" as k, center_id, ({row}) as r from new_registry.{mart}),
        old_rows as (select "{key}" as k, center_id, ({row}) as r from old_registry.{mart})
        select
            coalesce(new_rows.center_id, old_rows.center_id) as center_id,
            count(*) filter (where old_rows.k is null) as added,
            count(*) filter (where new_rows.k is null) as removed,
            count(*) filter (where new_rows.r is distinct from old_rows.r) as changed
        from new_rows full outer join old_rows on new_rows.k = old_rows.k
        group by 1 order by 1
        """,
    )
    return [
        MartChange(center, mart, added, removed, changed - added - removed)
        for center, added, removed, changed in rows
    ]


def _columns(con: duckdb.DuckDBPyConnection, catalog: str, table: str) -> list[str]:
    schema, name = table.split(".")
    return [
        column
        for (column,) in db.fetch_all(
            con,
            "select column_name from information_schema.columns where table_catalog = $c "
            "and table_schema = $s and table_name = $t order by ordinal_position",
            {"c": catalog, "s": schema, "t": name},
        )
    ]


def _meta(con: duckdb.DuckDBPyConnection, catalog: str) -> dict[str, dict]:
    extracts, centers = db.fetch_all(con, f"select extracts, centers from {catalog}.meta.run")[0]
    return {"extracts": json.loads(extracts), "centers": json.loads(centers or "{}")}


def _compare_runs(diff: RegistryDiff, old_run: dict, new_run: dict) -> None:
    old_extracts, new_extracts = old_run.get("extracts", {}), new_run["extracts"]
    for center in sorted({*old_extracts, *new_extracts}):
        if old_extracts.get(center) != new_extracts.get(center):
            diff.extracts[center] = (old_extracts.get(center), new_extracts.get(center))
    old_centers, new_centers = old_run.get("centers", {}), new_run["centers"]
    for center in sorted({*old_centers, *new_centers}):
        before = set((old_centers.get(center) or {}).get("findings") or [])
        after = set((new_centers.get(center) or {}).get("findings") or [])
        if after - before:
            diff.new_findings[center] = sorted(after - before)
        if before - after:
            diff.resolved_findings[center] = sorted(before - after)


def headline_estimates(database: Path, protocol: Protocol) -> dict[str, Estimate]:
    """Pooled 9-month retention, overall and per strategy; withheld groups left out."""
    summary = retention_summary(load_inputs(database).next_treatments, protocol)
    return headline_from_summary(summary)


def headline_from_summary(summary: pl.DataFrame) -> dict[str, Estimate]:
    """The headline estimates of a retention summary (exact or shared: estimates are the same)."""
    prefix = f"m{HEADLINE_MONTHS}"
    rows = summary.filter(
        (pl.col("scope") == POOLED)
        & pl.col("group_by").is_in(HEADLINE_GROUPS)
        & ~pl.col("suppressed")
        & pl.col(f"{prefix}_retention").is_not_null()
    )
    return {
        row["group"]: Estimate(
            row[f"{prefix}_retention"], row[f"{prefix}_ci95_low"], row[f"{prefix}_ci95_high"]
        )
        for row in rows.to_dicts()
    }
