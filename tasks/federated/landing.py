"""Which bundle of each federated center a run pools.

A federated center drops each bundle into its landing folder under the export date,
`landing/<center>/<YYYY-MM-DD>/`, as dump centers drop extracts (a folder not named by a date up
to today is skipped with a warning; files must be regular files); the newest is checked
(tasks/federated/checks.py). An accepted bundle is copied into the registry's work folder
(`<work>/bundles/<center>/<date>/`); a bundle that fails a check is quarantined like a bad dump:
it is reported, the landing folder is left as it is, and the center's last accepted bundle is
pooled instead (checked again, against today's protocol), or the center is left out when it has
none.
"""

from __future__ import annotations

import logging
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from jakreg.config import AggregatesCenter, Protocol
from jakreg.errors import CenterDataError
from tasks.extract.landing import check_regular_files, dated_folders
from tasks.federated.bundle import FILES, MANIFEST, Bundle
from tasks.federated.checks import read_bundle
from tasks.registry.atomic_files import PARTIAL

logger = logging.getLogger(__name__)

DATE_FOLDER = re.compile(r"^\d{4}-\d{2}-\d{2}$")


# What a run did with a federated center's newest bundle, as the run log and `status` say it.
BUNDLE_ACCEPTED, BUNDLE_REFUSED = "bundle accepted", "bundle refused"


@dataclass(frozen=True)
class BundleDecision:
    """What a run does with a federated center: the bundle it pools (None: left out), and why
    the newest one was not accepted, when it was not."""

    center_id: str
    newest: str | None
    pooled: str | None
    bundle: Bundle | None
    problem: str | None

    @property
    def status(self) -> str:
        return "passed" if self.problem is None else "failed"


def accepted_dir(work_dir: Path, center_id: str) -> Path:
    return work_dir / "bundles" / center_id


def decide_bundles(
    centers: tuple[AggregatesCenter, ...], work_dir: Path, protocol: Protocol
) -> list[BundleDecision]:
    return [_decide(center, work_dir, protocol) for center in centers]


def _decide(center: AggregatesCenter, work_dir: Path, protocol: Protocol) -> BundleDecision:
    # Bundles land as dumps do (tasks/extract/landing.py): by date, regular files only.
    newest = dated_folders(center.id, center.landing, logger.warning)
    store = accepted_dir(work_dir, center.id)
    if newest:
        date = newest[-1].name
        try:
            check_regular_files(center.id, newest[-1], (*FILES, MANIFEST))
            bundle = read_bundle(newest[-1], center.id, protocol)
        except CenterDataError as err:
            problem = f"bundle {date} quarantined: {err}"
        else:
            _keep(newest[-1], store / date)
            return BundleDecision(center.id, date, date, bundle, None)
    else:
        date = None
        problem = (
            f"center {center.id}: no bundle in {center.landing} — the hospital drops each bundle "
            "into a folder named by its export date (YYYY-MM-DD)"
        )
    for kept in reversed(_dated(store)):
        try:
            bundle = read_bundle(kept, center.id, protocol)
        except CenterDataError:
            continue
        return BundleDecision(center.id, date, kept.name, bundle, problem)
    return BundleDecision(center.id, date, None, None, problem)


def _dated(folder: Path) -> list[Path]:
    """The bundles kept in the work area, oldest first."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_dir() and DATE_FOLDER.match(p.name))


def _keep(bundle: Path, target: Path) -> None:
    """A copy of an accepted bundle, renamed into place once complete."""
    if target.exists():
        shutil.rmtree(target)
    partial = target.with_name(target.name + PARTIAL)
    shutil.rmtree(partial, ignore_errors=True)
    shutil.copytree(bundle, partial)
    partial.rename(target)
