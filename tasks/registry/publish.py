"""Publishing: the registry (with versions kept for rollback) and the run's output folder.

Publishing copies the audited registry beside the kept versions, renames it over the published
database in one `os.replace` (a reader sees the old registry or the new one, never a mix; a crash
before the rename leaves the published file untouched), then names the copy
`<stem>.versions/<UTC time>-<run id>.duckdb`. The newest
`keep + 1` versions are kept (the published one and `keep` before it). A version is a copy, not a
hard link, so opening the published database read-write can never alter a kept version.

A run writes its outputs into `<out>/.building/<run folder>/`; publishing moves the finished
folder into `<out>/` and then switches `<out>/latest` to it, so a killed run leaves `<out>/` as it
was (its half-written folder sits under `.building/`, cleared by the next run).
"""

from __future__ import annotations

import logging
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from jakreg.errors import JakregError
from jakreg.faults import fault_point
from jakreg.layout import RegistryLayout
from tasks.analysis.run_folder import point_latest, short_run_id
from tasks.registry.atomic_files import PARTIAL, clean_leftovers, replace_file
from tasks.registry.inputs import read_published_run

logger = logging.getLogger(__name__)

SUFFIX = ".duckdb"
OUTPUTS_BUILDING = ".building"


class NoSuchVersionError(JakregError):
    """A rollback names a version that is not kept (or there is nothing to roll back to)."""

    exit_code = 2


@dataclass(frozen=True)
class Version:
    name: str
    path: Path

    @property
    def run_id_prefix(self) -> str:
        return self.name.rsplit("-", 1)[-1]


def version_name(run_id: str, when: datetime | None = None) -> str:
    """`20261129T020000Z-1a2b3c4d`: sortable by publish time, traceable to the run."""
    when = when or datetime.now(UTC)
    return f"{when.astimezone(UTC):%Y%m%dT%H%M%SZ}-{short_run_id(run_id)}"


def kept_versions(layout: RegistryLayout) -> list[Version]:
    """Kept versions, newest first."""
    if not layout.versions_dir.is_dir():
        return []
    paths = sorted(layout.versions_dir.glob(f"*{SUFFIX}"), reverse=True)
    return [Version(p.name.removesuffix(SUFFIX), p) for p in paths]


class DamagedRegistryError(JakregError):
    """A registry file that DuckDB cannot open or that has no `meta.run` (truncated, garbage)."""

    exit_code = 3


def published_run_id(database: Path) -> str | None:
    """The run that built the published registry (from its `meta.run`), or None if none;
    DamagedRegistryError when the file is there but cannot be read."""
    if not database.exists():
        return None
    try:
        with duckdb.connect(str(database), read_only=True) as con:
            return con.sql("select run_id from meta.run").fetchall()[0][0]
    except (duckdb.Error, IndexError) as err:
        raise DamagedRegistryError(
            f"{database} cannot be read as a registry ({type(err).__name__}): `jakreg rollback` "
            "publishes the newest kept version that can"
        ) from None


def readable(version: Version) -> bool:
    """Whether a kept version opens as a registry."""
    try:
        return published_run_id(version.path) is not None
    except DamagedRegistryError:
        return False


def published_version(layout: RegistryLayout) -> Version | None:
    """The kept version that is the published registry now (None when nothing is published or
    the published file is damaged)."""
    try:
        run_id = published_run_id(layout.database)
    except DamagedRegistryError:
        return None
    if run_id is None:
        return None
    prefix = short_run_id(run_id)
    return next((v for v in kept_versions(layout) if v.run_id_prefix == prefix), None)


def registry_key_fingerprint(layout: RegistryLayout) -> str | None:
    """The key fingerprint of the published registry or, when that file is damaged or gone, of
    the newest kept version that records one: a damaged file must not let another key in."""
    for database in (layout.database, *(v.path for v in kept_versions(layout))):
        recorded = read_published_run(database)
        if recorded is not None and recorded.key_fingerprint:
            return recorded.key_fingerprint
    return None


def publish(building: Path, layout: RegistryLayout, run_id: str, keep: int) -> Version:
    """Archives the audited `building` registry as a version and publishes it."""
    layout.versions_dir.mkdir(parents=True, exist_ok=True)
    name = version_name(run_id)
    version = Version(name, layout.versions_dir / f"{name}{SUFFIX}")
    partial = version.path.with_name(version.path.name + PARTIAL)
    shutil.copyfile(building, partial)
    fault_point("publish")
    replace_file(building, layout.database)
    replace_file(partial, version.path)
    for old in kept_versions(layout)[keep + 1 :]:
        old.path.unlink()
        logger.info("version %s dropped (keeping %d before the published one)", old.name, keep)
    return version


def rollback(layout: RegistryLayout, to: str | None = None) -> Version:
    """Publishes a kept version again: `to`, or by default the one before the published one."""
    versions = kept_versions(layout)
    if to is None:
        # A damaged published registry has no version: the newest readable kept one replaces it.
        current = published_version(layout)
        older = [v for v in versions if current is None or v.name < current.name]
        older = [v for v in older if readable(v)]
        if not older:
            raise NoSuchVersionError(
                f"no readable version older than the published one in {layout.versions_dir}"
            )
        target = older[0]
    else:
        matches = [v for v in versions if v.name == to]
        if not matches:
            names = ", ".join(v.name for v in versions) or "none"
            raise NoSuchVersionError(f"version {to!r} is not kept; kept versions: {names}")
        target = matches[0]
        if not readable(target):
            raise DamagedRegistryError(f"kept version {to} cannot be read as a registry")
    partial = layout.database.with_name(layout.database.name + PARTIAL)
    shutil.copyfile(target.path, partial)
    replace_file(partial, layout.database)
    return target


def outputs_building_dir(out_dir: Path) -> Path:
    """Where a run writes its output folder until it is published."""
    return Path(out_dir) / OUTPUTS_BUILDING


def keep_outputs(run_folder: Path, out_dir: Path) -> Path:
    """Moves a run folder from `.building/` into `out_dir`, leaving `latest` as it is (the
    outputs of a run whose registry was not published, kept to show why)."""
    kept = Path(out_dir) / run_folder.name
    run_folder.rename(kept)
    if not any(run_folder.parent.iterdir()):
        run_folder.parent.rmdir()
    return kept


def publish_outputs(run_folder: Path, out_dir: Path) -> Path:
    """Moves a finished run folder from `.building/` into `out_dir` and points `latest` at it."""
    published = keep_outputs(run_folder, out_dir)
    point_latest.fn(published)
    return published


def clear_leftovers(layout: RegistryLayout, out_dir: Path) -> None:
    """Removes what killed runs left: half-staged extracts, an unpublished registry or version,
    unpublished outputs. Only ever called by the run holding the registry lock."""
    clean_leftovers(layout.work_dir)
    clean_leftovers(layout.versions_dir)
    building_wal = layout.building.with_name(layout.building.name + ".wal")
    partial = layout.database.with_name(layout.database.name + PARTIAL)
    for leftover in (layout.building, building_wal, partial):
        if leftover.exists():
            leftover.unlink()
            logger.warning("cleared %s, left by a run that did not finish", leftover)
    building = outputs_building_dir(out_dir)
    if building.exists():
        shutil.rmtree(building)
        logger.warning("cleared %s, outputs of a run that did not finish", building)
