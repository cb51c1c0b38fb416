"""The nightly run's steps for federated centers: check their bundles, pool, write the tables."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE

from jakreg.config import AggregatesCenter, Protocol
from tasks.analysis.disclosure import write_shared_csv
from tasks.analysis.inputs import AnalysisInputs
from tasks.federated.bundle import MANIFEST, file_digest
from tasks.federated.landing import BundleDecision, decide_bundles
from tasks.registry.inputs import json_digest

if TYPE_CHECKING:
    from tasks.federated.pooling import FederatedTables

FEDERATED_FILES = {
    "centers": "federated_centers.csv",
    "retention": "federated_retention.csv",
    "hazard_ratios": "federated_cox.csv",
}


@task(name="check-bundles", cache_policy=NO_CACHE)
def check_bundles(
    centers: tuple[AggregatesCenter, ...], work_dir: Path, protocol: Protocol
) -> list[BundleDecision]:
    """Each federated center's newest bundle checked; the bundle to pool, or why none."""
    logger = get_run_logger()
    decisions = decide_bundles(centers, work_dir, protocol)
    for decision in decisions:
        if decision.problem:
            kept = f"pooling its bundle of {decision.pooled}" if decision.pooled else "left out"
            logger.error("%s (%s)", decision.problem, kept)
    return decisions


def with_bundles(digest: str, centers: tuple[AggregatesCenter, ...]) -> str:
    """The run's inputs digest, extended by each federated center's newest bundle (its
    manifest), so that a new bundle alone is a reason to build and report again."""
    if not centers:
        return digest
    newest = {}
    for center in centers:
        dates = sorted(p for p in center.landing.glob("*/" + MANIFEST))
        newest[center.id] = f"{dates[-1].parent.name}:{file_digest(dates[-1])}" if dates else None
    return json_digest({"registry": digest, "bundles": newest})


@task(name="pool-federated", cache_policy=NO_CACHE)
def write_federated_tables(
    inputs: AnalysisInputs, decisions: list[BundleDecision], run_folder: Path, protocol: Protocol
) -> FederatedTables | None:
    """The pooled tables over every center, when some send aggregates; None when none does."""
    if not decisions:
        return None
    # Imported here: pooling needs lifelines and statsmodels, which take seconds to import and
    # which the night's other steps (checking bundles on a night with nothing new) do not need.
    from tasks.federated.pooling import federated_tables

    tables = federated_tables(inputs, decisions, protocol)
    for name, file in FEDERATED_FILES.items():
        write_shared_csv(getattr(tables, name), run_folder / file)
    return tables
