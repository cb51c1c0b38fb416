"""The coordinating center's checks of a bundle, before any of it is pooled.

A bundle is accepted when its manifest lists exactly the bundle's files with their checksums,
it was written for this center under the registry's protocol, every table has its columns and
types, and no table holds a small cell: life-table events under `min_cell_count`, or any other
count from 1 to `min_cell_count - 1` (masked counts, `<min_cell_count`, are fine). Any failure
raises `CenterDataError` naming the file, row (header = row 1) and column, and what to do.
"""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl

from jakreg.config import Protocol
from jakreg.errors import CenterDataError
from tasks.analysis.disclosure import MASKED, small_cell_label
from tasks.federated.aggregates import (
    LIFE_TABLE_SCHEMA,
    MARGINS_SCHEMA,
    PERSON_TIME_SCHEMA,
    CenterAggregates,
)
from tasks.federated.bundle import FILES, FORMAT, MANIFEST, Bundle, file_digest

RESEND = "ask the center to export the bundle again with `jakreg export-aggregates`"
# The masked count columns of the descriptive and attrition tables.
COUNTS = {"descriptive": ("n", "of"), "attrition": ("n",)}


def read_bundle(folder: Path, center_id: str, protocol: Protocol) -> Bundle:
    """The bundle in `folder`, checked; raises CenterDataError on the first problem found."""

    def problem(text: str, hint: str = RESEND, **where) -> CenterDataError:
        return CenterDataError(center_id, text, hint=hint, **where)

    _check_manifest(folder, problem)
    about = dict(_read(folder, "about.csv", {"item": pl.Utf8, "value": pl.Utf8}, problem).rows())
    if about.get("format") != FORMAT:
        raise problem(f"bundle format {about.get('format')!r}, expected {FORMAT}", file="about.csv")
    if about.get("center") != center_id:
        raise problem(
            f"the bundle was written for center {about.get('center')!r}",
            hint="check that the hospital exported its own registry into its own landing folder",
            file="about.csv",
        )
    parameters = _read(folder, "protocol.csv", {"parameter": pl.Utf8, "value": pl.Utf8}, problem)
    theirs = {name: json.loads(value) for name, value in parameters.rows()}
    ours = protocol.as_dict()
    differing = sorted(k for k in ours.keys() | theirs.keys() if ours.get(k) != theirs.get(k))
    if differing:
        shown = ", ".join(f"{k} = {theirs.get(k)!r} (registry: {ours.get(k)!r})" for k in differing)
        raise problem(
            f"the bundle's protocol differs from the registry's: {shown}",
            hint="the hospital must run jakreg with the network's protocol file and export again",
            file="protocol.csv",
        )
    small = protocol.min_cell_count
    life_tables = _read(folder, "life_tables.csv", LIFE_TABLE_SCHEMA, problem)
    _check_counts(life_tables, "life_tables.csv", "events", small, problem, zero_allowed=False)
    margins = _read(folder, "event_margins.csv", MARGINS_SCHEMA, problem)
    _check_counts(margins, "event_margins.csv", "events", small, problem)
    person_time = _read(folder, "person_time.csv", PERSON_TIME_SCHEMA, problem)
    tables = {}
    for name, columns in COUNTS.items():
        schema = dict.fromkeys(columns, pl.Utf8)
        table = _read(folder, f"{name}.csv", schema, problem, extra_columns=True)
        for column in columns:
            _check_masked(table, f"{name}.csv", column, small, problem)
        tables[name] = table
    return Bundle(
        about=about,
        protocol=theirs,
        aggregates=CenterAggregates(life_tables, person_time, margins),
        descriptive=tables["descriptive"],
        attrition=tables["attrition"],
    )


def _check_manifest(folder: Path, problem) -> None:
    listed = _read(
        folder, MANIFEST, {"file": pl.Utf8, "bytes": pl.Int64, "sha256": pl.Utf8}, problem
    )
    present = {p.name for p in folder.iterdir()} - {MANIFEST}
    names = listed["file"].to_list()
    unexpected = sorted((present | set(names)) - set(FILES))
    missing = sorted(set(FILES) - set(names))
    if unexpected or missing:
        raise problem(
            f"the manifest or folder does not match a bundle: unexpected {unexpected}, "
            f"not listed {missing}",
            file=MANIFEST,
        )
    for row, (name, _size, digest) in enumerate(listed.rows(), start=2):
        path = folder / name
        if not path.exists():
            raise problem(f"{name} is listed but missing", file=MANIFEST, row=row)
        if file_digest(path) != digest:
            raise problem(
                f"{name} does not match its checksum in the manifest (changed or damaged on the "
                "way)",
                file=MANIFEST,
                row=row,
                column="sha256",
            )


def _read(folder: Path, name: str, schema: dict, problem, extra_columns: bool = False):
    try:
        table = pl.read_csv(folder / name, infer_schema_length=0)
    except (FileNotFoundError, pl.exceptions.PolarsError) as err:
        raise problem(f"cannot be read as CSV ({type(err).__name__})", file=name) from err
    missing = [c for c in schema if c not in table.columns]
    if missing:
        raise problem(f"missing column(s) {', '.join(missing)}", file=name)
    extra = [c for c in table.columns if c not in schema]
    if extra and not extra_columns:
        raise problem(f"unexpected column(s) {', '.join(extra)}", file=name)
    for column, dtype in schema.items():
        if dtype == pl.Utf8:
            continue
        parsed = table[column].cast(dtype, strict=False)
        bad = parsed.is_null() & table[column].is_not_null()
        if bad.any():
            row = int(bad.arg_true()[0]) + 2
            raise problem("not a number", file=name, row=row, column=column)
        table = table.with_columns(parsed)
    return table


def _check_counts(table, name, column, small, problem, zero_allowed: bool = True) -> None:
    values = table[column]
    under = values.is_between(0 if not zero_allowed else 1, small - 1) | (values < 0)
    if under.any():
        row = int(under.arg_true()[0]) + 2
        raise problem(
            f"a count under the minimum of {small} (a small cell must not leave the hospital)",
            hint="the bundle must be exported by `jakreg export-aggregates`, which merges "
            "intervals and masks small counts; do not edit a bundle by hand",
            file=name,
            row=row,
            column=column,
        )


def _check_masked(table, name, column, small, problem) -> None:
    """A masked column holds numbers, the small-cell label, `masked` (secondary suppression) or
    nothing."""
    label = small_cell_label(small)
    text = pl.col(column)
    counts = table.select(
        pl.when(text.is_in([label, MASKED])).then(None).otherwise(text).alias(column)
    )
    numbers = counts[column].cast(pl.Int64, strict=False)
    if (numbers.is_null() & counts[column].is_not_null()).any():
        raise problem(f"a count that is neither a number nor {label}", file=name, column=column)
    _check_counts(pl.DataFrame({column: numbers}), name, column, small, problem)
