"""History: every attempt, filterable by question, a chart over time, and side-by-side compare."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import DataTable, Footer, Header, Select, Static

from voicemock.core.metrics import answer_length_s, format_metric_value
from voicemock.errors import VoicemockError
from voicemock.ui.formatting import plain, score_text, short
from voicemock.ui.screens.base import VoicemockScreen
from voicemock.ui.screens.dialogs import ConfirmDialog
from voicemock.ui.screens.results import FILLER_KEYS, WPM_KEYS, metric_value
from voicemock.ui.widgets.chart import TrendChart
from voicemock.ui.widgets.transcript_view import TranscriptView, format_length

if TYPE_CHECKING:
    from voicemock.core.store import AttemptRecord

# (title, metric keys or None for the overall score, fixed y range)
CHART_SERIES: tuple[tuple[str, tuple[str, ...] | None, tuple[float, float] | None], ...] = (
    ("Overall score", None, (0.0, 100.0)),
    ("Speaking rate (wpm)", WPM_KEYS, None),
    ("Fillers per minute", FILLER_KEYS, None),
    # How it sounded (recorded answers measured with the pitch tracker).
    ("Pitch variation (st)", ("pitch_sd_st",), None),
    ("Pitch range (st)", ("pitch_range_st",), None),
    ("Sentences trailing off", ("trailing_off_count",), None),
    ("Pace, end vs start (%)", ("pace_change_pct",), None),
)
MAX_QUESTION_LABEL = 60
COMPARE_VALUE_WIDTH = 17  # "2.4 per 100 words"


def series_values(attempts: Sequence[AttemptRecord], keys: tuple[str, ...] | None) -> list[float]:
    """One chart series, oldest attempt first, skipping attempts without the figure."""
    values: list[float] = []
    for attempt in reversed(attempts):
        value = attempt.overall if keys is None else metric_value(attempt.metrics, keys)
        if value is not None:
            values.append(float(value))
    return values


def format_number(value: float | None, digits: int = 0) -> str:
    """A figure or a dash."""
    return "—" if value is None else f"{value:.{digits}f}"


class HistoryScreen(VoicemockScreen):
    """All attempts, newest first; mark two of one question to compare them."""

    BINDINGS = [
        # A priority binding so the footer shows it over the table's own (hidden) Enter.
        Binding("enter", "open_results", "Results", key_display="⏎", priority=True),
        Binding("space", "mark", "Mark"),
        Binding("c", "compare", "Compare"),
        Binding("p", "replay", "Replay"),
        Binding("m", "next_series", "Chart"),
        Binding("delete", "delete_attempt", "Delete"),
        Binding("e", "edit_transcript", "Fix transcript", show=False),
        Binding("escape", "app.pop_screen", "Back"),
    ]

    class AttemptsLoaded(Message):
        """Attempts read from the store."""

        def __init__(self, attempts: list[AttemptRecord], questions: dict[str, str]) -> None:
            super().__init__()
            self.attempts = attempts
            self.questions = questions

    def __init__(self, question_id: str | None = None) -> None:
        super().__init__()
        self.question_id = question_id
        self.attempts: list[AttemptRecord] = []
        self.marked: list[int] = []  # attempt ids, in the order they were marked
        self.series = 0
        self._question_options: dict[str, str] = {}
        self.loaded = False  # the store has been read at least once

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="history"):
            with Horizontal(id="history-filter"):
                yield Select[str]((), prompt="All questions", id="history-question", compact=True)
                yield Static("", id="history-count")
            table: DataTable[str | Text] = DataTable(
                id="attempts", cursor_type="row", zebra_stripes=True
            )
            table.loading = True
            yield table
            yield TrendChart(id="history-chart")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        table = self.query_one("#attempts", DataTable)
        table.add_column("✓", key="mark", width=1)
        table.add_column("When", key="when")
        table.add_column("Score", key="score")
        table.add_column("WPM", key="wpm")
        table.add_column("Fill/min", key="fillers")
        table.add_column("Length", key="length")
        table.add_column("Question", key="question")
        self.load_attempts()

    def on_screen_resume(self) -> None:
        self.load_attempts()

    @work(thread=True, exclusive=True, exit_on_error=False, group="history")
    def load_attempts(self) -> None:
        """Read every attempt (of the chosen question) in a thread."""
        try:
            store = self.vm.store
            # Main answers only: a follow-up answer is part of its question's results.
            attempts = store.list_attempts(question_id=self.question_id, main_only=True)
            questions: dict[str, str] = {}
            everything = (
                attempts if self.question_id is None else store.list_attempts(main_only=True)
            )
            for attempt in everything:
                questions.setdefault(attempt.question_id, attempt.question_text)
        except VoicemockError as error:
            self.app.call_from_thread(self.vm.report_error, error, "Session store")
            return
        self.post_message(self.AttemptsLoaded(attempts, questions))

    def on_history_screen_attempts_loaded(self, message: AttemptsLoaded) -> None:
        self.loaded = True
        self.attempts = message.attempts
        ids = {a.id for a in self.attempts}
        self.marked = [i for i in self.marked if i in ids]
        if message.questions != self._question_options:
            self._question_options = message.questions
            select = self.query_one("#history-question", Select)
            with self.prevent(Select.Changed):
                select.set_options(
                    (plain(short(text or qid, MAX_QUESTION_LABEL)), qid)
                    for qid, text in sorted(
                        message.questions.items(), key=lambda item: item[1].casefold()
                    )
                )
                if self.question_id in message.questions:
                    select.value = self.question_id
        self._fill_table()
        self._draw_chart()

    def _fill_table(self) -> None:
        table = self.query_one("#attempts", DataTable)
        if table.loading:
            table.loading = False
            table.focus()
        row = table.cursor_row
        table.clear()
        for attempt in self.attempts:
            table.add_row(*self._row_cells(attempt), key=str(attempt.id))
        if self.attempts:
            table.move_cursor(row=min(max(row, 0), len(self.attempts) - 1))
        count = len(self.attempts)
        self.query_one("#history-count", Static).update(
            f" {count} attempt{'s' if count != 1 else ''}"
            + (f" · {len(self.marked)} marked" if self.marked else "")
        )

    def _row_cells(self, attempt: AttemptRecord) -> list[str | Text]:
        return [
            Text("●", style="bold #61afef") if attempt.id in self.marked else Text(" "),
            attempt.created_at.astimezone().strftime("%Y-%m-%d %H:%M"),
            score_text(attempt.overall),
            format_number(metric_value(attempt.metrics, WPM_KEYS)),
            format_number(metric_value(attempt.metrics, FILLER_KEYS), 1),
            format_length(answer_length_s(attempt.metrics, attempt.duration_s)),
            plain(attempt.question_text or attempt.question_id or "—"),
        ]

    def _draw_chart(self) -> None:
        title, keys, limits = CHART_SERIES[self.series]
        scope = "all questions"
        if self.question_id is not None:
            scope = short(self._question_options.get(self.question_id, self.question_id), 40)
        values = series_values(self.attempts, keys)
        self.query_one(TrendChart).show_series(f"{title} · {scope}", values, y_limits=limits)

    @on(Select.Changed, "#history-question")
    def _question_changed(self, event: Select.Changed) -> None:
        value = event.value
        self.question_id = value if isinstance(value, str) else None
        self.marked = []
        self.load_attempts()

    @property
    def current(self) -> AttemptRecord | None:
        """The attempt under the cursor."""
        table = self.query_one("#attempts", DataTable)
        row = table.cursor_row
        return self.attempts[row] if self.attempts and 0 <= row < len(self.attempts) else None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Enter opens results only from the attempts list (elsewhere it is the widget's)."""
        if action == "open_results":
            focused = self.focused
            return focused is not None and focused.id == "attempts"
        return True

    @on(DataTable.RowSelected, "#attempts")
    def action_open_results(self) -> None:
        """Open the results of the attempt under the cursor."""
        attempt = self.current
        if attempt is not None:
            self.vm.open_results(attempt)

    def action_mark(self) -> None:
        """Mark or unmark the attempt under the cursor for comparing (two at most)."""
        attempt = self.current
        if attempt is None:
            return
        if attempt.id in self.marked:
            self.marked.remove(attempt.id)
        else:
            self.marked.append(attempt.id)
            self.marked = self.marked[-2:]
        self._fill_table()

    def action_compare(self) -> None:
        """Compare the two marked attempts side by side."""
        chosen = [a for a in self.attempts if a.id in self.marked]
        if len(chosen) != 2:
            self.notify("Mark two attempts with space first.", severity="warning")
            return
        older, newer = sorted(chosen, key=lambda a: (a.created_at, a.id))
        if older.question_id != newer.question_id:
            self.notify("Compare two attempts of the same question.", severity="warning")
            return
        self.app.push_screen(CompareScreen(older, newer))

    def action_replay(self) -> None:
        """Replay the attempt under the cursor."""
        attempt = self.current
        if attempt is not None:
            self.vm.open_replay(attempt)

    def action_next_series(self) -> None:
        """Chart the next figure: overall score, speaking rate, fillers, pitch variation..."""
        self.series = (self.series + 1) % len(CHART_SERIES)
        self._draw_chart()

    def action_edit_transcript(self) -> None:
        """Correct the transcript of the attempt under the cursor and score it again."""
        from voicemock.ui.screens.edit_transcript import EditTranscriptScreen

        def edited(updated: AttemptRecord | None) -> None:
            if updated is not None:
                self.load_attempts()

        attempt = self.current
        if attempt is not None:
            self.app.push_screen(EditTranscriptScreen(attempt), edited)

    def action_delete_attempt(self) -> None:
        """Delete the attempt under the cursor (after asking) with its recording."""
        attempt = self.current
        if attempt is None:
            return

        def answer(delete: bool | None) -> None:
            if not delete:
                return
            try:
                self.vm.store.delete_attempt(attempt.id)
            except VoicemockError as error:
                self.vm.report_error(error, "Session store")
                return
            self.load_attempts()

        when = attempt.created_at.astimezone().strftime("%Y-%m-%d %H:%M")
        self.app.push_screen(
            ConfirmDialog(
                f"Delete the attempt of {when}?",
                "Delete",
                "Keep",
                yes_keys=("y", "d"),
                no_keys=("n", "escape"),
                detail="Its transcript, scores and recording are deleted for good.",
            ),
            answer,
        )


def change_format(unit: str) -> tuple[int, str]:
    """Decimals and unit of a metric's change: counts are whole numbers, seconds say "s"."""
    unit = " ".join(unit.split()).lower()
    if unit in ("", "count", "words"):
        return 0, ""
    if unit == "s":
        return 1, " s"
    if unit == "wpm":
        return 0, ""
    if unit == "ratio":
        return 2, ""
    return 1, ""


def compare_rows(older: AttemptRecord, newer: AttemptRecord) -> list[tuple[str, str, str, Text]]:
    """(figure, older, newer, change) rows: overall, length, competencies, delivery metrics."""
    rows: list[tuple[str, str, str, Text]] = []

    def change(
        a: float | None, b: float | None, better_up: bool | None, digits: int = 0, unit: str = ""
    ) -> Text:
        if a is None or b is None:
            return Text("")
        delta = b - a
        if abs(delta) < 10 ** (-digits) / 2:
            return Text("=", style="dim")
        style = ""
        if better_up is not None:
            style = "#98c379" if (delta > 0) == better_up else "#e06c75"
        return Text(f"{delta:+.{digits}f}{unit}", style=style)

    rows.append(
        (
            "Overall",
            format_number(older.overall),
            format_number(newer.overall),
            change(older.overall, newer.overall, True),
        )
    )
    # From the first word to the last, as Delivery measures it.
    old_s = answer_length_s(older.metrics, older.duration_s)
    new_s = answer_length_s(newer.metrics, newer.duration_s)
    rows.append(
        ("Length", format_length(old_s), format_length(new_s), change(old_s, new_s, None, 1, " s"))
    )
    old_levels = {c.competency_id: c for c in (older.score.competencies if older.score else ())}
    for competency in newer.score.competencies if newer.score else ():
        before = old_levels.get(competency.competency_id)
        rows.append(
            (
                competency.label,
                "—" if before is None else f"level {before.level}",
                f"level {competency.level}",
                change(None if before is None else before.level, competency.level, True),
            )
        )
    old_metrics = {m.key: m for m in older.metrics.metrics}
    for metric in newer.metrics.metrics:
        before_metric = old_metrics.get(metric.key)
        rows.append(
            (
                metric.label,
                "—" if before_metric is None else format_metric_value(before_metric),
                format_metric_value(metric),
                change(
                    None if before_metric is None else before_metric.value,
                    metric.value,
                    None,
                    *change_format(metric.unit),
                ),
            )
        )
    return rows


class CompareScreen(VoicemockScreen):
    """Two attempts of one question side by side: figures, then both transcripts."""

    BINDINGS = [Binding("escape", "app.pop_screen", "Back")]

    def __init__(self, older: AttemptRecord, newer: AttemptRecord) -> None:
        super().__init__()
        self.older = older
        self.newer = newer

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="compare"):
            yield Static(plain(self.newer.question_text), id="compare-question")
            yield DataTable(id="compare-table", cursor_type="row", zebra_stripes=True)
            with Horizontal(id="compare-transcripts"):
                for attempt, side in ((self.older, "older"), (self.newer, "newer")):
                    view = TranscriptView(
                        attempt.transcript, attempt.metrics.flags, id=f"compare-{side}"
                    )
                    when = attempt.created_at.astimezone().strftime("%Y-%m-%d %H:%M")
                    view.border_title = f"{side.capitalize()} · {when}"
                    yield view
        yield Footer(compact=True)

    def on_mount(self) -> None:
        table = self.query_one("#compare-table", DataTable)
        older = self.older.created_at.astimezone().strftime("%m-%d %H:%M")
        newer = self.newer.created_at.astimezone().strftime("%m-%d %H:%M")
        # Fixed value columns so the change column stays on screen at 80 columns; long figure
        # names give way first.
        figure_width = max(16, min(34, self.size.width - 2 * COMPARE_VALUE_WIDTH - 7 - 10))
        table.add_column("Figure", width=figure_width)
        table.add_column(older, width=COMPARE_VALUE_WIDTH)
        table.add_column(newer, width=COMPARE_VALUE_WIDTH)
        table.add_column("Change", width=7)
        for figure, before, after, delta in compare_rows(self.older, self.newer):
            table.add_row(plain(figure), plain(before), plain(after), delta)
        table.focus()
