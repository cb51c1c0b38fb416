"""A run always keeps at least one version besides the new one: `--keep-versions -1` once deleted
every version, the new one included."""

from __future__ import annotations

from pathlib import Path

import pytest

from flows.registry_refresh import registry_refresh
from jakreg.cli import main
from jakreg.errors import ConfigError


@pytest.mark.parametrize("keep", ["-1", "0", "two"])
def test_the_command_line_refuses_fewer_than_one_kept_version(
    tmp_path: Path, keep: str, capsys: pytest.CaptureFixture[str]
) -> None:
    arguments = ["--centers", "c.yaml", "--db", str(tmp_path / "r.duckdb"), "--out", "out"]
    with pytest.raises(SystemExit) as refused:
        main(["run", *arguments, "--keep-versions", keep])
    assert refused.value.code == 2
    assert "must be a whole number of 1 or more" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_the_flow_refuses_fewer_than_one_kept_version_before_touching_anything(
    tmp_path: Path, prefect_harness
) -> None:
    state = registry_refresh(
        tmp_path / "c.yaml", tmp_path / "r.duckdb", tmp_path, keep_versions=0, return_state=True
    )
    assert state.is_failed()
    assert "keep at least 1 version" in state.message
    with pytest.raises(ConfigError):
        state.result()
    assert list(tmp_path.iterdir()) == []
