"""A one-line text sparkline (no plotting library: Home draws it at start-up)."""

from __future__ import annotations

from collections.abc import Sequence

SPARK_CHARS = "▁▂▃▄▅▆▇█"


def sparkline(values: Sequence[float], low: float | None = None, high: float | None = None) -> str:
    """Values as a one-line string of block characters (oldest first)."""
    if not values:
        return ""
    low = min(values) if low is None else low
    high = max(values) if high is None else high
    span = high - low
    if span <= 0:
        return SPARK_CHARS[len(SPARK_CHARS) // 2] * len(values)
    steps = len(SPARK_CHARS) - 1
    return "".join(SPARK_CHARS[max(0, min(steps, round((v - low) / span * steps)))] for v in values)
