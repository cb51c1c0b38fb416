"""Incremental loads through the real flow: unchanged extracts are reused, changed ones restaged,
a center whose new extract is broken keeps its last good one (and its `center-<id>` subflow run
says why), and a run with nothing new publishes nothing."""

from __future__ import annotations

import shutil
import uuid
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest
import yaml
from prefect import get_client
from prefect.client.schemas.filters import (
    FlowRunFilter,
    FlowRunFilterId,
    FlowRunFilterParentFlowRunId,
)
from prefect.client.schemas.objects import FlowRun

from flows.registry_refresh import registry_refresh
from jakreg.key_policy import KeyChangedError
from jakreg.layout import RegistryLayout
from jakreg.simulate import simulate
from tasks.extract.manifest import JsonLines
from tasks.registry.inputs import key_id
from tests.conftest import expected_patient_key
from tests.e2e.snapshots import published_files

pytestmark = pytest.mark.e2e
NEW_KEY = "another-key-not-secret-fedcba9876543210"


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory, prefect_harness) -> Path:
    """A two-center cohort refreshed once; tests work on copies of it."""
    root = tmp_path_factory.mktemp("incremental")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("JAKREG_PSEUDONYM_KEY", "test-key-not-secret-0123456789abcdef")
        simulate(root, patients=40, centers=2, seed=11)
        state = _refresh(root)
    assert state.is_completed()
    return root


@pytest.fixture
def registry(baseline: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "registry"
    shutil.copytree(baseline, copy, symlinks=True)
    return copy


def _refresh(root: Path, **options):
    return registry_refresh(
        root / "centers.yaml", root / "registry.duckdb", root / "out", return_state=True, **options
    )


def _statuses(root: Path, run_id: str) -> dict[str, set[str]]:
    """Manifest statuses by center for one run."""
    statuses: dict[str, set[str]] = {}
    for record in JsonLines(
        RegistryLayout.for_database(root / "registry.duckdb").manifest
    ).records():
        if record["run_id"] == run_id:
            statuses.setdefault(record["center_id"], set()).add(record["status"])
    return statuses


def _subflow_runs(run_id: str) -> dict[str, FlowRun]:
    """The run's subflow runs, by name."""
    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs(
            flow_run_filter=FlowRunFilter(
                parent_flow_run_id=FlowRunFilterParentFlowRunId(any_=[uuid.UUID(run_id)])
            )
        )
    return {run.name: run for run in runs}


def _task_run_names(run_id: str) -> list[str]:
    """The names of the task runs of the run and of its per-center subflow runs."""
    runs = [uuid.UUID(run_id), *(run.id for run in _subflow_runs(run_id).values())]
    with get_client(sync_client=True) as client:
        tasks = client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=runs)))
    return sorted(task.name for task in tasks)


def _send_broken_extract(root: Path) -> str:
    """Gives valencia a newer extract whose patients.csv cannot be read; returns the date of
    its good one."""
    [good] = (root / "landing" / "valencia").iterdir()
    broken = good.with_name(datetime.now(UTC).date().isoformat())
    shutil.copytree(good, broken)
    (broken / "patients.csv").write_text("nhc;sexo\n1;F\n", encoding="utf-8")
    return good.name


def _prescriptions_per_center(root: Path) -> dict[str, int]:
    with duckdb.connect(str(root / "registry.duckdb"), read_only=True) as con:
        rows = con.sql(
            "select center_id, count(*) from staging.stg_prescriptions group by all"
        ).fetchall()
    return dict(rows)


def _built(run_id: str) -> bool:
    return any(name.startswith("build-registry") for name in _task_run_names(run_id))


def test_second_run_without_new_extracts_stages_builds_and_publishes_nothing(
    registry: Path,
) -> None:
    staged_files = sorted((registry / "registry.work" / "staged").rglob("*.parquet"))
    mtimes = [p.stat().st_mtime_ns for p in staged_files]
    published = published_files(registry)
    latest = (registry / "out" / "latest").resolve()

    state = _refresh(registry)

    result = state.result()
    assert state.is_completed()
    assert _statuses(registry, result.run_id) == {
        "valencia": {"unchanged"},
        "sagunto": {"unchanged"},
    }
    names = _task_run_names(result.run_id)
    assert {"load-sagunto", "load-valencia"} <= set(names)
    assert not [n for n in names if n.startswith(("stage-", "validate-", "build-registry"))]
    assert [p.stat().st_mtime_ns for p in staged_files] == mtimes
    assert published_files(registry) == published
    assert result.run_folder == latest
    assert set(result.in_registry) == {"valencia", "sagunto"}
    assert result.mart_rows["marts.jaki_courses"] > 0


def test_a_run_with_nothing_new_still_reports_a_quarantined_center(registry: Path) -> None:
    good = _send_broken_extract(registry)
    first = _refresh(registry)
    published = published_files(registry)

    second = _refresh(registry)

    result = second.result()
    assert not _built(result.run_id)
    assert published_files(registry) == published
    assert second.name == "Partial"
    assert second.message == first.message
    assert "patients.csv" in result.failed_centers["valencia"]
    assert result.in_registry == {"valencia": good, "sagunto": result.in_registry["sagunto"]}
    subflows = _subflow_runs(result.run_id)
    assert subflows["center-valencia"].state.is_failed()
    assert subflows["center-valencia"].state.message == result.failed_centers["valencia"]
    assert subflows["center-sagunto"].state.is_completed()


def test_a_changed_protocol_rebuilds_with_nothing_new(registry: Path) -> None:
    protocol = registry / "protocol.yaml"
    protocol.write_text("permissible_gap_days: 60\n", encoding="utf-8")

    state = _refresh(registry, protocol_file=protocol)

    assert _built(state.result().run_id)
    with duckdb.connect(str(registry / "registry.duckdb"), read_only=True) as con:
        gap = con.sql("select protocol->>'permissible_gap_days' from meta.run").fetchall()
    assert gap == [("60",)]


def test_rebuild_builds_and_publishes_with_nothing_new(registry: Path) -> None:
    latest = (registry / "out" / "latest").resolve()

    state = _refresh(registry, rebuild=True)

    result = state.result()
    assert _built(result.run_id)
    assert result.run_folder == (registry / "out" / "latest").resolve() != latest


def test_a_changed_pseudonym_key_stops_the_run_and_changes_nothing(
    registry: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    published = published_files(registry)
    monkeypatch.setenv("JAKREG_PSEUDONYM_KEY", NEW_KEY)

    state = _refresh(registry)

    assert state.is_failed()
    with pytest.raises(KeyChangedError, match="run once with --rotate-key"):
        state.result()
    assert published_files(registry) == published


def test_rotating_the_key_restages_every_center_in_one_publish(
    registry: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JAKREG_PSEUDONYM_KEY", NEW_KEY)

    state = _refresh(registry, rotate_key=True)

    result = state.result()
    assert _statuses(registry, result.run_id) == {"valencia": {"loaded"}, "sagunto": {"loaded"}}
    assert _built(result.run_id)
    assert _key_fingerprint(registry) == key_id(NEW_KEY.encode())
    assert _refresh(registry).is_completed()  # the new key is now the registry's


def test_rotating_the_key_re_keys_a_center_whose_new_extract_fails(
    registry: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = _prescriptions_per_center(registry)
    good = _send_broken_extract(registry)
    monkeypatch.setenv("JAKREG_PSEUDONYM_KEY", NEW_KEY)

    state = _refresh(registry, rotate_key=True)

    assert state.message == f"1 of 2 centers not refreshed: valencia (kept extract {good})"
    assert _prescriptions_per_center(registry) == before
    assert _key_fingerprint(registry) == key_id(NEW_KEY.encode())
    with duckdb.connect(str(registry / "registry.duckdb"), read_only=True) as con:
        [(valencia_keys,)] = con.sql(
            "select count(distinct patient_key) from staging.stg_patients "
            "where center_id = 'valencia'"
        ).fetchall()
        [(first,)] = con.sql(
            "select patient_key from staging.stg_patients where center_id = 'valencia' "
            "order by patient_key limit 1"
        ).fetchall()
    assert valencia_keys > 0
    local_ids = [
        line.split(",")[0]
        for line in (registry / "landing" / "valencia" / good / "patients.csv")
        .read_text(encoding="utf-8-sig")
        .splitlines()[1:]
    ]
    new_keys = {expected_patient_key("valencia", local, NEW_KEY) for local in local_ids}
    assert first in new_keys


def _key_fingerprint(root: Path) -> str:
    with duckdb.connect(str(root / "registry.duckdb"), read_only=True) as con:
        return con.sql("select key_fingerprint from meta.run").fetchall()[0][0]


def test_a_bad_center_entry_fails_that_center_only(registry: Path) -> None:
    before = _prescriptions_per_center(registry)
    centers = registry / "centers.yaml"
    config = yaml.safe_load(centers.read_text(encoding="utf-8"))
    config["centers"][0]["delimeter"] = ";"
    config["centers"].append({"id": "valencia\n", "dialect": "registry_csv", "landing": "x"})
    centers.write_text(yaml.safe_dump(config), encoding="utf-8")
    first = config["centers"][0]["id"]

    state = _refresh(registry)

    assert state.name == "Partial"
    result = state.result()
    assert "unknown option 'delimeter' (did you mean 'delimiter'?)" in result.failed_centers[first]
    assert "must be 1 to 64 lower-case letters" in result.failed_centers["centers[3]"]
    assert state.message.startswith("2 of 3 centers not refreshed: ")
    assert f"{first} (kept extract " in state.message
    assert _prescriptions_per_center(registry) == before


def test_a_mistyped_or_future_extract_folder_is_skipped_and_the_run_goes_on(
    registry: Path,
) -> None:
    [good] = (registry / "landing" / "valencia").iterdir()
    for name in ("2026-13-45", "2062-11-08"):
        shutil.copytree(good, good.with_name(name))
        (good.with_name(name) / "patients.csv").write_text("broken\n", encoding="utf-8")

    state = _refresh(registry)

    assert state.is_completed()
    assert state.result().in_registry["valencia"] == good.name


def test_changed_file_under_old_extract_date_restages_only_that_center(registry: Path) -> None:
    before = _prescriptions_per_center(registry)
    [extract] = (registry / "landing" / "valencia").iterdir()
    prescriptions = extract / "prescriptions.csv"
    lines = prescriptions.read_text(encoding="utf-8").splitlines(keepends=True)
    prescriptions.write_text("".join(lines[:-1]), encoding="utf-8")

    state = _refresh(registry)

    result = state.result()
    assert _statuses(registry, result.run_id) == {"valencia": {"loaded"}, "sagunto": {"unchanged"}}
    assert [n for n in _task_run_names(result.run_id) if n.startswith("stage-")] == [
        "stage-valencia"
    ]
    assert _prescriptions_per_center(registry) == {
        "valencia": before["valencia"] - 1,
        "sagunto": before["sagunto"],
    }


def test_center_with_broken_new_extract_keeps_its_last_good_extract(registry: Path) -> None:
    before = _prescriptions_per_center(registry)
    good = _send_broken_extract(registry)

    state = _refresh(registry)

    assert (state.type.value, state.name) == ("COMPLETED", "Partial")
    assert state.message == f"1 of 2 centers not refreshed: valencia (kept extract {good})"
    result = state.result()
    assert "patients.csv" in result.failed_centers["valencia"]
    assert _statuses(registry, result.run_id) == {"valencia": {"failed"}, "sagunto": {"unchanged"}}
    assert _prescriptions_per_center(registry) == before


def test_a_corrected_dump_failing_the_gate_under_the_same_date_keeps_the_dump_sent_first(
    registry: Path,
) -> None:
    before = _prescriptions_per_center(registry)
    [extract] = (registry / "landing" / "valencia").iterdir()
    prescriptions = extract / "prescriptions.csv"
    original = prescriptions.read_text(encoding="utf-8")
    lines = original.splitlines(keepends=True)
    prescriptions.write_text("".join(lines[: len(lines) // 2]), encoding="utf-8")
    staged = registry / "registry.work" / "staged" / "valencia"

    halved = _refresh(registry)

    assert halved.name == "Partial"
    assert halved.message == f"1 of 2 centers not refreshed: valencia (kept extract {extract.name})"
    assert "prescriptions.csv has not shrunk" in halved.result().failed_centers["valencia"]
    assert _prescriptions_per_center(registry) == before
    assert len(list(staged.iterdir())) == 2

    prescriptions.write_text("".join(lines[:-1]), encoding="utf-8")
    corrected = _refresh(registry)

    assert (corrected.type.value, corrected.name) == ("COMPLETED", "Completed")
    assert _prescriptions_per_center(registry)["valencia"] == before["valencia"] - 1
    assert len(list(staged.iterdir())) == 1


def test_each_center_has_a_subflow_run_whose_state_is_its_outcome(registry: Path) -> None:
    good = _send_broken_extract(registry)

    state = _refresh(registry)

    run_id = state.result().run_id
    subflows = _subflow_runs(run_id)
    assert sorted(subflows) == ["center-sagunto", "center-valencia"]
    with get_client(sync_client=True) as client:
        flows = {client.read_flow(run.flow_id).name for run in subflows.values()}
    assert flows == {"refresh-center"}
    sagunto, valencia = subflows["center-sagunto"].state, subflows["center-valencia"].state
    assert sagunto.is_completed()
    assert sagunto.message.endswith("unchanged, quality passed")
    assert valencia.is_failed()
    assert "\n" not in valencia.message
    assert valencia.message.startswith("center valencia, file ")
    assert "patients.csv" in valencia.message
    assert valencia.message.endswith(f"; quarantined, its extract {good} is kept")
    assert state.name == "Partial"
    assert state.message == f"1 of 2 centers not refreshed: valencia (kept extract {good})"
    assert "load-valencia" in _task_run_names(run_id)
