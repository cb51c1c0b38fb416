"""`jakreg alerts install` creates automations that notify through a webhook: a night that
publishes nothing and a center that is quarantined each reach a listener on 127.0.0.1."""

from __future__ import annotations

import json
import queue
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from prefect.automations import Automation

from flows.registry_refresh import registry_refresh
from jakreg.alerts import CENTER_QUARANTINED, NIGHT_FAILED
from jakreg.cli import main

pytestmark = pytest.mark.e2e


@pytest.fixture
def listener():
    """A webhook receiver on 127.0.0.1: yields (url, queue of received JSON bodies)."""
    received: queue.Queue[dict] = queue.Queue()

    class Receive(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers["Content-Length"])
            received.put(json.loads(self.rfile.read(length)))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            return None

    server = HTTPServer(("127.0.0.1", 0), Receive)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hook", received
    server.shutdown()


def test_installed_alerts_notify_a_failed_night_and_a_quarantined_center(
    tmp_path: Path, prefect_harness, listener, capsys: pytest.CaptureFixture[str]
) -> None:
    url, received = listener
    assert main(["alerts", "install", "--webhook", url]) == 0
    assert f"automation {NIGHT_FAILED!r} created" in capsys.readouterr().out
    (tmp_path / "landing" / "valencia").mkdir(parents=True)  # no extract: nothing can load
    centers = tmp_path / "centers.yaml"
    centers.write_text(
        "centers:\n  - id: valencia\n    dialect: registry_csv\n    landing: landing/valencia\n"
    )
    try:
        state = registry_refresh(
            centers, tmp_path / "registry.duckdb", tmp_path / "out", return_state=True
        )
        assert state.is_failed()
        alerts = [received.get(timeout=90), received.get(timeout=90)]
    finally:
        for name in (NIGHT_FAILED, CENTER_QUARANTINED):
            Automation.read(name=name).delete()

    subjects = sorted(alert["subject"] for alert in alerts)
    assert subjects == ["jakreg: a center was quarantined", "jakreg: the night published nothing"]
    bodies = {alert["subject"]: alert["body"] for alert in alerts}
    night = bodies["jakreg: the night published nothing"]
    assert night.startswith("night ") and "(registry-refresh) ended Failed: no center" in night
    center = bodies["jakreg: a center was quarantined"]
    assert center.startswith("center-valencia (refresh-center) ended Failed: center valencia")
