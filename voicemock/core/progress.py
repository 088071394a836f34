"""Progress per question: best and last score, what to practise next, and the daily streak.

Everything here works on the store's :class:`~voicemock.core.store.HistoryPoint` rows of main
answers (``SessionStore.history(main_only=True)``); follow-up answers do not count as practising
a question.

The practice plan is a simple spaced repetition: a question is due again after an interval that
grows with its best score (a day for a weak answer, two weeks for a strong one), and the plan
lists the answered questions by how overdue they are (days since the last attempt divided by the
interval), the weakest first among equals. The not yet answered questions of the list are
interleaved, one new after each review that is due; reviews not due yet come after them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from voicemock.core.store import HistoryPoint

# A question answered with best score 0 is due again after REVIEW_MIN_DAYS, one with best score
# 100 after REVIEW_MAX_DAYS, and in between in proportion.
REVIEW_MIN_DAYS = 1.0
REVIEW_MAX_DAYS = 14.0
PLAN_LENGTH = 5


@dataclass(frozen=True)
class QuestionProgress:
    """How practice of one question went: attempts, best and last score, last time."""

    question_id: str
    attempts: int
    best: int | None  # best overall score; None when no attempt was scored
    last: int | None  # the latest attempt's overall score (None when it was not scored)
    last_at: datetime


@dataclass(frozen=True)
class PlanItem:
    """One question of the practice plan; ``progress`` is None for a question never answered."""

    question_id: str
    progress: QuestionProgress | None
    priority: float  # how overdue an answered question is (1.0: due today); 0 for a new one

    @property
    def is_new(self) -> bool:
        """True for a question never answered."""
        return self.progress is None


def progress_by_question(points: Iterable[HistoryPoint]) -> dict[str, QuestionProgress]:
    """Each question's progress from its attempts (any order)."""
    grouped: dict[str, list[HistoryPoint]] = {}
    for point in points:
        grouped.setdefault(point.question_id, []).append(point)
    result: dict[str, QuestionProgress] = {}
    for question_id, attempts in grouped.items():
        attempts.sort(key=lambda p: (p.created_at, p.attempt_id))
        scores = [p.overall for p in attempts if p.overall is not None]
        result[question_id] = QuestionProgress(
            question_id=question_id,
            attempts=len(attempts),
            best=max(scores) if scores else None,
            last=attempts[-1].overall,
            last_at=attempts[-1].created_at,
        )
    return result


def review_interval_days(best: int | None) -> float:
    """Days after which a question with this best score is due again."""
    share = 0.0 if best is None else min(max(best, 0), 100) / 100
    return REVIEW_MIN_DAYS + share * (REVIEW_MAX_DAYS - REVIEW_MIN_DAYS)


def review_priority(progress: QuestionProgress, now: datetime) -> float:
    """How overdue a question is: days since its last attempt over its review interval."""
    days = max(0.0, (now - progress.last_at).total_seconds() / 86400)
    return days / review_interval_days(progress.best)


def practice_plan(
    question_ids: Sequence[str],
    progress: Mapping[str, QuestionProgress],
    now: datetime,
    limit: int = PLAN_LENGTH,
) -> list[PlanItem]:
    """The questions to practise next, from ``question_ids`` (the list the user is looking at).

    Answered questions come most overdue first (the lower best score first among equals, then
    list order); the new ones keep list order and are interleaved, one after each review that
    is due (priority 1 or more). Reviews not due yet follow the new questions.
    """
    order = {question_id: n for n, question_id in enumerate(question_ids)}
    reviews = sorted(
        (
            PlanItem(
                question_id, progress[question_id], review_priority(progress[question_id], now)
            )
            for question_id in order
            if question_id in progress
        ),
        key=lambda item: (
            -round(item.priority, 6),
            -1 if item.progress is None or item.progress.best is None else item.progress.best,
            order[item.question_id],
        ),
    )
    new = [PlanItem(question_id, None, 0.0) for question_id in order if question_id not in progress]
    due = [item for item in reviews if item.priority >= 1.0]
    later = reviews[len(due) :]
    plan: list[PlanItem] = []
    for n in range(max(len(due), len(new))):
        plan.extend(items[n] for items in (due, new) if n < len(items))
    return (plan + later)[:limit]


def local_days(moments: Iterable[datetime]) -> set[date]:
    """The local calendar days of these moments."""
    return {moment.astimezone().date() for moment in moments}


def practice_streak(days: Iterable[date], today: date) -> int:
    """Consecutive days of practice up to today.

    A streak that ran until yesterday still counts today (the day is not over); a gap of a
    whole day ends it.
    """
    practised = set(days)
    day = today if today in practised else today - timedelta(days=1)
    streak = 0
    while day in practised:
        streak += 1
        day -= timedelta(days=1)
    return streak


def days_ago(moment: datetime, now: datetime) -> str:
    """When, in words: "today", "yesterday", "3 days ago" (local calendar days)."""
    days = (now.astimezone().date() - moment.astimezone().date()).days
    if days <= 0:
        return "today"
    if days == 1:
        return "yesterday"
    return f"{days} days ago"
