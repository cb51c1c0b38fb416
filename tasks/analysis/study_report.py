"""What the report's study sections show (templates/study_*.html.j2), from the shared study
tables only: the attrition flow, the sequences table and Sankey, the cumulative incidence chart
and table, baseline by strategy and the sensitivity grid."""

from __future__ import annotations

import polars as pl

from jakreg.config import Protocol
from tasks.analysis.baseline import IMBALANCE
from tasks.analysis.competing_risks import CAUSE_LABELS
from tasks.analysis.incidence_chart import incidence_chart
from tasks.analysis.inputs import AnalysisInputs
from tasks.analysis.retention import POOLED
from tasks.analysis.sankey import sankey_svg
from tasks.analysis.sensitivity import RETENTION_MONTHS
from tasks.analysis.sequences import ARROW
from tasks.analysis.study_tables import StudyTables


def study_context(study: StudyTables, inputs: AnalysisInputs, protocol: Protocol) -> dict:
    """The template variables of the study sections."""
    attrition = study.attrition
    sequences = study.sequences.filter(pl.col("scope") == POOLED).to_dicts()
    return {
        "attrition_pooled": attrition.filter(pl.col("scope") == POOLED).to_dicts(),
        "attrition_scopes": attrition["scope"].unique(maintain_order=True).to_list(),
        "attrition_by_scope": {(row["scope"], row["step"]): row for row in attrition.to_dicts()},
        "attrition_steps": attrition.filter(pl.col("scope") == POOLED)
        .select("step", "label")
        .to_dicts(),
        "sequences": sequences,
        "sankey": sankey_svg(
            drawable(sequences), "Advanced therapies after the first JAK-inhibitor failure"
        ),
        "incidence_chart": incidence_chart(inputs.next_treatments, protocol),
        "competing_risks": study.competing_risks.filter(pl.col("scope") == POOLED).to_dicts(),
        "competing_risks_centers": study.competing_risks.filter(
            pl.col("scope") != POOLED
        ).to_dicts(),
        "cause_labels": CAUSE_LABELS,
        "baseline": study.baseline.to_dicts(),
        "imbalance": IMBALANCE,
        "sensitivity": study.sensitivity.to_dicts(),
        "sensitivity_months": RETENTION_MONTHS,
        "sensitivity_conclusion": study.sensitivity_conclusion,
        "sensitivity_seconds": study.sensitivity["seconds"].sum(),
    }


def drawable(sequences: list[dict]) -> list[dict]:
    """The shared sequences rows whose patients are shown as a number, with `n` as one; a node
    whose count is hidden is not drawn, nor anything after it (its height is unknown)."""
    rows, hidden = [], []
    for row in sequences:
        if any(row["path"].startswith(prefix + ARROW) for prefix in hidden):
            continue
        if not str(row["n"]).isdigit():
            hidden.append(row["path"])
            continue
        rows.append({**row, "n": int(row["n"])})
    return rows
