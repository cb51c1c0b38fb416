"""What jakreg reads from a landing folder: extract folders named by a real date not after
today, holding regular files only; a symlink never makes jakreg read (or quote) a file elsewhere."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import duckdb
import pytest

from jakreg.errors import CenterDataError
from tasks.extract import dialects
from tasks.extract.landing import newest_extract
from tests.unit.extracts import es_his_extract

SECRET_LINE = "PIDQX4242;root:x:0:0"


def _warnings(center) -> tuple[Path, list[str]]:
    heard: list[str] = []
    return newest_extract(center, heard.append), heard


@pytest.mark.parametrize(
    ("name", "problem"),
    [("2026-13-45", "is not a valid extract date"), ("2062-11-08", "is after today")],
)
def test_a_folder_that_is_no_extract_date_is_skipped_with_a_warning(
    tmp_path: Path, name: str, problem: str
) -> None:
    center, good = es_his_extract(tmp_path)
    shutil.copytree(good, good.with_name(name))

    newest, heard = _warnings(center)

    assert newest == good
    assert heard == [
        f"center valencia: folder {name} {problem}; skipped — rename it to the extract's date "
        "(YYYY-MM-DD)"
    ]


def test_only_skipped_folders_leave_the_center_without_an_extract(tmp_path: Path) -> None:
    center, good = es_his_extract(tmp_path)
    good.rename(good.with_name("2026-02-30"))
    with pytest.raises(CenterDataError, match="no extract folder"):
        newest_extract(center, lambda _: None)


def _outside_file(tmp_path: Path) -> Path:
    outside = tmp_path / "elsewhere" / "passwd"
    outside.parent.mkdir()
    outside.write_text(SECRET_LINE + "\n", encoding="latin-1")
    return outside


def test_a_file_symlinked_out_of_the_landing_folder_is_refused_without_reading_it(
    tmp_path: Path,
) -> None:
    center, folder = es_his_extract(tmp_path)
    (folder / "pacientes.csv").unlink()
    (folder / "pacientes.csv").symlink_to(_outside_file(tmp_path))

    with pytest.raises(CenterDataError) as refused:
        newest_extract(center)

    message = str(refused.value)
    assert "pacientes.csv in extract folder 2026-11-01 is a symbolic link" in message
    assert "copy the file itself" in message
    assert "PIDQX4242" not in message and "root" not in message


def test_an_extract_folder_that_is_a_symlink_is_refused(tmp_path: Path) -> None:
    center, folder = es_his_extract(tmp_path)
    real = shutil.move(folder, tmp_path / "elsewhere-extract")
    folder.symlink_to(real, target_is_directory=True)
    with pytest.raises(CenterDataError, match="extract folder 2026-11-01 is a symbolic link"):
        newest_extract(center)


def test_a_stray_link_is_refused_without_showing_its_name(tmp_path: Path) -> None:
    center, folder = es_his_extract(tmp_path)
    (folder / "PIDQX4242-notes.txt").symlink_to(_outside_file(tmp_path))
    with pytest.raises(CenterDataError) as refused:
        newest_extract(center)
    assert "a file (name not shown) in extract folder 2026-11-01 is a symbolic link" in str(
        refused.value
    )
    assert "PIDQX" not in str(refused.value)


def test_a_named_pipe_is_refused_rather_than_read(tmp_path: Path) -> None:
    center, folder = es_his_extract(tmp_path)
    (folder / "tratamientos.csv").unlink()
    os.mkfifo(folder / "tratamientos.csv")
    with pytest.raises(CenterDataError, match=r"tratamientos\.csv .* is not a regular file"):
        newest_extract(center)


def test_the_readers_do_not_quote_a_symlinked_file_when_called_directly(tmp_path: Path) -> None:
    """Even a caller skipping the landing check gets no line of the linked file in a message."""
    center, folder = es_his_extract(tmp_path)
    (folder / "pacientes.csv").unlink()
    (folder / "pacientes.csv").symlink_to(_outside_file(tmp_path))
    with pytest.raises(CenterDataError) as refused:
        dialects.load_raw(duckdb.connect(), center, folder)
    assert "PIDQX4242" not in str(refused.value) and "root" not in str(refused.value)
