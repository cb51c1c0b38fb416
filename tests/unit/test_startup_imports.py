"""What `jakreg run` imports before it knows whether anything is new: not the packages that only
the gate, the analysis and a run-owned Prefect server need (seconds each; issue 16)."""

from __future__ import annotations

import json
import subprocess
import sys

# Imported by `jakreg run` against a configured Prefect API, before its first task runs.
RUN_MODULES = ("jakreg.cli", "flows.task_runners", "jakreg.night_summary", "jakreg.prefect_server")
HEAVY = ("great_expectations", "lifelines", "matplotlib", "scipy", "prefect.server.api.server")


def test_a_run_imports_neither_gx_nor_lifelines_nor_the_prefect_server_up_front():
    code = (
        "import json, sys\n"
        + "".join(f"import {module}\n" for module in RUN_MODULES)
        + f"print(json.dumps([m for m in {list(HEAVY)!r} if m in sys.modules]))"
    )
    output = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert json.loads(output) == []
