"""The results' Summary: the score and what it is made of, the change since the last attempt,
two strengths and the three things to fix first, each with the moment to replay.

Sized for 80x24: the score takes two or three lines, the points one or two lines each. A point
is an option of a list: Enter (or a click) on it replays the answer from its moment.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from voicemock.core.advice import MAX_FIXES, MAX_STRENGTHS, summarise
from voicemock.core.safe_text import printable
from voicemock.core.scoring import (
    BRIEF_WORDS,
    COMPETENCY_SHARE,
    EXAMPLE_PRESENT,
    GATE_MEANINGS,
    LIMIT_MEANINGS,
    NO_EXAMPLE_CAP_APPROACH,
    TOO_SHORT_WORDS,
)
from voicemock.ui.formatting import score_style
from voicemock.ui.widgets.transcript_view import format_clock

if TYPE_CHECKING:
    from voicemock.core.models import ScoreReport, Transcript
    from voicemock.core.rubric_schema import Question
    from voicemock.core.store import AttemptRecord
    from voicemock.ui.host import VoicemockHost
    from voicemock.ui.messages import PreviousAttempt

REPLAY_LEAD_S = 0.5  # start a little before the moment, so its context is heard


@dataclass(frozen=True)
class CoachingPoint:
    """A strength or a thing to fix, and the moment of the answer it is about (None: none)."""

    text: str
    at_s: float | None = None


@dataclass(frozen=True)
class Coaching:
    """What the Summary lists: the strengths and the things to fix first, in order."""

    strengths: tuple[CoachingPoint, ...]
    fixes: tuple[CoachingPoint, ...]


def coaching(attempt: AttemptRecord, question: Question | None = None) -> Coaching:
    """The strengths and the fixes first of an attempt: the one ranking of ``core.advice``.

    Fixes rank content and delivery together by what would most improve the answer; each
    point keeps the moment of the recording that shows it (None when there is none).
    """
    advice = summarise(
        attempt.score, attempt.metrics, question, fixes=MAX_FIXES, strengths=MAX_STRENGTHS
    )
    return Coaching(
        strengths=tuple(CoachingPoint(s.text, s.at_s) for s in advice.strengths),
        fixes=tuple(CoachingPoint(f.text, f.at_s) for f in advice.fixes),
    )


def competency_share(score: ScoreReport) -> float | None:
    """The rubric-weighted mean of the competency scores (0-100), None without competencies."""
    weights = sum(c.weight for c in score.competencies)
    if not weights:
        return None
    return sum(c.score * c.weight for c in score.competencies) / weights


def overall_text(attempt: AttemptRecord, change: Text) -> Text:
    """The overall score and the change since the previous attempt."""
    text = Text()
    if attempt.overall is None:
        text.append("Not scored", style="bold")
    else:
        text.append("Overall ", style="bold")
        text.append(f"{attempt.overall}/100", style=f"bold {score_style(attempt.overall)}")
    text.append(" · ", style="dim")
    text.append_text(change)
    return text


@dataclass(frozen=True)
class ExampleMeasure:
    """How well an answer tells one specific example (0-100) and its word count."""

    quality: float
    words: int


def measure_example(transcript: Transcript) -> ExampleMeasure:
    """The example quality the scorer blends into the overall score, measured the same way.

    (The score report keeps the STAR parts, not this figure.)
    """
    from voicemock.core.phrases import is_keyword_list
    from voicemock.core.star import analyze_star, example_quality
    from voicemock.core.text import WordTimeline, split_sentences

    text = transcript.text
    sentences = split_sentences(text)
    lists = frozenset(s.index for s in sentences if is_keyword_list(s))
    star = analyze_star(text, sentences, WordTimeline(transcript, text), ignore=lists)
    words = sum(s.word_count for s in sentences)
    return ExampleMeasure(example_quality(star, sentences), words)


def cap_reasons(score: ScoreReport, example: ExampleMeasure) -> list[str]:
    """Why the overall score is below its blend: the gates, else the scorer's softer caps."""
    if score.gates:
        return [GATE_MEANINGS.get(gate, gate.replace("_", " ")) for gate in score.gates]
    if score.example is not None:  # the report says which limits held it
        return [
            f"a brief answer ({example.words} words) can show only so much"
            if limit == "brief"
            else LIMIT_MEANINGS.get(limit, limit.replace("_", " "))
            for limit in score.limits
        ]
    reasons: list[str] = []
    if example.quality < EXAMPLE_PRESENT:
        reasons.append(
            f"without a specific example an answer is capped at {NO_EXAMPLE_CAP_APPROACH}"
        )
    if TOO_SHORT_WORDS <= example.words < BRIEF_WORDS:
        reasons.append(f"a brief answer ({example.words} words) can show only so much")
    return reasons


def makeup_text(attempt: AttemptRecord) -> Text:
    """What the overall score is made of: the competency blend, the example, any cap."""
    text = Text()
    score = attempt.score
    if attempt.overall is None or score is None:
        text.append("The delivery figures are in the Delivery tab.", style="dim")
        return text
    competencies = competency_share(score)
    example = (
        measure_example(attempt.transcript)
        if score.example is None  # a report stored before the scorer kept it
        else ExampleMeasure(float(score.example), len(attempt.transcript.text.split()))
    )
    content = COMPETENCY_SHARE * 100
    text.append("Made of ", style="dim")
    if competencies is not None:
        text.append(f"competencies {competencies:.0f}")
        text.append(f" ({content:.0f}%)", style="dim")
        text.append(" + ")
    text.append(f"your example {example.quality:.0f}")
    text.append(f" ({100 - content:.0f}%)", style="dim")
    blend = COMPETENCY_SHARE * (competencies or 0.0) + (1 - COMPETENCY_SHARE) * example.quality
    if score.reading:
        text.append(
            f" {'+' if score.reading > 0 else '−'} whole-answer reading {abs(score.reading)}"
        )
        blend = min(100.0, max(0.0, blend + score.reading))
    if score.gates or round(blend) > attempt.overall:
        # A gate's meaning names its cap; a softer cap is named here.
        lead = "" if score.gates else f"Held to {attempt.overall}: "
        for reason in cap_reasons(score, example):
            text.append("\n⚠ " + lead, style="bold #e5c07b")
            text.append(printable(reason[:1].upper() + reason[1:] if not lead else reason))
    return text


def makeup_needs_measuring(attempt: AttemptRecord) -> bool:
    """Whether :func:`makeup_text` measures the example itself (a report stored before the
    scorer kept it): that loads the sentence analysis the first time, not for the UI thread."""
    score = attempt.score
    return attempt.overall is not None and score is not None and score.example is None


def change_text(attempt: AttemptRecord, previous: AttemptRecord | None, *, loaded: bool) -> Text:
    """The change of the overall score since the previous attempt at the same question."""
    if not loaded:
        return Text("since last time …", style="dim")
    if previous is None:
        return Text("your first attempt at this question", style="dim")
    when = previous.created_at.astimezone().strftime("%d %b")
    if attempt.overall is None or previous.overall is None:
        return Text(f"last attempt {when}: no score to compare", style="dim")
    delta = attempt.overall - previous.overall
    text = Text("since last time ")
    if delta > 0:
        text.append(f"▲ +{delta}", style="bold #98c379")
    elif delta < 0:
        text.append(f"▼ {delta}", style="bold #e06c75")
    else:
        text.append("= 0", style="bold")
    text.append(f"  (was {previous.overall} on {when})", style="dim")
    return text


def point_prompt(mark: str, point: CoachingPoint, replayable: bool) -> Text:
    """One strength or fix: its mark, its text and the moment to replay."""
    text = Text(f"{mark} ", style="bold")
    text.append(printable(point.text))
    if replayable:
        moment = format_clock(point.at_s) if point.at_s is not None else "start"
        text.append(f"  ▶ {moment}", style="#61afef")
    return text


class SummaryPane(Vertical):
    """The score, the change since last time, strengths and fixes with their replay moments."""

    DEFAULT_CSS = """
    SummaryPane { height: 1fr; padding: 0 1; }
    SummaryPane #summary-score { height: 1; }
    SummaryPane #summary-makeup { height: auto; }
    SummaryPane #summary-points { height: 1fr; border: none; padding: 0; margin-top: 1; }
    SummaryPane #summary-hint { height: 1; color: $text-muted; }
    """

    def __init__(
        self,
        attempt: AttemptRecord,
        *,
        previous: PreviousAttempt | None = None,
        id: str | None = None,
    ) -> None:
        """``previous`` is the attempt before, if already read (else see :meth:`show_previous`)."""
        super().__init__(id=id)
        self.attempt = attempt
        self.coaching = Coaching((), ())  # made when composed (the question comes from the app)
        self.previous: AttemptRecord | None = previous.attempt if previous is not None else None
        self.previous_loaded = previous is not None
        self.makeup_loaded = False  # what the score is made of, shown (else measured in a thread)
        self.points: list[CoachingPoint] = []  # in the order of the list's options

    @property
    def replayable(self) -> bool:
        """True when the answer has a recording or timed words to replay."""
        return self.attempt.audio_path is not None or self.attempt.transcript.timed

    def compose(self) -> ComposeResult:
        loaded = cast("VoicemockHost", self.app).find_question(self.attempt.question_id)
        self.coaching = coaching(self.attempt, None if loaded is None else loaded.question)
        change = change_text(self.attempt, self.previous, loaded=self.previous_loaded)
        yield Static(overall_text(self.attempt, change), id="summary-score")
        # From the report's figures at once, so the first frame has it; measured in a thread
        # only for an old report without its example figure.
        makeup = Text("Made of …", style="dim")
        if not makeup_needs_measuring(self.attempt):
            makeup = self._makeup()
            self.makeup_loaded = True
        yield Static(makeup, id="summary-makeup")
        yield OptionList(*self._options(), id="summary-points", compact=True)
        hint = "⏎ or click: replay that moment · 2-7: the details"
        if not self.replayable:
            hint = "2-7: the details"
        yield Static(hint, id="summary-hint", markup=False)

    def _options(self) -> list[Option | None]:
        options: list[Option | None] = []
        self.points = []
        groups: Sequence[tuple[str, Sequence[CoachingPoint], str]] = (
            ("Strengths", self.coaching.strengths, "✓"),
            ("Fix first", self.coaching.fixes, ""),
        )
        for title, points, mark in groups:
            options.append(Option(Text(title, style="bold underline"), disabled=True))
            if not points:
                options.append(Option(Text("  nothing to list", style="dim"), disabled=True))
            for number, point in enumerate(points, start=1):
                prompt = point_prompt(mark or f"{number}.", point, self.replayable)
                options.append(Option(prompt, id=f"point-{len(self.points)}"))
                self.points.append(point)
        return options

    def on_mount(self) -> None:
        if self.points:  # Enter replays the first point at once
            options = self.query_one("#summary-points", OptionList)
            options.highlighted = options.get_option_index("point-0")
        if not self.makeup_loaded:
            self.run_worker(
                self._measure_makeup, thread=True, group="summary-makeup", exit_on_error=False
            )

    def _makeup(self) -> Text:
        """What the score is made of, or why that cannot be said."""
        try:
            return makeup_text(self.attempt)
        except Exception as error:  # the rest of the summary stands without it
            from voicemock.ui.errors import describe_unexpected

            return Text(
                "What the score is made of cannot be measured: " + describe_unexpected(error),
                style="dim",
            )

    def _measure_makeup(self) -> None:
        self.app.call_from_thread(self._show_makeup, self._makeup())

    def _show_makeup(self, makeup: Text) -> None:
        self.makeup_loaded = True
        self.query_one("#summary-makeup", Static).update(makeup)

    def show_previous(self, previous: AttemptRecord | None) -> None:
        """Show the change against ``previous`` (the attempt before, or None for a first)."""
        self.previous = previous
        self.previous_loaded = True
        change = change_text(self.attempt, previous, loaded=True)
        self.query_one("#summary-score", Static).update(overall_text(self.attempt, change))

    def point_of(self, option_id: str | None) -> CoachingPoint | None:
        """The point an option shows."""
        if option_id is None or not option_id.startswith("point-"):
            return None
        index = int(option_id.removeprefix("point-"))
        return self.points[index] if 0 <= index < len(self.points) else None

    def replay_start(self, point: CoachingPoint) -> float | None:
        """Where replay starts for ``point``: a little before its moment, or (None) where
        replay starts by itself, at the first word."""
        return None if point.at_s is None else max(0.0, point.at_s - REPLAY_LEAD_S)
