"""Home: the question banks with search and filters, recent attempts and a progress summary."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import DataTable, Footer, Header, Input, Select, Static

from voicemock.core.progress import (
    PlanItem,
    QuestionProgress,
    days_ago,
    local_days,
    practice_plan,
    practice_streak,
    progress_by_question,
)
from voicemock.errors import VoicemockError
from voicemock.ui.formatting import plain, score_text, short
from voicemock.ui.screens.base import VoicemockScreen
from voicemock.ui.widgets.sparkline import sparkline

if TYPE_CHECKING:
    from voicemock.core.rubrics import LoadedQuestion
    from voicemock.core.store import AttemptRecord, HistoryPoint
    from voicemock.ui.screens.dialogs import MockSetup

RECENT_LIMIT = 8
TREND_WINDOW = 3  # attempts compared at each end for the trend
LEVELS = ("junior", "mid", "senior")
PLAN_SHOWN = 3  # questions of the practice plan shown on Home
# Banks give general questions the role "Any role"; the filter's own prompt must differ.
GENERAL_ROLE = "Any role"


def local_now() -> datetime:
    """The current local time (the practice plan, streak and ages count from it)."""
    return datetime.now().astimezone()


def format_when(attempt: AttemptRecord, today: date | None = None) -> str:
    """When an attempt was made, short: the time for today's, else the day."""
    local = attempt.created_at.astimezone()
    today = today if today is not None else datetime.now().astimezone().date()
    return local.strftime("%H:%M") if local.date() == today else local.strftime("%d %b")


def streak_text(streak: int) -> str:
    """The streak in words: "3 days in a row", "1 day", "none yet"."""
    if streak <= 0:
        return "none yet"
    return "1 day" if streak == 1 else f"{streak} days in a row"


def progress_summary(points: Sequence[HistoryPoint], streak: int = 0) -> Text:
    """Attempt count, the streak, average and best score, and the trend of the latest ones."""
    from statistics import mean  # not imported before Home's first frame

    scores = [p.overall for p in points if p.overall is not None]
    text = Text()
    text.append("Attempts  ", style="dim")
    text.append(f"{len(points)}\n", style="bold")
    text.append("Streak    ", style="dim")
    text.append(f"{streak_text(streak)}\n", style="bold" if streak else "dim")
    if not scores:
        text.append("No scored attempts yet.\nPick a question and press Enter.", style="dim")
        return text
    text.append("Average   ", style="dim")
    text.append(f"{mean(scores):.0f}\n", style="bold")
    text.append("Best      ", style="dim")
    text.append(f"{max(scores)}\n", style="bold")
    text.append("Trend     ", style="dim")
    if len(scores) < 2:
        text.append("needs 2 attempts\n", style="dim")
    else:
        window = min(TREND_WINDOW, len(scores) // 2)
        delta = mean(scores[-window:]) - mean(scores[:window])
        arrow, style = (
            ("▲", "#98c379") if delta > 0.5 else ("▼", "#e06c75") if delta < -0.5 else ("=", "")
        )
        change = "0" if arrow == "=" else f"{delta:+.0f}"  # not "= +0" or "= -0"
        text.append(f"{arrow} {change}\n", style=f"bold {style}".strip())
    text.append(sparkline(scores[-24:], 0, 100), style="#61afef")
    return text


def question_preview(
    question: LoadedQuestion, progress: QuestionProgress | None, now: datetime | None = None
) -> Text:
    """The full question text with its role, level, target length, progress and tags."""
    q = question.question
    text = plain(q.text + "\n", style="bold")
    target = q.target_length_s
    details = f"{q.role} · {q.level} · {target.min:.0f}-{target.max:.0f} s"
    # How practice went comes before the tags: the preview's last line may be cut at 80x24.
    if progress is not None:
        now = now if now is not None else local_now()
        details += f" · tried {progress.attempts}×"
        if progress.best is not None:
            details += f", best {progress.best}"
        if progress.last is not None:
            details += f", last {progress.last}"
        details += f" ({days_ago(progress.last_at, now)})"
    if q.tags:
        details += " · " + ", ".join(q.tags)
    text.append_text(plain(details, style="dim"))
    return text


def plan_label(item: PlanItem) -> Text:
    """How a plan question stands: "new", or its best score."""
    progress = item.progress
    if progress is None:
        return Text("new", style="bold #61afef")
    return score_text(progress.best)


class HomeScreen(VoicemockScreen):
    """Choose a question (or a mock interview) and see how practice is going."""

    BINDINGS = [
        Binding("enter", "start_question", "Answer", priority=True),
        Binding("m", "mock_interview", "Mock interview"),
        Binding("x", "random_question", "Random", show=False),
        Binding("slash", "focus_search", "Search"),
        Binding("h", "app.history", "History"),
        Binding("s", "app.settings", "Settings"),
        Binding("q", "app.quit", "Quit"),
    ]

    class ProgressLoaded(Message):
        """Attempts read from the store for the summary and the recent list."""

        def __init__(self, points: list[HistoryPoint], recent: list[AttemptRecord]) -> None:
            super().__init__()
            self.points = points  # main answers only
            self.recent = recent

    def __init__(self) -> None:
        super().__init__()
        self._shown: list[LoadedQuestion] = []
        self.progress: dict[str, QuestionProgress] = {}  # question id -> how practice went
        self.plan: list[PlanItem] = []
        self._recent: list[AttemptRecord] = []
        self.progress_loaded = False  # the store has been read at least once

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="home-body"):
            # The list has the focus from the start (see _show_focused_pane).
            with Vertical(id="question-pane", classes="has-focus") as pane:
                pane.border_title = "Questions"
                yield Input(placeholder="Search questions  ( / )", id="search", compact=True)
                with Horizontal(id="filters"):
                    yield Select[str]((), prompt="All roles", id="filter-role", compact=True)
                    yield Select[str](
                        [(level, level) for level in LEVELS],
                        prompt="Any level",
                        id="filter-level",
                        compact=True,
                    )
                    yield Select[str]((), prompt="Any tag", id="filter-tag", compact=True)
                table: DataTable[str | Text] = DataTable(
                    id="questions", cursor_type="row", zebra_stripes=True
                )
                table.loading = True
                yield table
                yield Static("", id="question-preview")
            with Vertical(id="progress-pane") as side:
                side.border_title = "Progress"
                yield Static("", id="progress-summary")
                yield Static("Practise next", classes="section-title")
                yield DataTable(id="plan", cursor_type="row", show_header=False)
                yield Static("Recent attempts", classes="section-title")
                yield DataTable(id="recent", cursor_type="row", show_header=False)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        # Labels as Text, not markup strings: reading markup loads Rich's emoji table (a few
        # milliseconds before the first frame) for words that hold no markup.
        questions = self.query_one("#questions", DataTable)
        questions.add_column(Text("Level"), key="level", width=6)
        questions.add_column(Text("Best"), key="best", width=4)
        questions.add_column(Text("Last"), key="last", width=4)
        questions.add_column(Text("Question"), key="text")
        plan = self.query_one("#plan", DataTable)
        plan.add_column(Text("Best"), key="best")
        plan.add_column(Text("Question"), key="question")
        recent = self.query_one("#recent", DataTable)
        recent.add_column(Text("When"), key="when")
        recent.add_column(Text("Score"), key="score")
        recent.add_column(Text("Question"), key="question")
        questions.focus()
        if self.vm.library is not None or self.vm.library_error is not None:
            self.library_changed()

    @on(events.DescendantFocus)
    @on(events.DescendantBlur)
    def _show_focused_pane(self) -> None:
        """Mark the pane that holds the focus (its border is brighter).

        Not with CSS ``:focus-within``: Textual restyles every widget in such a pane each time
        the focus moves, even inside it (a hundredth of a second, once before the first frame).
        A class is restyled only when it changes: when the focus leaves or enters the pane.
        """
        focused = self.focused
        for pane in self.query("#question-pane, #progress-pane"):
            pane.set_class(focused is not None and pane in focused.ancestors, "has-focus")

    def on_screen_resume(self) -> None:
        # Also sent when the screen is first shown. Reading the store (importing it, opening
        # SQLite) would compete with drawing for the GIL: it starts once the app's first frame
        # is out (this screen's first refresh comes before it), later after this screen's.
        if self.vm.first_frame_drawn:
            self.call_after_refresh(self.load_progress)
        else:
            self.vm.after_first_frame(self.load_progress)

    # -- questions ------------------------------------------------------------------------------

    def library_changed(self) -> None:
        """Fill the filters and the list from the (re)loaded question banks."""
        table = self.query_one("#questions", DataTable)
        table.loading = False
        if self.focused is None or (self.focused.id == "search" and not self._shown):
            table.focus()
        library = self.vm.library
        if library is None:
            self.query_one("#question-preview", Static).update(
                plain(self.vm.library_error or "No question banks.", style="bold #e06c75")
            )
            return
        roles = list(library.roles())
        tags = list(library.tags())
        # Roles and tags come from the banks: shown as text, never as markup.
        self.query_one("#filter-role", Select).set_options(
            (plain(f"{r} (general)" if r == GENERAL_ROLE else r), r) for r in roles
        )
        self.query_one("#filter-tag", Select).set_options((plain(t), t) for t in tags)
        self.refresh_questions()

    def _filter_value(self, selector: str) -> str | None:
        value = self.query_one(selector, Select).value
        return value if isinstance(value, str) else None

    def refresh_questions(self) -> None:
        """Show the questions that match the search text and filters."""
        library = self.vm.library
        if library is None:
            return
        text = self.query_one("#search", Input).value.strip()
        self._shown = list(
            library.search(
                role=self._filter_value("#filter-role"),
                level=self._filter_value("#filter-level"),
                tag=self._filter_value("#filter-tag"),
                text=text or None,
            )
        )
        table = self.query_one("#questions", DataTable)
        selected = self.selected_question
        table.clear()
        for loaded in self._shown:
            q = loaded.question
            progress = self.progress.get(q.id)
            best = score_text(progress.best) if progress else Text("")
            last = score_text(progress.last) if progress else Text("")
            table.add_row(plain(q.level), best, last, plain(q.text), key=q.id)
        if selected is not None and any(q.question.id == selected.question.id for q in self._shown):
            table.move_cursor(row=table.get_row_index(selected.question.id))
        self._update_preview()
        self._refresh_plan()
        pane = self.query_one("#question-pane")
        pane.border_subtitle = f"{len(self._shown)} of {len(library.questions)}"

    @property
    def selected_question(self) -> LoadedQuestion | None:
        """The question under the cursor in the list."""
        table = self.query_one("#questions", DataTable)
        if not self._shown or table.row_count == 0:
            return None
        row = table.cursor_row
        return self._shown[row] if 0 <= row < len(self._shown) else None

    def _update_preview(self) -> None:
        preview = self.query_one("#question-preview", Static)
        question = self.selected_question
        if question is None:
            preview.update(Text("No question matches the search and filters.", style="dim"))
            return
        preview.update(question_preview(question, self.progress.get(question.question.id)))

    def _refresh_plan(self) -> None:
        """The practice plan of the questions in the list: weakest or longest ago first."""
        now = local_now()
        ids = [q.question.id for q in self._shown]
        self.plan = practice_plan(ids, self.progress, now, limit=PLAN_SHOWN)
        table = self.query_one("#plan", DataTable)
        table.clear()
        texts = {q.question.id: q.question.text for q in self._shown}
        for item in self.plan:
            table.add_row(plan_label(item), plain(texts[item.question_id]), key=item.question_id)

    @on(Input.Changed, "#search")
    @on(Select.Changed)
    def _filters_changed(self) -> None:
        self.refresh_questions()

    @on(Input.Submitted, "#search")
    def _search_done(self) -> None:
        self.query_one("#questions", DataTable).focus()

    @on(DataTable.RowHighlighted, "#questions")
    def _row_highlighted(self) -> None:
        self._update_preview()

    @on(DataTable.RowSelected, "#questions")
    def _row_selected(self) -> None:
        self.action_start_question()

    @on(DataTable.RowSelected, "#plan")
    def _plan_selected(self, event: DataTable.RowSelected) -> None:
        question = self.vm.find_question(str(event.row_key.value))
        if question is not None:
            self.vm.start_interview([question], "single")

    @on(DataTable.RowSelected, "#recent")
    def _recent_selected(self, event: DataTable.RowSelected) -> None:
        row = event.cursor_row
        if 0 <= row < len(self._recent):
            self.vm.open_results(self._recent[row])

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Enter answers a question only from the question list (elsewhere it is the widget's)."""
        if action == "start_question":
            focused = self.focused
            return focused is not None and focused.id == "questions"
        return True

    def palette_commands(self) -> list[SystemCommand]:
        """Home's actions for the command palette."""
        return [
            SystemCommand(
                "Answer a random question", "From the current list", self.action_random_question
            ),
            SystemCommand(
                "Mock interview",
                "Questions with follow-ups, then an interview report",
                self.action_mock_interview,
            ),
            SystemCommand("Search questions", "Type to filter the list", self.action_focus_search),
        ]

    def action_start_question(self) -> None:
        """Answer the highlighted question."""
        question = self.selected_question
        if question is None:
            self.notify("No question selected.", severity="warning")
            return
        self.vm.start_interview([question], "single")

    def action_random_question(self) -> None:
        """Answer a random question from the current list."""
        if not self._shown:
            self.notify("No question matches the search and filters.", severity="warning")
            return
        self.vm.start_interview([random.choice(self._shown)], "single")

    def action_mock_interview(self) -> None:
        """Ask how many questions, then run a mock interview from the current list."""
        if not self._shown:
            self.notify("No question matches the search and filters.", severity="warning")
            return
        # Imported here, not before Home's first frame (the dialogs module is large).
        from voicemock.ui.screens.dialogs import MockSetupDialog

        shown = list(self._shown)

        def start(setup: MockSetup | None) -> None:
            if setup is None:
                return
            chosen = random.sample(shown, setup.count) if setup.shuffle else shown[: setup.count]
            self.vm.start_interview(chosen, "mock")

        self.app.push_screen(MockSetupDialog(len(shown)), start)

    def action_focus_search(self) -> None:
        """Put the cursor in the search box."""
        self.query_one("#search", Input).focus()

    def key_escape(self) -> None:
        """Leave the search box or a filter and go back to the list."""
        self.query_one("#questions", DataTable).focus()

    # -- progress -------------------------------------------------------------------------------

    @work(thread=True, exclusive=True, exit_on_error=False, group="home-progress")
    def load_progress(self) -> None:
        """Read the store in a thread; a big history must not hold up the screen."""
        try:
            store = self.vm.store
            points = store.history(main_only=True)
            recent = store.list_attempts(limit=RECENT_LIMIT, main_only=True)
        except VoicemockError as error:
            self.app.call_from_thread(self.vm.report_error, error, "Session store")
            return
        self.post_message(self.ProgressLoaded(points, recent))

    def on_home_screen_progress_loaded(self, message: ProgressLoaded) -> None:
        self.progress_loaded = True
        self._recent = message.recent
        progress = progress_by_question(message.points)
        self.progress = progress
        today = local_now().date()
        streak = practice_streak(local_days(p.created_at for p in message.points), today)
        self.query_one("#progress-summary", Static).update(progress_summary(message.points, streak))
        recent = self.query_one("#recent", DataTable)
        recent.clear()
        for attempt in message.recent:
            recent.add_row(
                Text(format_when(attempt), style="dim"),
                score_text(attempt.overall),
                plain(short(attempt.question_text or attempt.question_id or "—", 60)),
                key=str(attempt.id),
            )
        self.refresh_questions()
