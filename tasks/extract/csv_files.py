"""Reads a center's delimited export files into `raw` tables with DuckDB's CSV reader.

Every column is read as text (identifiers keep their leading zeros; dates are parsed in staging),
each row keeps its line number for error messages, and reader options are pinned per dialect,
never sniffed: a file that does not match them is rejected with a message saying how.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import duckdb

from jakreg.config import Center
from jakreg.errors import CenterDataError
from tasks.extract.csv_problems import check_not_utf8, duckdb_encoding, reader_error
from tasks.extract.json_documents import read_json_object
from tasks.extract.reader_calls import ReaderCall
from tasks.registry import database


@dataclass(frozen=True)
class CsvFile:
    """One export file: its name in the extract folder, the columns it must have, and the columns
    it may leave out (read as empty when absent; the OMOP CDM makes most columns optional)."""

    name: str
    columns: tuple[str, ...]
    date_columns: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()

    @property
    def table(self) -> str:
        return f"raw.{Path(self.name).stem}"


@dataclass(frozen=True)
class CsvLayout:
    """A dialect's reader options; a center may override encoding, delimiter and date_format."""

    encoding: str
    delimiter: str
    date_format: str
    files: tuple[CsvFile, ...]

    def for_center(self, center: Center) -> CsvLayout:
        return CsvLayout(
            encoding=duckdb_encoding(center, center.options.get("encoding", self.encoding)),
            delimiter=center.options.get("delimiter", self.delimiter),
            date_format=center.options.get("date_format", self.date_format),
            files=self.files,
        )

    def staging_parameters(self, center: Center) -> dict[str, str]:
        """What a CSV dialect's staging models bind: the date format, as the center sets it."""
        return {"date_format": self.for_center(center).date_format}


def load_csv_files(
    con: duckdb.DuckDBPyConnection, center: Center, extract_dir: Path, layout: CsvLayout
) -> dict[str, int]:
    """Creates one raw table per file; returns rows read per file name."""
    layout = layout.for_center(center)
    renames: dict[str, str] = center.options.get("renames", {})
    database.run(con, "create schema if not exists raw")
    rows = {}
    for spec in layout.files:
        path = extract_dir / spec.name
        file_header = read_header(center, path, layout)
        header = [renames.get(column, column) for column in file_header]
        _check_columns(center, spec, header)
        select_list = ", ".join(
            [
                *(
                    f"{_quoted(original)} as {name}"
                    for original, name in zip(file_header, header, strict=True)
                ),
                *(f"null::varchar as {name}" for name in spec.optional if name not in header),
            ]
        )
        reader, parameters = csv_reader(path, file_header, layout)
        try:
            database.run(
                con,
                f"create or replace table {spec.table} as "
                f"select {select_list}, (row_number() over () + 1)::integer as source_row "
                f"from {reader}",
                parameters,
            )
        except duckdb.Error as err:
            raise reader_error(center, path, err) from None
        rows[spec.name] = database.fetch_value(con, f"select count(*) from {spec.table}")
        if layout.encoding == "latin-1":
            check_not_utf8(con, center, spec.name, spec.table, header)
    return rows


def load_csv_extract(
    con: duckdb.DuckDBPyConnection, center: Center, extract_dir: Path, layout: CsvLayout
) -> dict[str, int]:
    """The layout's files as raw tables plus raw.extract, the data cut read from extract.json."""
    rows = load_csv_files(con, center, extract_dir, layout)
    database.run(
        con,
        "create or replace table raw.extract as select $data_cut::varchar as data_cut_date",
        {"data_cut": read_extract_json(center, extract_dir)},
    )
    return rows


def csv_reader(path: Path, file_header: list[str], layout: CsvLayout) -> tuple[str, dict[str, str]]:
    """DuckDB's `read_csv(...)` call with the layout's pinned options, every column as text, and
    the values it binds. The benchmark's floor reads the dumps through this same call."""
    all_text = ", ".join(f"{_literal(column)}: 'VARCHAR'" for column in file_header)
    call = (
        "read_csv($path, header = true, delim = $delimiter, quote = '\"', escape = '\"', "
        "encoding = $encoding, strict_mode = true, null_padding = false, auto_detect = false, "
        f"columns = {{{all_text}}})"
    )
    return call, {"path": str(path), "delimiter": layout.delimiter, "encoding": layout.encoding}


def csv_reader_calls(center: Center, extract_dir: Path, layout: CsvLayout) -> list[ReaderCall]:
    """The reader call of each of the layout's files in the extract (see `reader_calls`)."""
    layout = layout.for_center(center)
    calls = []
    for spec in layout.files:
        path = extract_dir / spec.name
        calls.append(
            ReaderCall(spec.name, *csv_reader(path, read_header(center, path, layout), layout))
        )
    return calls


def read_extract_json(center: Center, extract_dir: Path) -> str:
    """The data cut date (text) from `extract.json`, after checking it belongs to this center."""
    path = extract_dir / "extract.json"
    document = read_json_object(
        center, path, 'add {"center": "<id>", "data_cut_date": "YYYY-MM-DD"} to the extract folder'
    )
    if document.get("center") != center.id:
        raise CenterDataError(
            center.id,
            f"extract.json names center {document.get('center')!r}",
            file=str(path),
            hint="the extract may have been copied into the wrong landing folder",
        )
    if not isinstance(document.get("data_cut_date"), str):
        raise CenterDataError(
            center.id,
            "extract.json has no data_cut_date",
            file=str(path),
            hint="add the date the data were extracted up to, as YYYY-MM-DD",
        )
    return document["data_cut_date"]


def read_header(center: Center, path: Path, layout: CsvLayout) -> list[str]:
    """The file's column names as written (a BOM and surrounding spaces removed). The header is
    decoded on its own: a bad byte further down is DuckDB's to report with its line number."""
    try:
        with path.open("rb") as handle:
            if layout.encoding == "utf-16":
                decoder = codecs.getincrementaldecoder("utf-16")()
                text = decoder.decode(handle.read(1 << 16))
            else:
                text = handle.readline().decode(layout.encoding)
    except FileNotFoundError:
        raise CenterDataError(
            center.id,
            "file is missing from the extract",
            file=str(path),
            hint="re-send the complete extract",
        ) from None
    except UnicodeDecodeError:
        raise CenterDataError(
            center.id,
            f"the header is not {layout.encoding} text",
            file=path.name,
            row=1,
            hint=f"export the file as {layout.encoding}, or set 'encoding' for this center",
        ) from None
    first = next(csv.reader(io.StringIO(text, newline=""), delimiter=layout.delimiter), None)
    if not first:
        raise CenterDataError(
            center.id,
            "file is empty (no header)",
            file=str(path),
            row=1,
            hint="re-export the file with its header row",
        )
    first[0] = first[0].removeprefix(codecs.BOM_UTF8.decode("utf-8"))
    return [column.strip() for column in first]


def _quoted(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _check_columns(center: Center, spec: CsvFile, header: list[str]) -> None:
    missing = [c for c in spec.columns if c not in header]
    extra = [c for c in header if c not in spec.columns and c not in spec.optional]
    repeated = [c for c, n in Counter(header).items() if n > 1]
    if not missing and not extra and not repeated:
        return
    problems = []
    if missing:
        problems.append(f"missing column(s) {', '.join(missing)}")
    if extra:
        problems.append(f"unexpected column(s) {', '.join(extra)}")
    if repeated:
        problems.append(f"repeated column(s) {', '.join(repeated)}")
    if len(header) == 1 and len(spec.columns) > 1:
        hint = "the header has one column only: check the delimiter"
    else:
        hint = (
            f"expected exactly {', '.join(spec.columns)}; a renamed header can be mapped with "
            "'renames' for this center in centers.yaml"
        )
    raise CenterDataError(center.id, "; ".join(problems), file=spec.name, row=1, hint=hint)
