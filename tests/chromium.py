"""Open a local page in headless Chromium over the DevTools protocol: what it logged, what it
requested, what the DOM says, and a full-page screenshot.

Debian's `chromium` is driven directly (no browser download): it is started with a throwaway
profile and `--remote-debugging-port=0`, and the test talks to it with the `websockets` package
that Prefect already installs.
"""

from __future__ import annotations

import base64
import itertools
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from websockets.sync.client import ClientConnection, connect

CANDIDATES = ("chromium", "chromium-browser", "google-chrome")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--hide-scrollbars",
    "--remote-debugging-port=0",
)
DEVTOOLS_URL = re.compile(r"DevTools listening on (ws://\S+)")
TIMEOUT_SECONDS = 30


def find_chromium() -> str | None:
    for name in CANDIDATES:
        path = shutil.which(name)
        if path:
            return path
    return None


@dataclass
class PageVisit:
    """What happened while a page loaded."""

    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    dom: Any = None
    screenshot: bytes = b""


class Browser:
    """One headless Chromium; `visit` opens a page in a new tab."""

    def __init__(self, socket: ClientConnection) -> None:
        self._socket = socket
        self._ids = itertools.count(1)
        self._events: list[dict] = []

    def visit(self, url: str, probe: str, width: int = 1280, offline: bool = False) -> PageVisit:
        """Loads `url`, records console errors, exceptions and requests, evaluates the
        JavaScript expression `probe` (its value is returned as `dom`) and takes a full-page
        screenshot. `offline` cuts the page off the network, as in a hospital without internet
        (local files still load)."""
        target = self._send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self._send("Target.attachToTarget", {"targetId": target, "flatten": True})
        session_id = session["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            self._send(f"{domain}.enable", session=session_id)
        if offline:
            self._send(
                "Network.emulateNetworkConditions",
                {"offline": True, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
                session=session_id,
            )
        self._send(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": False},
            session=session_id,
        )
        self._events.clear()
        self._send("Page.navigate", {"url": url}, session=session_id)
        self._wait_for("Page.loadEventFired", session_id)
        visit = PageVisit()
        for event in self._events:
            if event.get("sessionId") == session_id:
                _record(visit, event["method"], event["params"])
        visit.dom = self._send(
            "Runtime.evaluate",
            {"expression": probe, "returnByValue": True, "awaitPromise": True},
            session=session_id,
        )["result"].get("value")
        size = self._send("Page.getLayoutMetrics", session=session_id)["cssContentSize"]
        shot = self._send(
            "Page.captureScreenshot",
            {
                "format": "png",
                "captureBeyondViewport": True,
                "clip": {"x": 0, "y": 0, "width": width, "height": size["height"], "scale": 1},
            },
            session=session_id,
        )
        visit.screenshot = base64.b64decode(shot["data"])
        self._send("Target.closeTarget", {"targetId": target})
        return visit

    def _send(self, method: str, params: dict | None = None, session: str | None = None) -> dict:
        message_id = next(self._ids)
        message: dict = {"id": message_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        self._socket.send(json.dumps(message))
        while True:
            reply = json.loads(self._socket.recv(timeout=TIMEOUT_SECONDS))
            if reply.get("id") == message_id:
                if "error" in reply:
                    raise RuntimeError(f"DevTools {method} failed: {reply['error']}")
                return reply["result"]
            self._events.append(reply)

    def _wait_for(self, method: str, session: str) -> None:
        deadline = time.monotonic() + TIMEOUT_SECONDS
        while not any(
            e.get("method") == method and e.get("sessionId") == session for e in self._events
        ):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"Chromium sent no {method} within {TIMEOUT_SECONDS} s")
            self._events.append(json.loads(self._socket.recv(timeout=remaining)))


def _record(visit: PageVisit, method: str, params: dict) -> None:
    if method == "Runtime.exceptionThrown":
        visit.errors.append(params["exceptionDetails"].get("text", "exception"))
    elif method == "Runtime.consoleAPICalled" and params["type"] in ("error", "assert"):
        visit.errors.append(" ".join(str(a.get("value", "")) for a in params["args"]))
    elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
        visit.errors.append(params["entry"]["text"])
    elif method == "Network.requestWillBeSent":
        visit.requests.append(params["request"]["url"])


@contextmanager
def headless_chromium(executable: str) -> Iterator[Browser]:
    """Starts Chromium with a throwaway profile; stops it (this process only) on exit."""
    # Chromium helper processes can still write to the profile while it is removed.
    with tempfile.TemporaryDirectory(
        prefix="jakreg-chromium-", ignore_cleanup_errors=True
    ) as profile:
        log_path = Path(profile) / "stderr.log"
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                [executable, *FLAGS, f"--user-data-dir={profile}/data", "about:blank"],
                stdout=subprocess.DEVNULL,
                stderr=log,
                env={**os.environ, "DBUS_SESSION_BUS_ADDRESS": "disabled:"},
            )
            try:
                url = _devtools_url(log_path, process)
                with connect(url, max_size=None, open_timeout=TIMEOUT_SECONDS) as socket:
                    yield Browser(socket)
            finally:
                process.terminate()
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


def _devtools_url(log_path: Path, process: subprocess.Popen) -> str:
    deadline = time.monotonic() + TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        found = DEVTOOLS_URL.search(log_path.read_text(errors="replace"))
        if found:
            return found.group(1)
        if process.poll() is not None:
            break
        time.sleep(0.1)
    raise RuntimeError(f"Chromium did not start its DevTools server:\n{log_path.read_text()}")
