"""The Progress panel's trend line on Home."""

from datetime import UTC, datetime, timedelta

from voicemock.core.store import HistoryPoint
from voicemock.ui.screens.home import progress_summary


def point(overall: int, n: int) -> HistoryPoint:
    created = datetime(2026, 3, 1, tzinfo=UTC) + timedelta(hours=n)
    return HistoryPoint(n, 1, "q", created, overall, 60.0, {})


def test_a_flat_trend_reads_as_no_change() -> None:
    flat = progress_summary([point(20, 1), point(0, 2), point(20, 3)])
    assert "Trend     = 0\n" in flat.plain  # not "= +0"
    rising = progress_summary([point(20, 1), point(81, 2)])
    assert "Trend     ▲ +61\n" in rising.plain
