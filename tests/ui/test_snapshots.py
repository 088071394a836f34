"""Snapshots of Home, Results and History with fixed data (fixed bank, attempts and times).

Regenerate with ``pytest tests/ui/test_snapshots.py --snapshot-update`` after a deliberate
change, and look at the SVGs in the report before committing them.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from tests.ui.conftest import FIXED_QUESTION_ID, wait_for, wait_for_screen

pytestmark = pytest.mark.ui


async def _settled(pilot: Any, timeout_s: float = 10.0) -> None:
    """Let the app run until its screen is settled: idle, every table's columns sized, and two
    screenshots a tenth of a second apart the same.

    A snapshot taken while a late message (a worker's result, a list refilled) is still on
    its way differs from one taken after it. A DataTable sizes its columns to new rows only
    when it is next idle (Textual's ``_require_update_dimensions``); until then it draws them
    at their labels' widths, so a screenshot can repeat itself before that.
    """
    from textual.widgets import DataTable

    app = pilot.app

    def tables_sized() -> bool:
        return not any(
            getattr(table, "_require_update_dimensions", False)
            for table in app.screen.query(DataTable)
        )

    deadline = time.monotonic() + timeout_s
    before = None
    while time.monotonic() < deadline:
        await pilot.pause()  # until the process is idle
        now = app.export_screenshot()
        if now == before and tables_sized():
            return
        before = now
        await pilot.pause(0.1)


@pytest.fixture
def snap(snap_compare: Callable[..., bool]) -> Callable[..., bool]:
    """``snap_compare`` that runs ``run_before`` and then waits for the screen to settle."""

    def compare(app: Any, run_before: Callable[[Any], Awaitable[None]], **kwargs: Any) -> bool:
        async def steps(pilot: Any) -> None:
            await run_before(pilot)
            await _settled(pilot)

        return snap_compare(app, run_before=steps, **kwargs)

    return compare


async def _home_ready(pilot: Any) -> None:
    from textual.widgets import DataTable

    app = pilot.app
    await wait_for(pilot, lambda: app.library is not None)
    home = app.screen
    await wait_for(pilot, lambda: home.progress_loaded)
    table = home.query_one("#questions", DataTable)
    await wait_for(pilot, lambda: table.row_count > 0)
    table.move_cursor(row=table.get_row_index(FIXED_QUESTION_ID))
    recent = home.query_one("#recent", DataTable)
    await wait_for(pilot, lambda: recent.row_count > 0)
    # A table's column widths follow its new rows on a later refresh; on a busy machine the
    # picture could otherwise be taken in between.
    await pilot.pause()
    await pilot.pause(0.2)


@pytest.mark.parametrize("size", [(80, 24), (100, 32)], ids=["80x24", "100x32"])
def test_home(
    size: tuple[int, int],
    snap: Callable[..., bool],
    filled_store: list[Any],
    make_test_app: Callable[..., Any],
) -> None:
    assert snap(make_test_app(), terminal_size=size, run_before=_home_ready)


@pytest.mark.parametrize("size", [(80, 24), (100, 32)], ids=["80x24", "100x32"])
def test_results(
    size: tuple[int, int],
    snap: Callable[..., bool],
    filled_store: list[Any],
    make_test_app: Callable[..., Any],
) -> None:
    from voicemock.ui.screens.results import ResultsScreen

    async def open_results(pilot: Any) -> None:
        await _home_ready(pilot)
        pilot.app.open_results(filled_store[-1])
        await wait_for_screen(pilot, ResultsScreen)
        await pilot.press("2")
        await pilot.pause()
        # The second competency: its evidence sentence is highlighted in the transcript.
        await pilot.press("down")
        await pilot.pause()

    assert snap(make_test_app(), terminal_size=size, run_before=open_results)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
def test_results_summary(
    size: tuple[int, int],
    snap: Callable[..., bool],
    filled_store: list[Any],
    make_test_app: Callable[..., Any],
) -> None:
    """The results open on the summary: score, its make-up, the change, strengths and fixes."""
    from voicemock.ui.screens.results import ResultsScreen
    from voicemock.ui.widgets.summary_pane import SummaryPane

    async def open_summary(pilot: Any) -> None:
        await _home_ready(pilot)
        pilot.app.open_results(filled_store[-1])
        results = await wait_for_screen(pilot, ResultsScreen)
        summary = results.query_one(SummaryPane)
        await wait_for(pilot, lambda: summary.previous_loaded and summary.makeup_loaded)
        await pilot.pause()

    assert snap(make_test_app(), terminal_size=size, run_before=open_summary)


def test_results_delivery_tab(
    snap: Callable[..., bool], filled_store: list[Any], make_test_app: Callable[..., Any]
) -> None:
    from voicemock.ui.screens.results import ResultsScreen

    async def open_delivery(pilot: Any) -> None:
        await _home_ready(pilot)
        pilot.app.open_results(filled_store[0])
        await wait_for_screen(pilot, ResultsScreen)
        await pilot.press("3")
        await pilot.pause()

    assert snap(make_test_app(), terminal_size=(80, 24), run_before=open_delivery)


@pytest.mark.parametrize("size", [(80, 24), (100, 32)], ids=["80x24", "100x32"])
def test_history(
    size: tuple[int, int],
    snap: Callable[..., bool],
    filled_store: list[Any],
    make_test_app: Callable[..., Any],
) -> None:
    from voicemock.ui.screens.history import HistoryScreen

    async def open_history(pilot: Any) -> None:
        await _home_ready(pilot)
        await pilot.press("h")
        await wait_for_screen(pilot, HistoryScreen)
        await wait_for(pilot, lambda: pilot.app.screen.loaded)
        await pilot.press("space", "down", "down", "space")  # mark the newest and the oldest
        await pilot.pause()

    assert snap(make_test_app(), terminal_size=size, run_before=open_history)


def test_delete_dialog_shows_its_keys(
    snap: Callable[..., bool], filled_store: list[Any], make_test_app: Callable[..., Any]
) -> None:
    from voicemock.ui.screens.dialogs import ConfirmDialog
    from voicemock.ui.screens.history import HistoryScreen

    async def ask_to_delete(pilot: Any) -> None:
        await _home_ready(pilot)
        await pilot.press("h")
        await wait_for_screen(pilot, HistoryScreen)
        await wait_for(pilot, lambda: pilot.app.screen.loaded)
        await pilot.press("delete")
        await wait_for_screen(pilot, ConfirmDialog)

    assert snap(make_test_app(), terminal_size=(80, 24), run_before=ask_to_delete)
