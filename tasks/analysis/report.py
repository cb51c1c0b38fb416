"""`report.html`: one self-contained page for clinicians and the steering committee.

Everything on the page comes from the shared tables (small cells already masked) or from charts
that follow the same rules; the charts are embedded as SVG data, so the page needs no network.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
from jinja2 import Environment, FileSystemLoader, select_autoescape
from prefect import task
from prefect.cache_policies import NO_CACHE

from jakreg.config import Protocol
from jakreg.quality_status import QualityStatus
from tasks.analysis.charts import km_chart, next_steps_chart
from tasks.analysis.descriptive import SECTIONS
from tasks.analysis.inputs import AnalysisInputs
from tasks.analysis.retention import POOLED
from tasks.analysis.study_report import study_context
from tasks.analysis.tables import SharedTables
from tasks.federated.pooling import FederatedTables
from tasks.registry.diff import RegistryDiff

TEMPLATES = Path(__file__).with_name("templates")
GROUP_BY_TITLES = {
    "overall": "All next treatments",
    "strategy": "By strategy",
    "next_target": "By target class of the next treatment",
    "index_jaki": "By the JAK inhibitor that failed",
}


def svg_data_uri(svg: str) -> str:
    """An SVG document as a data URI for an <img>: self-contained, ids isolated per image."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


@task(name="write-report", cache_policy=NO_CACHE)
def write_report(
    inputs: AnalysisInputs,
    tables: SharedTables,
    run_folder: Path,
    protocol: Protocol,
    quality: QualityStatus,
    failed_centers: list[str],
    changes: RegistryDiff | None = None,
    federated: FederatedTables | None = None,
) -> Path:
    """Renders `report.html` into `run_folder` and returns its path; `federated` adds the
    estimates pooled over every center, federated ones included."""
    html = render_report(inputs, tables, protocol, quality, failed_centers, changes, federated)
    path = run_folder / "report.html"
    path.write_text(html, encoding="utf-8")
    return path


def render_report(
    inputs: AnalysisInputs,
    tables: SharedTables,
    protocol: Protocol,
    quality: QualityStatus,
    failed_centers: list[str],
    changes: RegistryDiff | None = None,
    federated: FederatedTables | None = None,
) -> str:
    """The page as a string (see `write_report`); `changes`, when given, is shown in a section
    of its own (templates/_changes.html.j2), the study sections only when `tables` has them."""
    environment = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["percent"] = percent
    environment.filters["percent_number"] = percent_number
    environment.filters["p_value"] = p_value
    environment.filters["data_uri"] = svg_data_uri
    pooled = tables.retention.filter(pl.col("scope") == POOLED)
    figures = {
        "strategy": km_chart(
            pooled.filter(pl.col("group_by") == "strategy"),
            "Retention of the next treatment, by strategy",
            protocol,
        ),
        "next_target": km_chart(
            pooled.filter(pl.col("group_by") == "next_target"),
            "Retention of the next treatment, by target class",
            protocol,
        ),
        "next_steps": next_steps_chart(tables.descriptive, protocol),
    }
    return environment.get_template("report.html.j2").render(
        generated_at=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        run_id=inputs.run_id,
        built_at=inputs.built_at[:16],
        protocol=protocol,
        parameters=protocol.as_dict(),
        data_cuts=inputs.data_cuts.to_dicts(),
        failed_centers=failed_centers,
        changes=changes.lines(protocol.min_cell_count) if changes else None,
        quality=quality,
        small=f"<{protocol.min_cell_count}",
        headline=_headline(tables),
        nothing_to_estimate=inputs.next_treatments.is_empty(),
        figures=figures,
        descriptive=_descriptive_sections(tables.descriptive),
        scopes=tables.descriptive["scope"].unique(maintain_order=True).to_list(),
        retention=_retention_sections(tables.retention, protocol),
        logrank=tables.logrank.to_dicts(),
        cox=tables.cox.to_dicts(),
        federated=federated,
        study=study_context(tables.study, inputs, protocol) if tables.study else None,
    )


def percent(value: float | None) -> str:
    """A proportion (0–1) as a percentage with one decimal; '–' when withheld."""
    return "–" if value is None else f"{100 * value:.1f}%"


def percent_number(value: float | None) -> str:
    """As `percent`, without the sign (inside a bracketed interval)."""
    return "–" if value is None else f"{100 * value:.1f}"


def p_value(value: float | None) -> str:
    if value is None:
        return "–"
    return "<0.001" if value < 0.001 else f"{value:.3f}"


def _headline(tables: SharedTables) -> dict:
    pooled = tables.retention.filter(pl.col("scope") == POOLED)
    strategies = {
        row["group"]: row for row in pooled.filter(pl.col("group_by") == "strategy").to_dicts()
    }
    overall = pooled.filter(pl.col("group_by") == "overall").row(0, named=True)
    descriptive = tables.descriptive.filter(pl.col("scope") == POOLED)
    all_failures = descriptive.filter(
        (pl.col("section") == "failures_by_drug") & (pl.col("item") == "all")
    ).row(0, named=True)
    cox = tables.cox.filter(pl.col("term") == "switching vs cycling").row(0, named=True)
    return {
        "courses": all_failures["of"],
        "failures": all_failures["n"],
        "failure_rate": all_failures["percent"],
        "next_treatments": overall["n"],
        "cycling": strategies.get("cycling"),
        "switching": strategies.get("switching"),
        "logrank": tables.logrank.row(0, named=True),
        "cox": cox,
    }


def _descriptive_sections(descriptive: pl.DataFrame) -> list[dict]:
    """Per section, one line per item with a cell per scope ('n (x%)', or the summary)."""
    sections = []
    for key, title in SECTIONS.items():
        part = descriptive.filter(pl.col("section") == key)
        items = part["item"].unique(maintain_order=True).to_list()
        lines = []
        for item in items:
            cells = {}
            for row in part.filter(pl.col("item") == item).to_dicts():
                cells[row["scope"]] = _descriptive_cell(row)
            lines.append({"item": item, "cells": cells})
        sections.append({"title": title, "lines": lines})
    return sections


def _descriptive_cell(row: dict) -> str:
    if row["summary"] is not None:
        return row["summary"]
    if row["percent"] is None:
        return row["n"]
    return f"{row['n']} ({row['percent']:.1f}%)"


def _retention_sections(retention: pl.DataFrame, protocol: Protocol) -> list[dict]:
    """Pooled first, then each center: a table per scope with a block per grouping."""
    sections = []
    for scope in retention["scope"].unique(maintain_order=True).to_list():
        scoped = retention.filter(pl.col("scope") == scope)
        blocks = [
            {
                "title": GROUP_BY_TITLES[group_by],
                "rows": scoped.filter(pl.col("group_by") == group_by).to_dicts(),
            }
            for group_by in GROUP_BY_TITLES
        ]
        sections.append({"scope": scope, "blocks": blocks})
    return sections
