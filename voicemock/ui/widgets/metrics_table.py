"""Delivery metrics as a table: figure, unit, band and the rule behind the band."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import DataTable

from voicemock.core.models import DeliveryMetrics, Metric

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


def format_value(metric: Metric) -> str:
    """The metric's value with its unit, or a dash when it could not be computed."""
    if metric.value is None:
        return "—"
    value = metric.value
    shown = f"{value:.0f}" if abs(value) >= 20 or value == int(value) else f"{value:.1f}"
    return f"{shown} {metric.unit}".strip()


def band_text(band: str) -> Text:
    """The band as a coloured label."""
    return Text(BAND_LABELS.get(band, band), style=BAND_STYLES.get(band, ""))


class MetricsTable(DataTable[str | Text]):
    """One row per delivery metric."""

    DEFAULT_CSS = """
    MetricsTable { height: auto; max-height: 100%; }
    """

    def __init__(self, metrics: DeliveryMetrics | None = None, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self._metrics = metrics

    def on_mount(self) -> None:
        self.add_column("Metric", key="label")
        self.add_column("Value", key="value")
        self.add_column("Band", key="band")
        self.add_column("Guidance", key="guidance")
        if self._metrics is not None:
            self.show_metrics(self._metrics)

    def show_metrics(self, metrics: DeliveryMetrics) -> None:
        """Replace the rows with these metrics."""
        self._metrics = metrics
        self.clear()
        for metric in metrics.metrics:
            self.add_row(
                metric.label,
                format_value(metric),
                band_text(metric.band),
                Text(metric.guidance, style="dim"),
                key=metric.key,
            )
