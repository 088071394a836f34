"""The end of a mock interview: the closing question, then the interview report.

:class:`ClosingScreen` says "Do you have any questions for me?" (spoken with the question
voice; any key moves on, so it may be skipped). :class:`InterviewReportScreen` shows the report
of ``voicemock.core.interview``: each question's score (Enter opens its results with its
turns), the delivery of every answer and of the whole interview, the three strongest moments
and the three things to work on first, each replayed with its number key (1-3, then 4-6).
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.widgets import DataTable, Footer, Header, Static

from voicemock.core.interview import (
    CLOSING_LINE,
    InterviewReport,
    Moment,
    interview_report,
    moment_place,
    turn_name,
)
from voicemock.errors import VoicemockError
from voicemock.ui.formatting import plain, printable
from voicemock.ui.messages import QuestionSpoken
from voicemock.ui.screens.base import VoicemockScreen
from voicemock.ui.widgets.transcript_view import format_length

if TYPE_CHECKING:
    from voicemock.core.store import AttemptRecord
    from voicemock.ui.host import InterviewPlan
    from voicemock.ui.services import Speaker


class ClosingScreen(VoicemockScreen):
    """The interviewer's closing question; any of its keys goes on to the report."""

    DEFAULT_CSS = """
    ClosingScreen #closing { padding: 1 2; }
    ClosingScreen #closing-text { border: round $primary; padding: 1 2; text-style: bold; }
    ClosingScreen #closing-hint { margin-top: 1; color: $text-muted; }
    """
    BINDINGS = [
        Binding("space,enter", "report", "Finish", key_display="space"),
        Binding("s,escape", "report", "Skip"),
    ]

    def __init__(self, plan: InterviewPlan) -> None:
        super().__init__()
        self.plan = plan
        self._speaker: Speaker | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="closing"):
            yield Static("Mock interview · closing", id="interview-where")
            yield Static(CLOSING_LINE, id="closing-text")
            yield Static(
                "Ask your questions out loud if you like, then press space for your report "
                "(s: skip).",
                id="closing-hint",
            )
        yield Footer(compact=True)

    def on_mount(self) -> None:
        if self.vm.settings.speak_questions:
            self.speak()

    @work(thread=True, exclusive=True, exit_on_error=False, group="speak")
    def speak(self) -> None:
        """Say the closing question with the question voice."""
        self.speak_and_report(self._new_speaker, CLOSING_LINE)

    def _new_speaker(self) -> Speaker:
        """A speaker for the closing question (kept, so that leaving the screen stops it)."""
        self._speaker = self.vm.services.make_speaker(self.vm.settings)
        return self._speaker

    def on_question_spoken(self, message: QuestionSpoken) -> None:
        if message.error:
            self.notify(message.error, title="Could not speak", severity="warning", markup=False)

    def _stop_speaking(self) -> None:
        if self._speaker is not None:
            with contextlib.suppress(Exception):
                self._speaker.stop()
        self.workers.cancel_group(self, "speak")

    def on_unmount(self) -> None:
        self._stop_speaking()

    def action_report(self) -> None:
        """Go on to the interview report."""
        self._stop_speaking()
        self.app.switch_screen(InterviewReportScreen(self.plan))


def delivery_table(report: InterviewReport) -> Table:
    """Pace, fillers and pauses of every answer, and of the whole interview."""
    table = Table(box=None, pad_edge=False, header_style="bold")
    table.add_column("Answer")
    table.add_column("Length", justify="right")
    table.add_column("Pace", justify="right")
    table.add_column("Fillers", justify="right")
    table.add_column("Long pauses", justify="right")

    def shown(value: float | None, unit: str, digits: int = 0) -> str:
        return "-" if value is None else f"{value:.{digits}f}{unit}"

    for answer in report.answers:
        table.add_row(
            f"Q{answer.question} {turn_name(answer.turn)}",
            format_length(answer.length_s),
            shown(answer.speaking_rate_wpm, " wpm"),
            shown(answer.fillers_per_min, "/min", 1),
            "-" if answer.long_pause_count is None else str(answer.long_pause_count),
        )
    total = report.delivery
    table.add_row(
        Text("All answers", style="bold"),
        format_length(total.answer_s),
        shown(total.speaking_rate_wpm, " wpm"),
        shown(total.fillers_per_min, "/min", 1),
        str(total.long_pause_count),
    )
    return table


def moments_text(title: str, moments: tuple[Moment, ...], first_key: int) -> Text:
    """Numbered moments, each with the key that replays it and where it is."""
    text = Text(title + "\n", style="bold")
    if not moments:
        text.append("Nothing to show here.\n", style="dim")
    for number, moment in enumerate(moments, start=first_key):
        text.append(f" {number} ", style="bold reverse")
        text.append(" " + printable(moment.text))
        if moment.quote:
            text.append(f" “{printable(moment.quote)}”", style="italic")
        text.append(f" ({moment_place(moment)})\n", style="dim")
    return text


class InterviewReportScreen(VoicemockScreen):
    """A finished mock interview: scores, delivery, strongest moments, what to work on."""

    DEFAULT_CSS = """
    InterviewReportScreen #report { padding: 0 1; }
    InterviewReportScreen #report-overall { text-style: bold; margin-bottom: 1; }
    InterviewReportScreen #report-questions { height: auto; max-height: 8; }
    InterviewReportScreen .report-part { margin-top: 1; height: auto; }
    InterviewReportScreen #report-hint { color: $text-muted; }
    """
    BINDINGS = [
        Binding("enter", "open_question", "Question's results"),
        Binding("escape", "done", "Done"),
        *(Binding(str(n), f"replay_moment({n})", show=False) for n in range(1, 7)),
    ]

    def __init__(self, plan: InterviewPlan) -> None:
        super().__init__()
        self.plan = plan
        self.report: InterviewReport | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="report"):
            yield Static("Putting the interview report together…", id="report-overall")
            yield DataTable(id="report-questions", cursor_type="row", zebra_stripes=True)
            yield Static(
                "enter: the question's results with its turns · 1-6: replay a moment",
                id="report-hint",
            )
            yield Static("", id="report-delivery", classes="report-part")
            yield Static("", id="report-strongest", classes="report-part")
            yield Static("", id="report-work-on", classes="report-part")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.sub_title = "interview report"
        self.vm.finish_session(self.plan)
        self.load_report()

    @work(thread=True, exclusive=True, exit_on_error=False, group="report")
    def load_report(self) -> None:
        """Read the interview's answers and sum them up (in a thread)."""
        session_id = self.plan.session_id
        try:
            attempts = (
                [] if session_id is None else self.vm.store.list_attempts(session_id=session_id)
            )
        except VoicemockError as error:
            self.app.call_from_thread(self.vm.report_error, error, "Session store")
            attempts = []
        report = interview_report(attempts)
        self.app.call_from_thread(self.show_report, report)

    def show_report(self, report: InterviewReport) -> None:
        """Fill the screen with the report."""
        self.report = report
        overall = self.query_one("#report-overall", Static)
        asked = len(report.questions)
        if report.overall is None:
            overall.update(f"Interview report · {asked} question(s) answered")
        else:
            overall.update(
                f"Interview report · {report.overall}/100 over {asked} question(s) · "
                f"{format_length(report.delivery.answer_s)} of answers"
            )
        table = self.query_one("#report-questions", DataTable)
        table.clear(columns=True)
        table.add_columns("#", "Score", "Follow-ups", "Question")
        for question in report.questions:
            score = question.score
            table.add_row(
                str(question.number),
                "-" if score is None else f"{score.overall}",
                str(len(question.followups)),
                plain(question.main.question_text),
                key=str(question.number),
            )
        self.query_one("#report-delivery", Static).update(delivery_table(report))
        self.query_one("#report-strongest", Static).update(
            moments_text("Strongest moments (1-3: replay)", report.strongest, 1)
        )
        self.query_one("#report-work-on", Static).update(
            moments_text("Work on first (4-6: replay)", report.work_on, 4)
        )
        table.focus()

    def _attempt(self, attempt_id: int) -> AttemptRecord | None:
        report = self.report
        if report is None:
            return None
        for question in report.questions:
            for attempt in question.turns:
                if attempt.id == attempt_id:
                    return attempt
        return None

    def action_replay_moment(self, number: int) -> None:
        """Replay strongest moment 1-3, or thing to work on 4-6, at its time."""
        report = self.report
        if report is None:
            return
        moments = report.strongest if number <= 3 else report.work_on
        index = number - 1 if number <= 3 else number - 4
        if not 0 <= index < len(moments):
            return
        moment = moments[index]
        attempt = self._attempt(moment.attempt_id)
        if attempt is None:
            return
        # A moment with no time (a typed answer) plays from the start.
        self.vm.open_replay(attempt, max(0.0, (moment.start_s or 0.0) - 0.5))

    @on(DataTable.RowSelected, "#report-questions")
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        self.action_open_question()

    def action_open_question(self) -> None:
        """Open the highlighted question's results, with its follow-up turns."""
        report = self.report
        if report is None or not report.questions:
            return
        table = self.query_one("#report-questions", DataTable)
        row = max(0, min(table.cursor_row, len(report.questions) - 1))
        self.vm.open_results(report.questions[row].main)

    def action_done(self) -> None:
        """Back to Home."""
        self.vm.go_home()
