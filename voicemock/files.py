"""Files the user's data goes into are private; files voicemock reads must be regular files.

Recordings, the session store, settings and exports are personal data: folders are created
0700 and files 0600 whatever the umask (``os.open``'s mode is only ever narrowed by it).

Paths the user names (a recording, a transcript, a page, a bank) are checked with
:func:`regular_file_problem` before they are opened: a named pipe would block a read forever
and a device never ends.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path
from typing import BinaryIO

PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600
_GROUP_OR_OTHER = 0o077


def _owned_by_me(info: os.stat_result) -> bool:
    getuid = getattr(os, "getuid", None)
    return getuid is None or info.st_uid == getuid()


def make_private_dir(path: Path) -> bool:
    """Create ``path`` (and its parents) if needed; the folder itself ends up 0700.

    A folder that exists with wider permissions is narrowed when it is the user's own; True
    then (what is inside may need narrowing too). Raises OSError when it cannot be created.
    """
    path.mkdir(mode=PRIVATE_DIR_MODE, parents=True, exist_ok=True)
    return keep_private(path)


def keep_private(path: Path) -> bool:
    """Narrow an existing file (0600) or folder (0700) of the user's; True when it changed.

    Never follows a symbolic link and never fails: a file the user cannot change is left as is.
    """
    try:
        info = os.lstat(path)
        if stat.S_ISLNK(info.st_mode) or not _owned_by_me(info):
            return False
        if not info.st_mode & _GROUP_OR_OTHER:
            return False
        mode = PRIVATE_DIR_MODE if stat.S_ISDIR(info.st_mode) else PRIVATE_FILE_MODE
        os.chmod(path, mode)
    except OSError:
        return False
    return True


def keep_tree_private(folder: Path) -> None:
    """Narrow a folder and everything in it (for data written by an older voicemock)."""
    keep_private(folder)
    for root, dirs, files in os.walk(folder):
        for name in [*dirs, *files]:
            keep_private(Path(root) / name)


def create_private_file(path: Path, *, exclusive: bool = True) -> BinaryIO:
    """Open a new file for writing with mode 0600 (whatever the umask); never follows a link.

    ``exclusive`` refuses an existing file; otherwise an existing file is truncated (and
    narrowed to 0600 too).
    """
    flags = os.O_WRONLY | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    flags |= os.O_EXCL if exclusive else os.O_TRUNC
    fd = os.open(path, flags, PRIVATE_FILE_MODE)
    try:
        if hasattr(os, "fchmod"):
            os.fchmod(fd, PRIVATE_FILE_MODE)
        return os.fdopen(fd, "wb")
    except BaseException:
        os.close(fd)
        raise


def write_private_text(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically, as a 0600 file."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with create_private_file(tmp, exclusive=False) as handle:
            handle.write(text.encode("utf-8"))
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a named pipe"),
    (stat.S_ISCHR, "a device"),
    (stat.S_ISBLK, "a device"),
    (stat.S_ISSOCK, "a socket"),
)


def regular_file_problem(path: Path) -> str | None:
    """Why ``path`` cannot be read as a file ("no such file", "a named pipe", ...), or None.

    Symbolic links are followed: what matters is what would be read.
    """
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return "no such file"
    except NotADirectoryError:
        return "no such file"
    except PermissionError:
        return "permission denied"
    except OSError as error:
        return error.strerror or type(error).__name__
    if stat.S_ISREG(mode):
        return None
    for test, kind in _KINDS:
        if test(mode):
            return f"is {kind}, not a regular file"
    return "not a regular file"
