"""Small text helpers the screens share: coloured scores, shortened labels, untrusted text.

Question banks, imported sessions and transcripts are untrusted: shown through :func:`plain`
(or ``printable`` for strings a widget needs), they are never read as markup and never pass a
control character (an escape sequence could blank the screen) to the terminal.
"""

from __future__ import annotations

from rich.text import Text

from voicemock.core.safe_text import printable

__all__ = ["plain", "printable", "score_style", "score_text", "short"]


def plain(text: str, style: str = "") -> Text:
    """Untrusted text as Rich Text: never markup, control characters shown as "�"."""
    return Text(printable(text), style=style)


def score_style(overall: int) -> str:
    """The colour of an overall score: green from 70, amber from 45, else red."""
    return "#98c379" if overall >= 70 else "#e5c07b" if overall >= 45 else "#e06c75"


def score_text(overall: int | None) -> Text:
    """An overall score coloured by how good it is."""
    if overall is None:
        return Text("—", style="dim")
    return Text(f"{overall:>3}", style=f"bold {score_style(overall)}")


def short(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters with an ellipsis (control characters made safe)."""
    text = printable(text)
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
