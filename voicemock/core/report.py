"""Markdown reports: one scored answer (score, evidence, STAR, next steps, delivery), a session.

Used by ``voicemock score --markdown`` and by session exports (:func:`session_report`), so it
depends only on the core value types (no rich, no textual). The display helpers here (metric
value formats, the compact delivery rows, the user's words behind a piece of evidence) are
shared with the terminal report.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from voicemock.core.advice import Step, next_steps
from voicemock.core.metrics import NOTE_UNTIMED, format_metric_value
from voicemock.core.models import (
    Band,
    CompetencyScore,
    DeliveryMetrics,
    Evidence,
    FlagKind,
    Metric,
    ScoreReport,
    StarBreakdown,
    Transcript,
)
from voicemock.core.rubric_schema import Question
from voicemock.core.scoring import GATE_MEANINGS, LEVEL_MEANINGS, LIMIT_MEANINGS
from voicemock.core.star import PART_NAMES, STAR_PARTS
from voicemock.errors import VoicemockError

if TYPE_CHECKING:
    from voicemock.core.followups import Followup
    from voicemock.core.interview import InterviewReport
    from voicemock.core.rubrics import LoadedQuestion
    from voicemock.core.store import AttemptRecord, SessionRecord

UNTIMED_LINE = "Timing figures (answer length, speaking rate, pauses) need a recording."
RELEVANCE_LABEL = "similarity to the question and its model sentences"
_BAND_RANK: dict[str, int] = {"info": 0, "good": 1, "watch": 2, "fix": 3}
_MAX_QUOTE_GAP = 2
# The phrase a reason quotes: "indicator 'listen' (meaning)", "your own past action: 'I did'".
_REASON_QUOTE = re.compile(r"'(.+?)'(?=\s*\(|\s*$)")
_PRONOUNS = frozenset(
    [
        "he",
        "she",
        "they",
        "him",
        "her",
        "them",
        "his",
        "hers",
        "their",
        "theirs",
        "it",
        "its",
        "someone",
        "somebody",
    ]
)


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


@dataclass(frozen=True)
class DeliveryRow:
    """One line of a delivery table as shown: ``guidance`` is short, ``rule`` the whole rule."""

    key: str
    label: str
    value: str
    band: Band
    guidance: str = ""
    rule: str = ""
    source: str = ""


def _first_clause(text: str) -> str:
    return text.split(";")[0].strip()


def _first_rule(metric: Metric) -> str:
    return _first_clause(metric.guidance)


def _worst(*bands: Band) -> Band:
    return max(bands, key=lambda band: _BAND_RANK.get(band, 0))


def _length_rule(metric: Metric) -> str:
    found = re.match(r"\s*([\d.]+\s*-\s*[\d.]+ s) is good", metric.guidance)
    return f"{found.group(1)} is good" if found else _first_clause(metric.guidance)


def _fillers_rule(metric: Metric) -> str:
    found = re.search(r"([\d.]+) or fewer per minute", metric.guidance)
    return f"up to {found.group(1)}/min is fine" if found else _first_clause(metric.guidance)


def _known(metrics: DeliveryMetrics, key: str) -> Metric | None:
    metric = metrics.get(key)
    return metric if metric is not None and metric.value is not None else None


def _row(
    metric: Metric, label: str = "", guidance: str | Callable[[Metric], str] = ""
) -> DeliveryRow:
    short = guidance(metric) if callable(guidance) else guidance
    return DeliveryRow(
        metric.key,
        label or metric.label,
        format_metric_value(metric),
        metric.band,
        short,
        metric.guidance,
        metric.source,
    )


def _compact_rows(metrics: DeliveryMetrics) -> list[DeliveryRow]:
    """The core figures, merged where two rows said one thing, without unknown values."""
    rows: list[DeliveryRow] = []
    simple: tuple[tuple[str, str, str | Callable[[Metric], str]], ...] = (
        ("answer_time_s", "Answer length", _length_rule),
        ("word_count", "Words", ""),
        ("speaking_rate_wpm", "Speaking rate", _first_rule),
    )
    for key, label, guidance in simple:
        metric = _known(metrics, key)
        if metric is not None:
            rows.append(_row(metric, label, guidance))

    per_min = _known(metrics, "fillers_per_min")
    count = _known(metrics, "filler_count")
    if per_min is not None:
        value = format_metric_value(per_min)
        if count is not None:
            value += f" ({format_metric_value(count)})"
        rows.append(
            DeliveryRow(
                per_min.key,
                "Fillers (um, uh)",
                value,
                per_min.band,
                _fillers_rule(per_min),
                per_min.guidance,
                per_min.source,
            )
        )
    elif count is not None:
        rows.append(_row(count, "Fillers (um, uh)"))

    discourse = _known(metrics, "discourse_filler_count")
    if discourse is not None:
        rows.append(_row(discourse, "Discourse fillers", "like, you know, I mean"))

    long_pauses = _known(metrics, "long_pause_count")
    longest = _known(metrics, "longest_pause_s")
    if long_pauses is not None:
        value = format_metric_value(long_pauses)
        band = long_pauses.band
        rule = _first_clause(long_pauses.guidance)
        if longest is not None:
            value += f" (longest {format_metric_value(longest)})"
            band = _worst(band, longest.band)
            rule = _first_clause(longest.guidance)
        rows.append(
            DeliveryRow(
                long_pauses.key,
                "Long pauses",
                value,
                band,
                rule,
                long_pauses.guidance,
                long_pauses.source,
            )
        )
    elif longest is not None:
        rows.append(_row(longest, "Longest pause", _first_rule))

    latency = _known(metrics, "response_latency_s")
    if latency is not None:
        rows.append(_row(latency, "Time to first word", "after the question ends"))
    hedges = _known(metrics, "hedge_count")
    if hedges is not None:
        rows.append(_row(hedges, "Hedges", "each softens a claim"))

    words = _known(metrics, "repetition_count")
    phrases = _known(metrics, "repeated_phrase_count")
    if words is not None and phrases is not None:
        rows.append(
            DeliveryRow(
                phrases.key,
                "Repeated words/phrases",
                f"{format_metric_value(words)} / {format_metric_value(phrases)}",
                _worst(words.band, phrases.band),
                "vary your wording",
                f"{words.guidance}; {phrases.guidance}",
                phrases.source,
            )
        )
    elif words is not None or phrases is not None:
        only = words or phrases
        assert only is not None
        rows.append(_row(only, guidance=_first_rule))

    diversity = _known(metrics, "lexical_diversity_mattr")
    if diversity is not None:
        rows.append(_row(diversity, "Lexical diversity", "variety of words"))
    return rows


def delivery_rows(metrics: DeliveryMetrics, *, all_metrics: bool = False) -> list[DeliveryRow]:
    """The rows of a delivery table: the core figures, or every metric with ``all_metrics``.

    The core set leaves out figures that are unknown (the timing figures of a typed answer)
    and merges rows that repeat each other (fillers per minute with their count, long pauses
    with the longest one, repeated words with repeated phrases).
    """
    rows = [] if all_metrics else _compact_rows(metrics)
    if rows:
        return rows
    # Every metric, also when none of the core ones is there (a hand-made or older set).
    return [
        _row(m, guidance=_first_rule) for m in metrics.metrics if all_metrics or m.value is not None
    ]


def display_notes(metrics: DeliveryMetrics) -> list[str]:
    """The metrics' notes as shown to the user (the untimed caveat in one short line)."""
    return [UNTIMED_LINE if note == NOTE_UNTIMED else note for note in metrics.notes]


def reading_text(score: ScoreReport) -> str:
    """What the whole-answer reading (core.reading) did to the score, and the sentence most
    behind it."""
    points = score.reading or 0
    text = (
        f"{points:+d} points: answers like this one, taken as a whole, were rated "
        f"{'higher' if points > 0 else 'lower'} than their rubric score suggests"
    )
    if score.reading_quote:
        text += f" (most of all \u201c{' '.join(score.reading_quote.split())}\u201d)"
    return text


def relevance_text(relevance: float) -> str:
    """The relevance figure with what it means, e.g. "on-topic: 0.77 similarity to ..."."""
    return f"on-topic: {relevance:.2f} {RELEVANCE_LABEL}"


def evidence_quote(evidence: Evidence) -> tuple[int, int] | None:
    """Where the speaker's own matching words are in ``evidence.sentence``, or None.

    Uses the scorer's span when it gives one; otherwise (evidence stored before spans were
    kept, when ``matched`` held the rubric phrase) that phrase found in the sentence word for
    word or lemma for lemma ("agree on" in "we agreed on"). An exemplar match has no such
    words: the whole sentence is similar.
    """
    if evidence.kind == "exemplar":
        return None
    sentence = evidence.sentence
    start_char, end_char = evidence.matched_start_char, evidence.matched_end_char
    if start_char is not None and end_char is not None:
        start, end = start_char - evidence.start_char, end_char - evidence.start_char
        if 0 <= start < end <= len(sentence):
            return start, end
    words = evidence.matched.split()
    if not words:
        return None
    pattern = r"(?<!\w)" + r"\W+".join(re.escape(w) for w in words) + r"(?!\w)"
    found = re.search(pattern, sentence, flags=re.IGNORECASE)
    if found:
        return found.start(), found.end()
    return _lemma_span(sentence, evidence.matched)


def _lemma_span(sentence: str, phrase: str) -> tuple[int, int] | None:
    """The first words of ``sentence`` that say ``phrase`` lemma for lemma ("we agreed on").

    Like the scorer, a pronoun stands for any pronoun ("I asked her" finds "I asked him") and
    up to two other words may come between (never across a comma).
    """
    from voicemock.core.text import tokenize

    wanted = [t.lemma for t in tokenize(phrase)]
    tokens = tokenize(sentence)
    for start, token in enumerate(tokens):
        if not wanted or not _same_word(wanted[0], token.lemma):
            continue
        k, last = 1, start
        for j in range(start + 1, len(tokens)):
            if k == len(wanted) or j - last > _MAX_QUOTE_GAP + 1 or tokens[j].clause_break:
                break
            if _same_word(wanted[k], tokens[j].lemma):
                k, last = k + 1, j
        if k == len(wanted):
            return token.start_char, tokens[last].end_char
    return None


def _same_word(wanted: str, lemma: str) -> bool:
    return wanted == lemma or (wanted in _PRONOUNS and lemma in _PRONOUNS)


def evidence_reason(evidence: Evidence) -> str:
    """The reason, quoting the speaker's own words where it names the rubric's phrase.

    "indicator 'I asked her' (asking)" becomes "indicator “I asked him” (asking)". When the
    speaker's words are unknown the rubric phrase stays, marked as an example ("like '...'")
    so that it does not read as a quote. Evidence found by meaning (an exemplar, or bad practice
    matched as a whole sentence) keeps the rubric's sentence: it is what the words resemble.
    """
    reason = evidence.reason
    quoted = _REASON_QUOTE.search(reason)
    if evidence.kind == "exemplar" or quoted is None or evidence.matched == evidence.sentence:
        return reason
    span = evidence_quote(evidence)
    if span is not None:
        words = evidence.sentence[span[0] : span[1]]
    elif evidence.kind == "own_action":  # its quote is the speaker's words already
        words = quoted.group(1)
    else:
        return f"{reason[: quoted.start()]}like {reason[quoted.start() :]}"
    return f"{reason[: quoted.start()]}“{words}”{reason[quoted.end() :]}"


def other_next_steps(score: ScoreReport, shown: Iterable[str] | None = None) -> list[str]:
    """Competency next steps that the ranked list (``shown``) does not already give, in rubric
    order; without ``shown``, those the score's own list does not give."""
    listed = set(score.next_steps if shown is None else shown)
    others: list[str] = []
    for c in score.competencies:
        if c.next_step and c.next_step not in listed and c.next_step not in others:
            others.append(c.next_step)
    return others


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
    reasons = "; ".join(_inline(evidence_reason(e)) for e in items)
    turn = f" [follow-up {first.turn}]" if first.turn else ""
    times = _times(first.start_s, first.end_s)
    return f"- {mark} “{_inline(first.sentence)}”{turn}{times} — {reasons}"


def _competency_section(score: CompetencyScore, listed: Iterable[str] = ()) -> list[str]:
    lines = [f"### {_inline(score.label)}: {level_text(score.level)}, {score.score}/100", ""]
    if score.flagged:
        lines.extend(f"- **Contradicted:** {_inline(reason)}" for reason in score.flag_reasons)
    lines.extend(evidence_line(items) for items in group_evidence(score.evidence))
    if not score.evidence and not score.flagged:
        lines.append("- No evidence found in the answer.")
    if score.next_step and score.next_step not in set(listed):
        lines.extend(["", f"**Next step:** {_inline(score.next_step)}"])
    lines.append("")
    return lines


def star_lines(star: StarBreakdown) -> list[str]:
    """The STAR breakdown as Markdown lines (score, each part with its time, what is missing)."""
    lines = [f"## Specific example, STAR parts: {star.score}/100", ""]
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
        told = f"[follow-up {span.turn}] {span.text}" if span.turn else span.text
        lines.append(f"| {PART_NAMES[span.part]} | {duration} | {_cell(told)} |")
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


def _metrics_lines(metrics: DeliveryMetrics, all_metrics: bool = False) -> list[str]:
    lines = ["## Delivery", "", "| Metric | Value | Band | Guidance |", "|---|---|---|---|"]
    for row in delivery_rows(metrics, all_metrics=all_metrics):
        guidance = (row.rule or row.guidance) if all_metrics else row.guidance
        lines.append(
            f"| {_cell(row.label)} | {_cell(row.value)} | {row.band} | {_cell(guidance)} |"
        )
    lines.append("")
    notes = display_notes(metrics)
    lines.extend(f"- {_inline(note)}" for note in notes)
    if notes:
        lines.append("")
    return lines


# The delivery figures and flags that say how a recorded answer sounded (core/prosody.py).
SOUND_METRIC_KEYS = (
    "pitch_sd_st",
    "pitch_range_st",
    "flat_pitch_count",
    "trailing_off_count",
    "quiet_stretch_count",
    "clipping_count",
    "fastest_wpm",
    "slowest_wpm",
    "pace_change_pct",
    "mid_phrase_pause_pct",
)
SOUND_FLAG_KINDS: tuple[FlagKind, ...] = (
    "flat_pitch",
    "trailing_off",
    "quiet",
    "clipping",
    "fast_stretch",
    "slow_stretch",
    "sped_up",
    "mid_phrase_pause",
)


def sound_lines(metrics: DeliveryMetrics) -> list[str]:
    """How a recorded answer sounded, as Markdown: its figures, then each flagged moment.

    Empty when the answer's sound was not measured (typed, or stored before it was).
    """
    rows = [m for key in SOUND_METRIC_KEYS if (m := metrics.get(key)) is not None]
    if not any(m.value is not None for m in rows):
        return []
    lines = ["## How it sounded", "", "| Figure | Value | Band |", "|---|---|---|"]
    for m in rows:
        if m.value is not None:
            lines.append(f"| {_cell(m.label)} | {_cell(format_metric_value(m))} | {m.band} |")
    lines.append("")
    moments = [f for f in metrics.flags if f.kind in SOUND_FLAG_KINDS]
    lines.extend(f"- {clock(f.start_s)}–{clock(f.end_s)}: {_inline(f.text)}" for f in moments)
    if moments:
        lines.append("")
    return lines


def _bullets(items: Iterable[str], numbered: bool = False) -> list[str]:
    return [
        f"{i}. {_inline(item)}" if numbered else f"- {_inline(item)}"
        for i, item in enumerate(items, start=1)
    ]


def step_line(step: Step) -> str:
    """One next step as Markdown text, with its moment to replay: "… (replay at 0:12.5)"."""
    at = f" (replay at {clock(step.at_s)})" if step.at_s is not None else ""
    return f"{_inline(step.text)}{at}"


def next_steps_lines(steps: Sequence[Step]) -> list[str]:
    """The "Next steps" section (content and delivery ranked together), or nothing."""
    if not steps:
        return []
    return [
        "## Next steps",
        "",
        *(f"{i}. {step_line(step)}" for i, step in enumerate(steps, start=1)),
        "",
    ]


def score_lines(
    score: ScoreReport,
    metrics: DeliveryMetrics | None = None,
    question: Question | None = None,
) -> list[str]:
    """The competency part of the report: overall, gates, table, next steps, evidence.

    The next steps rank content and delivery (``metrics``) together (``core.advice``).
    """
    lines = [f"## Score: {score.overall}/100", ""]
    if score.reading:
        lines.extend([f"- **Whole-answer reading:** {_inline(reading_text(score))}", ""])
    if score.gates or score.limits:
        lines.extend(
            f"- **Gate {gate}:** {_inline(GATE_MEANINGS.get(gate, gate))}" for gate in score.gates
        )
        lines.extend(
            f"- **Held down:** {_inline(LIMIT_MEANINGS.get(limit, limit))}"
            for limit in score.limits
        )
        lines.append("")
    if score.relevance is not None:
        lines.extend([f"{relevance_text(score.relevance).capitalize()}.", ""])
    lines.extend(["| Competency | Level | Score | Weight |", "|---|---|---|---|"])
    for c in score.competencies:
        flag = " (contradicted)" if c.flagged else ""
        lines.append(
            f"| {_cell(c.label)}{flag} | {_cell(level_text(c.level))} | {c.score} | {c.weight:g} |"
        )
    lines.append("")
    steps = next_steps(score, metrics, question)
    lines.extend(next_steps_lines(steps))
    lines.extend(["## Evidence", ""])
    for c in score.competencies:
        lines.extend(_competency_section(c, [step.text for step in steps]))
    lines.extend(star_lines(score.star))
    if score.notes:
        lines.extend(["## Notes", "", *_bullets(score.notes), ""])
    return lines


def markdown_report(
    question: Question | LoadedQuestion,
    transcript: Transcript,
    metrics: DeliveryMetrics | None,
    score: ScoreReport | None,
    *,
    all_metrics: bool = False,
    followups: Sequence[Followup] = (),
) -> str:
    """The whole report as Markdown: question, score and evidence, STAR, delivery, transcript.

    The delivery table holds the core figures, or every metric with ``all_metrics``;
    ``followups`` (``voicemock.core.followups``) say what the interviewer would ask next.
    """
    q: Question = question if isinstance(question, Question) else question.question
    lines = [f"# {_inline(q.text)}", "", f"Question `{q.id}` · {_inline(q.role)} · {q.level}"]
    if score is not None and score.rubric_version:
        lines[-1] += f" · rubric `{score.rubric_version}`"
    lines.append("")
    if score is not None:
        lines.extend(score_lines(score, metrics, q))
    else:
        lines.extend(["No rubric score for this answer.", ""])
        lines.extend(next_steps_lines(next_steps(None, metrics)))
    lines.extend(followups_lines(followups))
    if metrics is not None and metrics.metrics:
        lines.extend(_metrics_lines(metrics, all_metrics))
        lines.extend(sound_lines(metrics))
    lines.extend(["## Transcript", ""])
    text = transcript.text
    lines.append(f"> {_inline(text)}" if text else "(no words)")
    source = f"{transcript.engine} {transcript.model}".strip()
    if transcript.timed:
        lines.extend(
            ["", f"{transcript.audio_duration_s:.1f} s of audio, transcribed by {source}."]
        )
    return "\n".join(lines).rstrip() + "\n"


# --------------------------------------------------------------------------- session reports


def _simple_attempt_summary(attempt: AttemptRecord) -> str:
    lines = [f"**Question:** {attempt.question_text}", ""]
    if attempt.score is not None:
        lines.append(f"**Overall:** {attempt.score.overall}/100")
        lines.extend(
            f"- {c.label}: level {c.level}/4 ({c.score}/100)" for c in attempt.score.competencies
        )
        lines.append("")
    if attempt.metrics.metrics:
        lines.append("**Delivery**")
        lines.extend(
            f"- {m.label}: {format_metric_value(m)} ({m.band})" for m in attempt.metrics.metrics
        )
        lines.append("")
    lines.extend(["**Transcript**", "", attempt.transcript.text or "(no words)", ""])
    return "\n".join(lines)


def followups_lines(followups: Sequence[Followup]) -> list[str]:
    """What the interviewer would ask next and why, as Markdown (empty when nothing)."""
    if not followups:
        return []
    lines = ["## What the interviewer would ask next", ""]
    for number, followup in enumerate(followups, start=1):
        worded = " (worded by your language model)" if followup.source == "model" else ""
        lines.append(f"{number}. “{_inline(followup.text)}”{worded} — {_inline(followup.reason)}")
    lines.append("")
    return lines


def followup_turn_lines(followups: Sequence[AttemptRecord]) -> list[str]:
    """Each follow-up answer as Markdown: what was asked and why, its delivery, its words."""
    lines: list[str] = []
    for attempt in followups:
        lines.extend([f"## Follow-up {attempt.turn}: {_inline(attempt.question_text)}", ""])
        if attempt.followup_reason:
            lines.extend([f"Asked because: {_inline(attempt.followup_reason)}", ""])
        rows = delivery_rows(attempt.metrics) if attempt.metrics.metrics else []
        if rows:
            lines.extend(["| Delivery | Value | Band |", "|---|---|---|"])
            lines.extend(f"| {_cell(r.label)} | {_cell(r.value)} | {r.band} |" for r in rows)
            lines.append("")
        text = attempt.transcript.text
        lines.extend([f"> {_inline(text)}" if text else "(no words)", ""])
    return lines


def _attempt_report(
    attempt: AttemptRecord,
    find_question: Callable[[str], Any] | None,
    followups: Sequence[AttemptRecord] = (),
) -> str:
    """The full markdown report when the question and report module are there, else a summary.

    With ``followups`` (the follow-up answers of this main answer) the score is the question's
    on every turn, and each follow-up follows with what was asked, why, and its delivery.
    """
    score = next((a.score for a in reversed(followups) if a.score is not None), attempt.score)
    text = ""
    if find_question is not None:
        try:
            question: LoadedQuestion = find_question(attempt.question_id)
            text = markdown_report(question, attempt.transcript, attempt.metrics, score)
        except (ImportError, VoicemockError, LookupError, TypeError, ValueError, AttributeError):
            pass  # the question may be gone from the library: fall back to the plain summary
    if not text:
        text = _simple_attempt_summary(attempt if not followups else replace(attempt, score=score))
    if followups:
        from voicemock.core.turns import delivery_summary

        every = (attempt, *followups)
        total = delivery_summary([a.metrics for a in every], [a.duration_s for a in every])
        overall = [f"{total.answer_s:.0f} s"]
        if total.speaking_rate_wpm is not None:
            overall.append(f"{total.speaking_rate_wpm} wpm")
        if total.fillers_per_min is not None:
            overall.append(f"fillers {total.fillers_per_min:.1f}/min")
        overall.append(f"{total.long_pause_count} long pause(s)")
        lines = [*followup_turn_lines(followups), f"Delivery over all turns: {', '.join(overall)}."]
        text = text.rstrip() + "\n\n" + "\n".join(lines) + "\n"
    return text


def interview_lines(report: InterviewReport) -> list[str]:
    """The interview report as Markdown: scores, delivery per answer, moments, what to work on."""
    from voicemock.core.interview import moment_place, turn_name

    lines = ["## Interview report", ""]
    if report.overall is not None:
        lines.extend(
            [f"Overall: {report.overall}/100 over {len(report.questions)} question(s).", ""]
        )
    lines.extend(["| # | Question | Follow-ups | Score |", "|---|---|---|---|"])
    for asked in report.questions:
        score = "" if asked.score is None else f"{asked.score.overall}/100"
        lines.append(
            f"| {asked.number} | {_cell(asked.main.question_text)} | {len(asked.followups)} "
            f"| {score} |"
        )
    lines.extend(["", "### Delivery across the interview", ""])
    lines.extend(
        [
            "| Answer | Length | Pace | Fillers | Long pauses |",
            "|---|---|---|---|---|",
        ]
    )

    def figure(value: float | None, unit: str, digits: int = 0) -> str:
        return "" if value is None else f"{value:.{digits}f}{unit}"

    for answer in report.answers:
        pauses = "" if answer.long_pause_count is None else str(answer.long_pause_count)
        if answer.longest_pause_s is not None and answer.long_pause_count:
            pauses += f" (longest {answer.longest_pause_s:.1f} s)"
        lines.append(
            f"| {answer.question}, {turn_name(answer.turn)} | {answer.length_s:.0f} s "
            f"| {figure(answer.speaking_rate_wpm, ' wpm')} "
            f"| {figure(answer.fillers_per_min, '/min', 1)} | {pauses} |"
        )
    total = report.delivery
    lines.append(
        f"| all answers | {total.answer_s:.0f} s | {figure(total.speaking_rate_wpm, ' wpm')} "
        f"| {figure(total.fillers_per_min, '/min', 1)} | {total.long_pause_count} |"
    )
    lines.append("")
    for title, moments in (
        ("Strongest moments", report.strongest),
        ("Work on first", report.work_on),
    ):
        if not moments:
            continue
        lines.extend([f"### {title}", ""])
        for number, moment in enumerate(moments, start=1):
            quote = f": “{_inline(moment.quote)}”" if moment.quote else ""
            lines.append(
                f"{number}. {_inline(moment.text)}{quote} ({moment_place(moment)}; "
                f"`voicemock replay {moment.attempt_id}`)"
            )
        lines.append("")
    return lines


def session_report(session: SessionRecord, attempts: Sequence[AttemptRecord]) -> str:
    """A markdown report of a whole session: one section per question asked (its main answer,
    scored with its follow-up answers, then each follow-up); a mock interview starts with
    its interview report."""
    find_question: Callable[[str], Any] | None
    try:
        from voicemock.core.rubrics import load_library

        find_question = load_library().get
    except (ImportError, VoicemockError):
        find_question = None
    from voicemock.core.interview import asked_questions, interview_report

    title = session.title or f"Session {session.id}"
    created = session.created_at.astimezone().strftime("%Y-%m-%d %H:%M")
    questions = asked_questions(attempts)
    parts = [
        f"# {title}",
        "",
        f"{session.kind} session, {created}, {len(questions)} attempt(s)",
        "",
    ]
    if session.kind == "mock" and questions:
        parts.append("\n".join(interview_lines(interview_report(attempts))))
    for asked in questions:
        attempt = asked.main
        parts.extend([f"## Attempt {asked.number}: {attempt.question_id}", ""])
        report = _attempt_report(attempt, find_question, asked.followups).rstrip()
        # Each attempt's own headings sit below the "## Attempt" heading.
        demoted = [f"##{line}" if line.startswith("#") else line for line in report.splitlines()]
        parts.append("\n".join(demoted) + "\n")
    return "\n".join(parts)
