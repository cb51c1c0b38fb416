"""How a dialect reads each export file in DuckDB, as one table-function call per file.

Each reader exposes `reader_calls(center, extract_dir)` next to `load_raw`, built from the same
pinned options `load_raw` uses, so that the benchmark's floor (`benchmarks/floor.py`) times DuckDB
parsing exactly what the pipeline parses, without copying any reader option.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ReaderCall:
    """One file: its name, the `read_csv(...)`/`read_ndjson(...)` call and the values it binds."""

    file: str
    call: str
    parameters: dict[str, str]
