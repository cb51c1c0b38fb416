"""The temporary Prefect server of a `jakreg run` never outlives the run, even a SIGKILLed one,
and never holds the pseudonymisation key in its environment."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from jakreg.prefect_server import STARTUP_SECONDS
from jakreg.simulate import simulate
from tests.conftest import TEST_KEY

pytestmark = pytest.mark.e2e


def _children(parent: int) -> list[int]:
    """Live processes whose parent is `parent`."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        if int(fields[1]) == parent and fields[0] != "Z":
            found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def _wait_for(condition, seconds: float):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(0.1)
    return None


def _server_of(run: subprocess.Popen) -> int | None:
    for pid in _children(run.pid):
        if b"prefect.server.api.server" in Path(f"/proc/{pid}/cmdline").read_bytes():
            return pid
    return None


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_a_sigkilled_run_takes_its_prefect_server_along(tmp_path: Path) -> None:
    summary = simulate(tmp_path / "cohort", patients=20, centers=1, seed=3)
    environment = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}
    environment |= {"JAKREG_PSEUDONYM_KEY": TEST_KEY, "HOME": str(tmp_path)}
    jakreg = Path(sys.executable).with_name("jakreg")
    arguments = ["--db", str(tmp_path / "r.duckdb"), "--out", str(tmp_path / "out")]
    run = subprocess.Popen(
        [jakreg, "run", "--centers", str(summary.centers_file), *arguments],
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        server = _wait_for(lambda: _server_of(run), STARTUP_SECONDS)
        assert server is not None, "the run started no server"
        environ = Path(f"/proc/{server}/environ").read_bytes()
        assert b"JAKREG_PSEUDONYM_KEY" not in environ
        assert TEST_KEY.encode() not in environ
    finally:
        run.send_signal(signal.SIGKILL)
        run.wait()

    assert _wait_for(lambda: not _alive(server), 15), "the server outlived the killed run"
    assert not (tmp_path / ".prefect" / "prefect.db").exists()


def test_a_run_on_its_own_server_exits_with_nothing_left_to_send(tmp_path: Path) -> None:
    """The run's last logs reach its server before the server stops: none are left to be sent,
    at exit, to a server that is gone (76 s of retries, then "Error logging to API")."""
    summary = simulate(tmp_path / "cohort", patients=20, centers=1, seed=3)
    environment = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}
    environment |= {"JAKREG_PSEUDONYM_KEY": TEST_KEY, "HOME": str(tmp_path)}
    jakreg = Path(sys.executable).with_name("jakreg")
    arguments = ["--db", str(tmp_path / "r.duckdb"), "--out", str(tmp_path / "out")]
    run = subprocess.run(
        [jakreg, "run", "--centers", str(summary.centers_file), *arguments],
        env=environment,
        capture_output=True,
        text=True,
        timeout=STARTUP_SECONDS + 600,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert "registry version" in run.stderr
    assert "Error logging to API" not in run.stderr
    assert "All connection attempts failed" not in run.stderr
