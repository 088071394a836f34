"""A question's turns: the main answer and its follow-up answers, judged together.

An interviewer who asks a follow-up judges the question on everything the candidate said, not
turn by turn: a result given only in the follow-up still counts for the story told in the main
answer. So the turns' transcripts are joined (one paragraph per turn) and scored as one answer
by the usual scorer; each piece of evidence and each story span then says which turn it came
from (``Evidence.turn``, ``StarSpan.turn``) and carries its time on that turn's recording.

Delivery is measured per turn (each turn is its own recording); :func:`delivery_summary`
adds the turns up for the question as a whole, and for a whole interview.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from voicemock.core.models import (
    CompetencyScore,
    DeliveryMetrics,
    Evidence,
    ScoreReport,
    StarBreakdown,
    StarSpan,
    Transcript,
)
from voicemock.core.rubric_schema import Question
from voicemock.core.text import WordTimeline

if TYPE_CHECKING:
    from voicemock.core.embeddings import Embedder

# Turns are joined with a paragraph break: a sentence never runs from one turn into the next.
TURN_SEPARATOR = "\n\n"
# How long a follow-up answer should be, in seconds (a main answer has its question's target).
FOLLOWUP_TARGET_S = (15.0, 60.0)


@dataclass(frozen=True)
class JoinedTurns:
    """The turns' texts as one text, and where each turn starts in it."""

    text: str
    starts: tuple[int, ...]  # char offset of each turn's text (one per turn given)
    texts: tuple[str, ...]  # each turn's own text

    def turn_at(self, char: int) -> int:
        """The turn whose text holds (or, between turns, precedes) the char offset."""
        return max(0, bisect_right(self.starts, char) - 1)


def join_turns(transcripts: Sequence[Transcript]) -> JoinedTurns:
    """The turns' transcript texts joined by :data:`TURN_SEPARATOR`, first turn first."""
    texts = tuple(t.text.strip() for t in transcripts)
    starts: list[int] = []
    cursor = 0
    for index, text in enumerate(texts):
        if index:
            cursor += len(TURN_SEPARATOR)
        starts.append(cursor)
        cursor += len(text)
    return JoinedTurns(TURN_SEPARATOR.join(texts), tuple(starts), texts)


def score_turns(
    transcripts: Sequence[Transcript],
    question: Question,
    *,
    rubric_version: str = "",
    use_embeddings: bool = True,
    embedder: Embedder | None = None,
) -> ScoreReport:
    """The question's score on all its turns together (first: the main answer).

    Evidence from any turn counts. Char offsets in the report point into
    ``join_turns(transcripts).text``; each evidence and story span carries its ``turn`` and
    its time on that turn's own recording. One turn scores exactly as the scorer alone.
    """
    from voicemock.core.scoring import score_answer

    if len(transcripts) == 1:
        return score_answer(
            transcripts[0],
            question,
            rubric_version=rubric_version,
            use_embeddings=use_embeddings,
            embedder=embedder,
        )
    joined = join_turns(transcripts)
    combined = Transcript.from_text(joined.text)
    # An empty first turn leaves separators at the start, which the transcript strips.
    lead = len(joined.text) - len(joined.text.lstrip())
    report = score_answer(
        combined,
        question,
        rubric_version=rubric_version,
        use_embeddings=use_embeddings,
        embedder=embedder,
    )
    timelines = [WordTimeline(t, text) for t, text in zip(transcripts, joined.texts, strict=True)]

    def place(start: int, end: int) -> tuple[int, float | None, float | None]:
        start, end = start + lead, end + lead
        turn = joined.turn_at(start)
        offset = joined.starts[turn]
        times = timelines[turn].times(start - offset, end - offset)
        return turn, (None if times is None else times[0]), (None if times is None else times[1])

    def placed_evidence(evidence: Evidence) -> Evidence:
        turn, start_s, end_s = place(evidence.start_char, evidence.end_char)
        return replace(evidence, turn=turn, start_s=start_s, end_s=end_s)

    def placed_span(span: StarSpan) -> StarSpan:
        turn, start_s, end_s = place(span.start_char, span.end_char)
        return replace(span, turn=turn, start_s=start_s, end_s=end_s)

    competencies = tuple(
        replace(c, evidence=tuple(placed_evidence(e) for e in c.evidence))
        for c in report.competencies
    )
    spans = tuple(placed_span(s) for s in report.star.spans)
    seconds: dict[str, float] = {}
    for span in spans:
        if span.start_s is not None and span.end_s is not None:
            seconds[span.part] = round(seconds.get(span.part, 0.0) + span.end_s - span.start_s, 2)
    star = StarBreakdown(
        score=report.star.score, spans=spans, seconds=seconds, missing=report.star.missing
    )
    return replace(report, competencies=competencies, star=star)


def evidence_by_turn(report: ScoreReport) -> dict[int, int]:
    """How many pieces of evidence each turn earned (turn -> count), contrary evidence aside."""
    counts: dict[int, int] = {}
    for competency in report.competencies:
        for evidence in competency.evidence:
            if evidence.kind in ("red_flag", "negated"):
                continue
            counts[evidence.turn] = counts.get(evidence.turn, 0) + 1
    return counts


def competencies_gained(before: ScoreReport, after: ScoreReport) -> tuple[CompetencyScore, ...]:
    """The competencies whose level rose from ``before`` (main answer) to ``after`` (all turns)."""
    levels = {c.competency_id: c.level for c in before.competencies}
    return tuple(c for c in after.competencies if c.level > levels.get(c.competency_id, 0))


@dataclass(frozen=True)
class DeliverySummary:
    """Delivery of several answers (a question's turns, or an interview) added up."""

    answers: int
    answer_s: float  # total speaking time of the answers
    words: int
    speaking_rate_wpm: float | None  # weighted by each answer's length
    filler_count: int
    fillers_per_min: float | None
    long_pause_count: int
    longest_pause_s: float | None


def delivery_summary(
    metrics: Sequence[DeliveryMetrics], durations: Sequence[float] = ()
) -> DeliverySummary:
    """Add up the answers' delivery figures: totals, and rates weighted by length.

    ``durations`` (seconds per answer) stand in where a metric has no answer length.
    """
    total_s = 0.0
    words = 0
    fillers = 0
    long_pauses = 0
    longest: float | None = None
    rate_weighted = 0.0
    rate_time = 0.0
    for index, m in enumerate(metrics):
        length = m.value("answer_time_s")
        if length is None:
            length = durations[index] if index < len(durations) else 0.0
        total_s += length
        words += int(m.value("word_count") or 0)
        fillers += int(m.value("filler_count") or 0)
        long_pauses += int(m.value("long_pause_count") or 0)
        pause = m.value("longest_pause_s")
        if pause is not None:
            longest = pause if longest is None else max(longest, pause)
        rate = m.value("speaking_rate_wpm")
        if rate is not None and length > 0:
            rate_weighted += rate * length
            rate_time += length
    return DeliverySummary(
        answers=len(metrics),
        answer_s=round(total_s, 1),
        words=words,
        speaking_rate_wpm=round(rate_weighted / rate_time) if rate_time else None,
        filler_count=fillers,
        fillers_per_min=round(fillers / (total_s / 60), 1) if total_s > 0 else None,
        long_pause_count=long_pauses,
        longest_pause_s=longest,
    )
