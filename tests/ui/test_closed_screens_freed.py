"""Closed Results screens leave nothing of what they drew behind."""

from __future__ import annotations

import gc
import weakref
from typing import Any

import pytest

from tests.ui.conftest import open_results_of, wait_for_screen

pytestmark = pytest.mark.ui

OPENINGS = 3


async def test_the_lines_closed_screens_drew_are_freed(
    filled_store: list[Any], make_test_app: Any
) -> None:
    from textual.widgets import Header

    from voicemock.ui.screens.home import HomeScreen

    app = make_test_app()
    drawn: list[weakref.ref[Any]] = []
    async with app.run_test(size=(100, 32)) as pilot:
        for _ in range(OPENINGS):
            results = await open_results_of(pilot, filled_store[-1])
            for key in ("2", "3", "4", "1"):  # every tab drawn
                await pilot.press(key)
                await pilot.pause()
            # What a widget drew is kept in its style cache (Textual's, hence the private
            # name). The header is left out: the app keeps it (watching the title).
            header = results.query_one(Header)
            drawn += [
                weakref.ref(widget._styles_cache)
                for widget in results.walk_children()
                if widget is not header and header not in widget.ancestors
            ]
            del header, results
            await pilot.press("escape")
            await wait_for_screen(pilot, HomeScreen)
        await pilot.pause()
        gc.collect()
        kept = sum(ref() is not None for ref in drawn)
    # The last screen may stay a while (a thread's context holds its finished worker); the
    # ones before are gone. With Textual's colour cache left full, all of them stayed.
    assert kept <= len(drawn) // OPENINGS, f"{kept} of {len(drawn)} closed widgets kept"
