"""Shared fixtures: one Prefect test harness per session and a pseudonymisation key."""

from __future__ import annotations

import hashlib
import hmac

import pytest
from prefect.testing.utilities import prefect_test_harness

TEST_KEY = "test-key-not-secret"


@pytest.fixture(scope="session")
def prefect_harness():
    """A temporary Prefect API for the whole session (each ephemeral start costs seconds)."""
    # 300 s: on a machine shared by many test runs (load 15-30) the server takes minutes to start
    with prefect_test_harness(server_startup_timeout=300):
        yield


@pytest.fixture(autouse=True)
def pseudonym_key(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("JAKREG_PSEUDONYM_KEY", TEST_KEY)
    return TEST_KEY


def expected_patient_key(center_id: str, local_id: str, key: str = TEST_KEY) -> str:
    """The protocol's patient key, computed independently of the SQL macro."""
    message = f"{center_id}:{local_id}".encode()
    return hmac.new(key.encode(), message, hashlib.sha256).hexdigest()
