"""A line chart of one figure over a question's attempts (Plotext)."""

from __future__ import annotations

from collections.abc import Sequence

from textual_plotext import PlotextPlot

from voicemock.core.safe_text import printable


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
        plt.title(printable(self._title))
        plt.xlabel("attempt")
        if not self._values:
            plt.text("no attempts with this figure yet", x=0.5, y=0.5)
            plt.xlim(0, 1)
            plt.ylim(0, 1)
            return
        xs: list[float] = [float(x) for x in range(1, len(self._values) + 1)]
        plt.plot(xs, self._values, marker="braille")
        plt.scatter(xs, self._values, marker="●")
        plt.xticks(xs if len(xs) <= 12 else xs[:: max(1, len(xs) // 10)])
        if self._y_limits is not None:
            low, high = self._y_limits
            plt.ylim(low, high)
            # Round ticks (0, 25, 50...) read better than plotext's thirds of the range.
            ticks = [low + (high - low) * step / 4 for step in range(5)]
            plt.yticks(ticks, [f"{tick:g}" for tick in ticks])
