"""The gate's outcome in words: a markdown summary for the run, a table for the terminal.

Both list each center's status and the expectations that did not pass, with row counts and
example values (never identifiers: see tasks/quality/raw_copy.py), and point at the Data Docs.
"""

from __future__ import annotations

from tasks.quality.row_rule_outcomes import RejectedRow
from tasks.quality.verdict import ERROR, WARNING, Verdict


def markdown_report(verdicts: dict[str, Verdict | str], data_docs: str) -> str:
    """A markdown table of every center and the registry, then each finding; `data_docs` is the
    link to the Data Docs index (relative to where the markdown is read, or a URI)."""
    lines = [
        "# Data-quality gate",
        "",
        f"Data Docs: [{data_docs}]({data_docs})",
        "",
        "| scope | status | errors | warnings |",
        "|---|---|---|---|",
    ]
    for scope, verdict in verdicts.items():
        status, errors, warnings = _counts(verdict)
        lines.append(f"| {scope} | {status} | {errors} | {warnings} |")
    lines.append("")
    reused = [
        f"- {scope}: verdict reused from {verdict.reused_from}"
        for scope, verdict in verdicts.items()
        if isinstance(verdict, Verdict) and verdict.reused_from
    ]
    if reused:
        lines.extend(
            [
                *reused,
                "",
                "A reused verdict was not validated again: its extract, suites, thresholds and "
                "baseline row counts are those of the run named; that run's Data Docs show it.",
                "",
            ]
        )
    for scope, verdict in verdicts.items():
        if isinstance(verdict, str):
            lines.extend([f"## {scope}", f"- [error] {verdict}", ""])
        elif verdict.findings:
            lines.append(f"## {scope}")
            lines.extend(f"- {finding.describe()}" for finding in verdict.findings)
            lines.append("")
    return "\n".join(lines)


def text_table(verdicts: dict[str, Verdict | str]) -> str:
    """`scope  status  errors  warnings`, one line each, then the findings indented."""
    rows = [("scope", "status", "errors", "warnings")]
    rows += [(scope, *map(str, _counts(verdict))) for scope, verdict in verdicts.items()]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        for row in rows
    ]
    for scope, verdict in verdicts.items():
        if isinstance(verdict, str):
            lines.append(f"  {scope}: {verdict}")
        else:
            lines.extend(f"  {scope}: {finding.describe()}" for finding in verdict.findings)
    return "\n".join(line.rstrip() for line in lines)


def rejected_table(rejected: dict[str, list[RejectedRow]]) -> str:
    """Every row set aside, one line each: `center  file  line  rule  values`."""
    rows = [("center", "file", "line", "rule", "values")]
    rows += [
        (center, row.file, str(row.line), row.rule, row.values)
        for center, found in rejected.items()
        for row in found
    ]
    if len(rows) == 1:
        return "Rows set aside: none"
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = [
        "  ".join([*(c.ljust(w) for c, w in zip(row[:4], widths, strict=True)), row[4]])
        for row in rows
    ]
    return "Rows set aside:\n" + "\n".join(lines)


def _counts(verdict: Verdict | str) -> tuple[str, int | str, int | str]:
    if isinstance(verdict, str):
        return "not staged", 1, "-"
    status = f"{verdict.status} (reused)" if verdict.reused_from else verdict.status
    return status, len(verdict.by_level(ERROR)), len(verdict.by_level(WARNING))
