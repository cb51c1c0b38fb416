"""A run killed (SIGKILL) at any stage leaves the published registry and outputs as they were,
and the next run converges to what an uninterrupted run publishes; two runs at once never mix.

Runs are `jakreg run` subprocesses against the session's Prefect API, killed by the
JAKREG_FAULT_INJECT test hook (jakreg/faults.py). Kill points run in parallel to keep this fast.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from prefect.settings import PREFECT_API_URL

from jakreg.faults import FAULT_ENV, FAULT_POINTS
from jakreg.simulate import simulate
from tests.conftest import TEST_KEY
from tests.e2e.snapshots import SCRATCH, published_files

pytestmark = pytest.mark.e2e
MARTS = ("advanced_therapy_courses", "jaki_courses", "jaki_failures")


def _start(root: Path, fault: str | None = None) -> subprocess.Popen:
    env = {
        **os.environ,
        "PREFECT_API_URL": PREFECT_API_URL.value(),
        "JAKREG_PSEUDONYM_KEY": TEST_KEY,
    }
    env.pop(FAULT_ENV, None)
    if fault:
        env[FAULT_ENV] = fault
    command = [sys.executable, "-m", "jakreg.cli", "run", "--centers", "centers.yaml"]
    command += ["--db", "registry.duckdb", "--out", "out"]
    return subprocess.Popen(
        command, cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def _scratch(root: Path) -> list[str]:
    return sorted(
        p.relative_to(root).as_posix() for p in root.rglob("*") if p.name.endswith(SCRATCH)
    )


def _marts(root: Path) -> dict[str, list[tuple]]:
    with duckdb.connect(str(root / "registry.duckdb"), read_only=True) as con:
        return {mart: sorted(con.table(f"marts.{mart}").fetchall()) for mart in MARTS}


def _finish(process: subprocess.Popen) -> tuple[int, str]:
    _, stderr = process.communicate(timeout=300)
    return process.returncode, stderr


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory, prefect_harness) -> Path:
    """A registry published once, then a corrected dump for valencia waiting to be loaded."""
    root = tmp_path_factory.mktemp("crash") / "base"
    simulate(root, patients=40, centers=2, seed=13)
    returncode, stderr = _finish(_start(root))
    assert returncode == 0, stderr
    [prescriptions] = (root / "landing" / "valencia").glob("*/prescriptions.csv")
    lines = prescriptions.read_text(encoding="utf-8").splitlines(keepends=True)
    prescriptions.write_text("".join(lines[:-1]), encoding="utf-8")
    return root


def _copy(published: Path, name: str) -> Path:
    copy = published.with_name(name)
    shutil.copytree(published, copy, symlinks=True)
    return copy


def test_a_run_killed_at_any_stage_changes_nothing_and_the_next_run_converges(
    published: Path,
) -> None:
    reference = _copy(published, "uninterrupted")
    roots = {fault: _copy(published, f"killed-{fault}") for fault in FAULT_POINTS}
    before = published_files(published)
    runs = {fault: _start(root, fault) for fault, root in roots.items()}
    runs["uninterrupted"] = _start(reference)
    outcomes = {name: _finish(process) for name, process in runs.items()}

    assert outcomes.pop("uninterrupted")[0] == 0
    for fault, (returncode, stderr) in outcomes.items():
        assert returncode == -signal.SIGKILL, f"{fault}: {stderr[-2000:]}"
        assert published_files(roots[fault]) == before, fault
    assert _scratch(roots["stage"]), "the kill must have left a half-staged extract"

    recoveries = {fault: _start(root) for fault, root in roots.items()}
    for fault, process in recoveries.items():
        returncode, stderr = _finish(process)
        assert returncode == 0, f"{fault}: {stderr[-2000:]}"
        assert _marts(roots[fault]) == _marts(reference), fault
        assert _scratch(roots[fault]) == [], fault
        assert published_files(roots[fault]) != before, fault


def test_two_runs_started_at_once_one_runs_the_other_exits_clearly(published: Path) -> None:
    root = _copy(published, "two-at-once")

    first, second = _start(root), _start(root)
    outcomes = sorted([_finish(first), _finish(second)])

    [(ran, _), (refused, message)] = outcomes
    assert (ran, refused) == (0, 5)
    assert "another run holds the registry lock" in message
    assert _scratch(root) == []
    with duckdb.connect(str(root / "registry.duckdb"), read_only=True) as con:
        assert con.sql("select count(*) from marts.jaki_courses").fetchall()[0][0] > 0
