"""`jakreg terms export`: a center's review list of unmapped drug strings and stop reasons.

The list is the one staged with the center's newest extract in the registry's work area
(`stg_unmapped_terms`, texts redacted: docs/protocol.md#stop-reasons). The data manager fills in
the `class` column and gives the file back as the center's `term_overrides` in `centers.yaml`;
the next run classifies those texts with it.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path
from typing import Any

from jakreg.errors import ConfigError
from jakreg.layout import RegistryLayout

COLUMNS = ("term_kind", "text", "n_rows", "class")
REVIEW_FILE = "stg_unmapped_terms.parquet"


def add_terms_commands(commands: Any) -> None:
    """Registers `terms export` on the `jakreg` subcommand parser."""
    terms = commands.add_parser(
        "terms",
        help="the review list of a center's unmapped drug strings and stop reasons",
        description="Work with the texts the vocabulary did not map.",
    )
    actions = terms.add_subparsers(required=True, metavar="ACTION")
    export = actions.add_parser(
        "export",
        help="write a center's unmapped drug strings and stop reasons, with counts, as CSV",
        description="Write the unmapped drug strings and unclassified stop reasons of the "
        "center's newest staged extract, redacted, with their row counts, as CSV (term_kind, "
        "text, n_rows, class). Fill in `class` (a stop reason class, or an ingredient of "
        "vocabulary/ingredients.csv) and name the file as the center's term_overrides in "
        "centers.yaml: the next run uses it.",
    )
    export.add_argument("--db", type=Path, required=True, help="registry database")
    export.add_argument("--center", required=True, help="center id")
    export.add_argument(
        "--work", type=Path, help="the registry's work folder (default: <db stem>.work)"
    )
    export.add_argument("--out", type=Path, help="CSV file to write (default: standard output)")
    export.set_defaults(command=_export)


def review_list(work_dir: Path, center_id: str) -> list[tuple[str, str, int]]:
    """(term kind, redacted text, rows) of the center's newest staged extract, commonest first."""
    import duckdb

    from tasks.extract.stage_center import StagedExtract

    staged = [
        extract
        for folder in sorted((work_dir / "staged" / center_id).glob("*"))
        if (extract := StagedExtract.read(folder)) and (folder / REVIEW_FILE).exists()
    ]
    if not staged:
        raise ConfigError(
            f"center {center_id} has no staged extract with a review list in {work_dir}; "
            "run jakreg run (or jakreg validate) first"
        )
    newest = max(staged, key=lambda extract: extract.order)
    with duckdb.connect() as con:
        return con.execute(
            "select term_kind, text, n_rows::bigint from read_parquet($path) "
            # Unmapped diagnosis codes are fixed in vocabulary/, not by a center's overrides.
            "where term_kind in ('drug', 'stop_reason') "
            "order by term_kind, n_rows desc, text",
            {"path": str(newest.folder / REVIEW_FILE)},
        ).fetchall()


def _export(args: argparse.Namespace) -> int:
    layout = RegistryLayout.for_database(args.db, args.work)
    rows = review_list(layout.work_dir, args.center)
    handle = args.out.open("w", encoding="utf-8", newline="") if args.out else sys.stdout
    try:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(COLUMNS)
        writer.writerows((kind, text, n, "") for kind, text, n in rows)
    finally:
        if args.out:
            handle.close()
    if args.out:
        print(f"wrote {len(rows)} unmapped texts of center {args.center} to {args.out}")
    return 0
