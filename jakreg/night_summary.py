"""What `jakreg run` prints when the night is over: where things are and the headline, in words.

Fits an 80-column terminal: one line per output, the marts' sizes in one line, then the pooled
9-month retention of the next treatment per strategy as a percentage with its 95% CI (from the
shared table, so small cells are masked and small groups' estimates withheld, as in the report).
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

# The marts the closing lines count: the study's three (the others, such as the sequences, are
# in the report and the registry; the line stays within 80 columns).
MART_NAMES = {
    "marts.advanced_therapy_courses": "advanced-therapy courses",
    "marts.jaki_courses": "JAK-inhibitor courses",
    "marts.jaki_failures": "failures",
}
HEADLINE = "m9"


def night_lines(result: object, out_dir: Path) -> list[str]:
    """The closing lines for a `RefreshResult` (flows/registry_refresh.py)."""
    lines = []
    if result.nothing_new:
        lines.append("nothing new since the published run: the registry and outputs below stand")
    lines += [
        f"registry: {result.database} (version {result.version})",
        f"report:   {result.run_folder / 'report.html'}",
        f"          (also {Path(out_dir) / 'latest' / 'report.html'})",
        f"quality:  {result.data_docs}",
        "marts:    "
        + ", ".join(
            f"{result.mart_rows[table]:,} {name}"
            for table, name in MART_NAMES.items()
            if table in result.mart_rows
        ),
    ]
    return lines + headline_lines(result.run_folder / "retention_summary.csv")


def headline_lines(summary_path: Path) -> list[str]:
    """Pooled 9-month retention, overall and by strategy: `  cycling  518 courses  53.0% (...)`."""
    summary = pl.read_csv(summary_path, infer_schema_length=0)
    pooled = summary.filter(
        (pl.col("scope") == "pooled") & pl.col("group_by").is_in(["overall", "strategy"])
    )
    lines = [
        "",
        "Still on the next treatment 9 months after a JAK-inhibitor failure",
        "(pooled, Kaplan–Meier, 95% CI):",
    ]
    for row in pooled.to_dicts():
        if row["suppressed"] == "true" or row[f"{HEADLINE}_retention"] in (None, ""):
            estimate = "withheld (too few courses)"
        else:
            low, high = (float(row[f"{HEADLINE}_ci95_{end}"]) for end in ("low", "high"))
            estimate = (
                f"{_percent(row[f'{HEADLINE}_retention'])} ({_percent(low)}–{_percent(high)})"
            )
        lines.append(f"  {row['group']:<12} {row['n']:>6} courses   {estimate}")
    return lines


def _percent(value: str | float) -> str:
    return f"{100 * float(value):.1f}%"


def problem_lines(failed_centers: dict[str, str]) -> list[str]:
    """One line per center not refreshed, naming it once (for stderr)."""
    return [
        reason if reason.startswith(f"center {center},") else f"center {center}: {reason}"
        for center, reason in failed_centers.items()
    ]
