"""`jakreg diff`: what changed between two published versions of the registry.

Reads the kept versions (`<stem>.versions/`) only, so it needs no Prefect server and never
touches the published registry. By default it compares the last two versions kept.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from jakreg.config import Protocol
from jakreg.layout import RegistryLayout


def add_diff_command(commands: Any) -> None:
    diff = commands.add_parser(
        "diff",
        help="show what changed between two published versions of the registry",
        description="Per center: rows added, removed and changed in each mart, the extracts "
        "that changed, new and resolved data-quality findings; then each headline estimate "
        "(pooled 9-month retention) in both versions and whether it moved beyond the earlier "
        "95%% CI. Small counts are masked as in every shared output. OLD and NEW are kept "
        "version names (`jakreg status` lists them); by default the last two.",
    )
    diff.add_argument("old", nargs="?", metavar="OLD", help="earlier version (default: 2nd)")
    diff.add_argument("new", nargs="?", metavar="NEW", help="later version (default: newest)")
    diff.add_argument("--db", type=Path, required=True, help="published registry database")
    diff.add_argument("--protocol", type=Path, help="YAML overriding protocol parameters")
    diff.set_defaults(command=_diff)


def _diff(args: argparse.Namespace) -> int:
    from tasks.registry.diff import compare_registries
    from tasks.registry.publish import NoSuchVersionError, kept_versions

    protocol = Protocol.load(args.protocol)
    versions = {v.name: v for v in kept_versions(RegistryLayout.for_database(args.db))}
    names = list(versions)
    old = args.old or (names[1] if len(names) > 1 else None)
    new = args.new or (names[0] if names else None)
    for name in (old, new):
        if name not in versions:
            kept = ", ".join(names) or "none"
            raise NoSuchVersionError(
                f"version {name!r} is not kept; kept versions: {kept}"
                if name
                else f"two kept versions are needed to compare; kept versions: {kept}"
            )
    diff = compare_registries(versions[old].path, versions[new].path, protocol, (old, new))
    print("\n".join(diff.lines(protocol.min_cell_count)))
    return 0
