"""prefect.yaml deploys against a real local Prefect server and its deployment runs to completion.

Starts `prefect server start` on a free loopback port with its own PREFECT_HOME, deploys with
`prefect deploy`, checks the schedule and parameters through the client, runs the deployment on a
process worker and waits for the flow run to complete; then stops the worker and the server.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from prefect import get_client
from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterId
from prefect.settings import PREFECT_API_URL, temporary_settings

from jakreg.simulate import simulate
from tests.conftest import TEST_KEY

pytestmark = pytest.mark.e2e
REPO = Path(__file__).resolve().parents[2]
PREFECT = str(Path(sys.executable).with_name("prefect"))
FINAL_STATES = {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _stop(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _wait_healthy(url: str, server: subprocess.Popen, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert server.poll() is None, "the Prefect server exited while starting"
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    pytest.fail(f"the Prefect server at {url} did not become healthy in {timeout} s")


@pytest.fixture
def server(tmp_path: Path) -> Iterator[dict[str, str]]:
    """A real Prefect server; yields the environment that talks to it."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env["PREFECT_HOME"] = str(tmp_path / "prefect-home")
    env["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
    process = subprocess.Popen(
        [PREFECT, "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        url = f"http://127.0.0.1:{port}/api"
        _wait_healthy(url, process)
        yield {**env, "PREFECT_API_URL": url}
    finally:
        _stop(process)


def _prefect(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [PREFECT, *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done.stdout


def test_the_nightly_deployment_is_scheduled_and_runs_to_completion(
    server: dict[str, str], tmp_path: Path
) -> None:
    simulate(tmp_path / "cohort", patients=30, centers=2, seed=3)
    site = {
        "JAKREG_CENTERS_FILE": str(tmp_path / "cohort" / "centers.yaml"),
        "JAKREG_DATABASE": str(tmp_path / "registry.duckdb"),
        "JAKREG_OUT_DIR": str(tmp_path / "out"),
    }
    env = {**server, **site, "JAKREG_PSEUDONYM_KEY": TEST_KEY}

    _prefect(env, "work-pool", "create", "jakreg-process", "--type", "process")
    _prefect(env, "--no-prompt", "deploy", "--all")

    with temporary_settings({PREFECT_API_URL: env["PREFECT_API_URL"]}):
        with get_client(sync_client=True) as client:
            deployment = client.read_deployment_by_name("registry-refresh/nightly")
        [schedule] = deployment.schedules
        assert (schedule.schedule.cron, schedule.schedule.timezone) == (
            "0 2 * * *",
            "Europe/Madrid",
        )
        assert schedule.active
        assert deployment.work_pool_name == "jakreg-process"
        assert deployment.global_concurrency_limit.limit == 1
        assert deployment.concurrency_options.collision_strategy.value == "ENQUEUE"
        assert deployment.parameters == {
            "centers_file": site["JAKREG_CENTERS_FILE"],
            "database": site["JAKREG_DATABASE"],
            "out_dir": site["JAKREG_OUT_DIR"],
            "keep_versions": 3,
            "lock_wait_seconds": 600,
        }

        worker = subprocess.Popen(
            [PREFECT, "worker", "start", "--pool", "jakreg-process"],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            _prefect(env, "deployment", "run", "registry-refresh/nightly")
            state = _wait_for_run(deployment.id, timeout=300)
        finally:
            _stop(worker)
    assert state == "COMPLETED"
    assert Path(site["JAKREG_DATABASE"]).is_file()
    assert (Path(site["JAKREG_OUT_DIR"]) / "latest" / "retention_summary.csv").is_file()


def _wait_for_run(deployment_id, timeout: float) -> str:
    """Polls the deployment's one flow run until it reaches a final state; returns it."""
    deadline = time.monotonic() + timeout
    with get_client(sync_client=True) as client:
        while time.monotonic() < deadline:
            runs = client.read_flow_runs(
                deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[deployment_id]))
            )
            manual = [run for run in runs if run.state and run.state_type.value != "SCHEDULED"]
            if manual and manual[0].state_type.value in FINAL_STATES:
                return manual[0].state_type.value
            time.sleep(2)
    pytest.fail(f"the deployment's flow run did not finish in {timeout} s")
