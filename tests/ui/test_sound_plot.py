"""The Delivery tab plots how a recorded answer sounded, measured again from its recording."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.ui.conftest import open_results_of, wait_for
from voicemock.core.metrics import compute_metrics
from voicemock.core.models import Transcript, Word

pytestmark = pytest.mark.ui

DEMO_CLIP = Path(__file__).resolve().parents[2] / "audio" / "demo-answer.ogg"


def spoken_attempt(tmp_path: Path, *, measured: bool) -> Any:
    """The demo answer stored as an attempt, its delivery measured with or without the sound."""
    import shutil

    from voicemock.core.prosody import analyse_prosody
    from voicemock.core.store import SessionStore
    from voicemock.speech.audio_io import load_audio

    samples = load_audio(DEMO_CLIP)
    # Evenly timed words over the clip are enough here: the plot is about the sound.
    words = tuple(
        Word(f"word{'.' if k % 10 == 9 else ''}", 0.5 + k * 0.31, 0.5 + k * 0.31 + 0.25)
        for k in range(104)
    )
    transcript = Transcript(words=words, engine="faster-whisper", audio_duration_s=34.0)
    prosody = analyse_prosody(samples, transcript) if measured else None
    metrics = compute_metrics(transcript, prosody=prosody)
    audio = tmp_path / "answer.ogg"
    shutil.copy(DEMO_CLIP, audio)
    store = SessionStore()
    session = store.create_session("Practice", "single")
    attempt = store.add_attempt(
        session.id,
        question_id="sac-client-resistance",
        question_text="How do you handle resistance?",
        rubric_version="",
        audio_source=audio,
        transcript=transcript,
        metrics=metrics,
        score=None,
        engine="faster-whisper",
        model="tiny.en",
        duration_s=34.0,
    )
    store.close()
    return attempt


async def open_delivery(pilot: Any, attempt: Any) -> Any:
    screen = await open_results_of(pilot, attempt)
    await pilot.press("3")
    await pilot.pause()
    return screen


async def test_the_delivery_tab_plots_pitch_level_and_pace(
    tmp_path: Path, make_test_app: Any
) -> None:
    from voicemock.ui.screens.results import SoundPlot

    attempt = spoken_attempt(tmp_path, measured=True)
    app = make_test_app()
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await open_delivery(pilot, attempt)
        plot = screen.query_one(SoundPlot)
        await wait_for(pilot, lambda: plot.series is not None, timeout_s=30)
        series = plot.series
        assert series is not None
        assert len(series.times_s) == int(34.0 / series.step_s)
        assert any(v is not None for v in series.pitch_st)
        assert any(v is not None for v in series.pace_wpm)
        table = screen.query_one("#metrics")
        assert table.row_count <= 7  # the core figures first
        await pilot.press("m")
        await pilot.pause()
        assert table.row_count > 20  # the sound figures are listed too


async def test_no_plot_for_an_attempt_measured_without_the_sound(
    tmp_path: Path, make_test_app: Any
) -> None:
    from voicemock.ui.screens.results import SoundPlot

    attempt = spoken_attempt(tmp_path, measured=False)
    app = make_test_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_delivery(pilot, attempt)
        assert not screen.query(SoundPlot)


async def test_at_80x24_the_metrics_table_keeps_the_room(
    tmp_path: Path, make_test_app: Any
) -> None:
    from voicemock.ui.screens.results import SoundPlot

    attempt = spoken_attempt(tmp_path, measured=True)
    app = make_test_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_delivery(pilot, attempt)
        assert not screen.query_one(SoundPlot).display
        await pilot.resize_terminal(100, 40)
        await pilot.pause()
        assert screen.query_one(SoundPlot).display
