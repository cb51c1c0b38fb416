"""The run summary artifact's markdown: overall state, a row per center, small counts masked."""

from __future__ import annotations

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
        "| sagunto | 2026-10-25 | failed | 2026-10-18 | – | – | – | failed | 12 | <5 | 0.5 |"
    )
    assert lines[7] == (
        "| valencia | 2026-11-01 | unchanged | 2026-11-01 | 1200 | 0 | <5 | passed | 40 | 7 | 1.2 |"
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
