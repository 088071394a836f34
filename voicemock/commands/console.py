"""The CLI's Rich consoles: whatever they print, no control character of untrusted text gets out.

Question banks, prep pages, imported sessions, transcripts and file names can hold escape
sequences (to clear the screen, retitle the window, or fake output). Rich keeps ESC in text, so
every command prints through :func:`make_console`, which passes the text of each rendered piece
through ``voicemock.core.safe_text.printable``; Rich's own styles and cursor controls are left
alone (they are separate, marked segments).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rich.console import Console, ConsoleOptions, RenderableType
from rich.segment import Segment

from voicemock.core.safe_text import has_unsafe, printable


class SafeConsole(Console):
    """A Rich console whose output never carries a control character from the text it shows."""

    def render(
        self, renderable: RenderableType, options: ConsoleOptions | None = None
    ) -> Iterable[Segment]:
        """Render as Rich does, with control characters in the text made visible ("�")."""
        for segment in super().render(renderable, options):
            text = segment.text
            if segment.control or text.isprintable() or not has_unsafe(text):
                yield segment
            else:
                yield Segment(printable(text), segment.style, segment.control)


def make_console(**kwargs: Any) -> Console:
    """A console for command output (``stderr=True`` for messages and progress)."""
    return SafeConsole(**kwargs)
