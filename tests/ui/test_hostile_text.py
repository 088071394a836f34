"""The app shows whatever a bank or a stored session holds as text: markup is never parsed and no
escape sequence reaches the terminal.

A question id with ``[/]`` once stopped the app at start-up (Home's "Recent attempts" read it as
markup), and an escape sequence in a title blanked the screen. Here every text the app shows
(question id and text, role, tags, competency labels and descriptions, evidence, next steps,
notes, STAR spans, metric labels and guidance, transcript words, the session title, tips and
model answers) carries markup and escape sequences; each screen must render, show the markup
as plain text, and paint no escape sequence of its own making.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from tests.ui.conftest import (
    FIXED_BANK_DIR,
    attempt_parts,
    quiet_services,
    wait_for,
    wait_for_screen,
)
from voicemock.core.models import Metric, StarSpan, Transcript, Word

pytestmark = pytest.mark.ui

MARKUP = "[/] [bold]x[/bold] [link=file:///etc/passwd]y[/link] [red"
ESCAPES = "\x1b[2J\x1b[H\x1b]0;pwned\x07\x1b[6n\x9b6n\u202egnp.exe"
HOSTILE = f"{MARKUP} {ESCAPES}"
HOSTILE_QUESTION_ID = f"uit-conflict {HOSTILE}"
SIZE = (120, 40)


def assert_rendered_safely(app: Any) -> str:
    """The screen as painted: no control character, and the markup shown as text."""
    screenshot = str(app.export_screenshot())
    for char in ("\x1b", "\x9b", "\x07", "\u202e"):
        assert char not in screenshot, f"{char!r} reached the screen"
    return screenshot


def hostile_bank(folder: Path) -> Path:
    """A user bank whose every shown text is hostile (ids must stay plain: the schema says so)."""
    folder.mkdir(parents=True, exist_ok=True)
    text = json.dumps(HOSTILE)
    (folder / "hostile.yaml").write_text(
        f"""
bank: {{id: hostile, title: {text}, version: 1}}
questions:
  - id: hostile-q
    text: {json.dumps("Tell me about a time. " + HOSTILE)}
    role: {text}
    level: mid
    tags: [{text}]
    competencies:
      - id: c1
        label: {text}
        description: {text}
        indicators:
          - {{meaning: {text}, phrases: [listened, agreed]}}
        exemplars: [{json.dumps("I listened first. " + HOSTILE)}]
        next_step: {text}
    tips: [{text}]
    model_answers:
      - level: basic
        text: {text}
        gaps: {text}
""",
        encoding="utf-8",
    )
    return folder


def hostile_attempt_parts() -> tuple[Transcript, Any, Any]:
    """A transcript, metrics and score in which every text field is hostile."""
    transcript, metrics, score = attempt_parts(
        "Um so I think I listened. We agreed on a plan. It shipped on time.", 58, 140.0, 2.0, 5
    )
    words = (*transcript.words, Word(HOSTILE, 9.0, 9.5))
    transcript = replace(transcript, words=words, segments=())
    metrics = replace(
        metrics,
        metrics=(
            *metrics.metrics,
            Metric("odd", HOSTILE, 1.0, HOSTILE, "watch", HOSTILE, HOSTILE),
        ),
        notes=(HOSTILE,),
    )
    competencies = tuple(
        replace(
            competency,
            label=f"{competency.label} {HOSTILE}",
            next_step=HOSTILE,
            flag_reasons=(HOSTILE,),
            evidence=tuple(
                replace(e, reason=f"{e.reason} {HOSTILE}", matched=HOSTILE)
                for e in competency.evidence
            ),
        )
        for competency in score.competencies
    )
    star = replace(score.star, spans=(*score.star.spans, StarSpan("R", HOSTILE, 0, 5)))
    score = replace(
        score,
        question_id=HOSTILE_QUESTION_ID,
        competencies=competencies,
        star=star,
        next_steps=(HOSTILE,),
        notes=(HOSTILE,),
        gates=("too_short", HOSTILE),
    )
    return transcript, metrics, score


def fill_hostile_store(count: int = 2) -> list[Any]:
    from voicemock.core.store import SessionStore

    attempts = []
    with SessionStore() as store:
        for _ in range(count):
            session = store.create_session(HOSTILE, "single")
            transcript, metrics, score = hostile_attempt_parts()
            attempts.append(
                store.add_attempt(
                    session.id,
                    question_id=HOSTILE_QUESTION_ID,
                    question_text=f"Question {HOSTILE}",
                    rubric_version=HOSTILE,
                    audio_source=None,
                    transcript=transcript,
                    metrics=metrics,
                    score=score,
                    engine=HOSTILE,
                    model=HOSTILE,
                    duration_s=12.0,
                    notes=HOSTILE,
                )
            )
    return attempts


async def test_every_screen_shows_hostile_text_as_text(
    voicemock_home: Path, tmp_path: Path, make_test_app: Callable[..., Any]
) -> None:
    from textual.widgets import TabbedContent

    from voicemock.core.rubrics import load_library
    from voicemock.ui.screens.history import CompareScreen, HistoryScreen
    from voicemock.ui.screens.home import HomeScreen
    from voicemock.ui.screens.interview import InterviewScreen
    from voicemock.ui.screens.replay import ReplayScreen
    from voicemock.ui.screens.results import TABS, ResultsScreen

    fill_hostile_store()
    banks = hostile_bank(tmp_path / "banks")
    services = quiet_services(
        load_library=lambda: load_library(shipped_dir=FIXED_BANK_DIR, user_dir=banks)
    )
    app = make_test_app(services, speak_questions=False)
    async with app.run_test(size=SIZE) as pilot:
        home = await wait_for_screen(pilot, HomeScreen)
        await wait_for(pilot, lambda: app.library is not None and home.progress_loaded)
        await pilot.pause()
        shown = assert_rendered_safely(app)
        assert "[/]" in shown  # the question id in Recent attempts, as text

        # The hostile question in the list, its preview and its interview screen.
        await pilot.press("slash", *"time", "enter")
        await pilot.pause()
        assert_rendered_safely(app)
        question = app.find_question("hostile-q")
        assert question is not None
        app.start_interview([question], "single")
        await wait_for_screen(pilot, InterviewScreen)
        assert_rendered_safely(app)
        await pilot.press("escape")
        await pilot.pause()
        app.go_home()
        await wait_for_screen(pilot, HomeScreen)

        # Results of a stored attempt: every tab.
        attempts = app.store.list_attempts()
        app.open_results(attempts[0])
        results = await wait_for_screen(pilot, ResultsScreen)
        for number in range(1, len(TABS) + 1):
            if not results.query(f"#{TABS[number - 1]}"):
                continue  # the Turns tab is there only for an answer with follow-ups
            await pilot.press(str(number))
            await pilot.pause()
            assert results.query_one(TabbedContent).active == TABS[number - 1]
            assert_rendered_safely(app)
        await pilot.press("escape")

        # History, the compare screen and replay.
        app.open_history()
        history = await wait_for_screen(pilot, HistoryScreen)
        await wait_for(pilot, lambda: history.loaded)
        assert_rendered_safely(app)
        await pilot.press("space", "down", "space", "c")
        await wait_for_screen(pilot, CompareScreen)
        assert_rendered_safely(app)
        await pilot.press("escape")
        await wait_for_screen(pilot, HistoryScreen)
        app.open_replay(attempts[0])
        await wait_for_screen(pilot, ReplayScreen)
        await pilot.press("n")  # jump to a flag: its text goes into a notification
        await pilot.pause()
        assert_rendered_safely(app)


async def test_a_notification_quoting_hostile_text_is_safe(
    voicemock_home: Path, make_test_app: Callable[..., Any]
) -> None:
    from voicemock.ui.screens.home import HomeScreen

    app = make_test_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_screen(pilot, HomeScreen)
        app.notify(HOSTILE, title=HOSTILE, markup=False)
        app.screen.notify(f"No question with id {HOSTILE!r}", markup=False)
        await pilot.pause()
        assert_rendered_safely(app)
