"""A slow transcription never blocks the keys: the analysis runs in a worker thread.

The injected transcriber sleeps until the test lets it go (as a model running in native code
does, with the GIL released); meanwhile the test presses keys and checks that the app answered
each one promptly. bench/bench_tui.py measures key latency during a real analysis.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.ui.conftest import (
    CANNED_ANSWER,
    FIXED_QUESTION_ID,
    canned_transcriber,
    quiet_services,
    wait_for,
    wait_for_screen,
)

pytestmark = pytest.mark.ui

KEY_RESPONSE_LIMIT_S = 1.0  # generous for a loaded CI machine; a frozen UI takes forever


async def test_keys_work_while_the_answer_is_analysed(
    make_test_app: Callable[..., Any], make_speech: Callable[..., Path]
) -> None:
    from textual.command import CommandPalette
    from textual.widgets import DataTable, ProgressBar

    from voicemock.ui.screens.interview import InterviewScreen
    from voicemock.ui.screens.results import ResultsScreen

    release = threading.Event()
    started = threading.Event()

    def slow() -> None:
        started.set()
        deadline = time.monotonic() + 30
        while not release.is_set() and time.monotonic() < deadline:
            time.sleep(0.01)

    # Speech under every canned word's time (words with no sound under them are dropped).
    clip = make_speech(f"{CANNED_ANSWER} {CANNED_ANSWER}", rate_wpm=150)
    services = quiet_services(clip, load_transcriber=canned_transcriber(before=slow))
    app = make_test_app(services, speak_questions=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.library is not None)
        table = app.screen.query_one("#questions", DataTable)
        await wait_for(pilot, lambda: table.row_count > 0)
        table.move_cursor(row=table.get_row_index(FIXED_QUESTION_ID))
        await pilot.press("enter")
        await wait_for_screen(pilot, InterviewScreen)
        interview = app.screen
        await wait_for(pilot, lambda: interview.phase == "recording")
        await pilot.press("space")
        await wait_for(pilot, lambda: started.is_set() and interview.phase == "analysing")

        # The progress message posted from the worker thread is shown while it still runs.
        bar = interview.query_one("#analysis-progress", ProgressBar)
        await wait_for(pilot, lambda: (bar.progress or 0) > 10, 5)

        # Esc while analysing answers at once with a notice (and does not leave).
        before = len(app._notifications)
        pressed_at = time.monotonic()
        await pilot.press("escape")
        await wait_for(pilot, lambda: len(app._notifications) > before, KEY_RESPONSE_LIMIT_S)
        assert time.monotonic() - pressed_at < KEY_RESPONSE_LIMIT_S
        assert app.screen is interview

        # The command palette opens and closes while the analysis keeps running.
        pressed_at = time.monotonic()
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette), KEY_RESPONSE_LIMIT_S)
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is interview, KEY_RESPONSE_LIMIT_S)
        assert time.monotonic() - pressed_at < 2 * KEY_RESPONSE_LIMIT_S
        assert not release.is_set() and interview.phase == "analysing"

        release.set()
        await wait_for_screen(pilot, ResultsScreen, 10)
        await pilot.pause(0.2)
        assert app.screen.attempt.transcript.text == CANNED_ANSWER


def test_first_screen_loads_no_audio_or_model_library(tmp_path: Path) -> None:
    """Start-up stays light: speech, audio and model libraries load only after the first paint."""
    import json
    import os
    import subprocess
    import sys

    probe = """
import asyncio, json, sys
from voicemock.ui.app import make_app
app = make_app()
seen = {}
async def first_paint(pilot):
    heavy = ("faster_whisper", "ctranslate2", "onnxruntime", "sounddevice", "torch", "whisper",
             "pyttsx3", "textual_plotext", "soundfile", "numpy")
    app.screen.call_after_refresh(
        lambda: seen.setdefault("loaded", [m for m in heavy if m in sys.modules])
    )
    while "loaded" not in seen:
        await asyncio.sleep(0.001)
    app.exit()
app.run(headless=True, auto_pilot=first_paint)
print(json.dumps(seen["loaded"]))
"""
    env = dict(os.environ, VOICEMOCK_HOME=str(tmp_path))
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, env=env, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == []
