"""An aggregate bundle: the folder of plain CSV files a federated hospital sends.

- `about.csv` (item, value): format, center, jakreg and vocabulary versions, protocol digest,
  data-quality verdict, minimum cell count;
- `protocol.csv` (parameter, value as JSON): the protocol the hospital's registry was built with;
- `life_tables.csv`: strategy, start_day, end_day (empty: open), events, person_days;
- `person_time.csv`: start_day, end_day, strategy, sex, age_band, indication, prior_lines_band,
  person_days;
- `event_margins.csv`: covariate, level, events (cycling and switching courses);
- `descriptive.csv`, `attrition.csv`: the descriptive and attrition counts, small counts masked;
- `manifest.csv`: file, bytes, sha256 of every other file.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from jakreg import __version__
from jakreg.config import Protocol
from jakreg.vocabulary import version as vocabulary_version
from tasks.analysis.disclosure import write_shared_csv
from tasks.federated.aggregates import CenterAggregates
from tasks.registry.atomic_files import PARTIAL
from tasks.registry.inputs import json_digest

FORMAT = "1"
MANIFEST = "manifest.csv"
TABLES = ("life_tables", "person_time", "event_margins", "descriptive", "attrition")
FILES = ("about.csv", "protocol.csv", *(f"{table}.csv" for table in TABLES))


@dataclass(frozen=True)
class Bundle:
    """One center's bundle as read back: its `about` items, protocol and tables."""

    about: dict[str, str]
    protocol: dict[str, object]
    aggregates: CenterAggregates
    descriptive: pl.DataFrame
    attrition: pl.DataFrame

    @property
    def center_id(self) -> str:
        return self.about["center"]


def protocol_digest(protocol: Protocol) -> str:
    return json_digest(protocol.as_dict())


def write_bundle(
    out: Path,
    center_id: str,
    protocol: Protocol,
    quality: str,
    aggregates: CenterAggregates,
    descriptive: pl.DataFrame,
    attrition: pl.DataFrame,
) -> list[Path]:
    """Writes the bundle into the new folder `out` (written beside it, then renamed into place,
    so a half-written bundle never has the final name); returns the files written."""
    if out.exists():
        raise FileExistsError(f"{out} already exists: choose a new folder for the bundle")
    partial = out.with_name(out.name + PARTIAL)
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    about = {
        "format": FORMAT,
        "center": center_id,
        "jakreg_version": __version__,
        "vocabulary_version": vocabulary_version(),
        "protocol_digest": protocol_digest(protocol),
        "data_quality": quality,
        "min_cell_count": str(protocol.min_cell_count),
    }
    _items(about, "item").write_csv(partial / "about.csv")
    parameters = {k: json.dumps(v) for k, v in protocol.as_dict().items()}
    _items(parameters, "parameter").write_csv(partial / "protocol.csv")
    tables = {
        "life_tables": aggregates.life_tables,
        "person_time": aggregates.person_time,
        "event_margins": aggregates.event_margins,
        "descriptive": descriptive,
        "attrition": attrition,
    }
    for name, table in tables.items():
        write_shared_csv(table, partial / f"{name}.csv")
    manifest = [
        {
            "file": name,
            "bytes": (partial / name).stat().st_size,
            "sha256": file_digest(partial / name),
        }
        for name in FILES
    ]
    pl.DataFrame(manifest).write_csv(partial / MANIFEST)
    partial.rename(out)
    return [out / name for name in (*FILES, MANIFEST)]


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _items(values: dict[str, str], key: str) -> pl.DataFrame:
    return pl.DataFrame({key: list(values), "value": list(values.values())})
