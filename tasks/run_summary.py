"""The run summary: one markdown artifact per run, for the morning's data engineer.

Per center: the newest extract and what the run did with it, rows read and rejected, unmapped
drug or stop-reason rows, the quality gate's result, the JAK-inhibitor courses and failures the
published registry holds, and how long the center took; then the overall state in one line.
Counts from 1 to `min_cell_count - 1` are shown as `<min_cell_count`, as in every shared output.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
from prefect import task
from prefect.artifacts import create_markdown_artifact

from jakreg.time_limits import BOOKKEEPING_SECONDS

ARTIFACT_KEY = "registry-run-summary"
COLUMNS = (
    "center",
    "newest extract",
    "load",
    "in registry",
    "rows read",
    "rows rejected",
    "unmapped rows",
    "quality",
    "JAKi courses",
    "JAKi failures",
    "seconds",
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
) -> str:
    """The summary as markdown: the overall state first, then one table row per center."""
    headline = f"**{state}**" + (f": {message}" if message else "")
    published = f"registry version `{version}`" if version else "no registry published"
    lines = [
        "# Registry refresh",
        "",
        f"{headline} — {published}.",
        "",
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
            masked(info.get("rows_read"), min_cell_count),
            masked(info.get("rows_rejected"), min_cell_count),
            masked(info.get("unmapped_rows"), min_cell_count),
            info.get("quality") or "–",
            masked(courses, min_cell_count),
            masked(failures, min_cell_count),
            f"{info['seconds']:.1f}",
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
    problems = [(c, i["error"]) for c, i in sorted(centers.items()) if i.get("error")]
    if problems:
        lines += ["", "## Centers not refreshed", ""]
        lines += [f"- **{center}**: {error}" for center, error in problems]
    return "\n".join(lines) + "\n"


@task(name="run-summary", timeout_seconds=BOOKKEEPING_SECONDS)
def publish_run_summary(
    database: Path,
    state: str,
    message: str | None,
    version: str | None,
    centers: dict[str, dict[str, Any]],
    min_cell_count: int,
) -> str:
    """Creates the run's summary artifact and returns its markdown."""
    markdown = summary_markdown(
        state, message, version, centers, cohort_counts(database), min_cell_count
    )
    create_markdown_artifact(
        key=ARTIFACT_KEY, markdown=markdown, description=f"Registry refresh: {state}"
    )
    return markdown
