"""What a user sees at 80x24: the keys in each footer work, nothing important is cut off.

These use the fixed bank and the three fixed attempts of the snapshot tests; audio devices are
stand-ins (replay here is about keys and layout, the end-to-end test plays real audio).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.ui.conftest import (
    ANSWER_2,
    canned_transcriber,
    open_results_of,
    quiet_services,
    wait_for,
    wait_for_screen,
)

pytestmark = pytest.mark.ui

SIZE = (80, 24)


def footer_keys(screen: Any) -> dict[str, str]:
    """Key -> action of the bindings the footer shows (the ones a key press would run)."""
    return {
        key: active.binding.action
        for key, active in screen.active_bindings.items()
        if active.binding.show and active.enabled
    }


async def test_replay_footer_shows_the_seek_keys_and_they_seek(
    filled_store: list[Any], make_test_app: Callable[..., Any]
) -> None:
    from voicemock.ui.screens.replay import ReplayScreen
    from voicemock.ui.widgets.transcript_view import TranscriptView

    attempt = filled_store[-1]
    app = make_test_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.library is not None)
        app.open_replay(attempt, 0.0)
        replay = await wait_for_screen(pilot, ReplayScreen)
        assert replay.focused is replay.query_one(TranscriptView)  # it would take left/right
        keys = footer_keys(replay)
        assert keys["left"] == "seek(-5)" and keys["right"] == "seek(5)"
        await pilot.press("right", "right")
        assert replay.position_s == pytest.approx(min(attempt.duration_s, 10.0))
        await pilot.press("left")
        assert replay.position_s == pytest.approx(min(attempt.duration_s, 10.0) - 5.0)
        await pilot.press("home")
        assert replay.position_s == 0.0
        assert "replay of" in replay.sub_title


async def test_history_footer_offers_results_and_compare_fits_80_columns(
    filled_store: list[Any], make_test_app: Callable[..., Any]
) -> None:
    from textual.widgets import DataTable

    from voicemock.ui.screens.history import CompareScreen, HistoryScreen
    from voicemock.ui.screens.results import ResultsScreen

    app = make_test_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.library is not None)
        app.open_history()
        history = await wait_for_screen(pilot, HistoryScreen)
        await wait_for(pilot, lambda: history.loaded)
        assert footer_keys(history)["enter"] == "open_results"
        await pilot.press("enter")
        await wait_for_screen(pilot, ResultsScreen)
        await pilot.press("escape")
        await wait_for_screen(pilot, HistoryScreen)
        await pilot.press("space", "down", "space", "c")
        compare = await wait_for_screen(pilot, CompareScreen)
        table = compare.query_one("#compare-table", DataTable)
        # Every column, the change included, is on screen without scrolling sideways.
        assert table.virtual_size.width <= table.scrollable_content_region.width
        rows = [table.get_row_at(n) for n in range(table.row_count)]
        length_row = next(row for row in rows if str(row[0]) == "Length")
        assert str(length_row[3]).endswith(" s")


async def test_delivery_tab_shows_the_whole_guidance_of_the_highlighted_metric(
    filled_store: list[Any], make_test_app: Callable[..., Any]
) -> None:
    from textual.widgets import Static

    attempt = filled_store[0]
    app = make_test_app()
    async with app.run_test(size=SIZE) as pilot:
        results = await open_results_of(pilot, attempt)
        await pilot.press("3")
        await pilot.pause()
        await pilot.press("down")
        await pilot.pause()
        from voicemock.ui.widgets.metrics_table import MetricsTable

        metric = results.query_one(MetricsTable).shown_metrics(attempt.metrics)[1]
        detail = str(results.query_one("#metric-detail", Static).render())
        assert metric.label in detail and metric.guidance in detail


async def test_answer_tab_legend_and_evidence_fit_without_repeats(
    filled_store: list[Any], make_test_app: Callable[..., Any]
) -> None:
    from textual.widgets import Static

    from voicemock.ui.widgets.competency_panel import competency_details

    app = make_test_app()
    async with app.run_test(size=SIZE) as pilot:
        results = await open_results_of(pilot, filled_store[-1])
        await pilot.press("2")
        await pilot.pause()
        legend = results.query_one("#answer-transcript .legend", Static)
        assert "red flag" in str(legend.render())
        assert legend.content_size.width >= len(str(legend.render()))
        # The footer's keys all fit on one line of 80 columns.
        shown = footer_keys(results)
        assert {"t", "h", "escape"} <= set(shown)
        assert not any(key.isdigit() for key in shown)  # the tab labels carry the numbers
    evidence = filled_store[-1].score.competencies[0].evidence[0]
    quoted = replace(evidence, reason=f"said '{evidence.matched}'")
    competency = replace(filled_store[-1].score.competencies[0], evidence=(quoted,))
    assert str(competency_details(competency)).count(evidence.matched) == 1


async def test_escape_in_a_mock_interview_ends_it_with_its_report(
    make_test_app: Callable[..., Any], make_speech: Callable[..., Path]
) -> None:
    from voicemock.core.store import SessionStore
    from voicemock.ui.screens.dialogs import ConfirmDialog, MockSetupDialog
    from voicemock.ui.screens.history import HistoryScreen
    from voicemock.ui.screens.interview import InterviewScreen
    from voicemock.ui.screens.interview_report import InterviewReportScreen

    services = quiet_services(
        make_speech("A short answer."), load_transcriber=canned_transcriber(ANSWER_2)
    )
    app = make_test_app(services, speak_questions=False)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.library is not None)
        await pilot.press("m")
        await wait_for_screen(pilot, MockSetupDialog)
        await pilot.press("backspace", "2", "enter")
        interview = await wait_for_screen(pilot, InterviewScreen)
        await wait_for(pilot, lambda: interview.phase == "recording")
        assert footer_keys(interview)["escape"] == "discard"
        await pilot.press("space")
        # The second question follows at once; leaving it (discarding its answer) ends the
        # interview with the report of what was answered.
        await wait_for(
            pilot,
            lambda: (
                isinstance(app.screen, InterviewScreen)
                and app.screen.index == 1
                and app.screen.phase == "recording"
            ),
        )
        await pilot.press("escape")
        await wait_for_screen(pilot, ConfirmDialog)
        await pilot.press("d")
        report = await wait_for_screen(pilot, InterviewReportScreen)
        await wait_for(pilot, lambda: report.report is not None)
        assert report.report is not None
        (asked,) = report.report.questions
        overall = asked.score.overall if asked.score else None
        text = str(report.query_one("#report-overall").render())
        assert f"{overall}/100 over 1 question" in text
        await pilot.press("escape")
        # The progress on Home already counts the answer.
        from textual.widgets import Static

        from voicemock.ui.screens.home import HomeScreen

        home = await wait_for_screen(pilot, HomeScreen)
        progress = home.query_one("#progress-summary", Static)
        await wait_for(pilot, lambda: "Attempts  1" in str(progress.render()))
        await pilot.press("h")
        await wait_for_screen(pilot, HistoryScreen)
    sessions = SessionStore().list_sessions()
    assert [(s.kind, s.attempt_count) for s in sessions] == [("mock", 1)]
    assert sessions[0].finished_at is not None


async def test_settings_label_of_the_focused_field_stands_out(
    make_test_app: Callable[..., Any],
) -> None:
    from textual.widgets import Label

    from voicemock.ui.screens.settings import SettingsScreen

    app = make_test_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.library is not None)
        await pilot.press("s")
        form = await wait_for_screen(pilot, SettingsScreen)
        labels = list(form.query(".settings-label").results(Label))

        def lit() -> list[bool]:
            return [bool(label.styles.text_style.bold) for label in labels]

        await pilot.pause()
        assert lit().index(True) == 0 and lit().count(True) == 1
        await pilot.press("tab", "tab")  # the highlight follows the focus
        await pilot.pause()
        assert lit().index(True) == 2 and lit().count(True) == 1
        assert labels[2].styles.color != labels[0].styles.color


def test_recent_attempts_show_the_time_for_today(filled_store: list[Any]) -> None:
    from voicemock.ui.screens.home import format_when

    attempt = filled_store[0]
    made = attempt.created_at.astimezone()
    assert format_when(attempt, today=made.date()) == made.strftime("%H:%M")
    assert format_when(attempt, today=made.date() + timedelta(days=1)) == made.strftime("%d %b")
