"""What a registry is built from, as one digest, so that a run with nothing new does nothing.

A build is a function of: every center's configuration, term overrides and newest extract (the
hash of its files), the protocol, the quality thresholds, the pseudonymisation key and jakreg's
own code (SQL models, expectation suites, vocabulary, Python sources). The published registry
records the digest of these in `meta.run`, with the gate's decision per center and its mart row
counts. A run whose
digest equals the published one's, and whose `out/latest` shows that registry's run, would
rebuild the same bytes: it publishes nothing and reports what the published run decided
(docs/operations.md, "Runs with nothing new").

The key enters the digest only as an HMAC of a fixed label, which reveals nothing of the key.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import duckdb

from jakreg.config import Center, Protocol
from jakreg.quality import QualityThresholds
from tasks.registry import database as db

PROJECT_ROOT = Path(__file__).resolve().parents[2]
# Everything that decides what a build produces; docs, tests and benchmarks do not.
CODE_FOLDERS = ("sql", "expectations", "vocabulary", "jakreg", "tasks", "flows")
_KEY_LABEL = b"jakreg pseudonym key id"

logger = logging.getLogger(__name__)


def key_id(key: bytes) -> str:
    """Tells keys apart without revealing them: staged data made with another key is not reused."""
    return hmac.new(key, _KEY_LABEL, hashlib.sha256).hexdigest()[:16]


@cache
def code_digest() -> str:
    """One digest over jakreg's code, so that an upgrade rebuilds what it may change."""
    digest = hashlib.sha256()
    for folder in CODE_FOLDERS:
        for path in sorted((PROJECT_ROOT / folder).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(path.relative_to(PROJECT_ROOT).as_posix().encode() + b"\0")
                digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def inputs_digest(
    centers: list[tuple[Center, str | None]],
    protocol: Protocol,
    thresholds: QualityThresholds,
    key: bytes,
) -> str:
    """The digest of a build's inputs; `centers` pairs each center with its newest extract's
    digest (None when it has no extract folder). Where the landing folder is does not count:
    the same files read from elsewhere build the same registry."""
    document = {
        "centers": [
            {
                "id": center.id,
                "dialect": center.dialect,
                "options": center.options,
                "extract": e,
                "term_overrides": center.term_overrides_digest(),
            }
            for center, e in sorted(centers, key=lambda pair: pair[0].id)
        ],
        "protocol": protocol.as_dict(),
        "quality": thresholds.as_dict(),
        "key": key_id(key),
        "code": code_digest(),
    }
    return json_digest(document)


def json_digest(document: dict[str, Any]) -> str:
    """sha256 of a JSON document with sorted keys: equal documents, equal digests."""
    return hashlib.sha256(json.dumps(document, sort_keys=True, default=str).encode()).hexdigest()


@dataclass(frozen=True)
class PublishedRun:
    """What `meta.run` of a published registry says about the run that built it."""

    run_id: str
    inputs_digest: str | None
    centers: dict[str, dict[str, Any]]
    mart_rows: dict[str, int]
    # Each center's build digest (tasks/registry/build_center.py): whose rows the next build may
    # keep.
    builds: dict[str, str]
    # The key's fingerprint (`key_id`): a run with another key stops unless it rotates the key.
    key_fingerprint: str | None = None


def read_published_run(database: Path) -> PublishedRun | None:
    """The run recorded in the registry at `database`, or None when there is no registry."""
    if not database.exists():
        return None
    try:
        with duckdb.connect(str(database), read_only=True) as con:
            [record] = db.fetch_records(con, "select * from meta.run")
    except (duckdb.Error, ValueError):
        # A damaged registry (truncated, garbage) holds nothing to stand on: build anew.
        logger.warning("%s cannot be read as a registry; the run builds a new one", database)
        return None
    # Registries built before the digest was recorded have no such columns: they are rebuilt.
    return PublishedRun(
        record["run_id"],
        record.get("inputs_digest"),
        json.loads(record.get("centers") or "{}"),
        json.loads(record.get("mart_rows") or "{}"),
        json.loads(record.get("builds") or "{}"),
        record.get("key_fingerprint"),
    )
