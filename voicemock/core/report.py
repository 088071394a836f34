"""A Markdown report of one scored answer: score, evidence, STAR breakdown, next steps, delivery.

Used by ``voicemock score --markdown`` and by session exports, so it depends only on the core
value types (no rich, no textual).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from voicemock.core.metrics import format_metric_value
from voicemock.core.models import (
    CompetencyScore,
    DeliveryMetrics,
    Evidence,
    ScoreReport,
    StarBreakdown,
    Transcript,
)
from voicemock.core.rubric_schema import Question
from voicemock.core.scoring import GATE_MEANINGS, LEVEL_MEANINGS
from voicemock.core.star import PART_NAMES, STAR_PARTS

if TYPE_CHECKING:
    from voicemock.core.rubrics import LoadedQuestion


def clock(seconds: float) -> str:
    """Seconds as m:ss.s, e.g. 0:07.4 or 1:02.0."""
    minutes, rest = divmod(max(0.0, seconds), 60.0)
    return f"{int(minutes)}:{rest:04.1f}"


def _cell(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return " ".join(text.split()).replace("|", "\\|")


def _inline(text: str) -> str:
    """Text safe inside a Markdown paragraph or list item (one line, no stray markup)."""
    escaped = " ".join(text.split())
    for ch in "\\`*_[]<>":
        escaped = escaped.replace(ch, "\\" + ch)
    return escaped


def _times(start_s: float | None, end_s: float | None) -> str:
    if start_s is None or end_s is None:
        return ""
    return f" ({clock(start_s)}–{clock(end_s)})"


def level_text(level: int) -> str:
    """A level as text, e.g. 3/4 (described with depth or your own example)."""
    return f"{level}/4 ({LEVEL_MEANINGS.get(level, '')})"


def group_evidence(evidence: Iterable[Evidence]) -> list[list[Evidence]]:
    """Evidence items grouped by sentence, in order of first appearance."""
    groups: dict[tuple[int, int], list[Evidence]] = {}
    for item in evidence:
        groups.setdefault((item.start_char, item.end_char), []).append(item)
    return list(groups.values())


def evidence_line(items: Sequence[Evidence]) -> str:
    """One sentence's evidence as a Markdown list item: the quote, its time and the reasons."""
    first = items[0]
    contrary = any(e.kind in ("red_flag", "negated") for e in items)
    mark = "−" if contrary else "+"
    reasons = "; ".join(_inline(e.reason) for e in items)
    return f"- {mark} “{_inline(first.sentence)}”{_times(first.start_s, first.end_s)} — {reasons}"


def _competency_section(score: CompetencyScore) -> list[str]:
    lines = [f"### {_inline(score.label)}: {level_text(score.level)}, {score.score}/100", ""]
    if score.flagged:
        lines.extend(f"- **Contradicted:** {_inline(reason)}" for reason in score.flag_reasons)
    lines.extend(evidence_line(items) for items in group_evidence(score.evidence))
    if not score.evidence and not score.flagged:
        lines.append("- No evidence found in the answer.")
    if score.next_step:
        lines.extend(["", f"**Next step:** {_inline(score.next_step)}"])
    lines.append("")
    return lines


def star_lines(star: StarBreakdown) -> list[str]:
    """The STAR breakdown as Markdown lines (score, each part with its time, what is missing)."""
    lines = [f"## Specific example (STAR): {star.score}/100", ""]
    if not star.spans:
        lines.append(
            "No specific example found: nothing you did at a particular time and place, "
            "told in the past tense."
        )
        lines.append("")
        return lines
    lines.extend(["| Part | Time | What you said |", "|---|---|---|"])
    for span in star.spans:
        duration = ""
        if span.start_s is not None and span.end_s is not None:
            duration = f"{span.end_s - span.start_s:.1f} s"
        lines.append(f"| {PART_NAMES[span.part]} | {duration} | {_cell(span.text)} |")
    lines.append("")
    if star.seconds:
        parts = ", ".join(
            f"{PART_NAMES[p]} {star.seconds[p]:.1f} s" for p in STAR_PARTS if p in star.seconds
        )
        lines.extend([f"Time per part: {parts}.", ""])
    if star.missing:
        missing = ", ".join(PART_NAMES[p] for p in star.missing)
        lines.extend([f"Missing: {missing}.", ""])
    return lines


def _metrics_lines(metrics: DeliveryMetrics) -> list[str]:
    lines = ["## Delivery", "", "| Metric | Value | Band | Guidance |", "|---|---|---|---|"]
    for metric in metrics.metrics:
        lines.append(
            f"| {_cell(metric.label)} | {_cell(format_metric_value(metric))} | {metric.band} "
            f"| {_cell(metric.guidance)} |"
        )
    lines.append("")
    lines.extend(f"- {_inline(note)}" for note in metrics.notes)
    if metrics.notes:
        lines.append("")
    return lines


def _bullets(items: Iterable[str], numbered: bool = False) -> list[str]:
    return [
        f"{i}. {_inline(item)}" if numbered else f"- {_inline(item)}"
        for i, item in enumerate(items, start=1)
    ]


def score_lines(score: ScoreReport) -> list[str]:
    """The competency part of the report: overall, gates, table, evidence, next steps."""
    lines = [f"## Score: {score.overall}/100", ""]
    if score.gates:
        lines.extend(
            f"- **Gate {gate}:** {_inline(GATE_MEANINGS.get(gate, gate))}" for gate in score.gates
        )
        lines.append("")
    if score.relevance is not None:
        lines.extend([f"Relevance to the question: {score.relevance:.2f}", ""])
    lines.extend(["| Competency | Level | Score | Weight |", "|---|---|---|---|"])
    for c in score.competencies:
        flag = " (contradicted)" if c.flagged else ""
        lines.append(
            f"| {_cell(c.label)}{flag} | {_cell(level_text(c.level))} | {c.score} | {c.weight:g} |"
        )
    lines.append("")
    if score.next_steps:
        lines.extend(["## Next steps", "", *_bullets(score.next_steps, numbered=True), ""])
    lines.extend(["## Evidence", ""])
    for c in score.competencies:
        lines.extend(_competency_section(c))
    lines.extend(star_lines(score.star))
    if score.notes:
        lines.extend(["## Notes", "", *_bullets(score.notes), ""])
    return lines


def markdown_report(
    question: Question | LoadedQuestion,
    transcript: Transcript,
    metrics: DeliveryMetrics | None,
    score: ScoreReport | None,
) -> str:
    """The whole report as Markdown: question, score and evidence, STAR, delivery, transcript."""
    q: Question = question if isinstance(question, Question) else question.question
    lines = [f"# {_inline(q.text)}", "", f"Question `{q.id}` · {_inline(q.role)} · {q.level}"]
    if score is not None and score.rubric_version:
        lines[-1] += f" · rubric `{score.rubric_version}`"
    lines.append("")
    if score is not None:
        lines.extend(score_lines(score))
    else:
        lines.extend(["No rubric score for this answer.", ""])
    if metrics is not None and metrics.metrics:
        lines.extend(_metrics_lines(metrics))
    lines.extend(["## Transcript", ""])
    text = transcript.text
    lines.append(f"> {_inline(text)}" if text else "(no words)")
    source = f"{transcript.engine} {transcript.model}".strip()
    if transcript.timed:
        lines.extend(
            ["", f"{transcript.audio_duration_s:.1f} s of audio, transcribed by {source}."]
        )
    return "\n".join(lines).rstrip() + "\n"
