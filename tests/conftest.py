"""Shared fixtures: one Prefect test harness per session and a pseudonymisation key."""

from __future__ import annotations

import hashlib
import hmac

import pytest
from prefect.settings import PREFECT_SERVER_ANALYTICS_ENABLED, temporary_settings
from prefect.testing.utilities import prefect_test_harness

from jakreg.prefect_server import STARTUP_SECONDS

TEST_KEY = "test-key-not-secret-0123456789abcdef"


@pytest.fixture(scope="session")
def prefect_harness():
    """A temporary Prefect API for the whole session (each ephemeral start costs seconds), as
    `jakreg run` starts its own (jakreg/prefect_server.py): without telemetry, whose writes during
    start-up print "database is locked" tracebacks, and with time to start on a loaded machine."""
    no_telemetry = {PREFECT_SERVER_ANALYTICS_ENABLED: False}
    with temporary_settings(updates=no_telemetry), prefect_test_harness(STARTUP_SECONDS):
        yield


@pytest.fixture(autouse=True)
def pseudonym_key(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("JAKREG_PSEUDONYM_KEY", TEST_KEY)
    return TEST_KEY


def expected_patient_key(center_id: str, local_id: str, key: str = TEST_KEY) -> str:
    """The protocol's patient key, computed independently of the SQL macro."""
    message = f"{center_id}:{local_id}".encode()
    return hmac.new(key.encode(), message, hashlib.sha256).hexdigest()
