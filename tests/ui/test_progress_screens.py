"""Progress on screen: Home's practice plan and marks, the change since the last attempt in the
results summary (with replay from a summary point), the palette's question search, and the
smaller fixes (role filter, compare counts, mock-interview options)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.builders import make_wav
from tests.ui.conftest import (
    FIXED_BANK_DIR,
    FIXED_START,
    attempt_parts,
    open_results_of,
    quiet_services,
    wait_for,
    wait_for_screen,
)

pytestmark = pytest.mark.ui

SIZE = (80, 24)
PLAN_NOW = FIXED_START + timedelta(days=40)


def five_question_bank(folder: Path) -> Path:
    """The test bank's first question five times over (q1..q5); q5 is for any role."""
    data = yaml.safe_load((FIXED_BANK_DIR / "uitest.yaml").read_text(encoding="utf-8"))
    template = data["questions"][0]
    questions = []
    for n in range(1, 6):
        question = dict(template)
        question["id"] = f"q{n}"
        question["text"] = f"Question number {n}: tell me about a time you disagreed."
        if n == 5:
            question["role"] = "Any role"
        questions.append(question)
    data["questions"] = questions
    data["bank"] = {**data["bank"], "id": "plan"}
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "plan.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    return folder


def seed(monkeypatch: pytest.MonkeyPatch, rows: list[tuple[str, int, float]]) -> list[Any]:
    """Store main answers (question id, overall, days before PLAN_NOW), oldest first."""
    from voicemock.core import store as store_module

    rows = sorted(rows, key=lambda row: -row[2])
    moments = iter(PLAN_NOW - timedelta(days=days) for _, _, days in rows)
    store = store_module.SessionStore()
    session = store.create_session("Practice", "single")
    saved = []
    for question_id, overall, _ in rows:
        monkeypatch.setattr(store_module, "_now", lambda: next(moments))
        transcript, metrics, score = attempt_parts(
            "Um so I think I listened. We agreed on a plan. It shipped on time.", overall, 140, 1, 3
        )
        saved.append(
            store.add_attempt(
                session.id,
                question_id=question_id,
                question_text=f"Question {question_id}",
                rubric_version="",
                audio_source=None,
                transcript=transcript,
                metrics=metrics,
                score=score,
                engine="faster-whisper",
                model="tiny.en",
                duration_s=30.0,
            )
        )
    store.close()
    return saved


async def test_home_plans_the_weakest_or_longest_ago_first_with_new_ones_between(
    voicemock_home: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    make_test_app: Callable[..., Any],
) -> None:
    from textual.widgets import DataTable, Select, Static

    from voicemock.core.rubrics import load_library
    from voicemock.ui.screens.home import HomeScreen

    seed(
        monkeypatch,
        [
            ("q1", 30, 2.0),  # weak, two days ago: due in about 5 days
            ("q2", 40, 30.0),  # older and better ...
            ("q2", 90, 20.0),  # ... best 90, twenty days ago: overdue
            ("q3", 70, 2.0),  # good, two days ago: not due for a week
        ],
    )
    monkeypatch.setattr("voicemock.ui.screens.home.local_now", lambda: PLAN_NOW)
    banks = five_question_bank(tmp_path / "banks")
    services = quiet_services(
        load_library=lambda: load_library(shipped_dir=banks, user_dir=banks / "none")
    )
    app = make_test_app(services)
    async with app.run_test(size=SIZE) as pilot:
        home = await wait_for_screen(pilot, HomeScreen)
        await wait_for(pilot, lambda: app.library is not None and home.progress_loaded)
        await pilot.pause()
        plan = home.query_one("#plan", DataTable)
        keys = [str(row.value) for row in plan.rows]
        assert keys == ["q2", "q4", "q5"]  # the overdue review, then the new ones
        # Reviews not due yet follow the new questions, the weaker first.
        assert [item.question_id for item in home.plan] == keys
        from voicemock.core.progress import practice_plan

        full = practice_plan(["q1", "q2", "q3", "q4", "q5"], home.progress, PLAN_NOW)
        assert [item.question_id for item in full] == ["q2", "q4", "q5", "q1", "q3"]
        # The question list marks answered questions with their best and last score.
        table = home.query_one("#questions", DataTable)
        q2 = table.get_row("q2")
        assert (str(q2[1]).strip(), str(q2[2]).strip()) == ("90", "90")
        q4 = table.get_row("q4")
        assert (str(q4[1]).strip(), str(q4[2]).strip()) == ("", "")
        summary = str(home.query_one("#progress-summary", Static).render())
        assert "Attempts  4" in summary and "Streak    none yet" in summary

        # The plan follows the list: with the filter on "Any role" only q5 is left.
        role = home.query_one("#filter-role", Select)
        labels = [str(prompt) for prompt, _ in role._options]
        assert role.prompt == "All roles" and role.prompt not in labels
        assert "Any role (general)" in labels and "Any role" not in labels
        role.value = "Any role"
        await pilot.pause()
        assert [str(row.value) for row in plan.rows] == ["q5"]

        # Enter on a plan row answers that question.
        from voicemock.ui.screens.interview import InterviewScreen

        plan.focus()
        await pilot.press("enter")
        interview = await wait_for_screen(pilot, InterviewScreen)
        assert interview.question.question.id == "q5"


async def test_results_show_the_change_since_the_last_attempt_at_the_question(
    filled_store: list[Any], make_test_app: Callable[..., Any]
) -> None:
    from textual.widgets import Static

    from voicemock.ui.screens.results import ResultsScreen
    from voicemock.ui.widgets.summary_pane import SummaryPane

    first, middle, last = filled_store  # overall 48, 66, 61
    app = make_test_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.library is not None)
        for attempt, expected in ((last, "▼ -5"), (middle, "▲ +18"), (first, "first attempt")):
            app.open_results(attempt)
            results = await wait_for_screen(pilot, ResultsScreen)
            summary = results.query_one(SummaryPane)
            await wait_for(pilot, lambda summary=summary: summary.previous_loaded)
            await pilot.pause()
            shown = str(results.query_one("#summary-score", Static).render())
            assert expected in shown, shown
            await pilot.press("escape")
            await pilot.pause()
        assert summary.previous is None


async def test_results_given_the_attempt_before_show_the_change_without_reading_it(
    filled_store: list[Any], make_test_app: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Results opened after an analysis get the attempt before, read with the answer: the change
    since last time is in what they first draw, and they read nothing more for it."""
    from textual.widgets import Static

    from voicemock.core.store import SessionStore
    from voicemock.ui.messages import PreviousAttempt
    from voicemock.ui.screens.results import ResultsScreen
    from voicemock.ui.widgets.summary_pane import SummaryPane

    reads: list[int] = []
    read = SessionStore.previous_attempt

    def counted(store: SessionStore, attempt_id: int) -> Any:
        reads.append(attempt_id)
        return read(store, attempt_id)

    monkeypatch.setattr(SessionStore, "previous_attempt", counted)
    _first, middle, last = filled_store  # overall 48, 66, 61
    app = make_test_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.library is not None)
        app.push_screen(ResultsScreen(last, previous=PreviousAttempt(last.id, middle)))
        results = await wait_for_screen(pilot, ResultsScreen)
        summary = results.query_one(SummaryPane)
        assert summary.previous_loaded and summary.previous == middle
        assert "▼ -5" in str(results.query_one("#summary-score", Static).render())
        await pilot.pause(0.2)
        assert reads == []


def with_timed_evidence(attempt: Any) -> Any:
    """``attempt`` with its evidence timed from its words (as the scorer does for a recording)."""
    from dataclasses import replace

    words = attempt.transcript.words
    text = attempt.transcript.text

    def timed(evidence: Any) -> Any:
        first = len(text[: evidence.start_char].split())
        return replace(evidence, start_s=words[first].start_s, end_s=words[first].end_s)

    competencies = tuple(
        replace(c, evidence=tuple(timed(e) for e in c.evidence)) for c in attempt.score.competencies
    )
    return replace(attempt, score=replace(attempt.score, competencies=competencies))


def store_timed_copy(
    attempt: Any, *, audio_source: Path | None = None, duration_s: float | None = None
) -> Any:
    """A new stored attempt: ``attempt`` :func:`with_timed_evidence`, in the same session."""
    from voicemock.core.store import SessionStore

    timed = with_timed_evidence(attempt)
    store = SessionStore()
    try:
        return store.add_attempt(
            timed.session_id,
            question_id=timed.question_id,
            question_text=timed.question_text,
            rubric_version=timed.rubric_version,
            audio_source=audio_source,
            transcript=timed.transcript,
            metrics=timed.metrics,
            score=timed.score,
            engine=timed.engine,
            model=timed.model,
            duration_s=timed.duration_s if duration_s is None else duration_s,
        )
    finally:
        store.close()


async def test_a_summary_point_replays_from_its_moment(
    filled_store: list[Any], make_test_app: Callable[..., Any]
) -> None:
    from textual.widgets import OptionList

    from voicemock.ui.screens.replay import ReplayScreen
    from voicemock.ui.widgets.summary_pane import REPLAY_LEAD_S, SummaryPane
    from voicemock.ui.widgets.transcript_view import format_clock

    attempt = store_timed_copy(filled_store[-1])
    app = make_test_app()
    async with app.run_test(size=SIZE) as pilot:
        results = await open_results_of(pilot, attempt)
        summary = results.query_one(SummaryPane)
        strength = summary.coaching.strengths[0]
        options = results.query_one("#summary-points", OptionList)
        assert f"▶ {format_clock(strength.at_s)}" in str(options.get_option_at_index(1).prompt)
        # The fix about the agreement is shown by a sentence well into the answer.
        number, fix = next(
            (n, f) for n, f in enumerate(summary.coaching.fixes) if f.at_s and f.at_s > 2
        )
        assert f"▶ {format_clock(fix.at_s)}" in str(
            options.get_option(f"point-{len(summary.coaching.strengths) + number}").prompt
        )
        # The first strength is highlighted from the start; down to the fix, then Enter.
        await pilot.press(*["down"] * (len(summary.coaching.strengths) + number))
        await pilot.press("enter")
        replay = await wait_for_screen(pilot, ReplayScreen)
        assert replay.position_s == pytest.approx(fix.at_s - REPLAY_LEAD_S)


async def test_the_palette_finds_a_question_by_its_text(
    filled_store: list[Any], tmp_path: Path, make_test_app: Callable[..., Any]
) -> None:
    from textual.command import CommandPalette

    from voicemock.ui.screens.interview import InterviewScreen

    services = quiet_services(make_wav(tmp_path / "clip.wav"))
    app = make_test_app(services, speak_questions=False)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.library is not None)
        await pilot.press("ctrl+p")
        await wait_for_screen(pilot, CommandPalette)
        await pilot.press(*"not go as planned")
        await pilot.pause(0.5)
        await pilot.press("enter")
        interview = await wait_for_screen(pilot, InterviewScreen)
        assert interview.question.question.id == "uit-failure"


def test_compare_counts_changes_in_whole_numbers(filled_store: list[Any]) -> None:
    from dataclasses import replace

    from voicemock.core.models import Metric
    from voicemock.ui.screens.history import compare_rows

    older, newer = filled_store[0], filled_store[1]

    def with_count(attempt: Any, count: float) -> Any:
        extra = Metric("filler_count", "Fillers", count, "", "info")
        metrics = replace(attempt.metrics, metrics=(*attempt.metrics.metrics, extra))
        return replace(attempt, metrics=metrics)

    rows = compare_rows(with_count(older, 110), with_count(newer, 8))
    fillers = next(row for row in rows if row[0] == "Fillers")
    assert str(fillers[3]) == "-102"
    rate = next(row for row in rows if row[0] == "Speaking rate")
    assert str(rate[3]) == "+23"  # 118 -> 141 wpm


async def test_mock_interview_order_options_differ_without_colour(
    filled_store: list[Any], make_test_app: Callable[..., Any]
) -> None:
    from voicemock.ui.screens.dialogs import MarkedRadioButton, MockSetupDialog

    app = make_test_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.library is not None)
        await pilot.pause()
        await pilot.press("m")
        dialog = await wait_for_screen(pilot, MockSetupDialog)
        random_order, list_order = dialog.query(MarkedRadioButton)

        def marks() -> tuple[str, str]:
            return (str(random_order.render())[:3], str(list_order.render())[:3])

        assert marks() == ("▐●▌", "▐○▌")
        list_order.value = True
        await pilot.pause()
        assert marks() == ("▐○▌", "▐●▌")


async def test_the_summary_lists_the_advice_in_its_order(
    filled_store: list[Any], make_test_app: Callable[..., Any]
) -> None:
    from textual.widgets import OptionList

    from voicemock.core.advice import summarise
    from voicemock.ui.screens.results import ResultsScreen

    attempt = filled_store[-1]
    question = None
    app = make_test_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.library is not None)
        question = app.find_question(attempt.question_id).question
        app.open_results(attempt)
        results = await wait_for_screen(pilot, ResultsScreen)
        options = results.query_one("#summary-points", OptionList)
        shown = [str(options.get_option_at_index(n).prompt) for n in range(options.option_count)]
    advice = summarise(attempt.score, attempt.metrics, question)
    assert shown[0] == "Strengths" and "Fix first" in shown
    fixes = shown[shown.index("Fix first") + 1 :]
    assert len(fixes) == len(advice.fixes) == 3
    for number, (line, step) in enumerate(zip(fixes, advice.fixes, strict=True), start=1):
        assert line.startswith(f"{number}. {step.text}")
    # The delivery figure out of its band (the answer's length) ranks among the content steps.
    assert any(step.area == "delivery" for step in advice.fixes)


@pytest.mark.parametrize("words", [32, 200], ids=["brief", "full"])
def test_the_summary_says_what_the_score_is_made_of(words: int) -> None:
    """The competency blend and the example add up to the overall score, or a cap says why."""
    import re
    from datetime import UTC, datetime

    from tests.ui.conftest import ANSWER_1, ANSWER_2, fixed_library
    from voicemock.core.metrics import compute_metrics
    from voicemock.core.models import Transcript
    from voicemock.core.scoring import score_answer
    from voicemock.core.store import AttemptRecord
    from voicemock.ui.widgets.summary_pane import makeup_text

    question = fixed_library().get("uit-conflict").question
    text = ((ANSWER_2 + " " + ANSWER_1 + " ") * 3).split()[:words]
    transcript = Transcript.from_text(" ".join(text).rstrip(".,") + ".")
    score = score_answer(transcript, question, use_embeddings=False)
    attempt = AttemptRecord(
        1, 1, question.id, question.text, "", None, "none", transcript,
        compute_metrics(transcript), score, "text", "", score.overall, 0.0, datetime.now(UTC),
    )  # fmt: skip
    shown = str(makeup_text(attempt))
    found = re.search(r"competencies (\d+) \(60%\) \+ your example (\d+) \(40%\)", shown)
    assert found is not None, shown
    blend = 0.6 * int(found[1]) + 0.4 * int(found[2])
    if words < 80:
        assert f"⚠ Held to {score.overall}: a brief answer ({words} words)" in shown
        assert blend > score.overall
    else:
        assert "⚠" not in shown and abs(blend - score.overall) <= 1, shown


async def test_a_summary_fix_plays_the_recording_from_its_moment(
    virtual_audio: Any, filled_store: list[Any], tmp_path: Path, make_test_app: Callable[..., Any]
) -> None:
    """On the virtual speaker: Enter on a fix plays the recording from just before its moment."""
    import shutil
    import time

    from textual.widgets import OptionList

    from voicemock.ui.screens.replay import ReplayScreen
    from voicemock.ui.widgets.summary_pane import REPLAY_LEAD_S, SummaryPane

    clip = tmp_path / "answer.ogg"
    shutil.copy(Path(__file__).resolve().parents[2] / "audio" / "demo-answer.ogg", clip)
    attempt = store_timed_copy(filled_store[-1], audio_source=clip, duration_s=34.0)
    app = make_test_app()
    async with app.run_test(size=SIZE) as pilot:
        results = await open_results_of(pilot, attempt)
        summary = results.query_one(SummaryPane)
        fixes = summary.coaching.fixes
        number = next(n for n, fix in enumerate(fixes) if fix.at_s is not None and fix.at_s > 2)
        moment = fixes[number].at_s
        assert moment is not None
        options = results.query_one("#summary-points", OptionList)
        point_id = f"point-{len(summary.coaching.strengths) + number}"
        assert summary.point_of(point_id) == fixes[number]
        options.highlighted = options.get_option_index(point_id)
        await pilot.press("enter")
        replay = await wait_for_screen(pilot, ReplayScreen)
        start = moment - REPLAY_LEAD_S
        deadline = time.monotonic() + 10
        heard: list[float] = []
        while time.monotonic() < deadline and (not heard or heard[-1] < start + 0.5):
            await pilot.pause(0.05)
            player = replay.player
            if player is not None and player.is_playing:
                heard.append(player.position_s)
        assert heard, "the recording did not play"
        assert start - 0.05 <= heard[0] < start + 1.0  # from the moment, not from 0:00
        await pilot.press("escape")
