"""Delivery metrics as a table (figure, value, band, rule) and the details of one metric."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import DataTable

from voicemock.core.metrics import format_metric_value
from voicemock.core.models import DeliveryMetrics, Metric
from voicemock.core.safe_text import printable
from voicemock.ui.formatting import short

# The figures most answers are judged on first (length, pace, fillers, pauses, hedges): the
# Delivery tab opens on these, the rest are a key away.
CORE_METRIC_KEYS = (
    "answer_time_s",
    "speaking_rate_wpm",
    "fillers_per_min",
    "long_pause_count",
    "longest_pause_s",
    "hedge_count",
    "hedges_per_100_words",
)

BAND_WIDTH = 7  # "● watch"
COLUMN_PADDING = 2 * 4 + 2  # each column's padding, and the scroll bar
GUIDANCE_MIN_WIDTH = 12

BAND_STYLES: dict[str, str] = {
    "good": "bold #98c379",
    "watch": "bold #e5c07b",
    "fix": "bold #e06c75",
    "info": "dim",
}
BAND_LABELS: dict[str, str] = {
    "good": "● good",
    "watch": "● watch",
    "fix": "● fix",
    "info": "· info",
}


def band_text(band: str) -> Text:
    """The band as a coloured label."""
    return Text(BAND_LABELS.get(band, printable(band)), style=BAND_STYLES.get(band, ""))


def metric_details(metric: Metric) -> Text:
    """The whole story of one metric: value and band, then the rule and where it comes from.

    The table's Guidance column is cut short in a narrow terminal; this is shown in full.
    """
    text = Text()
    # Metrics of an imported session are untrusted text like any other.
    text.append(f"{printable(metric.label)}: ", style="bold")
    text.append(printable(format_metric_value(metric)))
    text.append("  ")
    text.append_text(band_text(metric.band))
    if metric.guidance:
        text.append("\n" + printable(metric.guidance))
    if metric.source:
        text.append("\n" + printable(metric.source), style="dim")
    return text


class MetricsTable(DataTable[str | Text]):
    """One row per delivery metric; with ``core_only`` the core figures only, in their order."""

    DEFAULT_CSS = """
    MetricsTable { height: auto; max-height: 100%; }
    """

    def __init__(
        self,
        metrics: DeliveryMetrics | None = None,
        *,
        id: str | None = None,
        core_only: bool = False,
    ) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self._metrics = metrics
        self.core_only = core_only

    def on_mount(self) -> None:
        self.add_column("Metric", key="label")
        self.add_column("Value", key="value")
        self.add_column("Band", key="band")
        self.add_column("Guidance", key="guidance")
        if self._metrics is not None:
            self.show_metrics(self._metrics)

    def metric_at(self, row_key: str | None) -> Metric | None:
        """The metric shown in the row with this key."""
        if self._metrics is None or row_key is None:
            return None
        return next((m for m in self._metrics.metrics if m.key == row_key), None)

    def show_core_only(self, core_only: bool) -> None:
        """Show the core figures only, or every figure (the core ones first)."""
        self.core_only = core_only
        if self._metrics is not None:
            self.show_metrics(self._metrics)

    def shown_metrics(self, metrics: DeliveryMetrics) -> list[Metric]:
        """The rows to show: the core figures first (only them with ``core_only``)."""
        core = [m for key in CORE_METRIC_KEYS for m in metrics.metrics if m.key == key]
        if self.core_only and core:
            return core
        return core + [m for m in metrics.metrics if m.key not in CORE_METRIC_KEYS]

    def show_metrics(self, metrics: DeliveryMetrics) -> None:
        """Replace the rows with these metrics.

        The guidance is the rule's first clause, cut with "…" to the room the other columns
        leave (the whole rule is shown under the table for the highlighted row).
        """
        self._metrics = metrics
        self.clear()
        shown = self.shown_metrics(metrics)
        labels = [printable(m.label) for m in shown]
        values = [printable(format_metric_value(m)) for m in shown]
        width = self.size.width or self.app.size.width
        used = max(map(len, labels), default=0) + max(map(len, values), default=0)
        room = max(GUIDANCE_MIN_WIDTH, width - used - BAND_WIDTH - COLUMN_PADDING)
        for metric, label, value in zip(shown, labels, values, strict=True):
            self.add_row(
                Text(label),
                Text(value),
                band_text(metric.band),
                Text(short(metric.guidance.split(";")[0], room), style="dim"),
                key=metric.key,
            )

    def on_resize(self) -> None:
        if self._metrics is not None and self.row_count:
            row = self.cursor_row
            self.show_metrics(self._metrics)
            self.move_cursor(row=row)
