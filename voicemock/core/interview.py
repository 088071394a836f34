"""A session's answers as an interview: each question with its turns, and the interview report.

A session's attempts are main answers and follow-up answers (``AttemptRecord.parent_id``).
:func:`asked_questions` puts each follow-up under its main answer; a question's result is the
score of its last scored turn (the follow-ups are scored with the turns before them, see
``voicemock.core.turns``). :func:`interview_report` sums a mock interview up: per-question
scores, delivery across the interview (pace, fillers and pauses per answer), the three
strongest moments and the three things to work on first, each with the attempt and the time
to replay it. :func:`interview_lines` writes it as Markdown.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from voicemock.core.models import DeliveryMetrics, ScoreReport
from voicemock.core.turns import DeliverySummary, delivery_summary

if TYPE_CHECKING:
    from voicemock.core.store import AttemptRecord

MAX_MOMENTS = 3
MAX_WORK_ON = 3
OPENING_LINE = (
    "Thanks for making the time today. I'll ask you {count} question{s}, and I may follow up "
    "on your answers. Take a moment before you answer if you need one. Let's begin."
)
CLOSING_LINE = "That's all my questions. Do you have any questions for me?"
CLOSING_THANKS = "Thank you, that's the end of the interview. Your report is ready."


def opening_line(count: int) -> str:
    """What the interviewer says before the first of ``count`` questions."""
    return OPENING_LINE.format(count=count, s="" if count == 1 else "s")


@dataclass(frozen=True)
class AskedQuestion:
    """One question of a session: its main answer and the follow-up answers, in order."""

    number: int  # 1-based, in the order asked
    main: AttemptRecord
    followups: tuple[AttemptRecord, ...] = ()

    @property
    def turns(self) -> tuple[AttemptRecord, ...]:
        """The main answer, then each follow-up answer."""
        return (self.main, *self.followups)

    @property
    def score(self) -> ScoreReport | None:
        """The question's result: the last scored turn's score (it covers every turn)."""
        for attempt in reversed(self.turns):
            if attempt.score is not None:
                return attempt.score
        return None

    def attempt_of_turn(self, turn: int) -> AttemptRecord:
        """The attempt (recording) of a turn: 0 the main answer, 1.. the follow-ups."""
        for attempt in self.turns:
            if (attempt.turn if attempt.parent_id is not None else 0) == turn:
                return attempt
        return self.main


def asked_questions(attempts: Sequence[AttemptRecord]) -> list[AskedQuestion]:
    """The session's questions in the order asked, each with its follow-up answers.

    A follow-up whose main answer is not among ``attempts`` counts as a question of its own.
    """
    ordered = sorted(attempts, key=lambda a: (a.created_at, a.id))
    ids = {a.id for a in ordered}
    mains = [a for a in ordered if a.parent_id is None or a.parent_id not in ids]
    children: dict[int, list[AttemptRecord]] = {}
    for attempt in ordered:
        if attempt.parent_id is not None and attempt.parent_id in ids:
            children.setdefault(attempt.parent_id, []).append(attempt)
    return [
        AskedQuestion(
            number,
            main,
            tuple(sorted(children.get(main.id, ()), key=lambda a: (a.turn, a.created_at, a.id))),
        )
        for number, main in enumerate(mains, start=1)
    ]


@dataclass(frozen=True)
class Moment:
    """A moment of the interview to replay: where it is and what it shows (or lacks)."""

    text: str  # what it shows, or what to work on
    question: int  # the question's number
    attempt_id: int  # the recording it is on
    turn: int = 0
    start_s: float | None = None
    quote: str = ""  # the speaker's words there, when there are some


@dataclass(frozen=True)
class AnswerDelivery:
    """One answer's delivery in an interview (a main answer or a follow-up answer)."""

    question: int
    turn: int
    attempt_id: int
    length_s: float
    speaking_rate_wpm: float | None
    fillers_per_min: float | None
    long_pause_count: int | None
    longest_pause_s: float | None


@dataclass(frozen=True)
class InterviewReport:
    """A whole mock interview summed up."""

    questions: tuple[AskedQuestion, ...]
    answers: tuple[AnswerDelivery, ...]
    delivery: DeliverySummary
    strongest: tuple[Moment, ...]
    work_on: tuple[Moment, ...]

    @property
    def overall(self) -> int | None:
        """The mean of the questions' results, or None when none was scored."""
        scores = [q.score.overall for q in self.questions if q.score is not None]
        return round(sum(scores) / len(scores)) if scores else None


def _answer_delivery(question: int, attempt: AttemptRecord) -> AnswerDelivery:
    metrics: DeliveryMetrics = attempt.metrics
    pauses = metrics.value("long_pause_count")
    return AnswerDelivery(
        question=question,
        turn=attempt.turn if attempt.parent_id is not None else 0,
        attempt_id=attempt.id,
        length_s=metrics.value("answer_time_s") or attempt.duration_s,
        speaking_rate_wpm=metrics.value("speaking_rate_wpm"),
        fillers_per_min=metrics.value("fillers_per_min"),
        long_pause_count=None if pauses is None else int(pauses),
        longest_pause_s=metrics.value("longest_pause_s"),
    )


def _short(text: str, limit: int = 90) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _strongest(questions: Sequence[AskedQuestion]) -> list[Moment]:
    """The best-shown evidence of the interview, one per question first, then the rest."""
    per_question: list[list[tuple[float, Moment]]] = []
    for asked in questions:
        score = asked.score
        found: list[tuple[float, Moment]] = []
        seen: set[str] = set()
        if score is not None and not {"off_topic", "keyword_list"} & set(score.gates):
            for competency in score.competencies:
                if competency.flagged or competency.level < 2:
                    continue
                for evidence in competency.evidence:
                    shown = evidence.kind == "own_action" or evidence.reason.startswith("shown")
                    if evidence.kind not in ("exemplar", "own_action") or evidence.sentence in seen:
                        continue
                    seen.add(evidence.sentence)
                    how = "shown in your own example" if shown else "described"
                    rank = competency.level * competency.weight + (2.0 if shown else 0.0)
                    found.append(
                        (
                            rank,
                            Moment(
                                text=f"{competency.label}, {how}",
                                question=asked.number,
                                attempt_id=asked.attempt_of_turn(evidence.turn).id,
                                turn=evidence.turn,
                                start_s=evidence.start_s,
                                quote=_short(evidence.sentence),
                            ),
                        )
                    )
        found.sort(key=lambda item: -item[0])
        per_question.append(found)
    # Round robin over the questions, so the moments come from across the interview.
    chosen: list[tuple[float, Moment]] = []
    depth = 0
    while len(chosen) < MAX_MOMENTS and any(depth < len(f) for f in per_question):
        layer = sorted(
            (f[depth] for f in per_question if depth < len(f)), key=lambda item: -item[0]
        )
        chosen.extend(layer[: MAX_MOMENTS - len(chosen)])
        depth += 1
    return [m for _, m in chosen]


def _work_on(questions: Sequence[AskedQuestion]) -> list[Moment]:
    """The steps worth most across the interview (``voicemock.core.advice`` ranks each answer)."""
    from voicemock.core.advice import rank

    candidates: list[tuple[float, str, Moment]] = []  # (gain, what it is about, where)
    for asked in questions:
        score = asked.score
        for turn_attempt in asked.turns:
            turn = turn_attempt.turn if turn_attempt.parent_id is not None else 0
            # Content once per question (on all its turns), delivery per recording.
            steps = rank(score if turn == 0 else None, turn_attempt.metrics)
            for step in steps:
                if step.area == "content" and turn != 0:
                    continue
                attempt, at_turn = turn_attempt, turn
                if step.area == "content" and score is not None and step.at_s is not None:
                    at_turn = next(
                        (
                            e.turn
                            for c in score.competencies
                            for e in c.evidence
                            if e.start_s == step.at_s
                        ),
                        0,
                    )
                    attempt = asked.attempt_of_turn(at_turn)
                key = step.text if step.area == "content" else step.kind
                candidates.append(
                    (
                        step.gain,
                        key,
                        Moment(
                            text=step.text,
                            question=asked.number,
                            attempt_id=attempt.id,
                            turn=at_turn,
                            start_s=step.at_s,
                        ),
                    )
                )
    # Biggest gain first (a stable sort keeps the interview's order among equals); a delivery
    # habit seen in several answers is one thing to work on, shown where it costs most.
    candidates.sort(key=lambda item: -item[0])
    chosen: list[Moment] = []
    keys: set[str] = set()
    for _, key, moment in candidates:
        if key in keys:
            continue
        keys.add(key)
        chosen.append(moment)
        if len(chosen) == MAX_WORK_ON:
            break
    return chosen


def interview_report(attempts: Sequence[AttemptRecord]) -> InterviewReport:
    """The interview report of a session's attempts (main and follow-up answers)."""
    questions = asked_questions(attempts)
    answers = [_answer_delivery(q.number, a) for q in questions for a in q.turns]
    every = [a for q in questions for a in q.turns]
    return InterviewReport(
        questions=tuple(questions),
        answers=tuple(answers),
        delivery=delivery_summary([a.metrics for a in every], [a.duration_s for a in every]),
        strongest=tuple(_strongest(questions)),
        work_on=tuple(_work_on(questions)),
    )


def turn_name(turn: int) -> str:
    """How a turn is named in reports: "main answer", "follow-up 1" ..."""
    return "main answer" if turn == 0 else f"follow-up {turn}"


def moment_place(moment: Moment) -> str:
    """Where a moment is, e.g. "question 2, follow-up 1, 0:14.2"."""
    from voicemock.core.report import clock

    place = f"question {moment.question}, {turn_name(moment.turn)}"
    if moment.start_s is not None:
        place += f", {clock(moment.start_s)}"
    return place
