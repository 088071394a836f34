"""A one-line microphone level meter (RMS bar and peak tick, in dBFS)."""

from __future__ import annotations

import math

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

FLOOR_DBFS = -60.0  # quieter than this shows as an empty bar
LOUD_DBFS = -6.0  # from here the bar turns red: close to clipping
QUIET_DBFS = -40.0  # below this the voice is probably too quiet to transcribe well


def level_fraction(dbfs: float) -> float:
    """Map dBFS (FLOOR_DBFS..0) onto 0..1."""
    if dbfs != dbfs:  # NaN from a silent block
        return 0.0
    return min(1.0, max(0.0, (dbfs - FLOOR_DBFS) / -FLOOR_DBFS))


def meter_text(rms_dbfs: float, peak_dbfs: float, width: int) -> Text:
    """The meter as styled text: a bar for RMS, a tick for the peak, the figure at the end."""
    label = f" {rms_dbfs:5.0f} dB" if rms_dbfs > FLOOR_DBFS else "   -∞ dB"
    bar_width = max(4, width - len(label))
    filled = round(level_fraction(rms_dbfs) * bar_width)
    peak = min(bar_width - 1, round(level_fraction(peak_dbfs) * bar_width))
    if rms_dbfs >= LOUD_DBFS:
        colour = "#e06c75"
    elif rms_dbfs >= QUIET_DBFS:
        colour = "#98c379"
    else:
        colour = "#e5c07b"
    text = Text()
    for i in range(bar_width):
        if i < filled:
            text.append("█", style=colour)
        elif i == peak and peak_dbfs > FLOOR_DBFS:
            text.append("▏", style="bold")
        else:
            text.append("·", style="dim")
    text.append(label, style="dim")
    return text


class LevelMeter(Widget):
    """Shows the latest microphone level; set ``rms_dbfs``/``peak_dbfs`` to update it."""

    DEFAULT_CSS = """
    LevelMeter { height: 1; width: 1fr; }
    """

    rms_dbfs: reactive[float] = reactive(FLOOR_DBFS - 1)
    peak_dbfs: reactive[float] = reactive(FLOOR_DBFS - 1)

    def set_level(self, rms_dbfs: float, peak_dbfs: float) -> None:
        """Show a new level (both in dBFS), to the nearest dB: a change too small to move the bar
        is not redrawn."""
        self.rms_dbfs = float(round(rms_dbfs)) if math.isfinite(rms_dbfs) else FLOOR_DBFS - 1
        self.peak_dbfs = float(round(peak_dbfs)) if math.isfinite(peak_dbfs) else FLOOR_DBFS - 1

    def render(self) -> Text:
        return meter_text(self.rms_dbfs, self.peak_dbfs, self.size.width or 40)
