"""The benchmark's figures as plain-text tables (`benchmarks.run` prints them)."""

from __future__ import annotations

import json
import os
import platform
from datetime import date
from pathlib import Path

import duckdb

# The sizes whose full runs give the scaling figure, time(1M) / time(100k).
SCALING = (100_000, 1_000_000)


def machine() -> dict:
    return {
        "date": date.today().isoformat(),
        "cpus": os.cpu_count(),
        "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
    }


def report(figures: dict) -> str:
    """The figures of one cohort as a table: the reference, then jakreg's runs by stage."""
    load = figures["load_average"]
    lines = [
        f"\n{figures['patients']:,} patients in {figures['centers']} center(s) "
        f"({', '.join(figures['dialects'])}): {figures['input_rows']:,} input rows "
        f"({figures['input_bytes'] / 2**20:,.0f} MiB); load average {load['before']:.1f} before, "
        f"{load['after']:.1f} after, on {figures['measured_on']['cpus']} cores",
        _simulate_line(figures["simulate"]),
        f"  floor: DuckDB count(*) over every file {figures['floor']['seconds']:.2f} s; every "
        f"column read {figures['floor']['read_seconds']:.2f} s",
        f"  {'run / stage':<28}{'wall s':>9}{'CPU s':>8}{'API CPU s':>11}{'rows in':>13}"
        f"{'rows out':>13}{'peak RSS MiB':>14}{'load':>6}",
    ]
    if "reference" in figures:
        lines.append(_process_line("reference script", figures["reference"]["process"]))
    for run, result in figures["runs"].items():
        lines.append(_process_line(f"jakreg {run}", result["process"], result["api_cpu_seconds"]))
        if result.get("heavy_imports"):
            lines.append(f"    imported {', '.join(result['heavy_imports'])}")
        for stage in result["stages"]:
            lines.append(
                f"    {stage['stage']:<26}{stage['seconds']:>9.2f}{stage['cpu_seconds']:>8.1f}"
                f"{'':>11}{_count(stage['rows_in']):>13}{_count(stage['rows_out']):>13}"
                f"{stage['peak_rss_mb']:>14,.0f}"
            )
        process = result["process"]
        lines.append(
            f"    {'outside the stages':<26}"
            f"{process['seconds'] - sum(s['seconds'] for s in result['stages']):>9.2f}"
            f"{process['cpu_seconds'] - sum(s['cpu_seconds'] for s in result['stages']):>8.1f}"
            "   (start-up, imports, Prefect runs, gate and analysis set-up)"
        )
    if "to_reference" in figures:
        ratio = figures["to_reference"]
        differences = figures["reference"]["differences"]
        verdict = (
            "marts equal row by row"
            if not differences
            else "MARTS DIFFER: " + "; ".join(f"{k} {v}" for k, v in differences.items())
        )
        lines.append(
            f"  jakreg full / reference: {ratio['seconds']:.1f}x wall, "
            f"{ratio['cpu_seconds']:.1f}x CPU; {verdict}"
        )
    return "\n".join(lines)


def scaling_line(results: Path) -> str:
    """time(1M) / time(100k) of jakreg's full run, from the results written so far."""
    runs = []
    for size in SCALING:
        path = results / f"{size}.json"
        if not path.is_file():
            return f"time(1M) / time(100k): not measured (no {path.name})"
        runs.append(json.loads(path.read_text(encoding="utf-8"))["runs"]["full"]["process"])
    small, large = runs
    return (
        f"time(1M) / time(100k), jakreg full run: {large['seconds'] / small['seconds']:.1f} wall, "
        f"{large['cpu_seconds'] / small['cpu_seconds']:.1f} CPU"
    )


def _process_line(label: str, process: dict, api_cpu: float | None = None) -> str:
    api = "" if api_cpu is None else f"{api_cpu:.1f}"
    return (
        f"  {label:<28}{process['seconds']:>9.2f}{process['cpu_seconds']:>8.1f}{api:>11}"
        f"{'':>26}{process['peak_rss_mb']:>14,.0f}{process['load_average']:>6.1f}"
    )


def _simulate_line(simulated: dict | None) -> str:
    if simulated is None:
        return "  simulate: not measured (cohort reused)"
    return (
        f"  simulate: {simulated['seconds']:.1f} s ({simulated['cpu_seconds']:.1f} s CPU), "
        f"peak RSS {simulated['peak_rss_mb']:,.0f} MiB"
    )


def _count(value: float | None) -> str:
    return "" if value is None else f"{value:,.0f}"
