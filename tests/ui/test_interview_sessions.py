"""Interview edge cases: no empty sessions, the discard dialog's keys, latency, shared formatting.

Audio devices are stand-ins here (the tests are about sessions, keys and what is passed on);
the store, the question bank and the screens are the real ones.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.ui.conftest import (
    FIXED_QUESTION_ID,
    canned_transcriber,
    clip_recorders,
    fixed_library,
    quiet_services,
    wait_for,
    wait_for_screen,
)
from voicemock.config import Settings

pytestmark = pytest.mark.ui


async def _select_question(pilot: Any) -> None:
    from textual.widgets import DataTable

    app = pilot.app
    await wait_for(pilot, lambda: app.library is not None)
    table = app.screen.query_one("#questions", DataTable)
    await wait_for(pilot, lambda: table.row_count > 0)
    table.focus()
    table.move_cursor(row=table.get_row_index(FIXED_QUESTION_ID))
    await pilot.pause()


def stored_sessions() -> list[Any]:
    from voicemock.core.store import SessionStore

    with SessionStore() as store:
        return store.list_sessions()


def stored_attempt_count() -> int:
    from voicemock.core.store import SessionStore

    with SessionStore() as store:
        return len(store.list_attempts())


# --------------------------------------------------------------------------- sessions


async def test_quitting_right_after_practice_question_leaves_no_session(
    make_speech: Callable[..., Path],
) -> None:
    from voicemock.ui.app import make_app
    from voicemock.ui.screens.interview import InterviewScreen

    services = quiet_services(make_speech("A short answer."))
    # As `voicemock practice --question ID` starts it.
    app = make_app(
        settings=Settings(thinking_time_s=30, followups=0),
        services=services,
        start_question_id=FIXED_QUESTION_ID,
    )
    async with app.run_test(size=(80, 24)) as pilot:
        interview = await wait_for_screen(pilot, InterviewScreen)
        await wait_for(pilot, lambda: interview.phase == "thinking")
        await pilot.press("ctrl+q")
    assert stored_sessions() == []


async def test_cancelling_a_mock_interview_before_answering_leaves_no_session(
    make_test_app: Callable[..., Any], make_speech: Callable[..., Path]
) -> None:
    from voicemock.ui.screens.dialogs import MockSetupDialog
    from voicemock.ui.screens.home import HomeScreen
    from voicemock.ui.screens.interview import InterviewScreen
    from voicemock.ui.screens.results import ResultsScreen

    services = quiet_services(make_speech("A short answer."), load_transcriber=canned_transcriber())
    app = make_test_app(services, speak_questions=False, thinking_time_s=30)
    async with app.run_test(size=(80, 24)) as pilot:
        await _select_question(pilot)
        await pilot.press("m")
        await wait_for_screen(pilot, MockSetupDialog)
        await pilot.press("enter")
        interview = await wait_for_screen(pilot, InterviewScreen)
        assert interview.plan.is_mock and interview.phase == "thinking"
        await pilot.press("escape")
        await wait_for_screen(pilot, HomeScreen)
        assert stored_sessions() == []

        # Answering saves the session with its first attempt, and Back marks it finished.
        await pilot.press("enter")
        interview = await wait_for_screen(pilot, InterviewScreen)
        await pilot.press("space")  # skip the thinking time
        await wait_for(pilot, lambda: interview.phase == "recording")
        await pilot.press("space")
        await wait_for_screen(pilot, ResultsScreen)
        await pilot.press("escape")
        await wait_for_screen(pilot, HomeScreen)
    sessions = stored_sessions()
    assert [(s.kind, s.attempt_count) for s in sessions] == [("single", 1)]
    assert sessions[0].finished_at is not None


# --------------------------------------------------------------------------- discard dialog


async def test_discard_dialog_keys_do_what_they_say(
    make_test_app: Callable[..., Any], make_speech: Callable[..., Path]
) -> None:
    from textual.widgets import Button, Static

    from voicemock.ui.screens.dialogs import ConfirmDialog
    from voicemock.ui.screens.home import HomeScreen
    from voicemock.ui.screens.interview import InterviewScreen

    recorders, make_recorder = clip_recorders(make_speech("A short answer."))

    app = make_test_app(quiet_services(make_recorder=make_recorder), speak_questions=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await _select_question(pilot)
        await pilot.press("enter")
        interview = await wait_for_screen(pilot, InterviewScreen)
        await wait_for(pilot, lambda: interview.phase == "recording")

        # Every key that keeps the answer: n, esc, and Enter on the highlighted Keep button.
        for keep_key in ("n", "escape", "enter"):
            await pilot.press("escape")
            dialog = await wait_for_screen(pilot, ConfirmDialog)
            hint = str(dialog.query_one(".dialog-keys", Static).render())
            assert "y/d: discard" in hint and "n/esc: keep recording" in hint
            assert "(n)" in str(dialog.query_one("#no", Button).label)
            await pilot.press(keep_key)
            await wait_for(pilot, lambda: app.screen is interview)
            assert interview.phase == "recording", keep_key
        assert stored_attempt_count() == 0

        # Enter presses whichever button is highlighted: move to Discard, then Enter.
        await pilot.press("escape")
        dialog = await wait_for_screen(pilot, ConfirmDialog)
        await pilot.press("left")
        assert dialog.focused is dialog.query_one("#yes", Button)
        await pilot.press("right")
        assert dialog.focused is dialog.query_one("#no", Button)
        await pilot.press("left", "enter")
        await wait_for_screen(pilot, HomeScreen)
        await wait_for(pilot, lambda: recorders[0].wait(0) is not None)

        # "d" discards as well.
        await pilot.press("enter")
        interview = await wait_for_screen(pilot, InterviewScreen)
        await wait_for(pilot, lambda: interview.phase == "recording")
        await pilot.press("escape")
        await wait_for_screen(pilot, ConfirmDialog)
        await pilot.press("d")
        await wait_for_screen(pilot, HomeScreen)
        await wait_for(pilot, lambda: recorders[1].wait(0) is not None)
        await pilot.pause(0.2)
    assert all(not r.out_path.exists() for r in recorders)
    assert stored_attempt_count() == 0 and stored_sessions() == []


async def test_answer_discarded_while_it_is_analysed_is_not_saved(
    make_test_app: Callable[..., Any],
    make_speech: Callable[..., Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The recorder may stop by itself (silence) while the discard dialog is open."""
    from voicemock.ui.screens.dialogs import ConfirmDialog
    from voicemock.ui.screens.home import HomeScreen
    from voicemock.ui.screens.interview import InterviewScreen

    recorders, make_recorder = clip_recorders(make_speech("A short answer."))
    release = threading.Event()
    analysing = threading.Event()
    finished = threading.Event()

    def hold() -> None:
        analysing.set()
        release.wait(10)

    from voicemock.pipeline import Answer

    analyse = Answer.analyse

    def analyse_then_tell(self: Answer, *args: Any) -> Any:
        try:
            return analyse(self, *args)
        finally:
            finished.set()

    monkeypatch.setattr(Answer, "analyse", analyse_then_tell)
    services = quiet_services(
        make_recorder=make_recorder, load_transcriber=canned_transcriber(before=hold)
    )
    app = make_test_app(services, speak_questions=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await _select_question(pilot)
        await pilot.press("enter")
        interview = await wait_for_screen(pilot, InterviewScreen)
        await wait_for(pilot, lambda: interview.phase == "recording")
        await pilot.press("escape")
        await wait_for_screen(pilot, ConfirmDialog)
        recorders[0].stop()  # as a silence stop does, behind the dialog
        await wait_for(pilot, lambda: analysing.is_set() and interview.phase == "analysing")
        await pilot.press("y")
        await wait_for_screen(pilot, HomeScreen)
        release.set()
        await wait_for(pilot, finished.is_set)
        await pilot.pause(0.3)
        assert isinstance(app.screen, HomeScreen)
    assert not recorders[0].out_path.exists()
    assert stored_attempt_count() == 0 and stored_sessions() == []


# --------------------------------------------------------------------------- latency


async def test_time_to_first_word_counts_from_the_start_of_the_recording(
    make_test_app: Callable[..., Any], make_speech: Callable[..., Path]
) -> None:
    """After thinking time too: recording starts once it is over, so the question ends at 0."""
    from voicemock.ui.screens.interview import InterviewScreen
    from voicemock.ui.screens.results import ResultsScreen

    services = quiet_services(make_speech("A short answer."), load_transcriber=canned_transcriber())
    app = make_test_app(services, thinking_time_s=1)
    async with app.run_test(size=(80, 24)) as pilot:
        await _select_question(pilot)
        await pilot.press("enter")
        interview = await wait_for_screen(pilot, InterviewScreen)
        await wait_for(pilot, lambda: interview.phase == "thinking")
        await wait_for(pilot, lambda: interview.phase == "recording", 5)
        await pilot.press("space")
        results = await wait_for_screen(pilot, ResultsScreen)
    # The first word is heard 0.5 s into the recording: that is the time to it.
    assert results.attempt.metrics.value("response_latency_s") == pytest.approx(0.5)


def test_real_analysis_reports_the_time_to_first_word(make_speech: Callable[..., Path]) -> None:
    """An answer hands ``question_end_s`` on to the metrics."""
    from voicemock.pipeline import Answer

    question = fixed_library().get(FIXED_QUESTION_ID)
    clip = make_speech("I listened to my colleague first, and we agreed on a plan.")
    settings = Settings(use_embeddings=False, followups=0)
    with_end = Answer(question, settings, audio_path=clip, question_end_s=0.0).analyse()
    latency_s = with_end.metrics.value("response_latency_s")
    first_word_s = with_end.transcript.words[0].start_s
    assert latency_s == pytest.approx(first_word_s, abs=0.01)
    without = Answer(question, settings, audio_path=clip).analyse()
    assert without.metrics.value("response_latency_s") is None


# --------------------------------------------------------------------------- formatting


async def test_metric_values_are_formatted_as_the_core_formats_them() -> None:
    from textual.app import App, ComposeResult

    from voicemock.core.metrics import format_metric_value
    from voicemock.core.models import DeliveryMetrics, Metric
    from voicemock.ui.widgets.metrics_table import MetricsTable

    metrics = DeliveryMetrics(
        metrics=(
            Metric("response_latency_s", "Time to first word", 0.46, "s", "info", ""),
            Metric("filler_share", "Filler share", 6.66, "%", "watch", ""),
            Metric("speaking_rate_wpm", "Speaking rate", 141.6, "wpm", "good", ""),
            Metric("longest_pause_s", "Longest pause", None, "s", "info", ""),
        )
    )

    class Host(App[None]):
        def compose(self) -> ComposeResult:
            yield MetricsTable(metrics, id="metrics")

    async with Host().run_test(size=(80, 12)) as pilot:
        await pilot.pause()
        table = pilot.app.query_one(MetricsTable)
        shown = [str(table.get_cell(m.key, "value")) for m in metrics.metrics]
    assert shown == [format_metric_value(m) for m in metrics.metrics]
    assert shown[0] == "0.5 s" and shown[-1] == "—"


def test_analysis_failure_names_the_kept_recording_once(tmp_path: Path) -> None:
    from voicemock.ui.messages import AnalysisFailed
    from voicemock.ui.screens.interview import analysis_failure_text

    kept = tmp_path / "answer.wav"
    kept.write_bytes(b"RIFF")
    text = analysis_failure_text(
        AnalysisFailed(f"{kept}: no speech found: the recording is silent", str(kept))
    )
    assert text.startswith("No speech found: the recording is silent")
    assert text.count(str(kept)) == 1 and text.endswith(f"voicemock sessions recover {kept}")
    gone = analysis_failure_text(AnalysisFailed("disk full", str(tmp_path / "missing.wav")))
    assert gone == "disk full"
