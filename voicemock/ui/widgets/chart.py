"""A line chart of one figure over a question's attempts (Plotext), plus a text sparkline."""

from __future__ import annotations

from collections.abc import Sequence

from textual_plotext import PlotextPlot

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
    return "".join(
        SPARK_CHARS[max(0, min(steps, round((v - low) / span * steps)))] for v in values
    )


class TrendChart(PlotextPlot):
    """Plots one series against attempt number; call ``show_series`` to change it."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._title = ""
        self._values: list[float] = []
        self._y_limits: tuple[float, float] | None = None

    def show_series(
        self,
        title: str,
        values: Sequence[float],
        *,
        y_limits: tuple[float, float] | None = None,
    ) -> None:
        """Draw ``values`` (oldest first) under ``title``."""
        self._title = title
        self._values = list(values)
        self._y_limits = y_limits
        self._draw()
        self.refresh()

    def _draw(self) -> None:
        plt = self.plt
        plt.clear_figure()
        plt.title(self._title)
        plt.xlabel("attempt")
        if not self._values:
            plt.text("no attempts with this figure yet", x=0.5, y=0.5)
            plt.xlim(0, 1)
            plt.ylim(0, 1)
            return
        xs = list(range(1, len(self._values) + 1))
        plt.plot(xs, self._values, marker="braille")
        plt.scatter(xs, self._values, marker="●")
        plt.xticks(xs if len(xs) <= 12 else xs[:: max(1, len(xs) // 10)])
        if self._y_limits is not None:
            plt.ylim(*self._y_limits)
