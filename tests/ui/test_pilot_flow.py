"""The app driven by keys, end to end with the real engines on the virtual audio devices.

The app speaks the question to the virtual speaker, records the virtual microphone (fed with an
answer made by the project's own TTS), transcribes with the default engine, scores, stores, and
shows Results; the attempt then appears in History and Replay plays it with the words following.
A second test walks a mock interview with stand-in audio (it is about navigation only).
"""

from __future__ import annotations

import asyncio
import re
import time
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

ANSWER = (
    "Last year a colleague and I disagreed about a release date. "
    "I listened first and asked her to walk me through her reasoning. "
    "We agreed on a smaller first release, and it shipped on time."
)
KEY_WORDS = ("colleague", "release", "listened", "agreed")


def words_of(text: str) -> set[str]:
    return set(re.findall(r"[a-z']+", text.lower()))


def rms(samples: Any) -> float:
    import numpy as np

    data = np.asarray(samples, dtype=np.float64)
    return float(np.sqrt(np.mean(data * data))) if data.size else 0.0


def _require_real_pieces() -> None:
    for module in ("voicemock.pipeline", "voicemock.speech.recorder", "voicemock.speech.playback"):
        pytest.importorskip(module, reason=f"{module} is needed for the end-to-end flow")


async def _select_question(pilot: Any, question_id: str) -> None:
    from textual.widgets import DataTable

    app = pilot.app
    await wait_for(pilot, lambda: app.library is not None)
    table = app.screen.query_one("#questions", DataTable)
    await wait_for(pilot, lambda: table.row_count > 0)
    table.focus()
    table.move_cursor(row=table.get_row_index(question_id))
    await pilot.pause()


async def test_spoken_answer_goes_through_results_history_and_replay(
    virtual_audio: Any, make_speech: Callable[..., Path]
) -> None:
    _require_real_pieces()
    from textual.widgets import DataTable

    from voicemock.core.store import SessionStore
    from voicemock.ui.app import make_app
    from voicemock.ui.screens.history import HistoryScreen
    from voicemock.ui.screens.interview import InterviewScreen
    from voicemock.ui.screens.replay import ReplayScreen
    from voicemock.ui.screens.results import ResultsScreen
    from voicemock.ui.services import Services
    from voicemock.ui.widgets.transcript_view import TranscriptView

    answer_wav = make_speech(ANSWER, rate_wpm=150)
    # Everything real except the bank: the shipped banks may change, this test's may not.
    services = Services(load_library=fixed_library)
    app = make_app(settings=Settings(followups=0), services=services)
    virtual_audio.start_speaker_capture()
    async with app.run_test(size=(100, 32)) as pilot:
        await _select_question(pilot, FIXED_QUESTION_ID)
        await wait_for(pilot, lambda: app.warm_state in ("ready", "failed"), 120)
        assert app.warm_state == "ready"
        await pilot.press("enter")
        interview = await wait_for_screen(pilot, InterviewScreen)
        rec = interview.query_one("#rec-indicator")
        assert not rec.display  # no REC before the microphone delivers audio
        # The question is spoken first; recording starts only when it has been heard.
        await wait_for(pilot, lambda: interview.phase == "recording", 60)
        heard_question = virtual_audio.stop_speaker_capture()
        assert rms(heard_question) > 100, "the question was not played to the speaker"
        await pilot.pause(0.2)
        assert rec.display and "REC" in str(rec.render())

        feed = virtual_audio.feed_mic(answer_wav)
        await asyncio.to_thread(feed.wait, feed.duration_s + 30)
        await pilot.pause(0.6)  # the last words reach the recorder
        meter = interview.query_one("#level")
        assert meter.display
        await pilot.press("space")
        results = await wait_for_screen(pilot, ResultsScreen, 120)
        attempt = results.attempt
        heard = words_of(attempt.transcript.text)
        assert sum(word in heard for word in KEY_WORDS) >= 3, attempt.transcript.text
        assert attempt.score is not None and attempt.score.question_id == FIXED_QUESTION_ID
        assert attempt.audio_status == "ok" and attempt.audio_path is not None
        recorded_s = attempt.duration_s
        assert feed.duration_s - 0.5 <= recorded_s <= feed.duration_s + 15
        # Time to the first word counts from the start of the recording (the question's end).
        latency_s = attempt.metrics.value("response_latency_s")
        assert latency_s is not None and 0.0 <= latency_s < recorded_s - feed.duration_s + 1.0

        # Selecting a competency highlights its evidence in the transcript.
        view = results.query_one(TranscriptView)
        competencies = [c for c in attempt.score.competencies if c.evidence]
        if competencies:
            await pilot.press("down", "up")
            await pilot.pause()
            assert view._evidence, "evidence of the highlighted competency is not highlighted"

        stored = SessionStore().list_attempts()
        assert [a.id for a in stored] == [attempt.id]

        await pilot.press("h")
        history = await wait_for_screen(pilot, HistoryScreen)
        await wait_for(pilot, lambda: history.query_one("#attempts", DataTable).row_count == 1)
        assert history.attempts[0].id == attempt.id

        virtual_audio.start_speaker_capture()
        await pilot.press("p")
        replay = await wait_for_screen(pilot, ReplayScreen)
        await wait_for(pilot, lambda: replay.player is not None and replay.player.is_playing, 20)
        highlighted: set[int] = set()
        deadline = time.monotonic() + recorded_s + 10
        while time.monotonic() < deadline and len(highlighted) < 3:
            await pilot.pause(0.05)
            current = replay.query_one(TranscriptView).current_word
            if current is not None:
                highlighted.add(current)
        assert len(highlighted) >= 3, "the highlight did not follow the audio"
        # The highlighted word is the one whose time span holds the playing position.
        words = attempt.transcript.words
        for index in highlighted:
            assert 0 <= index < len(words)

        before = replay.position_s
        await pilot.press("space")  # pause
        await pilot.pause(0.3)
        paused_at = replay.player.position_s
        await pilot.pause(0.4)
        assert replay.player.position_s == pytest.approx(paused_at, abs=0.05)
        assert paused_at >= before
        await pilot.press("left")
        await pilot.pause(0.1)
        assert replay.player.position_s == pytest.approx(max(0.0, paused_at - 5), abs=0.15)
        played_back = virtual_audio.stop_speaker_capture()
        assert rms(played_back) > 100, "replay played nothing to the speaker"
        await pilot.press("escape")
        await wait_for_screen(pilot, HistoryScreen)


async def test_mock_interview_asks_each_question_then_returns_home(
    make_test_app: Callable[..., Any], make_speech: Callable[..., Path]
) -> None:
    from voicemock.core.store import SessionStore
    from voicemock.ui.screens.dialogs import MockSetupDialog
    from voicemock.ui.screens.home import HomeScreen
    from voicemock.ui.screens.interview import InterviewScreen
    from voicemock.ui.screens.interview_report import ClosingScreen, InterviewReportScreen

    clip = make_speech("A short answer.")
    services = quiet_services(clip, load_transcriber=canned_transcriber())
    app = make_test_app(services, speak_questions=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await _select_question(pilot, FIXED_QUESTION_ID)
        await pilot.press("m")
        await wait_for_screen(pilot, MockSetupDialog)
        # Two questions, in list order, then Start.
        await pilot.press("backspace", "2", "tab", "down", "enter", "tab", "enter")
        # One question after the other, as an interviewer asks them: no results in between.
        for number in range(2):
            await wait_for(
                pilot,
                lambda n=number: (
                    isinstance(app.screen, InterviewScreen)
                    and app.screen.index == n
                    and app.screen.phase == "recording"
                ),
            )
            await pilot.press("space")
        # The closing question (skippable), then the interview report.
        await wait_for_screen(pilot, ClosingScreen)
        await pilot.press("s")
        report = await wait_for_screen(pilot, InterviewReportScreen)
        await wait_for(pilot, lambda: report.report is not None)
        assert [q.number for q in report.report.questions] == [1, 2]
        await pilot.press("escape")
        await wait_for_screen(pilot, HomeScreen)
        store = SessionStore()
        sessions = store.list_sessions()
        assert len(sessions) == 1 and sessions[0].kind == "mock"
        assert sessions[0].attempt_count == 2 and sessions[0].finished_at is not None
        attempts = sorted(store.list_attempts(session_id=sessions[0].id), key=lambda a: a.id)
        assert [a.question_id for a in attempts] == [q.id for q in fixed_library().questions][:2]
        # The question was shown (and its thinking time over) before each recording started:
        # the first word, 0.5 s into the recording, came 0.5 s after the question.
        assert [a.metrics.value("response_latency_s") for a in attempts] == [0.5, 0.5]


async def test_no_microphone_shows_a_dialog_not_a_traceback(
    no_audio_devices: None, make_test_app: Callable[..., Any]
) -> None:
    pytest.importorskip("voicemock.speech.recorder")
    from voicemock.ui.screens.dialogs import ErrorDialog
    from voicemock.ui.screens.interview import InterviewScreen
    from voicemock.ui.services import make_real_recorder

    app = make_test_app(quiet_services(make_recorder=make_real_recorder), speak_questions=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await _select_question(pilot, FIXED_QUESTION_ID)
        await pilot.press("enter")
        await wait_for_screen(pilot, ErrorDialog, 20)
        assert "microphone" in app.screen._message.lower()
        await pilot.press("escape")
        interview = app.screen
        assert isinstance(interview, InterviewScreen) and interview.phase == "failed"
        assert not interview.query_one("#rec-indicator").display
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, InterviewScreen))


async def test_thinking_time_counts_down_before_recording(
    make_test_app: Callable[..., Any], make_speech: Callable[..., Path]
) -> None:
    from textual.widgets import Static

    from voicemock.ui.screens.interview import InterviewScreen

    app = make_test_app(
        quiet_services(make_speech("A short answer.")), speak_questions=False, thinking_time_s=2
    )
    async with app.run_test(size=(80, 24)) as pilot:
        await _select_question(pilot, FIXED_QUESTION_ID)
        await pilot.press("enter")
        interview = await wait_for_screen(pilot, InterviewScreen)
        assert interview.phase == "thinking"
        status = str(interview.query_one("#status", Static).render())
        assert "starts in 2 s" in status
        await wait_for(pilot, lambda: interview.phase == "recording", 5)
        assert interview.query_one("#rec-indicator").display


async def test_settings_are_saved_and_bad_values_refused(
    make_test_app: Callable[..., Any], voicemock_home: Path
) -> None:
    from textual.widgets import Input, Select, Static

    from voicemock.config import load_settings
    from voicemock.ui.screens.home import HomeScreen
    from voicemock.ui.screens.settings import SettingsScreen

    app = make_test_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.library is not None)
        await pilot.press("s")
        form = await wait_for_screen(pilot, SettingsScreen)
        form.query_one("#thinking_time_s", Input).value = "500"
        await pilot.press("ctrl+s")
        assert isinstance(app.screen, SettingsScreen)
        assert "thinking" in str(form.query_one("#settings-error", Static).render()).lower()
        assert not (voicemock_home / "settings.json").exists()

        form.query_one("#thinking_time_s", Input).value = "15"
        form.query_one("#silence_stop_s", Input).value = "3"
        speaker = form.query_one("#output_device", Select)
        await wait_for(pilot, lambda: "Test speaker" in [v for _, v in speaker._options])
        speaker.value = "Test speaker"
        await pilot.press("ctrl+s")
        await wait_for_screen(pilot, HomeScreen)
    saved = load_settings()
    assert saved.thinking_time_s == 15 and saved.silence_stop_s == 3
    assert saved.output_device == "Test speaker" and saved.input_device is None
    # The test app's own run settings (no follow-ups) stay the run's: only the form's changes
    # are written over what was saved.
    assert saved.followups == Settings().followups != app.settings.followups
    assert app.settings == saved.model_copy(update={"followups": app.settings.followups})


async def test_replay_without_audio_steps_through_the_flags(
    filled_store: list[Any], make_test_app: Callable[..., Any]
) -> None:
    from voicemock.ui.screens.replay import FLAG_LEAD_S, JUMP_KINDS, ReplayScreen
    from voicemock.ui.widgets.transcript_view import TranscriptView

    attempt = filled_store[-1]
    flags = sorted(attempt.metrics.flags_of(*JUMP_KINDS), key=lambda f: f.start_s)
    assert len(flags) >= 3
    app = make_test_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.library is not None)
        app.open_replay(attempt, 0.0)  # from the very start: the first flag is the first word
        replay = await wait_for_screen(pilot, ReplayScreen)
        view = replay.query_one(TranscriptView)
        for flag in flags:
            await pilot.press("right_square_bracket")
            assert replay.position_s == pytest.approx(max(0.0, flag.start_s - FLAG_LEAD_S))
            assert view.current_word == flag.word_index
        await pilot.press("left_square_bracket")
        assert replay.position_s == pytest.approx(max(0.0, flags[-2].start_s - FLAG_LEAD_S))
        await pilot.press("right")
        assert replay.position_s == pytest.approx(
            min(attempt.duration_s, flags[-2].start_s - FLAG_LEAD_S + 5)
        )


async def test_discarding_an_answer_deletes_it_and_saves_nothing(
    make_test_app: Callable[..., Any], make_speech: Callable[..., Path]
) -> None:
    from voicemock.core.store import SessionStore
    from voicemock.ui.screens.dialogs import ConfirmDialog
    from voicemock.ui.screens.home import HomeScreen
    from voicemock.ui.screens.interview import InterviewScreen

    recorders, make_recorder = clip_recorders(make_speech("A short answer."))

    app = make_test_app(quiet_services(make_recorder=make_recorder), speak_questions=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await _select_question(pilot, FIXED_QUESTION_ID)
        await pilot.press("enter")
        interview = await wait_for_screen(pilot, InterviewScreen)
        await wait_for(pilot, lambda: interview.phase == "recording")
        await pilot.press("escape")
        await wait_for_screen(pilot, ConfirmDialog)
        await pilot.press("n")  # keep recording
        assert app.screen is interview and interview.phase == "recording"
        await pilot.press("escape")
        await wait_for_screen(pilot, ConfirmDialog)
        await pilot.press("y")
        await wait_for_screen(pilot, HomeScreen)
        await wait_for(pilot, lambda: recorders[0].wait(0) is not None)
        await pilot.pause(0.2)
    assert not recorders[0].out_path.exists()
    assert SessionStore().list_attempts() == []
