"""Where voicemock keeps its data: platformdirs' user data dir, or ``$VOICEMOCK_HOME``."""

from __future__ import annotations

import os
from pathlib import Path

from voicemock.errors import DataDirError

APP_NAME = "voicemock"
HOME_ENV = "VOICEMOCK_HOME"
PROJECT_ROOT = Path(__file__).resolve().parent.parent
SHIPPED_RUBRICS_DIR = PROJECT_ROOT / "rubrics"


def data_dir() -> Path:
    """Return (and create) the user's data directory.

    Raises DataDirError (one line, with the fix) when it cannot be created.
    """
    override = os.environ.get(HOME_ENV)
    if override:
        path = Path(override).expanduser()
    else:
        from platformdirs import user_data_dir

        path = Path(user_data_dir(APP_NAME, appauthor=False))
    _make_dir(path)
    return path


def _make_dir(path: Path) -> None:
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        reason = error.strerror or type(error).__name__
        if isinstance(error, FileExistsError) or (path.exists() and not path.is_dir()):
            reason = "a file with that name is in the way"
        raise DataDirError(
            f"cannot use the data folder {path} ({reason}); set {HOME_ENV} to a writable folder"
        ) from error


def _sub(name: str) -> Path:
    path = data_dir() / name
    _make_dir(path)
    return path


def user_rubrics_dir() -> Path:
    """The user's own question banks (YAML), loaded beside the shipped ones."""
    return _sub("rubrics")


def recordings_dir() -> Path:
    """Audio of every attempt."""
    return _sub("recordings")


def cache_dir() -> Path:
    """Derived files that can be rebuilt: synthesised prompts, converted models."""
    return _sub("cache")


def models_dir() -> Path:
    """Whisper models the user added (one sub-directory each) and converted checkpoints."""
    return _sub("models")


def database_path() -> Path:
    """The SQLite session store."""
    return data_dir() / "voicemock.sqlite3"


def settings_path() -> Path:
    """The user's saved settings (JSON)."""
    return data_dir() / "settings.json"
