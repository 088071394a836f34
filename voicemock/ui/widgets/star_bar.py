"""The STAR breakdown: time spent on Situation, Task, Action and Result, and each span."""

from __future__ import annotations

from rich.text import Text
from textual.widget import Widget

from voicemock.core.models import StarBreakdown
from voicemock.core.safe_text import printable

PARTS = ("S", "T", "A", "R")
PART_NAMES = {"S": "Situation", "T": "Task", "A": "Action", "R": "Result"}
PART_STYLES = {
    "S": "black on #61afef",
    "T": "black on #c678dd",
    "A": "black on #98c379",
    "R": "black on #e5c07b",
}


def part_seconds(star: StarBreakdown) -> dict[str, float]:
    """Seconds per part: the measured ones, else the share of characters of its spans."""
    if star.seconds:
        return {part: float(star.seconds.get(part, 0.0)) for part in PARTS}
    chars = {part: 0.0 for part in PARTS}
    for span in star.spans:
        chars[span.part] += float(span.end_char - span.start_char)
    return chars


def star_bar_text(star: StarBreakdown, width: int) -> Text:
    """A proportional bar, one coloured block per part that was told."""
    amounts = part_seconds(star)
    total = sum(amounts.values())
    text = Text()
    if total <= 0:
        return Text("No specific example was told (no STAR parts found).", style="dim")
    used = 0
    told = [p for p in PARTS if amounts[p] > 0]
    for n, part in enumerate(told):
        cells = width - used if n == len(told) - 1 else max(2, round(amounts[part] / total * width))
        cells = max(1, min(cells, width - used - (len(told) - n - 1)))
        label = part if cells < 12 else PART_NAMES[part]
        text.append(label.center(cells)[:cells], style=PART_STYLES[part])
        used += cells
    return text


def star_summary(star: StarBreakdown) -> Text:
    """A line per part: seconds (or share) and whether it is missing."""
    amounts = part_seconds(star)
    timed = bool(star.seconds)
    text = Text()
    text.append(f"Specific example, STAR parts: {star.score}/100\n", style="bold")
    for part in PARTS:
        text.append(f" {part} ", style=PART_STYLES[part])
        text.append(f" {PART_NAMES[part]:<10}")
        if part in star.missing:
            text.append("missing\n", style="bold #e06c75")
        elif timed:
            text.append(f"{amounts[part]:5.1f} s\n")
        else:
            text.append(f"{amounts[part]:5.0f} chars\n")
    return text


def star_spans_text(star: StarBreakdown) -> Text:
    """Each told span in order, labelled with its part and time."""
    text = Text()
    for span in star.spans:
        text.append(f" {span.part} ", style=PART_STYLES[span.part])
        if span.start_s is not None and span.end_s is not None:
            text.append(f" {span.start_s:5.1f}-{span.end_s:5.1f} s ", style="dim")
        if span.turn:
            text.append(f" follow-up {span.turn}:", style="#e5c07b")
        text.append(f" {printable(span.text)}\n")
    return text


class StarBar(Widget):
    """A one-line proportional STAR bar."""

    DEFAULT_CSS = """
    StarBar { height: 1; width: 1fr; }
    """

    def __init__(self, star: StarBreakdown, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.star = star

    def render(self) -> Text:
        return star_bar_text(self.star, self.size.width or 40)
