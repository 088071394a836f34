"""The recording level meter: redrawn only when what it shows changes."""

from __future__ import annotations

import math

from textual.app import App, ComposeResult

from voicemock.ui.widgets.level_meter import FLOOR_DBFS, LevelMeter


class _MeterApp(App[None]):
    def compose(self) -> ComposeResult:
        yield LevelMeter()


async def test_the_meter_keeps_whole_decibels_and_takes_silence() -> None:
    app = _MeterApp()
    async with app.run_test(size=(60, 3)) as pilot:
        meter = app.query_one(LevelMeter)
        meter.set_level(-20.4, -12.6)
        assert (meter.rms_dbfs, meter.peak_dbfs) == (-20.0, -13.0)
        meter.set_level(-math.inf, -math.inf)  # digital silence
        await pilot.pause()
        assert meter.rms_dbfs < FLOOR_DBFS and meter.peak_dbfs < FLOOR_DBFS
        assert "-∞ dB" in meter.render().plain
