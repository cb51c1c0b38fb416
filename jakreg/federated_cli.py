"""`jakreg export-aggregates` and `jakreg check-bundle`: the federated hospital's two commands
(docs/federated.md)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from jakreg.errors import ConfigError


def add_federated_commands(commands: Any) -> None:
    """Registers `export-aggregates` and `check-bundle` on the `jakreg` subcommand parser."""
    export = commands.add_parser(
        "export-aggregates",
        help="write the aggregate bundle a federated center sends instead of its dump",
        description="Write the aggregate bundle of a center from its published registry into "
        "the new folder OUT: life tables, person-time and event counts, descriptive and "
        "attrition counts, versions and a manifest of checksums, as plain CSV; no patient key, "
        "no date, no row, no count under the minimum cell count (docs/federated.md).",
    )
    export.add_argument("--db", type=Path, required=True, help="the center's registry database")
    export.add_argument("--out", type=Path, required=True, help="new folder for the bundle")
    export.add_argument("--center", help="the center to export (default: the registry's only one)")
    export.set_defaults(command=_export)

    check = commands.add_parser(
        "check-bundle",
        help="check a bundle as the coordinating center will (manifest, protocol, small cells)",
        description="Run the coordinating center's checks on the bundle in FOLDER: the manifest's "
        "checksums, the protocol (against --protocol, or the defaults) and the disclosure rules. "
        "Exits 3 with the problem when the bundle would be quarantined.",
    )
    check.add_argument("folder", type=Path, help="the bundle folder")
    check.add_argument("--center", required=True, help="the center id in the network")
    check.add_argument("--protocol", type=Path, help="the network's protocol file")
    check.set_defaults(command=_check)


def _export(args: argparse.Namespace) -> int:
    from tasks.federated.export import export_aggregates

    try:
        files = export_aggregates(args.db, args.out, args.center)
    except FileExistsError as err:
        raise ConfigError(str(err)) from err
    print(f"bundle written to {args.out}:")
    for path in files:
        print(f"  {path.name} ({path.stat().st_size} bytes)")
    print(f"check it with: jakreg check-bundle {args.out} --center <your center id>")
    return 0


def _check(args: argparse.Namespace) -> int:
    from jakreg.config import Protocol
    from tasks.federated.checks import read_bundle

    bundle = read_bundle(args.folder, args.center, Protocol.load(args.protocol))
    print(f"bundle of center {bundle.center_id} passes the coordinating center's checks")
    return 0
