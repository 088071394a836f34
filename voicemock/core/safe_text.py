"""Text from users and files made safe to show: no control character ever reaches the terminal.

Question banks, prep pages, session archives, transcripts and file names are untrusted: an
escape sequence in a question id could clear the screen, move the cursor or set the window
title. Every place that shows such text passes it through :func:`printable` (or a console that
does, see ``voicemock.commands.console``). Each unsafe character is replaced by one visible
character, so character offsets into the text (evidence highlights) stay valid.
"""

from __future__ import annotations

import re
from typing import Any

REPLACEMENT = "\ufffd"  # "�": shows that something was there
# C0 controls except tab and newline, DEL, C1 controls (0x9b is a one-byte CSI), and the
# bidirectional overrides and isolates that reorder what is shown ("Trojan Source").
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_LINE_BREAKS = re.compile(r"[\t\n]")
# Characters json.dumps(ensure_ascii=False) leaves raw that a terminal may still act on.
_JSON_RAW = re.compile("[\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """``text`` with every control character (except tab and newline) made visible as "�"."""
    if text.isprintable():
        return text
    return _UNSAFE.sub(REPLACEMENT, text)


def one_line(text: str) -> str:
    """``printable(text)`` with tabs and newlines turned into spaces (for one-line messages)."""
    return _LINE_BREAKS.sub(" ", printable(text))


def has_unsafe(text: str) -> bool:
    """True when ``text`` holds a character :func:`printable` would replace."""
    return _UNSAFE.search(text) is not None


def json_text(data: Any, *, indent: int | None = 2) -> str:
    """``data`` as JSON for a terminal: readable Unicode, but every control character escaped.

    ``json.dumps`` escapes C0 controls itself; C1 controls and bidi overrides are escaped
    here (they can only occur inside JSON strings, so the document means the same).
    """
    import json  # not at the top: the app imports this module before its first frame

    text = json.dumps(data, indent=indent, ensure_ascii=False)
    return _JSON_RAW.sub(lambda match: f"\\u{ord(match.group()):04x}", text)
