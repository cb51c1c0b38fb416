"""report.html and the artifacts on hand-built data: small groups withheld, charts embedded."""

from __future__ import annotations

import base64
import dataclasses
import re

import polars as pl

from jakreg.config import Protocol
from jakreg.quality_status import QualityStatus
from tasks.analysis.artifacts import headline_rows, summary_markdown
from tasks.analysis.report import render_report
from tasks.analysis.tables import shared_tables
from tests.unit.analysis.factories import failure, inputs, jaki_course


def _inputs():
    rows = [failure(strategy="cycling", next_target="JAKi", days=30 * i) for i in range(1, 5)]
    rows += [failure(strategy="switching", days=10 * i, event=i % 3 != 0) for i in range(1, 31)]
    courses = [jaki_course() for _ in range(34)]
    return inputs(rows, courses)


def _charts(html: str) -> list[str]:
    return [
        base64.b64decode(data).decode("utf-8")
        for data in re.findall(r'src="data:image/svg\+xml;base64,([^"]+)"', html)
    ]


def test_report_withholds_a_group_of_four_and_embeds_its_charts() -> None:
    protocol = Protocol()
    analysis = _inputs()
    tables = shared_tables(analysis, protocol)

    html = render_report(analysis, tables, protocol, QualityStatus.not_validated(["alpha"]), [])

    charts = _charts(html)
    assert len(charts) == 3
    strategy_chart = charts[1]  # after the chart of what follows a failure
    switching = tables.retention.filter(pl.col("group") == "switching").row(0, named=True)
    assert switching["n"] == "masked"  # 34 − 30 would give the 4 cycling courses
    assert switching["m6_retention"] is not None
    assert f"switching (n = {switching['n']})" in strategy_chart
    assert "cycling" not in strategy_chart
    assert f">{switching['m6_at_risk']}<" in strategy_chart  # the table's at-risk cell
    assert "withheld" in html
    assert "not validated" in html
    assert "http://" not in html and "https://" not in html


def test_report_of_only_small_groups_renders_and_says_nothing_is_drawn() -> None:
    protocol = Protocol()
    analysis = inputs(
        [failure(strategy="cycling", next_target="JAKi"), failure(strategy="none")],
        [jaki_course()],
    )

    html = render_report(
        analysis, shared_tables(analysis, protocol), protocol, QualityStatus("passed"), ["beta"]
    )

    assert "No group has 5 or more courses: nothing to draw" in _charts(html)[1]
    assert "new extract not used" in html


def test_headline_artifact_shows_small_counts_masked_and_estimates_withheld() -> None:
    protocol = Protocol()
    tables = shared_tables(_inputs(), protocol)

    rows = {row["group"]: row for row in headline_rows(tables)}
    markdown = summary_markdown(tables, protocol=protocol, quality=QualityStatus("passed"))

    cycling = rows["cycling"]["courses"]
    assert cycling in ("<5", "masked")  # 4 courses: never a number
    assert rows["cycling"]["retention at 9 months"] == "withheld"
    assert rows["switching"]["courses"] == "masked"  # 34 − 30 would give the cycling courses
    assert f"| cycling | {cycling} | withheld | withheld |" in markdown
    assert "Cox model not estimated: fewer than 5 courses after cycling" in markdown


def test_an_empty_cohort_gives_tables_and_a_report_saying_there_is_nothing_to_estimate() -> None:
    protocol = Protocol()
    one = inputs([failure()], [jaki_course()])
    analysis = dataclasses.replace(
        one, failures=one.failures.clear(), jaki_courses=one.jaki_courses.clear()
    )
    tables = shared_tables(analysis, protocol)

    html = render_report(analysis, tables, protocol, QualityStatus.not_validated(["alpha"]), [])

    assert tables.retention.select("scope", "n", "suppressed").rows() == [("pooled", "0", True)]
    assert "Nothing to estimate yet" in html


def test_one_failure_of_one_strategy_gives_a_report_without_estimates() -> None:
    protocol = Protocol()
    analysis = inputs([failure(strategy="switching", days=40)], [jaki_course()])
    tables = shared_tables(analysis, protocol)

    html = render_report(analysis, tables, protocol, QualityStatus.not_validated(["alpha"]), [])

    assert "Nothing to estimate yet" not in html
    assert tables.retention.filter(tables.retention["group_by"] == "overall")[
        "suppressed"
    ].to_list() == [True, True]
