"""The registry lock: one holder at a time, a clear refusal, and waiting for a release."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from tasks.registry.lock import RegistryLockedError, lock_holder, registry_lock


def test_a_second_run_is_refused_naming_the_holder(tmp_path: Path) -> None:
    lock = tmp_path / "registry.duckdb.lock"
    with registry_lock(lock, "run first"):
        assert lock_holder(lock).startswith("run first, pid ")
        refused = pytest.raises(RegistryLockedError, match=r"another run holds .* \(run first")
        with refused, registry_lock(lock, "run second"):
            pytest.fail("the second run must not get the lock")
    assert lock_holder(lock) is None


def test_a_refused_run_exits_with_its_own_code() -> None:
    assert RegistryLockedError(Path("x.lock"), "run a", 0).exit_code == 5


def test_a_waiting_run_gets_the_lock_once_it_is_released(tmp_path: Path) -> None:
    lock = tmp_path / "registry.duckdb.lock"
    held = threading.Event()

    def first_run() -> None:
        with registry_lock(lock, "run first"):
            held.set()
            time.sleep(0.6)

    thread = threading.Thread(target=first_run)
    thread.start()
    held.wait()
    with registry_lock(lock, "run second", wait_seconds=10):
        assert lock_holder(lock).startswith("run second")
    thread.join()
