"""The run summary artifact's markdown: overall state, a row per center, small counts masked."""

from __future__ import annotations

from jakreg.stage_timings import StageTiming
from tasks.run_summary import summary_markdown

CENTERS = {
    "valencia": {
        "extract_date": "2026-11-01",
        "load": "unchanged",
        "in_registry": "2026-11-01",
        "rows_read": 1200,
        "rows_rejected": 0,
        "unmapped_rows": 3,
        "quality": "passed",
        "seconds": 1.234,
        "error": None,
    },
    "sagunto": {
        "extract_date": "2026-10-25",
        "load": "failed",
        "in_registry": "2026-10-18",
        "rows_read": None,
        "rows_rejected": None,
        "unmapped_rows": None,
        "quality": "failed",
        "seconds": 0.5,
        "error": "center sagunto, file tratamientos.csv, row 41: not latin-1",
    },
}


def test_summary_states_the_outcome_then_one_row_per_center() -> None:
    markdown = summary_markdown(
        "Failed",
        "1 of 2 centers not refreshed: sagunto (kept extract 2026-10-18)",
        "20261129T010000Z-aaaaaaaa",
        CENTERS,
        {"valencia": (40, 7), "sagunto": (12, 2)},
        min_cell_count=5,
    )
    lines = markdown.splitlines()

    assert lines[2] == (
        "**Failed**: 1 of 2 centers not refreshed: sagunto (kept extract 2026-10-18) — "
        "registry version `20261129T010000Z-aaaaaaaa`."
    )
    assert lines[6] == (
        "| sagunto | 2026-10-25 | failed | 2026-10-18 | failed | 0.5 | – | – | – | 12 | <5 |"
    )
    assert lines[7] == (
        "| valencia | 2026-11-01 | unchanged | 2026-11-01 | passed | 1.2 | 1200 | 0 | <5 | 40 | 7 |"
    )
    assert lines[-1] == "- **sagunto**: center sagunto, file tratamientos.csv, row 41: not latin-1"


def test_rows_set_aside_are_listed_per_center_file_and_rule_masked_when_small() -> None:
    centers = {
        "valencia": {
            **CENTERS["valencia"],
            "rows_rejected": 14,
            "rows_rejected_by_rule": {
                "prescriptions.csv": {"end_before_start": 12, "duplicate_row": 2}
            },
        }
    }
    markdown = summary_markdown("Completed", None, "v1", centers, {}, min_cell_count=5)
    assert "## Rows set aside by row rules (file: rule rows)" in markdown
    assert "- **valencia** `prescriptions.csv`: duplicate_row <5, end_before_start 12" in markdown


def test_summary_lists_the_rows_each_route_mapped_with_small_counts_masked() -> None:
    centers = {
        **CENTERS,
        "madrid": {
            **CENTERS["valencia"],
            "mapping_routes": {
                "drug": {"source_value": 41, "concept_ancestor": 93, "source_concept_id": 2},
                "diagnosis": {"concept_relationship": 40},
            },
        },
    }
    markdown = summary_markdown("Completed", None, "v1", centers, {}, min_cell_count=5)
    routes = markdown.split("## Rows mapped, by route\n\n")[1].split("\n\n")[0]
    assert routes.splitlines() == [
        "- **madrid**: diagnosis concept_relationship 40; "
        "drug concept_ancestor 93, source_concept_id <5, source_value 41"
    ]


def test_summary_links_the_published_outputs_and_shows_each_stage_s_time_and_the_headline(
    tmp_path,
) -> None:
    report = tmp_path / "out" / "2026-11-29T010000-aaaaaaaa" / "report.html"
    markdown = summary_markdown(
        "Completed",
        None,
        "20261129T010000Z-aaaaaaaa",
        {"valencia": CENTERS["valencia"]},
        {"valencia": (40, 7)},
        min_cell_count=5,
        stages=[StageTiming("stage-centers", 4.84, rows_in=28648, rows_out=28648)],
        links={"report": report},
        headline="## Retention after a JAK-inhibitor failure",
    )

    assert f"- report: [{report}]({report.as_uri()})" in markdown
    assert "| stage-centers | 4.8 | 28,648 | 28,648 |" in markdown
    assert markdown.rstrip().endswith("## Retention after a JAK-inhibitor failure")
