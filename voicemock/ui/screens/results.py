"""Results: transcript with highlights, delivery metrics, competencies with evidence, STAR, tips."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.lazy import Lazy
from textual.widget import Widget
from textual.widgets import (
    DataTable,
    Footer,
    Header,
    OptionList,
    Static,
    TabbedContent,
    TabPane,
    Tabs,
)
from textual_plotext import PlotextPlot

from voicemock.core.metrics import answer_length_s
from voicemock.errors import VoicemockError
from voicemock.ui.formatting import plain, printable, score_style
from voicemock.ui.screens.base import VoicemockScreen
from voicemock.ui.widgets.coaching import CoachingPanel
from voicemock.ui.widgets.competency_panel import CompetencyPanel
from voicemock.ui.widgets.metrics_table import MetricsTable, metric_details
from voicemock.ui.widgets.star_bar import StarBar, star_spans_text, star_summary
from voicemock.ui.widgets.summary_pane import SummaryPane
from voicemock.ui.widgets.transcript_view import TranscriptView, format_clock, format_length, legend

if TYPE_CHECKING:
    from voicemock.core.models import DeliveryMetrics, Flag, ScoreReport
    from voicemock.core.prosody import ProsodySeries
    from voicemock.core.rubric_schema import Question
    from voicemock.core.rubrics import LoadedQuestion
    from voicemock.core.store import AttemptRecord
    from voicemock.ui.host import InterviewPlan
    from voicemock.ui.messages import PreviousAttempt

TABS = (
    "tab-summary",
    "tab-answer",
    "tab-delivery",
    "tab-star",
    "tab-next",
    "tab-models",
    "tab-tips",
    "tab-turns",  # only for a question answered with follow-ups
)
GATE_TEXT = {
    "off_topic": "the answer seems off the question's topic",
    "too_short": "the answer is too short to show much",
    "keyword_list": "the answer reads like a list of keywords, not an account",
}
# Flags drawn on the sound plot as the stretches they cover.
SOUND_FLAG_KINDS = ("flat_pitch", "trailing_off", "quiet", "fast_stretch", "slow_stretch")
PLOT_LEFT_LIMITS = (-24.0, 12.0)  # pitch in semitones and level in dB share the left axis
PLOT_PACE_LIMITS_WPM = (60.0, 240.0)
WPM_KEYS = ("speaking_rate_wpm",)
FILLER_KEYS = ("fillers_per_min",)


class AfterShown(Lazy):
    """Like Textual's Lazy, one refresh later: what it wraps is mounted once the screen around
    it has been drawn (for hidden tabs, so the visible one shows sooner)."""

    async def mount_composed_widgets(self, widgets: list[Widget]) -> None:
        async def mount_next() -> None:
            await Lazy.mount_composed_widgets(self, widgets)

        self.call_after_refresh(mount_next)


def metric_value(metrics: DeliveryMetrics, keys: tuple[str, ...]) -> float | None:
    """The first metric value found under one of ``keys``."""
    for key in keys:
        value = metrics.value(key)
        if value is not None:
            return value
    return None


def summary_line(attempt: AttemptRecord, question: LoadedQuestion | None) -> Text:
    """Overall score, length against the target, speaking rate, fillers and the date."""
    text = Text()
    if attempt.overall is not None:
        text.append("Overall ", style="bold")
        text.append(f"{attempt.overall}/100", style=f"bold {score_style(attempt.overall)}")
    else:
        text.append("Not scored", style="dim")
    # From the first word to the last, as Delivery measures it (not the silence around it).
    text.append(f" · {format_length(answer_length_s(attempt.metrics, attempt.duration_s))}")
    if question is not None:
        target = question.question.target_length_s
        text.append(f" (aim {format_clock(target.min)}-{format_clock(target.max)})", style="dim")
    wpm = metric_value(attempt.metrics, WPM_KEYS)
    if wpm is not None:
        text.append(f" · {wpm:.0f} wpm")
    fillers = metric_value(attempt.metrics, FILLER_KEYS)
    if fillers is not None:
        text.append(f" · {fillers:.1f} fillers/min")
    return text


def next_steps_text(
    score: ScoreReport | None, metrics: DeliveryMetrics, question: Question | None = None
) -> Text:
    """What to work on next: content and delivery ranked together (``core.advice``), each step
    with its moment to replay, then the other competency steps."""
    from voicemock.core.advice import next_steps
    from voicemock.core.report import other_next_steps

    text = Text()
    if score is not None:
        for gate in score.gates:
            text.append("⚠ ", style="bold #e5c07b")
            text.append(printable(GATE_TEXT.get(gate, gate.replace("_", " "))) + "\n")
    steps = next_steps(score, metrics, question)
    if not steps:
        text.append("Nothing urgent: try the question again with a different example.", style="dim")
    for number, step in enumerate(steps, start=1):
        text.append(f"{number}. ", style="bold")
        text.append(printable(step.text))
        if step.at_s is not None:
            text.append(f"  ▶ {format_clock(step.at_s)}", style="dim")
        text.append("\n")
    if score is not None:
        for other in other_next_steps(score, [step.text for step in steps]):
            text.append("· ", style="dim")
            text.append(printable(other) + "\n", style="dim")
    notes = list(metrics.notes) + (list(score.notes) if score is not None else [])
    if notes:
        text.append("\nNotes\n", style="bold dim")
        for note in notes:
            text.append(f"· {printable(note)}\n", style="dim")
    return text


def model_answers_text(question: LoadedQuestion | None) -> Text:
    """The question's model answers, from basic to strong, with strengths and gaps."""
    if question is None:
        return Text("This question is not in the loaded banks any more.", style="dim")
    answers = question.question.model_answers
    if not answers:
        return Text("This question has no model answers.", style="dim")
    text = Text()
    for answer in answers:
        text.append(f"{printable(answer.level.upper())}\n", style="bold #61afef")
        text.append(printable(answer.text) + "\n")
        if answer.strengths:
            text.append("+ ", style="bold #98c379")
            text.append(printable(answer.strengths) + "\n", style="dim")
        if answer.gaps:
            text.append("- ", style="bold #e06c75")
            text.append(printable(answer.gaps) + "\n", style="dim")
        text.append("\n")
    return text


def tips_text(question: LoadedQuestion | None) -> Text:
    """The question's tips and what each competency is about."""
    if question is None:
        return Text("This question is not in the loaded banks any more.", style="dim")
    q = question.question
    text = Text()
    for tip in q.tips:
        text.append("• ", style="bold #e5c07b")
        text.append(printable(tip) + "\n")
    if q.tips:
        text.append("\n")
    text.append("What the interviewer listens for\n", style="bold")
    for competency in q.competencies:
        text.append(f"{printable(competency.label)}: ", style="bold")
        text.append(printable(competency.description) + "\n")
    return text


class SoundPlot(PlotextPlot):
    """Pitch, loudness and pace over the answer, with the flagged stretches marked.

    The series are measured again from the attempt's recording, in a thread, when the
    Delivery tab is first shown (the store keeps the figures, not the curves).
    """

    DEFAULT_CSS = """
    SoundPlot {
        height: 10;
        border-top: solid $primary 30%;
    }
    """
    # Below this screen height the metrics table needs the rows: the plot is left out.
    MIN_SCREEN_ROWS = 32

    def __init__(self, attempt: AttemptRecord, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.attempt = attempt
        self.series: ProsodySeries | None = None
        self.note = "measuring how it sounded..."

    def on_mount(self) -> None:
        self.display = self.screen.size.height >= self.MIN_SCREEN_ROWS
        self._draw()
        self.run_worker(
            self._measure, thread=True, exclusive=True, group="sound-plot", exit_on_error=False
        )

    def _measure(self) -> None:
        from voicemock.core.prosody import analyse_prosody
        from voicemock.speech.audio_io import load_audio

        path = self.attempt.audio_path
        if path is None:
            self.app.call_from_thread(self.show_series, None, "no recording")
            return
        try:
            samples = load_audio(path)
            report = analyse_prosody(samples, self.attempt.transcript)
        except (VoicemockError, OSError, ImportError) as error:
            self.app.call_from_thread(self.show_series, None, f"cannot measure it: {error}")
            return
        self.app.call_from_thread(self.show_series, report.series)

    def show_series(self, series: ProsodySeries | None, note: str = "") -> None:
        """Draw ``series`` (or ``note`` when there is none)."""
        self.series = series
        self.note = note
        self._draw()
        self.refresh()

    def _flags(self) -> Sequence[Flag]:
        return [f for f in self.attempt.metrics.flags if f.kind in SOUND_FLAG_KINDS]

    def _draw(self) -> None:
        plt = self.plt
        plt.clear_figure()
        series = self.series
        if series is None or not series.times_s:
            plt.title("How it sounded")
            plt.text(printable(self.note or "no curves"), x=0.5, y=0.5)
            plt.xlim(0, 1)
            plt.ylim(0, 1)
            return
        plt.title("pitch (st) · level (dB) · pace (wpm, right)")

        def known(values: Sequence[float | None]) -> tuple[list[float], list[float]]:
            pairs = [(t, v) for t, v in zip(series.times_s, values, strict=True) if v is not None]
            return [t for t, _ in pairs], [v for _, v in pairs]

        for values, color, side in (
            (series.pitch_st, "cyan", "left"),
            (series.level_db, "green", "left"),
            (series.pace_wpm, "orange", "right"),
        ):
            xs, ys = known(values)
            if xs:
                plt.plot(xs, ys, color=color, marker="braille", yside=side)
        for flag in self._flags():
            plt.vline(flag.start_s, "red")
            plt.vline(flag.end_s, "red")
        plt.xlim(0, series.times_s[-1] + series.step_s / 2)
        # Fixed scales, so a steady pace or pitch looks steady instead of filling the height.
        # (textual-plotext types yside as a float; plotext takes "left" or "right".)
        plt.ylim(*PLOT_LEFT_LIMITS, yside="left")  # type: ignore[arg-type]
        plt.ylim(*PLOT_PACE_LIMITS_WPM, yside="right")  # type: ignore[arg-type]
        plt.xlabel("s")


class ResultsScreen(VoicemockScreen):
    """The analysis of one attempt."""

    # One key, two meanings in a mock interview: check_action enables the one that fits.
    # The tab keys are not in the footer: each tab's label starts with its number.
    BINDINGS = [
        Binding("n", "next_question", "Next question"),
        Binding("n", "finish_mock", "Finish interview"),
        Binding("t", "try_again", "Try again"),
        Binding("p", "replay", "Replay"),
        Binding("h", "history", "History"),
        Binding("m", "more_figures", "More figures"),
        Binding("e", "edit_transcript", "Fix transcript", show=False),
        Binding("escape", "close", "Back"),
        Binding("escape", "end_mock", "End interview"),
        *(Binding(str(n), f"show_tab({n})", show=False) for n in range(1, len(TABS) + 1)),
    ]

    def __init__(
        self,
        attempt: AttemptRecord,
        *,
        plan: InterviewPlan | None = None,
        index: int = 0,
        followups: Sequence[AttemptRecord] = (),
        previous: PreviousAttempt | None = None,
    ) -> None:
        """``previous`` is the attempt before ``attempt``, when already read (else read here)."""
        super().__init__()
        # With follow-up answers the question is judged on all its turns together.
        self.followups = tuple(followups)
        self.main_attempt = attempt  # as stored: the main answer's own score
        if self.followups:
            from dataclasses import replace

            from voicemock.ui.widgets.turns_view import combined_score

            score = combined_score(attempt, self.followups)
            attempt = replace(attempt, score=score, overall=score.overall if score else None)
        self.summary_attempt = attempt  # what the summary measures: every turn's words
        if self.followups:
            from voicemock.core.models import Transcript
            from voicemock.core.turns import join_turns

            said = join_turns([a.transcript for a in (self.main_attempt, *self.followups)])
            self.summary_attempt = replace(attempt, transcript=Transcript.from_text(said.text))
        self.attempt = attempt
        self.plan = plan
        self.index = index
        self._previous = previous if previous is not None and previous.of == attempt.id else None
        self.painted_at: float | None = None  # monotonic time of the first frame shown
        self._delivery_shown = False  # whether the footer's keys are the Delivery tab's
        # Set before mounting: the Header reads it once its own parts exist.
        when = attempt.created_at.astimezone().strftime("%Y-%m-%d %H:%M")
        self.sub_title = f"results of {when}"

    @property
    def question(self) -> LoadedQuestion | None:
        """The attempt's question as loaded now (None when it is not in the banks)."""
        return self.vm.find_question(self.attempt.question_id)

    def compose(self) -> ComposeResult:
        attempt = self.attempt
        question = self.question
        score = attempt.score
        yield Header()
        with Vertical(id="results-top"):
            yield Static(plain(attempt.question_text), id="results-question")
            yield Static(summary_line(attempt, question), id="results-summary")
        with TabbedContent(id="results-tabs"):
            with TabPane("1 Summary", id="tab-summary"):
                yield SummaryPane(self.summary_attempt, previous=self._previous, id="summary")
            # Hidden tabs are built after the first frame, so the results show up sooner.
            with TabPane("2 Answer", id="tab-answer"), AfterShown(Horizontal()):
                yield CompetencyPanel(score.competencies if score else (), id="competencies")
                with Vertical(id="answer-transcript"):
                    yield Static(legend(), classes="legend")
                    yield TranscriptView(attempt.transcript, attempt.metrics.flags, id="transcript")
            with TabPane("3 Delivery", id="tab-delivery"), AfterShown(Vertical(id="delivery")):
                yield MetricsTable(attempt.metrics, id="metrics", core_only=True)
                yield Static("", id="metric-detail")
                # Only where the recording was measured for how it sounded (not typed answers
                # nor attempts saved before that was measured).
                if attempt.audio_path is not None and attempt.metrics.get("pitch_sd_st"):
                    yield SoundPlot(attempt, id="sound-plot")
            with TabPane("4 STAR", id="tab-star"), AfterShown(VerticalScroll()):
                if score is not None:
                    yield StarBar(score.star, id="star-bar")
                    yield Static(star_summary(score.star), id="star-summary")
                    yield Static(star_spans_text(score.star), id="star-spans")
                else:
                    yield Static("This attempt was not scored.", classes="muted")
            with TabPane("5 Next steps", id="tab-next"), AfterShown(VerticalScroll()):
                yield Static(
                    next_steps_text(
                        score, attempt.metrics, question.question if question else None
                    ),
                    id="next-steps",
                )
                coaching = self._coaching_panel(question)
                if coaching is not None:
                    yield coaching
            with TabPane("6 Model answers", id="tab-models"), AfterShown(Horizontal()):
                with VerticalScroll(id="your-answer") as yours:
                    yours.border_title = "Your answer"
                    yield Static(plain(attempt.transcript.text or "(no words)"))
                with VerticalScroll(id="model-answers") as models:
                    models.border_title = "Model answers"
                    yield Static(model_answers_text(question))
            with TabPane("7 Tips", id="tab-tips"), AfterShown(VerticalScroll()):
                yield Static(tips_text(question), id="tips")
            if self.followups:
                from voicemock.ui.widgets.turns_view import turns_text

                with TabPane("8 Turns", id="tab-turns"), VerticalScroll():
                    yield Static(turns_text(self.main_attempt, self.followups), id="turns")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#summary-points").focus()
        self.call_after_refresh(self._painted)
        if self._previous is None:
            self.load_previous()

    @work(thread=True, exclusive=True, exit_on_error=False, group="results-previous")
    def load_previous(self) -> None:
        """Read the previous attempt at the question (for the change since then) in a thread."""
        try:
            previous = self.vm.store.previous_attempt(self.attempt.id)
        except VoicemockError:
            # The change is a courtesy: without it the summary says nothing about last time.
            return
        self.app.call_from_thread(self.query_one(SummaryPane).show_previous, previous)

    def _painted(self) -> None:
        self.painted_at = time.monotonic()

    def on_resize(self) -> None:
        for plot in self.query(SoundPlot):
            plot.display = self.size.height >= SoundPlot.MIN_SCREEN_ROWS

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Offer Next/Finish only inside a mock interview, Try again only for a known question."""
        in_mock = self.plan is not None and self.plan.is_mock
        last = self.plan is None or self.index + 1 >= len(self.plan.questions)
        if action == "next_question":
            return in_mock and not last
        if action == "finish_mock":
            return in_mock and last
        if action == "end_mock":
            return in_mock
        if action == "close":
            return not in_mock
        if action == "try_again":
            return self.question is not None
        if action == "replay":
            return self.attempt.audio_path is not None
        if action == "more_figures":
            return self.query_one(TabbedContent).active == "tab-delivery"
        return True

    @on(TabbedContent.TabActivated)
    def _tab_changed(self, event: TabbedContent.TabActivated) -> None:
        # "More figures" belongs to the Delivery tab: the footer changes only when the Delivery
        # tab is entered or left (each refresh rebuilds the footer, on the UI thread).
        delivery = event.pane.id == "tab-delivery"
        if delivery != self._delivery_shown:
            self._delivery_shown = delivery
            self.refresh_bindings()

    @on(OptionList.OptionSelected, "#summary-points")
    def _replay_point(self, event: OptionList.OptionSelected) -> None:
        summary = self.query_one(SummaryPane)
        point = summary.point_of(event.option.id)
        if point is None:
            return
        if not summary.replayable:
            self.notify("This answer was typed: there is nothing to replay.", timeout=3)
            return
        recording = self.main_attempt
        if self.followups:  # the moment may be on a follow-up's recording
            from voicemock.ui.widgets.turns_view import recording_at

            recording = recording_at(self.main_attempt, self.followups, point.at_s)
        self.vm.open_replay(recording, summary.replay_start(point))

    def _coaching_panel(self, question: LoadedQuestion | None) -> CoachingPanel | None:
        """Your language model's paragraph (None when none is set or the answer has no score)."""
        from voicemock.speech.llm import coach_from_settings

        settings = self.vm.settings
        attempt = self.attempt
        if not settings.llm_url or question is None or attempt.score is None:
            return None
        coach, notice = coach_from_settings(
            settings.llm_url, settings.llm_model, settings.llm_confirmed_url
        )
        return CoachingPanel(
            coach,
            question.question,
            attempt.transcript.text,
            attempt.score,
            attempt.metrics,
            notice=notice,
            id="coaching",
        )

    def action_more_figures(self) -> None:
        """Show every delivery figure, or only the core ones again."""
        table = self.query_one(MetricsTable)
        table.show_core_only(not table.core_only)
        self.notify(
            "Core figures only." if table.core_only else "Every delivery figure.", timeout=2
        )

    @on(CompetencyPanel.Highlighted)
    def _show_evidence(self, event: CompetencyPanel.Highlighted) -> None:
        # The transcript shown is the main answer's: a follow-up's evidence is in the Turns tab.
        ranges = [
            (e.start_char, e.end_char, e.kind) for e in event.competency.evidence if not e.turn
        ]
        self.query_one(TranscriptView).set_evidence(ranges)

    @on(DataTable.RowHighlighted, "#metrics")
    def _show_metric(self, event: DataTable.RowHighlighted) -> None:
        metric = self.query_one(MetricsTable).metric_at(event.row_key.value)
        if metric is not None:
            self.query_one("#metric-detail", Static).update(metric_details(metric))

    def action_show_tab(self, number: int) -> None:
        """Switch to tab ``number`` (1-based)."""
        if not 1 <= number <= len(TABS) or not self.query(f"#{TABS[number - 1]}"):
            return
        tabbed = self.query_one(TabbedContent)
        # Focus inside the old pane would pull the tabs back to it: park focus on the tabs.
        tabbed.query_one(Tabs).focus()
        tabbed.active = TABS[number - 1]
        self.call_after_refresh(self._focus_pane, TABS[number - 1])

    def _focus_pane(self, pane_id: str) -> None:
        pane = self.query_one(f"#{pane_id}", TabPane)
        target = next((w for w in pane.query("*") if w.focusable), None)
        if target is not None:
            target.focus()

    def action_edit_transcript(self) -> None:
        """Correct the transcript and score it again; the results then show the new score."""
        from voicemock.ui.screens.edit_transcript import EditTranscriptScreen

        def edited(updated: AttemptRecord | None) -> None:
            if updated is not None:
                self.app.switch_screen(ResultsScreen(updated, plan=self.plan, index=self.index))

        self.app.push_screen(EditTranscriptScreen(self.attempt), edited)

    def action_try_again(self) -> None:
        """Answer the same question again (in the same session when there is one)."""
        from voicemock.ui.screens.interview import InterviewScreen

        question = self.question
        if question is None:
            self.notify("This question is not in the loaded banks.", severity="warning")
            return
        if self.plan is not None:
            self.app.switch_screen(InterviewScreen(self.plan, self.index))
        else:
            self.dismiss()
            self.vm.start_interview([question], "single")

    def action_next_question(self) -> None:
        """Go on to the next question of the mock interview (or finish after the last)."""
        from voicemock.ui.screens.interview import InterviewScreen

        plan = self.plan
        if plan is None or not plan.is_mock:
            return
        if self.index + 1 < len(plan.questions):
            self.app.switch_screen(InterviewScreen(plan, self.index + 1))
            return
        self.action_finish_mock()

    def action_finish_mock(self) -> None:
        """Finish the mock interview: back to Home with a summary of its answers."""
        plan = self.plan
        if plan is None:
            return
        app = self.vm
        app.finish_session(plan)
        app.go_home()
        if plan.session_id is None:  # nothing was saved: no summary to give
            return
        try:
            attempts = app.store.list_attempts(session_id=plan.session_id)
        except VoicemockError as error:  # the summary is a courtesy; Home is already shown
            app.report_error(error, "Session store")
            return
        app.show_mock_summary(attempts, len(plan.questions))

    def action_end_mock(self) -> None:
        """End the mock interview here (the answers given so far are kept)."""
        self.action_finish_mock()

    def action_replay(self) -> None:
        """Play the answer with the transcript following along."""
        self.vm.open_replay(self.attempt)

    def action_history(self) -> None:
        """Every attempt at this question."""
        self.vm.open_history(self.attempt.question_id)

    def action_close(self) -> None:
        """Back to where this was opened from (Home after an interview)."""
        plan = self.plan
        if plan is None:
            self.dismiss()
            return
        if plan.is_mock:
            self.action_finish_mock()
            return
        self.vm.finish_session(plan)
        self.vm.go_home()
