"""Two nights as the people on call see them: the terminal, the run states, names and artifacts
in the Prefect API, and what changed between the two published versions."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import duckdb
import pytest
from prefect import get_client
from prefect.client.schemas.filters import (
    ArtifactFilter,
    ArtifactFilterFlowRunId,
    TaskRunFilter,
    TaskRunFilterName,
)
from prefect.client.schemas.sorting import TaskRunSort

from flows.registry_refresh import NoCenterStagedError, registry_refresh
from jakreg.cli import main
from jakreg.layout import RegistryLayout
from jakreg.simulate import simulate
from tasks.registry.publish import kept_versions
from tasks.run_log import read_runs
from tests.conftest import expected_patient_key

pytestmark = pytest.mark.e2e

TIMESTAMPED = re.compile(r"^\d\d:\d\d:\d\d (INFO|WARNING|ERROR) ")


def _night(centers: Path, root: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    args = ["run", "--centers", str(centers), "--db", str(root / "registry.duckdb")]
    code = main([*args, "--out", str(root / "out")])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _drop_patient(valencia: Path) -> str:
    """A new extract a week later without one patient's prescriptions; returns the local id."""
    [old] = sorted(p for p in valencia.iterdir() if p.is_dir())
    new = valencia / "2026-11-15"
    shutil.copytree(old, new)
    lines = (new / "prescriptions.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    local_id = lines[1].split(",")[0]
    kept = [line for line in lines if not line.startswith(f"{local_id},")]
    (new / "prescriptions.csv").write_text("".join(kept), encoding="utf-8")
    return local_id


def _break(sagunto: Path) -> None:
    [prescriptions] = sagunto.glob("*/prescriptions.csv")
    lines = prescriptions.read_bytes().split(b"\n")
    lines[40] += b" \x93voluntario\x94"  # Windows-1252 quotes: the file cannot be read
    prescriptions.write_bytes(b"\n".join(lines))


def test_two_nights_read_well_on_the_terminal_and_in_the_prefect_api(
    tmp_path: Path, prefect_harness, capsys: pytest.CaptureFixture[str]
) -> None:
    cohort = simulate(tmp_path / "cohort", patients=300, centers=3, seed=7)
    landing = tmp_path / "cohort" / "landing"

    code, out, err = _night(cohort.centers_file, tmp_path, capsys)

    assert code == 0
    printed = out.splitlines() + err.splitlines()
    assert len(printed) <= 32, printed  # 27 lines before the sensitivity grid and study stages
    assert all(TIMESTAMPED.match(line) for line in err.splitlines()), err
    assert len(set(err.splitlines())) == len(err.splitlines())
    assert "Timeout of" not in err and "Finished in state" not in err
    assert "stage build-registry done in" in err
    assert "stage-centers 3/3: center" in err
    assert re.search(r"^  switching +\d+ courses +\d+\.\d% \(\d+\.\d%–\d+\.\d%\)$", out, re.M)
    words = [line for line in out.splitlines() if "/" not in line]  # paths are as long as they are
    assert max(len(line) for line in words) <= 80

    local_id = _drop_patient(landing / "valencia")
    _break(landing / "sagunto")
    database = tmp_path / "registry.duckdb"
    with duckdb.connect(str(database), read_only=True) as con:
        [(dropped,)] = con.execute(
            "select count(*) from marts.advanced_therapy_courses where patient_key = ?",
            [expected_patient_key("valencia", local_id)],
        ).fetchall()
    assert dropped > 0

    code, out, err = _night(cohort.centers_file, tmp_path, capsys)

    assert code == 4
    assert err.count("center sagunto, file prescriptions.csv") == 1, err
    assert "Traceback" not in err
    # A night that ended normally leaves nothing for the next one to clear as a killed run's.
    assert not list((tmp_path / "registry.work").rglob("*.partial"))

    runs = read_runs(RegistryLayout.for_database(database).run_log)
    second, first = (run.run_id for run in runs[:2])
    with get_client(sync_client=True) as client:
        states = {run_id: client.read_flow_run(run_id) for run_id in (first, second)}
        artifacts = {
            run_id: {
                a.key: a
                for a in client.read_artifacts(
                    artifact_filter=ArtifactFilter(
                        flow_run_id=ArtifactFilterFlowRunId(any_=[run_id])
                    )
                )
            }
            for run_id in (first, second)
        }
        loads = client.read_task_runs(
            task_run_filter=TaskRunFilter(name=TaskRunFilterName(any_=["load-sagunto"])),
            sort=TaskRunSort.EXPECTED_START_TIME_DESC,
        )
    # The failing step is the failed center's own load task, with the problem as its message.
    assert loads[0].state.type.value == "FAILED"
    assert loads[0].state.message.startswith("center sagunto, file prescriptions.csv, row 41")
    for run in states.values():
        assert re.fullmatch(r"night \d{4}-\d\d-\d\d \d\d:\d\d \S+", run.name)
    assert (states[first].state.type.value, states[first].state.name) == ("COMPLETED", "Completed")
    assert (states[second].state.type.value, states[second].state.name) == ("COMPLETED", "Partial")
    assert "partial" in states[second].tags and "partial" not in states[first].tags
    markdown_keys = {k for k, a in artifacts[second].items() if a.type == "markdown"}
    assert markdown_keys == {"registry-run-summary", "quality-gate", "registry-changes"}
    summary = artifacts[second]["registry-run-summary"]
    assert summary.description and "| stage-centers |" in summary.data
    assert "/.building/" not in artifacts[second]["quality-gate"].data
    changes = artifacts[second]["registry-changes"].data
    removed = dropped if dropped >= 5 else "<5"
    assert f"center valencia, marts.advanced_therapy_courses: 0 added, {removed} removed" in changes
    assert "center valencia: extract " in changes and "-> 2026-11-15" in changes
    assert "center sagunto: new finding [error]" in changes
    assert "center madrid, marts" not in changes

    assert main(["diff", "--db", str(database)]) == 0
    listed = capsys.readouterr().out
    versions = [v.name for v in kept_versions(RegistryLayout.for_database(database))]
    assert listed.splitlines()[0] == f"Changes from {versions[1]} to {versions[0]}:"
    assert f"center valencia, marts.advanced_therapy_courses: 0 added, {removed} removed" in listed
    assert "switching: 9-month retention" in listed


def test_a_night_that_publishes_nothing_ends_failed_in_one_line(
    tmp_path: Path, prefect_harness
) -> None:
    centers = tmp_path / "centers.yaml"
    (tmp_path / "landing" / "valencia").mkdir(parents=True)
    centers.write_text(
        "centers:\n  - id: valencia\n    dialect: registry_csv\n    landing: landing/valencia\n"
    )
    state = registry_refresh(
        centers, tmp_path / "registry.duckdb", tmp_path / "out", return_state=True
    )
    assert (state.type.value, state.name) == ("FAILED", "Failed")
    assert state.message.startswith(
        "no center could be staged or passed the quality gate; nothing was published."
    )
    assert "\n" not in state.message
    with pytest.raises(NoCenterStagedError):
        state.result()
