"""A whole mock interview in the app, with the real engines on the virtual audio devices.

The interviewer greets and asks the question on the virtual speaker; a general answer is fed to
the virtual microphone, so the interviewer asks for a specific example: the follow-up and its
reason are shown and heard on the speaker, its answer is recorded, transcribed and scored with
the main answer; then the closing question and the interview report, whose moments replay.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.ui.conftest import fixed_library, wait_for, wait_for_screen
from tests.ui.test_pilot_flow import _require_real_pieces, _select_question, rms
from voicemock.config import Settings

pytestmark = pytest.mark.ui

GENERAL = (
    "When I disagree with a colleague, I listen to their side first and ask questions. "
    "Then we look for a compromise that works for both of us."
)
EXAMPLE = (
    "Last year a colleague and I disagreed about a release date. I asked her to walk me "
    "through her reasoning, and we agreed on a smaller first release. It shipped on time."
)


async def _answer(pilot: Any, virtual_audio: Any, wav: Path) -> None:
    """Feed an answer to the microphone, let its last words reach the recorder, stop."""
    feed = virtual_audio.feed_mic(wav)
    await asyncio.to_thread(feed.wait, feed.duration_s + 30)
    await pilot.pause(0.6)
    await pilot.press("space")


async def _followup_recording(pilot: Any, timeout_s: float = 10.0) -> Any:
    """Wait until the interview screen records the answer to a follow-up; return that screen."""
    from voicemock.ui.screens.interview import InterviewScreen

    app = pilot.app
    await wait_for(
        pilot,
        lambda: (
            isinstance(app.screen, InterviewScreen)
            and app.screen.followup is not None
            and app.screen.phase == "recording"
        ),
        timeout_s,
    )
    return app.screen


async def test_a_mock_interview_with_a_follow_up_ends_in_its_report(
    virtual_audio: Any, make_speech: Callable[..., Path]
) -> None:
    _require_real_pieces()
    from textual.widgets import Static

    from voicemock.core.store import SessionStore
    from voicemock.ui.app import make_app
    from voicemock.ui.screens.dialogs import MockSetupDialog
    from voicemock.ui.screens.home import HomeScreen
    from voicemock.ui.screens.interview import InterviewScreen
    from voicemock.ui.screens.interview_report import ClosingScreen, InterviewReportScreen
    from voicemock.ui.screens.replay import ReplayScreen
    from voicemock.ui.screens.results import ResultsScreen
    from voicemock.ui.services import Services

    general_wav = make_speech(GENERAL, rate_wpm=170)
    example_wav = make_speech(EXAMPLE, rate_wpm=170)
    app = make_app(settings=Settings(followups=1), services=Services(load_library=fixed_library))
    async with app.run_test(size=(100, 32)) as pilot:
        await _select_question(pilot, "uit-conflict")
        await wait_for(pilot, lambda: app.warm_state in ("ready", "failed"), 120)
        await pilot.press("m")
        await wait_for_screen(pilot, MockSetupDialog)
        # One question, in list order (the disagreement question, which the answers are about).
        await pilot.press("backspace", "1", "tab", "down", "enter", "tab", "enter")

        # The greeting and the question, spoken; then the general answer.
        virtual_audio.start_speaker_capture()
        interview = await wait_for_screen(pilot, InterviewScreen)
        assert interview.question.id == "uit-conflict"
        assert "questions" not in interview.opening and "1 question" in interview.opening
        await wait_for(pilot, lambda: interview.phase == "recording", 90)
        assert rms(virtual_audio.stop_speaker_capture()) > 100
        virtual_audio.start_speaker_capture()
        await _answer(pilot, virtual_audio, general_wav)

        # The follow-up: shown with its reason, heard on the speaker, then answered.
        followup_screen = await _followup_recording(pilot, 120)
        assert isinstance(followup_screen, InterviewScreen) and followup_screen.followup
        assert followup_screen.followup.kind == "example"
        shown = str(followup_screen.query_one("#question-text").render())
        assert "specific" in shown
        assert "Why:" in str(followup_screen.query_one("#question-meta").render())
        assert "follow-up 1" in str(followup_screen.query_one("#interview-where").render())
        assert rms(virtual_audio.stop_speaker_capture()) > 100, "the follow-up was not heard"
        await _answer(pilot, virtual_audio, example_wav)

        # The closing question (spoken, then skipped), then the report.
        await wait_for_screen(pilot, ClosingScreen, 120)
        await pilot.press("s")
        report_screen = await wait_for_screen(pilot, InterviewReportScreen)
        await wait_for(pilot, lambda: report_screen.report is not None, 30)
        report = report_screen.report
        assert report is not None
        (asked,) = report.questions
        assert len(asked.followups) == 1 and asked.score is not None
        # The follow-up's story counts for the question: better than the main answer alone.
        assert asked.main.score is not None and asked.score.overall > asked.main.score.overall
        assert [a.turn for a in report.answers] == [0, 1]
        assert report.strongest and report.work_on
        assert any(m.turn == 1 for m in report.strongest)
        text = str(report_screen.query_one("#report-strongest").render())
        assert "Strongest moments" in text

        # A moment replays from its time, on the recording of its turn.
        await pilot.press("1")
        replay = await wait_for_screen(pilot, ReplayScreen)
        assert replay.attempt.id == report.strongest[0].attempt_id
        # Replay steps through the question's turns: main answer <-> follow-up.
        await wait_for(pilot, lambda: len(replay.turns) == 2)
        main_id, follow_id = (a.id for a in replay.turns)
        await pilot.press("n" if replay.attempt.id == main_id else "b")
        await wait_for(
            pilot,
            lambda: isinstance(app.screen, ReplayScreen) and app.screen is not replay,
        )
        other = app.screen
        assert isinstance(other, ReplayScreen)
        assert {replay.attempt.id, other.attempt.id} == {main_id, follow_id}
        await pilot.press("escape")
        await wait_for_screen(pilot, InterviewReportScreen)

        # The question's results show its turns, scored together.
        await pilot.press("enter")
        results = await wait_for_screen(pilot, ResultsScreen)
        assert [a.id for a in results.followups] == [asked.followups[0].id]
        assert results.attempt.overall == asked.score.overall
        await pilot.press("4")  # the story, told across the turns
        await wait_for(pilot, lambda: bool(results.query("#star-spans")))
        assert "follow-up 1:" in str(results.query_one("#star-spans", Static).render())
        await pilot.press("8")
        await wait_for(pilot, lambda: bool(results.query("#turns")))
        turns = str(results.query_one("#turns", Static).render())
        assert "Follow-up 1:" in turns and "Why:" in turns and "All turns:" in turns
        await pilot.press("escape")
        await wait_for_screen(pilot, InterviewReportScreen)
        await pilot.press("escape")
        await wait_for_screen(pilot, HomeScreen)

    with SessionStore() as store:
        (session,) = store.list_sessions()
        assert (session.kind, session.attempt_count) == ("mock", 1)
        assert session.finished_at is not None
        main, follow = sorted(store.list_attempts(session_id=session.id), key=lambda a: a.id)
    assert follow.parent_id == main.id and follow.turn == 1
    assert "specific" in follow.question_text and follow.followup_reason
    assert {"release", "colleague"} & set(follow.transcript.text.lower().split())


async def test_a_single_question_asks_its_follow_up_then_shows_the_turns(
    make_test_app: Callable[..., Any], make_speech: Callable[..., Path]
) -> None:
    """Stand-in audio (this is about the screens): answer, follow-up with its reason, results."""
    from textual.widgets import Static

    from tests.ui.conftest import canned_transcriber, quiet_services
    from voicemock.ui.screens.interview import InterviewScreen
    from voicemock.ui.screens.results import ResultsScreen

    services = quiet_services(
        make_speech("A short answer."), load_transcriber=canned_transcriber(GENERAL)
    )
    app = make_test_app(services, speak_questions=False, followups=1)
    async with app.run_test(size=(80, 24)) as pilot:
        await _select_question(pilot, "uit-conflict")
        await pilot.press("enter")
        main = await wait_for_screen(pilot, InterviewScreen)
        await wait_for(pilot, lambda: main.phase == "recording")
        await pilot.press("space")
        followup = await _followup_recording(pilot)
        assert isinstance(followup, InterviewScreen) and followup.followup is not None
        assert followup.followup.kind == "example"
        assert "Single question · follow-up 1" in str(
            followup.query_one("#interview-where", Static).render()
        )
        await pilot.press("space")
        results = await wait_for_screen(pilot, ResultsScreen)
        assert len(results.followups) == 1
        assert results.followups[0].parent_id == results.attempt.id
        await pilot.press("8")
        await wait_for(pilot, lambda: bool(results.query("#turns")))
        assert "Follow-up 1:" in str(results.query_one("#turns", Static).render())


async def test_hostile_follow_up_text_is_shown_as_text(
    make_test_app: Callable[..., Any], tmp_path: Path
) -> None:
    """A follow-up's words (a language model's, or quoting the answer) are data, never markup."""
    import dataclasses

    from tests.builders import make_metrics, make_transcript
    from tests.ui.test_hostile_text import HOSTILE, assert_rendered_safely
    from voicemock.core.store import AttemptContent
    from voicemock.ui.host import InterviewPlan
    from voicemock.ui.screens.interview_report import InterviewReportScreen
    from voicemock.ui.screens.results import ResultsScreen

    app = make_test_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.library is not None)
        store = app.store
        session = store.create_session("Mock", kind="mock")
        content = AttemptContent(
            question_id="uit-conflict",
            question_text="Tell me about a time you disagreed with a colleague.",
            rubric_version="",
            transcript=make_transcript(GENERAL),
            metrics=make_metrics(),
            score=None,
            engine="faster-whisper",
            model="tiny.en",
            duration_s=3.0,
        )
        main = store.save_attempt(session.id, content, audio_source=None)
        store.save_attempt(
            session.id,
            dataclasses.replace(
                content,
                question_text=f"Follow {HOSTILE}?",
                transcript=make_transcript(f"I said {HOSTILE}"),
                parent_id=main.id,
                turn=1,
                followup_reason=f"Because {HOSTILE}",
            ),
            audio_source=None,
        )
        plan = InterviewPlan([], "mock", "Mock")
        plan.session._session_id = session.id
        app.push_screen(InterviewReportScreen(plan))
        report = await wait_for_screen(pilot, InterviewReportScreen)
        await wait_for(pilot, lambda: report.report is not None)
        assert_rendered_safely(app)
        app.open_results(main)
        results = await wait_for_screen(pilot, ResultsScreen)
        await pilot.press("8")
        await wait_for(pilot, lambda: bool(results.query("#turns")))
        await pilot.pause()
        shown = assert_rendered_safely(app)
        assert "[bold]x[/bold]" in shown.replace("&#160;", " ")
