"""How it sounded in the app: replay starts at the first word and jumps to flagged stretches of
the voice (flat pitch), and History charts pitch variation over attempts."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.ui.conftest import FIXED_QUESTION_ID, wait_for, wait_for_screen
from voicemock.core.metrics import compute_metrics
from voicemock.core.models import SAMPLE_RATE_HZ, Transcript, Word
from voicemock.core.prosody import analyse_prosody

SR = SAMPLE_RATE_HZ
SILENCE_BEFORE_S = 4.0
SPOKEN_S = 24.0
LIVELY_START_S = 8.0  # the flat attempt moves its voice for its first 8 s only


def voice(f0_hz: np.ndarray) -> np.ndarray:
    """A voice-like harmonic tone following ``f0_hz`` (one value per sample)."""
    phase = 2 * np.pi * np.cumsum(f0_hz) / SR
    return 0.3 * sum(np.sin(k * phase) / k for k in range(1, 6)) / 1.5


def recorded_attempt(store: Any, lively: bool) -> Any:
    """An attempt measured from audio the test makes: silence, then 24 s of a lively voice, or
    one that goes flat after 8 s (its pitch measured by the real tracker), stored without its
    recording."""
    n = int(SPOKEN_S * SR)
    t = np.arange(n) / SR
    semitones = 4.0 * np.sin(2 * np.pi * 0.3 * t)
    if not lively:
        semitones[t >= LIVELY_START_S] = 0.0  # then flat to the end
    audio = np.concatenate(
        [np.zeros(int(SILENCE_BEFORE_S * SR)), voice(140 * 2 ** (semitones / 12))]
    )
    step = 0.4
    words = tuple(
        Word(
            f"word{k}{'.' if k % 8 == 7 else ''}",
            SILENCE_BEFORE_S + k * step,
            SILENCE_BEFORE_S + k * step + 0.3,
        )
        for k in range(int(SPOKEN_S / step) - 1)
    )
    transcript = Transcript(
        words=words, engine="faster-whisper", model="tiny.en", audio_duration_s=audio.size / SR
    )
    metrics = compute_metrics(transcript, prosody=analyse_prosody(audio, transcript))
    session = store.create_session("Practice", "single")
    return store.add_attempt(
        session.id,
        question_id=FIXED_QUESTION_ID,
        question_text="Tell me about a time you disagreed with a colleague.",
        rubric_version="uitest@1",
        audio_source=None,
        transcript=transcript,
        metrics=metrics,
        score=None,
        engine="faster-whisper",
        model="tiny.en",
        duration_s=transcript.audio_duration_s,
    )


@pytest.fixture
def sound_attempts(voicemock_home: Path) -> list[Any]:
    """An attempt that goes flat, then a lively one."""
    from voicemock.core.store import SessionStore

    with SessionStore() as store:
        return [recorded_attempt(store, lively=False), recorded_attempt(store, lively=True)]


async def test_replay_starts_at_the_first_word_and_jumps_to_a_flat_stretch(
    sound_attempts: list[Any], make_test_app: Callable[..., Any]
) -> None:
    from voicemock.ui.screens.replay import FLAG_LEAD_S, ReplayScreen
    from voicemock.ui.widgets.transcript_view import TranscriptView

    flat = sound_attempts[0]
    stretches = flat.metrics.flags_of("flat_pitch")
    assert stretches, "a flat voice for 24 s has a flat stretch"
    app = make_test_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.library is not None)
        app.open_replay(flat)
        replay = await wait_for_screen(pilot, ReplayScreen)
        # Not the 4 s of silence before the answer.
        assert replay.position_s == pytest.approx(SILENCE_BEFORE_S - FLAG_LEAD_S)
        assert "flat_pitch" in {f.kind for f in replay.flags}
        target = stretches[0]
        for _ in range(len(replay.flags)):
            if replay.position_s == pytest.approx(max(0.0, target.start_s - FLAG_LEAD_S)):
                break
            await pilot.press("right_square_bracket")
        assert replay.position_s == pytest.approx(max(0.0, target.start_s - FLAG_LEAD_S))
        assert replay.query_one(TranscriptView).current_word == target.word_index
        await pilot.press("home")  # the very start, silence and all
        assert replay.position_s == 0.0


async def test_history_charts_pitch_variation_over_attempts(
    sound_attempts: list[Any], make_test_app: Callable[..., Any]
) -> None:
    from voicemock.ui.screens.history import CHART_SERIES, HistoryScreen
    from voicemock.ui.widgets.chart import TrendChart

    expected = [a.metrics.value("pitch_sd_st") for a in sound_attempts]  # oldest first
    assert expected[0] is not None and expected[1] is not None
    assert expected[0] + 1.0 < expected[1]
    titles = [title for title, _, _ in CHART_SERIES]
    app = make_test_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.library is not None)
        app.open_history()
        history = await wait_for_screen(pilot, HistoryScreen)
        await wait_for(pilot, lambda: history.loaded)
        for _ in range(titles.index("Pitch variation (st)")):
            await pilot.press("m")
        chart = history.query_one(TrendChart)
        assert chart._title.startswith("Pitch variation (st)")
        assert chart._values == pytest.approx(expected)
        # The Length column is the answer from its first word, not the recording.
        table = history.query_one("#attempts")
        length = str(table.get_row_at(0)[5])
        assert length == "0:24"  # rounded to the second, as Delivery shows it
