"""Where voicemock keeps its data: platformdirs' user data dir, or ``$VOICEMOCK_HOME``.

The data folder and every folder voicemock makes in it are private to the user (0700).
"""

from __future__ import annotations

import os
from pathlib import Path

from voicemock.errors import DataDirError

APP_NAME = "voicemock"
HOME_ENV = "VOICEMOCK_HOME"
DATABASE_NAME = "voicemock.sqlite3"
SETTINGS_NAME = "settings.json"
# The question banks and clips live at the top of the repository (rubrics/, audio/); a built
# wheel carries them inside the package, in voicemock/_data/ (see setup.py).
SHIPPED_DATA_PACKAGE_DIR = "_data"


def shipped_data_dir(name: str) -> Path:
    """A folder of data that ships with voicemock ("rubrics", "audio"), installed or checked out.

    An installed voicemock finds it in its own package (importlib.resources); a source checkout
    (an editable install) in the repository beside the package.
    """
    import importlib.resources  # not at import time: the CLI starts without it

    package = importlib.resources.files("voicemock")
    packaged = Path(str(package / SHIPPED_DATA_PACKAGE_DIR / name))
    if packaged.is_dir():
        return packaged
    return Path(str(package)).resolve().parent / name


_SHIPPED_DIRS = {"SHIPPED_RUBRICS_DIR": "rubrics", "SHIPPED_AUDIO_DIR": "audio"}


def __getattr__(name: str) -> Path:
    """``SHIPPED_RUBRICS_DIR`` and ``SHIPPED_AUDIO_DIR``, found on first use (then kept)."""
    if name in _SHIPPED_DIRS:
        path = shipped_data_dir(_SHIPPED_DIRS[name])
        globals()[name] = path
        return path
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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
    if _make_dir(path):
        # Made by an older voicemock that followed the umask: its files become private too
        # (only voicemock's own: the folder may be one the user chose for other things too).
        from voicemock.files import keep_private

        for name in (DATABASE_NAME, f"{DATABASE_NAME}-wal", f"{DATABASE_NAME}-shm", SETTINGS_NAME):
            keep_private(path / name)
    return path


def _make_dir(path: Path) -> bool:
    """Create a folder of the data dir, private to the user (0700) whatever the umask.

    True when the folder was there with wider permissions (and has just been narrowed).
    """
    from voicemock.files import make_private_dir

    try:
        return make_private_dir(path)
    except OSError as error:
        reason = error.strerror or type(error).__name__
        if isinstance(error, FileExistsError) or (path.exists() and not path.is_dir()):
            reason = "a file with that name is in the way"
        raise DataDirError(
            f"cannot use the data folder {path} ({reason}); set {HOME_ENV} to a writable folder"
        ) from error


def _sub(name: str) -> Path:
    path = data_dir() / name
    if _make_dir(path):
        from voicemock.files import keep_tree_private

        keep_tree_private(path)  # e.g. recordings an older voicemock left world-readable
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
    return data_dir() / DATABASE_NAME


def settings_path() -> Path:
    """The user's saved settings (JSON)."""
    return data_dir() / SETTINGS_NAME
