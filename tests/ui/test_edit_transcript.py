"""Correcting a transcript in the app: from the results, saved, re-scored, then reverted."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.ui.conftest import (
    FIXED_QUESTION_ID,
    fixed_library,
    open_results_of,
    wait_for,
    wait_for_screen,
)
from tests.unit.test_text import timed_transcript

# Misheard: "an alic zone" for "a release date"; it shows neither an agreement nor a result.
HEARD = (
    "Last year a colleague and I disagreed about an alic zone. I asked her to walk me through "
    "her reasoning."
)
CORRECTED = (
    "Last year a colleague and I disagreed about a release date. I asked her to walk me through "
    "her reasoning and I listened. We agreed on a smaller first release, and it shipped on "
    "time."
)


def store_heard_attempt() -> Any:
    from voicemock.core.metrics import compute_metrics
    from voicemock.core.scoring import score_answer
    from voicemock.core.store import SessionStore

    loaded = fixed_library().get(FIXED_QUESTION_ID)
    transcript = timed_transcript(HEARD, word_s=0.3, gap_s=0.1)
    with SessionStore() as store:
        session = store.create_session("Practice", "single")
        return store.add_attempt(
            session.id,
            question_id=FIXED_QUESTION_ID,
            question_text=loaded.question.text,
            rubric_version=loaded.rubric_version,
            audio_source=None,
            transcript=transcript,
            metrics=compute_metrics(transcript),
            score=score_answer(transcript, loaded.question),
            engine="faster-whisper",
            model="tiny.en",
            duration_s=transcript.audio_duration_s,
        )


async def test_editing_the_transcript_rescores_and_can_be_reverted(
    voicemock_home: Path, make_test_app: Callable[..., Any]
) -> None:
    from textual.widgets import Button, TextArea

    from voicemock.core.store import SessionStore
    from voicemock.ui.screens.edit_transcript import EditTranscriptScreen
    from voicemock.ui.screens.results import ResultsScreen
    from voicemock.ui.widgets.transcript_view import EDITED_STYLE, TranscriptView

    attempt = store_heard_attempt()
    app = make_test_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_results_of(pilot, attempt)
        await pilot.press("e")
        editor = await wait_for_screen(pilot, EditTranscriptScreen)
        area = editor.query_one(TextArea)
        assert area.text == attempt.transcript.text
        assert editor.query_one("#edit-revert", Button).disabled  # nothing to revert yet
        area.text = CORRECTED
        await pilot.press("ctrl+s")

        def rescored() -> bool:
            screen = app.screen
            return (
                isinstance(screen, ResultsScreen)
                and screen.attempt.id == attempt.id
                and (screen.attempt.original_transcript is not None)
            )

        await wait_for(pilot, rescored, 60)
        results = app.screen
        updated = results.attempt
        assert updated.overall is not None and attempt.overall is not None
        assert updated.overall > attempt.overall  # an agreement and a result were added
        assert updated.transcript.text == CORRECTED
        with SessionStore() as store:
            stored = store.get_attempt(attempt.id)
        assert stored.overall == updated.overall
        assert stored.original_transcript == attempt.transcript

        # The corrected words are marked in the transcript; the others are not.
        await pilot.press("2")
        await pilot.pause()
        view = results.query_one(TranscriptView)
        marked = [
            w.text.strip()
            for w, styles in zip(view.transcript.words, view._word_styles, strict=True)
            if EDITED_STYLE in styles
        ]
        assert "release" in marked and "date." in marked
        assert "colleague" not in marked

        # Revert: what was first heard comes back, with its score.
        await pilot.press("e")
        editor = await wait_for_screen(pilot, EditTranscriptScreen)
        assert not editor.query_one("#edit-revert", Button).disabled
        await pilot.press("ctrl+r")

        def reverted() -> bool:
            screen = app.screen
            return isinstance(screen, ResultsScreen) and (
                screen.attempt.original_transcript is None
                and screen.attempt.transcript == attempt.transcript
            )

        await wait_for(pilot, reverted, 60)
        assert app.screen.attempt.overall == attempt.overall


async def test_an_empty_edit_is_refused_in_words(
    voicemock_home: Path, make_test_app: Callable[..., Any]
) -> None:
    from textual.widgets import Static, TextArea

    from voicemock.ui.screens.edit_transcript import EditTranscriptScreen
    from voicemock.ui.screens.history import HistoryScreen

    attempt = store_heard_attempt()
    app = make_test_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.library is not None)
        app.open_history()
        history = await wait_for_screen(pilot, HistoryScreen)
        await wait_for(pilot, lambda: bool(history.attempts))
        await pilot.press("e")
        editor = await wait_for_screen(pilot, EditTranscriptScreen)
        editor.query_one(TextArea).text = "   "
        await pilot.press("ctrl+s")
        status = editor.query_one("#edit-status", Static)
        await wait_for(pilot, lambda: "empty" in str(status.render()))
        assert app.screen is editor  # still editing: nothing was lost
        await pilot.press("escape")
        await wait_for_screen(pilot, HistoryScreen)
        assert history.attempts[0].overall == attempt.overall


def test_settings_suggest_the_base_model_when_it_is_installed(
    monkeypatch: Any,
) -> None:
    from voicemock.speech import whisper_models
    from voicemock.ui.screens.settings import model_hint

    monkeypatch.setattr(whisper_models, "base_packages_installed", lambda: True)
    assert "type base" in model_hint("tiny.en")
    assert model_hint("base") == ""
    monkeypatch.setattr(whisper_models, "base_packages_installed", lambda: False)
    assert model_hint("tiny.en") == ""
