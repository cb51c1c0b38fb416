"""`jakreg status` and `jakreg rollback`: what the morning's data engineer asks of the registry.

Both read the registry's own files (run log, versions, lock), so they work without a Prefect
server. `rollback` takes the registry lock, like a run, so it never races one.
"""

from __future__ import annotations

import argparse
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from jakreg.layout import RegistryLayout


def add_ops_commands(commands: Any) -> None:
    """Registers `status` and `rollback` on the `jakreg` subcommand parser."""
    status = commands.add_parser(
        "status",
        help="show the last runs, the published version and each center's freshness",
        description="Print the last runs (from the run log), whether a run holds the registry "
        "lock, the published and kept versions, and per center the extract the registry holds "
        "and how many days old it is.",
    )
    status.add_argument("--db", type=Path, required=True, help="published registry database")
    status.add_argument("--runs", type=int, default=5, help="runs to list (default 5)")
    status.set_defaults(command=_status)

    rollback = commands.add_parser(
        "rollback",
        help="publish a kept earlier version of the registry again",
        description="Replace the published registry, atomically and under the registry lock, "
        "with a kept version: by default the one before the published one. `jakreg status` "
        "lists the kept versions. With --out, OUT/latest is pointed at the outputs of the run "
        "that built the restored version, when they are still in OUT.",
    )
    rollback.add_argument("--db", type=Path, required=True, help="published registry database")
    rollback.add_argument("--to", metavar="VERSION", help="version to restore (default: previous)")
    rollback.add_argument(
        "--out",
        type=Path,
        help="the runs' output folder, whose `latest` should show the restored version's run",
    )
    rollback.set_defaults(command=_rollback)


def _rollback(args: argparse.Namespace) -> int:
    from tasks.registry.lock import registry_lock
    from tasks.registry.publish import rollback

    layout = RegistryLayout.for_database(args.db)
    with registry_lock(layout.lock, "jakreg rollback"):
        version = rollback(layout, args.to)
        print(f"published version {version.name} again at {layout.database}")
        if args.out:
            print(_point_latest_at_run(args.out, version.run_id_prefix))
    return 0


def _point_latest_at_run(out_dir: Path, run_id: str) -> str:
    """Points `out_dir/latest` at run `run_id`'s outputs, so the report shown is the restored
    registry's; says what it did, or why `latest` was left as it was."""
    from tasks.analysis.run_folder import LATEST, point_latest, run_folder_of

    folder = run_folder_of(out_dir, run_id)
    latest = out_dir / LATEST
    if folder is None:
        shown = latest.resolve().name if latest.is_dir() else "nothing"
        return (
            f"the outputs of run {run_id} are no longer in {out_dir}: {latest} still shows "
            f"{shown}, which is not the restored registry's report; the next run writes new ones"
        )
    point_latest.fn(folder)
    return f"{latest} now shows {folder.name}, the outputs of run {run_id}"


def _status(args: argparse.Namespace) -> int:
    from tasks.registry.lock import lock_holder
    from tasks.registry.publish import (
        DamagedRegistryError,
        kept_versions,
        published_run_id,
        published_version,
    )
    from tasks.run_log import read_runs

    layout = RegistryLayout.for_database(args.db)
    print(f"registry: {layout.database}")
    holder = lock_holder(layout.lock)
    print(f"lock: {'held by ' + holder if holder else 'free (no run in progress)'}")

    try:
        published_run = published_run_id(layout.database)
    except DamagedRegistryError as err:
        published_run, published = None, None
        print(f"published: DAMAGED: {err}")
    else:
        published = published_version(layout)
        print(f"published: {published.name if published else 'nothing published yet'}")
    for version in kept_versions(layout):
        mark = "  <- published" if published and version == published else ""
        print(f"  kept {version.name}{mark}")

    runs = read_runs(layout.run_log)
    print(f"\nlast runs (newest first, {min(args.runs, len(runs))} of {len(runs)}):")
    for run in runs[: args.runs]:
        if run.ended is None:
            outcome = "did not finish (killed, or running now if the lock is held)"
        else:
            outcome = f"{run.state} after {run.seconds} s" + (
                f": {run.message}" if run.message else ""
            )
        print(f"  {run.started}  run {run.run_id}  {outcome}")
        if run.stages:
            print("      " + ", ".join(f"{s} {sec:.1f} s" for s, sec in run.stages.items()))

    # The centers as the run that built the published registry saw them: after a rollback, that
    # is an earlier run than the last one.
    finished = next((run for run in runs if run.centers and run.run_id == published_run), None)
    if finished is None:
        return 0
    print(f"\ncenters (as of run {finished.run_id}, which built the published registry):")
    today = datetime.now(UTC).date()
    for center, info in sorted(finished.centers.items()):
        print(f"  {center}: {_freshness(info, today)}")
    return 0


def _freshness(info: dict[str, Any], today: date) -> str:
    """The extract (a federated center: the bundle) the registry holds for a center, its age, and
    what the last run did."""
    held = info.get("in_registry")
    what = "bundle" if info.get("kind") == "aggregates" else "extract"
    if held is None:
        registry = "not in the registry"
    else:
        age = (today - date.fromisoformat(held)).days
        registry = f"{what} {held} in the registry ({age} days old)"
    newest = info.get("extract_date") or "none found"
    if what == "bundle":
        return f"{registry}; newest bundle {newest}: {info['load']}, quality {info.get('quality')}"
    took = f" in {info['seconds']:.1f} s" if info.get("seconds") is not None else ""
    from tasks.extract.manifest import FAILED

    if info["load"] == FAILED:
        # Never validated: its files could not be read, whatever the gate would have said.
        return f"{registry}; newest extract {newest}: could not be read{took}, not validated"
    return (
        f"{registry}; newest extract {newest}: {info['load']}{took}, quality {info.get('quality')}"
    )
