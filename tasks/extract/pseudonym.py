"""Pseudonymous patient keys: HMAC-SHA256(secret, center_id + ':' + local_id), computed in DuckDB.

The key is read from the environment, never passed as a task parameter (Prefect records those),
and reaches DuckDB only as the two HMAC pad blobs in a temporary table of an in-memory database.
"""

from __future__ import annotations

import hashlib
import os

import duckdb

from jakreg.errors import MissingSecretError
from jakreg.key_policy import check_key_strength
from tasks.registry import database

KEY_VARIABLE = "JAKREG_PSEUDONYM_KEY"
_BLOCK_SIZE = 64  # SHA-256 block size in bytes, as HMAC (RFC 2104) requires


def pseudonym_key() -> bytes:
    value = os.environ.get(KEY_VARIABLE, "")
    if not value:
        raise MissingSecretError(
            f"{KEY_VARIABLE} is not set: set it to the registry's secret pseudonymisation key "
            "(the same key every night, or patient keys change); `make demo` sets a demo key"
        )
    check_key_strength(KEY_VARIABLE, value)
    return value.encode("utf-8")


def install_patient_key_macro(con: duckdb.DuckDBPyConnection, key: bytes) -> None:
    """Defines `patient_key(center_id, local_id)` returning the hex HMAC-SHA256."""
    block = hashlib.sha256(key).digest() if len(key) > _BLOCK_SIZE else key
    block = block.ljust(_BLOCK_SIZE, b"\0")
    database.run(
        con,
        "create or replace temp table pseudonym_pads as select $inner::blob as inner_pad, "
        "$outer::blob as outer_pad",
        {
            "inner": bytes(b ^ 0x36 for b in block),
            "outer": bytes(b ^ 0x5C for b in block),
        },
    )
    database.run(
        con,
        "create or replace temp macro patient_key(center_id, local_id) as ("
        "select sha256(outer_pad || unhex(sha256("
        "inner_pad || encode(center_id || ':' || local_id))))"
        " from pseudonym_pads)",
    )
