"""The data folder: VOICEMOCK_HOME, sub-folders, and a clear error when it cannot be used."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from voicemock import paths
from voicemock.errors import DataDirError


def test_voicemock_home_holds_every_sub_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VOICEMOCK_HOME", str(tmp_path / "home"))
    assert paths.data_dir() == tmp_path / "home"
    for folder in (paths.recordings_dir(), paths.user_rubrics_dir(), paths.cache_dir()):
        assert folder.is_dir() and folder.parent == tmp_path / "home"
    assert paths.database_path().parent == tmp_path / "home"


def test_a_file_in_the_way_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "afile"
    blocker.write_text("not a folder")
    monkeypatch.setenv("VOICEMOCK_HOME", str(blocker))
    with pytest.raises(DataDirError, match="a file with that name is in the way"):
        paths.data_dir()


def test_cli_reports_an_unusable_data_folder_in_one_line(tmp_path: Path) -> None:
    blocker = tmp_path / "afile"
    blocker.write_text("")
    result = subprocess.run(
        [sys.executable, "-m", "voicemock", "sessions", "list"],
        capture_output=True,
        text=True,
        env={"VOICEMOCK_HOME": str(blocker), "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == [
        f"voicemock: cannot use the data folder {blocker} (a file with that name is in the way); "
        "set VOICEMOCK_HOME to a writable folder"
    ]
