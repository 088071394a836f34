"""Errors nobody foresaw, in one line for the user; the traceback goes to the log file."""

from __future__ import annotations

import os
import traceback

from voicemock.core.safe_text import one_line


def describe_unexpected(error: BaseException) -> str:
    """A one-line message for an error we did not foresee; the traceback goes to the log file."""
    try:
        from voicemock import paths

        log_path = paths.data_dir() / "voicemock.log"
        # Tracebacks quote what the user was doing: the log is private (0600) like their data.
        fd = os.open(log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        with os.fdopen(fd, "a", encoding="utf-8") as handle:
            handle.write("".join(traceback.format_exception(error)))
        where = f" (details in {log_path})"
    except OSError:
        where = ""
    message = one_line(str(error).strip().splitlines()[0]) if str(error).strip() else ""
    name = type(error).__name__
    return f"Unexpected problem: {name}{': ' + message if message else ''}{where}"
