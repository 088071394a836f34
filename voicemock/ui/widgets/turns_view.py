"""A question's turns as text: the main answer and each follow-up, with what was asked, why,
the delivery of each turn and of all of them, and how much evidence each turn earned."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from rich.text import Text

from voicemock.ui.formatting import printable
from voicemock.ui.widgets.transcript_view import format_length

if TYPE_CHECKING:
    from voicemock.core.models import DeliveryMetrics, ScoreReport
    from voicemock.core.store import AttemptRecord


def combined_score(main: AttemptRecord, followups: Sequence[AttemptRecord]) -> ScoreReport | None:
    """The question's score on all its turns: the last scored follow-up's, else the main one's."""
    for attempt in reversed(followups):
        if attempt.score is not None:
            return attempt.score
    return main.score


def _delivery(metrics: DeliveryMetrics, length_s: float) -> str:
    parts = [format_length(metrics.value("answer_time_s") or length_s)]
    rate = metrics.value("speaking_rate_wpm")
    if rate is not None:
        parts.append(f"{rate:.0f} wpm")
    fillers = metrics.value("fillers_per_min")
    if fillers is not None:
        parts.append(f"fillers {fillers:.1f}/min")
    pauses = metrics.value("long_pause_count")
    if pauses is not None:
        parts.append(f"{int(pauses)} long pause{'s' if pauses != 1 else ''}")
    return " · ".join(parts)


def turns_text(main: AttemptRecord, followups: Sequence[AttemptRecord]) -> Text:
    """Each turn (what was asked, why, its delivery, its evidence, its words), then overall."""
    from voicemock.core.turns import delivery_summary, evidence_by_turn

    score = combined_score(main, followups)
    earned = evidence_by_turn(score) if score is not None else {}
    text = Text()
    for number, attempt in enumerate((main, *followups)):
        if number:
            text.append(f"Follow-up {number}: ", style="bold #e5c07b")
            text.append(printable(attempt.question_text) + "\n", style="bold")
            if attempt.followup_reason:
                text.append("Why: " + printable(attempt.followup_reason) + "\n", style="italic")
        else:
            text.append("Main answer\n", style="bold #e5c07b")
        text.append(_delivery(attempt.metrics, attempt.duration_s), style="dim")
        count = earned.get(number, 0)
        text.append(f" · {count} piece{'s' if count != 1 else ''} of evidence\n", style="dim")
        text.append(printable(attempt.transcript.text or "(no words)") + "\n\n")
    every = (main, *followups)
    summary = delivery_summary([a.metrics for a in every], [a.duration_s for a in every])
    text.append("All turns: ", style="bold")
    parts = [format_length(summary.answer_s)]
    if summary.speaking_rate_wpm is not None:
        parts.append(f"{summary.speaking_rate_wpm} wpm")
    if summary.fillers_per_min is not None:
        parts.append(f"fillers {summary.fillers_per_min:.1f}/min")
    parts.append(f"{summary.long_pause_count} long pauses")
    text.append(" · ".join(parts) + "\n")
    if score is not None:
        text.append(
            f"Scored on every turn together: {score.overall}/100 (the main answer alone: "
            f"{main.overall if main.overall is not None else '-'})",
            style="dim",
        )
    return text


def recording_at(
    main: AttemptRecord, followups: Sequence[AttemptRecord], at_s: float | None
) -> AttemptRecord:
    """The turn whose recording holds a moment of the question's combined score.

    Times of evidence and story parts are on their own turn's recording: a moment at ``at_s``
    that a follow-up's evidence starts at is on that follow-up; anything else on the main one.
    """
    score = combined_score(main, followups)
    if at_s is None or score is None or not followups:
        return main
    starts = [(e.start_s, e.turn) for c in score.competencies for e in c.evidence]
    starts += [(s.start_s, s.turn) for s in score.star.spans]
    turn = next((t for start, t in starts if start == at_s and t), 0)
    return followups[turn - 1] if 0 < turn <= len(followups) else main
