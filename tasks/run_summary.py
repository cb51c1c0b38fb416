"""The run summary: the one markdown artifact per run for the morning's data engineer.

The overall state in one line; links to the run's report and Data Docs; how long each stage took
(with rows in and out); per center the newest extract and what the run did with it, the quality
gate's result, how long the center took, rows read and rejected, unmapped drug, stop-reason or
diagnosis rows and the JAK-inhibitor courses and failures the published registry holds; rows set
aside per file and rule; how many drug and diagnosis rows each route mapped (by concept or by
source value); the reason for each center not refreshed; then the headline retention figures.
Counts from 1 to `min_cell_count - 1` are shown as `<min_cell_count`, as in every shared output.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import duckdb
from prefect import task
from prefect.artifacts import create_markdown_artifact

from jakreg.stage_timings import StageTiming

ARTIFACT_KEY = "registry-run-summary"
# Seconds come early: the UI hides the columns a table is too wide to show.
COLUMNS = (
    "center",
    "newest extract",
    "load",
    "in registry",
    "quality",
    "seconds",
    "rows read",
    "rows rejected",
    "unmapped rows",
    "JAKi courses",
    "JAKi failures",
)


def cohort_counts(database: Path) -> dict[str, tuple[int, int]]:
    """JAK-inhibitor courses and failures per center in the published registry."""
    if not database.exists():
        return {}
    with duckdb.connect(str(database), read_only=True) as con:
        rows = con.sql(
            "select center_id, count(*), count(*) filter (where failure) "
            "from marts.jaki_courses group by center_id"
        ).fetchall()
    return {center: (courses, failures) for center, courses, failures in rows}


def masked(count: int | None, min_cell_count: int) -> str:
    if count is None:
        return "–"
    return f"<{min_cell_count}" if 0 < count < min_cell_count else str(count)


def summary_markdown(
    state: str,
    message: str | None,
    version: str | None,
    centers: dict[str, dict[str, Any]],
    cohort: dict[str, tuple[int, int]],
    min_cell_count: int,
    stages: Sequence[StageTiming] = (),
    links: dict[str, Path] | None = None,
    headline: str | None = None,
) -> str:
    """The summary as markdown: the overall state first, links, stages, one row per center,
    problems, then `headline` (the report's figures, already masked)."""
    outcome = f"**{state}**" + (f": {message}" if message else "")
    published = f"registry version `{version}`" if version else "no registry published"
    lines = ["# Registry refresh", "", f"{outcome} — {published}.", ""]
    for name, path in (links or {}).items():
        lines.append(f"- {name}: [{path}]({path.resolve().as_uri()})")
    if stages:
        lines += ["", "| stage | seconds | rows in | rows out |", "|---|---:|---:|---:|"]
        lines += [
            f"| {s.stage} | {s.seconds:.1f} | {_rows(s.rows_in)} | {_rows(s.rows_out)} |"
            for s in stages
        ]
        lines.append("")
    lines += [
        "| " + " | ".join(COLUMNS) + " |",
        "|" + "---|" * len(COLUMNS),
    ]
    for center, info in sorted(centers.items()):
        courses, failures = cohort.get(center, (None, None))
        cells = [
            center,
            info.get("extract_date") or "none",
            info["load"],
            info.get("in_registry") or "left out",
            info.get("quality") or "–",
            "–" if info.get("seconds") is None else f"{info['seconds']:.1f}",
            masked(info.get("rows_read"), min_cell_count),
            masked(info.get("rows_rejected"), min_cell_count),
            masked(info.get("unmapped_rows"), min_cell_count),
            masked(courses, min_cell_count),
            masked(failures, min_cell_count),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    set_aside = [
        f"- **{center}** `{file}`: "
        + ", ".join(f"{rule} {masked(n, min_cell_count)}" for rule, n in sorted(rules.items()))
        for center, info in sorted(centers.items())
        for file, rules in sorted((info.get("rows_rejected_by_rule") or {}).items())
    ]
    if set_aside:
        lines += ["", "## Rows set aside by row rules (file: rule rows)", "", *set_aside]
    routes = [
        _route_line(c, i.get("mapping_routes") or {}, min_cell_count) for c, i in centers.items()
    ]
    if any(routes):
        lines += ["", "## Rows mapped, by route", ""]
        lines += sorted(line for line in routes if line)
    problems = [(c, i["error"]) for c, i in sorted(centers.items()) if i.get("error")]
    if problems:
        lines += ["", "## Centers not refreshed", ""]
        lines += [f"- **{center}**: {error}" for center, error in problems]
    if headline:
        lines += ["", headline]
    return "\n".join(lines) + "\n"


def _route_line(center: str, routes: dict[str, dict[str, int]], min_cell_count: int) -> str:
    """`- **madrid**: diagnosis concept_ancestor 40; drug concept_ancestor 93, source_value 41`,
    or "" when nothing of the center was mapped."""
    kinds = [
        f"{kind} " + ", ".join(f"{route} {masked(n, min_cell_count)}" for route, n in counts)
        for kind, counts in ((k, sorted(v.items())) for k, v in sorted(routes.items()))
        if counts
    ]
    return f"- **{center}**: " + "; ".join(kinds) if kinds else ""


def _rows(count: int | None) -> str:
    """A stage's row count: whole tables, not cells of people, so shown in full."""
    return "–" if count is None else f"{count:,}"


@task(name="run-summary")
def publish_run_summary(
    database: Path,
    state: str,
    message: str | None,
    version: str | None,
    centers: dict[str, dict[str, Any]],
    min_cell_count: int,
    stages: Sequence[StageTiming] = (),
    links: dict[str, Path] | None = None,
    headline: str | None = None,
) -> str:
    """Creates the run's summary artifact and returns its markdown."""
    cohort = cohort_counts(database)
    markdown = summary_markdown(
        state, message, version, centers, cohort, min_cell_count, stages, links, headline
    )
    create_markdown_artifact(
        key=ARTIFACT_KEY,
        markdown=markdown,
        description=f"The night's outcome ({state}): centers, stages, timings and headline "
        "retention, with links to the report and the data-quality Data Docs",
    )
    return markdown
