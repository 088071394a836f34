"""Small text helpers the screens share: coloured scores and shortened labels."""

from __future__ import annotations

from rich.text import Text


def score_style(overall: int) -> str:
    """The colour of an overall score: green from 70, amber from 45, else red."""
    return "#98c379" if overall >= 70 else "#e5c07b" if overall >= 45 else "#e06c75"


def score_text(overall: int | None) -> Text:
    """An overall score coloured by how good it is."""
    if overall is None:
        return Text("—", style="dim")
    return Text(f"{overall:>3}", style=f"bold {score_style(overall)}")


def short(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters with an ellipsis."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
