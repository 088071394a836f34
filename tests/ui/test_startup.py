"""A light start: the garbage collector waits for the app's first frame, Home reads the store
after it, and Home marks the pane holding the focus without restyling the pane at each move."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.ui.conftest import quiet_services, wait_for
from voicemock.config import Settings
from voicemock.ui import startup

pytestmark = pytest.mark.ui


@pytest.fixture
def collector_restored() -> Iterator[None]:
    """Whatever a test does to the collector, it is on and unfrozen afterwards."""
    yield
    startup._paused = False
    gc.unfreeze()
    gc.enable()


def test_pause_and_resume_the_collector(collector_restored: None) -> None:
    frozen = gc.get_freeze_count()
    startup.pause_collection()
    assert not gc.isenabled()
    made = [[] for _ in range(100)]  # objects the collector tracks, made while paused
    startup.resume_collection()
    assert gc.isenabled()
    # What was made meanwhile is frozen: it waits for the warm-up's collection.
    assert gc.get_freeze_count() >= frozen + len(made)


def test_resume_without_pause_leaves_the_collector_alone(collector_restored: None) -> None:
    gc.disable()  # someone else turned it off
    startup.pause_collection()
    startup.resume_collection()
    assert not gc.isenabled()
    gc.enable()
    frozen = gc.get_freeze_count()
    startup.resume_collection()
    assert gc.isenabled() and gc.get_freeze_count() == frozen


async def test_the_app_resumes_the_collector_after_its_first_frame(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, collector_restored: None
) -> None:
    from voicemock.ui.app import make_app
    from voicemock.ui.screens.home import HomeScreen

    monkeypatch.setenv("VOICEMOCK_HOME", str(tmp_path))
    startup.pause_collection()
    app = make_app(settings=Settings(), services=quiet_services())
    async with app.run_test(size=(100, 32)) as pilot:
        await wait_for(pilot, lambda: app.first_frame_drawn)
        assert gc.isenabled()
        home = app.screen
        assert isinstance(home, HomeScreen)
        await wait_for(pilot, lambda: home.progress_loaded and app.library is not None)


async def test_home_marks_the_pane_that_holds_the_focus(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from textual.widgets import DataTable, Input

    from voicemock.ui.app import make_app
    from voicemock.ui.screens.home import HomeScreen

    monkeypatch.setenv("VOICEMOCK_HOME", str(tmp_path))
    app = make_app(settings=Settings(), services=quiet_services())
    async with app.run_test(size=(100, 32)) as pilot:
        await wait_for(pilot, lambda: app.library is not None)
        home = app.screen
        assert isinstance(home, HomeScreen)
        questions, progress = home.query_one("#question-pane"), home.query_one("#progress-pane")

        def marked() -> tuple[bool, bool]:
            return questions.has_class("has-focus"), progress.has_class("has-focus")

        await wait_for(pilot, lambda: home.focused is home.query_one("#questions", DataTable))
        assert marked() == (True, False)
        home.query_one("#search", Input).focus()  # a move inside the pane
        await pilot.pause()
        assert marked() == (True, False)
        home.query_one("#recent", DataTable).focus()
        await wait_for(pilot, lambda: marked() == (False, True))
        home.set_focus(None)
        await wait_for(pilot, lambda: marked() == (False, False))
        home.query_one("#questions", DataTable).focus()
        await wait_for(pilot, lambda: marked() == (True, False))
