"""Recordings kept until they are saved as attempts: their folder and their file names.

An answer is recorded into ``<recordings>/pending/<YYYYmmdd-HHMMSS-micro>-<question id>.wav``
(never /tmp, so nothing is lost) and moves into the store once it is saved; whatever stays in
the folder was interrupted or failed, and ``voicemock sessions recover`` saves it later.
"""

from __future__ import annotations

import re
import shlex
from datetime import datetime
from pathlib import Path

from voicemock import paths

PENDING_DIR_NAME = "pending"
NO_QUESTION_ID = "answer"  # the name's question part when the answer is to no question
_STAMP_FORMAT = "%Y%m%d-%H%M%S-%f"
_NAME = re.compile(r"^(?P<stamp>\d{8}-\d{6}-\d{6})-(?P<question>.+)$")


def pending_folder() -> Path:
    """Where recordings wait until they are saved as attempts (not created here)."""
    return paths.recordings_dir() / PENDING_DIR_NAME


def pending_name(moment: datetime, question_id: str = "", suffix: str = ".wav") -> str:
    """The file name of a recording of ``question_id`` started at ``moment``."""
    return f"{moment.strftime(_STAMP_FORMAT)}-{question_id or NO_QUESTION_ID}{suffix}"


def new_pending_path(question_id: str = "") -> Path:
    """A new file name for a recording of ``question_id``; creates the folder (OSError if not)."""
    folder = pending_folder()
    folder.mkdir(parents=True, exist_ok=True)
    return folder / pending_name(datetime.now(), question_id)


def question_id_of(path: Path) -> str | None:
    """The question id in a pending recording's file name; None when it names none."""
    match = _NAME.match(Path(path).stem)
    if match is None or match["question"] == NO_QUESTION_ID:
        return None
    return match["question"]


def recorded_at(path: Path) -> datetime | None:
    """When a pending recording was started, from its name; None for another name."""
    match = _NAME.match(Path(path).stem)
    if match is None:
        return None
    try:
        return datetime.strptime(match["stamp"], _STAMP_FORMAT)
    except ValueError:
        return None


def recover_command(path: Path) -> str:
    """The command that scores and saves a recording kept after a failed or interrupted turn."""
    return f"voicemock sessions recover {shlex.quote(str(path))}"
