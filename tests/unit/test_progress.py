"""Progress per question: the practice plan's order, the streak, and the store's queries."""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from tests.builders import add_attempt
from voicemock.core import store as store_module
from voicemock.core.progress import (
    PlanItem,
    QuestionProgress,
    days_ago,
    local_days,
    practice_plan,
    practice_streak,
    progress_by_question,
    review_interval_days,
)
from voicemock.core.store import HistoryPoint, SessionStore

NOW = datetime(2026, 5, 20, 12, 0, tzinfo=UTC)


def point(question_id: str, overall: int | None, days_before: float, n: int) -> HistoryPoint:
    return HistoryPoint(
        attempt_id=n,
        session_id=1,
        question_id=question_id,
        created_at=NOW - timedelta(days=days_before),
        overall=overall,
        duration_s=60.0,
        metrics={},
    )


def ids(plan: list[PlanItem]) -> list[str]:
    return [item.question_id for item in plan]


def test_progress_keeps_the_best_and_the_latest_score() -> None:
    points = [
        point("a", 70, 5, 1),
        point("a", 40, 1, 3),
        point("a", None, 3, 2),
        point("b", None, 2, 4),
    ]
    progress = progress_by_question(points)
    assert progress["a"] == QuestionProgress("a", 3, 70, 40, NOW - timedelta(days=1))
    assert progress["b"].best is None and progress["b"].attempts == 1


def test_weaker_questions_come_first_when_practised_the_same_day() -> None:
    progress = progress_by_question(
        [point("strong", 90, 3, 1), point("weak", 30, 3, 2), point("middle", 60, 3, 3)]
    )
    plan = practice_plan(["strong", "weak", "middle"], progress, NOW)
    assert ids(plan) == ["weak", "middle", "strong"]


def test_an_old_strong_answer_comes_before_a_weak_one_practised_just_now() -> None:
    progress = progress_by_question([point("old", 80, 30, 1), point("fresh", 20, 0.1, 2)])
    plan = practice_plan(["fresh", "old"], progress, NOW)
    assert ids(plan) == ["old", "fresh"]
    assert plan[0].priority > 1 > plan[1].priority  # the old one is overdue, the fresh one not


def test_new_questions_are_interleaved_in_list_order() -> None:
    progress = progress_by_question([point("r1", 20, 10, 1), point("r2", 50, 10, 2)])
    plan = practice_plan(["n1", "r2", "n2", "r1", "n3", "n4"], progress, NOW, limit=10)
    assert ids(plan) == ["r1", "n1", "r2", "n2", "n3", "n4"]
    assert [item.is_new for item in plan] == [False, True, False, True, True, True]
    assert len(practice_plan(["n1", "r2", "n2", "r1"], progress, NOW, limit=3)) == 3


def test_reviews_not_due_yet_wait_behind_the_new_questions() -> None:
    progress = progress_by_question([point("due", 60, 20, 1), point("recent", 10, 0.5, 2)])
    plan = practice_plan(["recent", "new1", "due", "new2"], progress, NOW)
    assert ids(plan) == ["due", "new1", "new2", "recent"]


def test_the_plan_only_takes_questions_of_the_list() -> None:
    progress = progress_by_question([point("elsewhere", 10, 40, 1), point("here", 90, 1, 2)])
    assert ids(practice_plan(["here"], progress, NOW)) == ["here"]


def test_review_interval_grows_with_the_best_score() -> None:
    assert review_interval_days(None) == review_interval_days(0) == 1.0
    assert review_interval_days(50) < review_interval_days(100) == 14.0


def test_streak_counts_consecutive_days_up_to_today() -> None:
    today = date(2026, 5, 20)
    days = [today, today - timedelta(days=1), today - timedelta(days=2), today - timedelta(days=4)]
    assert practice_streak(days, today) == 3


def test_streak_survives_until_today_is_over_and_ends_after_a_gap() -> None:
    today = date(2026, 5, 20)
    yesterday_run = [today - timedelta(days=1), today - timedelta(days=2)]
    assert practice_streak(yesterday_run, today) == 2
    assert practice_streak([today - timedelta(days=2)], today) == 0
    assert practice_streak([], today) == 0
    # Several attempts on one day count once.
    assert practice_streak([today, today, today - timedelta(days=1)], today) == 2


def test_local_days_follow_the_local_calendar(monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    try:
        late = datetime(2026, 5, 20, 2, 0, tzinfo=UTC)  # 22:00 the day before in New York
        assert local_days([late]) == {date(2026, 5, 19)}
        assert days_ago(late, late + timedelta(hours=3)) == "yesterday"
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()


def test_days_ago_in_words() -> None:
    assert days_ago(NOW, NOW) == "today"
    assert days_ago(NOW - timedelta(days=3), NOW) == "3 days ago"


def _make_follow_up(db: Path, attempt_id: int, parent_id: int) -> None:
    with sqlite3.connect(db) as conn:
        conn.execute(
            "UPDATE attempts SET parent_id = ?, turn = 1 WHERE id = ?", (parent_id, attempt_id)
        )


def test_history_of_main_answers_and_the_previous_attempt(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    moments = iter(NOW + timedelta(hours=n) for n in range(20))
    monkeypatch.setattr(store_module, "_now", lambda: next(moments))
    store = SessionStore(tmp_path / "db.sqlite3", tmp_path / "rec")
    session = store.create_session("s").id
    first = add_attempt(store, session, None, question_id="q", overall=40)
    follow_up = add_attempt(store, session, None, question_id="q", overall=90)
    other = add_attempt(store, session, None, question_id="other", overall=10)
    second = add_attempt(store, session, None, question_id="q", overall=55)
    store.close()
    _make_follow_up(tmp_path / "db.sqlite3", follow_up.id, first.id)
    store = SessionStore(tmp_path / "db.sqlite3", tmp_path / "rec")
    main = store.history(main_only=True)
    assert [p.attempt_id for p in main] == [first.id, other.id, second.id]
    assert len(store.history()) == 4
    assert [p.attempt_id for p in store.history("q", main_only=True)] == [first.id, second.id]
    previous = store.previous_attempt(second.id)
    assert previous is not None and previous.id == first.id  # not the follow-up nor the other
    assert store.previous_attempt(first.id) is None
    assert store.previous_attempt(follow_up.id) is None
    assert progress_by_question(main)["q"].best == 55
    store.close()
