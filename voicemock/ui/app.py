"""The voicemock Textual app: ``make_app()`` builds it for the CLI and for the tests."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from rich.text import Text
from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from voicemock.core.safe_text import printable
from voicemock.errors import VoicemockError
from voicemock.ui.errors import describe_unexpected
from voicemock.ui.host import InterviewPlan
from voicemock.ui.messages import LibraryFailed, LibraryLoaded, WarmUpFinished
from voicemock.ui.palette import QuestionCommands
from voicemock.ui.services import Services
from voicemock.ui.startup import resume_collection

if TYPE_CHECKING:
    from voicemock.config import Settings
    from voicemock.core.followups import FollowupPhraser
    from voicemock.core.rubrics import LoadedQuestion, RubricLibrary
    from voicemock.core.store import AttemptRecord, SessionStore

__all__ = ["InterviewPlan", "VoicemockApp", "describe_unexpected", "make_app"]

WarmState = Literal["idle", "warming", "ready", "failed"]


class VoicemockApp(App[None]):
    """Practise interview answers out loud: home, interview, results, history, replay, settings."""

    TITLE = "voicemock"
    SUB_TITLE = "offline interview practice"
    CSS_PATH = "voicemock.tcss"
    BINDINGS = [Binding("ctrl+q", "quit", "Quit", priority=True, show=False)]
    # The palette also finds questions by their text.
    COMMANDS = App.COMMANDS | {QuestionCommands}

    def __init__(
        self,
        settings: Settings | None = None,
        services: Services | None = None,
        start_question_id: str | None = None,
    ) -> None:
        super().__init__()
        # Set by `voicemock practice --question ID`: go straight to that question's interview.
        self.start_question_id = start_question_id
        # The saved settings are read on first use, after the first screen is drawn (reading
        # them imports pydantic, a tenth of a second).
        self._settings: Settings | None = settings
        self.services = services if services is not None else Services()
        self.library: RubricLibrary | None = None
        self.library_error: str | None = None
        self.warm_state: WarmState = "idle"
        self._store: SessionStore | None = None
        self._store_lock = threading.Lock()
        self.first_frame_drawn = False
        self._after_first_frame: list[Callable[[], object]] = []

    @property
    def settings(self) -> Settings:
        """The settings in use: as given to the app, else the saved ones."""
        if self._settings is None:
            from voicemock.config import load_settings

            self._settings = load_settings()
        return self._settings

    @settings.setter
    def settings(self, settings: Settings) -> None:
        self._settings = settings

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Show a notification (screens' ``notify`` comes here too).

        Messages quote bank files, question ids and errors: control characters are made safe
        before they reach the terminal.
        """
        super().notify(
            printable(message),
            title=printable(title),
            severity=severity,
            timeout=timeout,
            markup=markup,
        )

    # -- start-up -------------------------------------------------------------------------------

    def on_mount(self) -> None:
        from voicemock.ui.screens.home import HomeScreen

        self.push_screen(HomeScreen())
        self.call_after_refresh(self._first_frame_drawn)

    def _first_frame_drawn(self) -> None:
        """Start what waited for the first frame: loading banks, models and the store competes
        with drawing for the GIL, and the garbage collector was paused until now."""
        self.first_frame_drawn = True
        resume_collection()
        waiting, self._after_first_frame = self._after_first_frame, []
        for callback in waiting:
            callback()
        self.load_library()

    def after_first_frame(self, callback: Callable[[], object]) -> None:
        """Call ``callback`` once the app's first frame is drawn (at once if it is)."""
        if self.first_frame_drawn:
            callback()
        else:
            self._after_first_frame.append(callback)

    @work(thread=True, exclusive=True, exit_on_error=False, group="library")
    def load_library(self) -> None:
        """Load the question banks in a thread and post the result."""
        try:
            library = self.services.load_library()
        except VoicemockError as error:
            self.post_message(LibraryFailed(str(error)))
            return
        self.post_message(LibraryLoaded(library))

    def on_library_loaded(self, message: LibraryLoaded) -> None:
        self.library = message.library
        self.library_error = None
        errors = list(getattr(message.library, "errors", []) or [])
        if errors:
            more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
            self.notify(
                f"{errors[0]}{more}",
                title="Some questions could not be loaded",
                severity="warning",
                markup=False,
                timeout=10,
            )
        self._tell_screens_library_changed()
        self.warm_up()
        if self.start_question_id is not None:
            question_id, self.start_question_id = self.start_question_id, None
            question = self.find_question(question_id)
            if question is None:
                self.notify(f"No question with id {question_id!r}", severity="error", markup=False)
            else:
                self.start_interview([question], "single")

    def on_library_failed(self, message: LibraryFailed) -> None:
        self.library_error = message.message
        self.notify(message.message, title="Question banks", severity="error", markup=False)
        self._tell_screens_library_changed()

    def _tell_screens_library_changed(self) -> None:
        for screen in self.screen_stack:
            refresh = getattr(screen, "library_changed", None)
            if callable(refresh):
                refresh()

    def reload_library(self) -> None:
        """Load the question banks again (e.g. after the user added a bank file)."""
        self.load_library()

    @work(thread=True, exclusive=True, exit_on_error=False, group="warm-up")
    def warm_up(self) -> None:
        """Load the speech model and the embedder in the background so answers score fast."""
        warm = self.services.warm_up
        if warm is None:
            return
        self.warm_state = "warming"
        try:
            warm(self.settings)
        except VoicemockError as error:
            self.post_message(WarmUpFinished(str(error)))
            return
        except Exception as error:  # a broken optional model must not take the app down
            self.post_message(WarmUpFinished(describe_unexpected(error)))
            return
        _freeze_loaded_objects()
        self.post_message(WarmUpFinished())

    def on_warm_up_finished(self, message: WarmUpFinished) -> None:
        self.warm_state = "failed" if message.error else "ready"
        if message.error:
            self.notify(
                message.error, title="Speech model", severity="warning", markup=False, timeout=10
            )

    # -- shared services ------------------------------------------------------------------------

    @property
    def store(self) -> SessionStore:
        """The session store (opened on first use; safe to share with worker threads)."""
        with self._store_lock:  # the first use may come from two workers at once
            if self._store is None:
                self._store = self.services.open_store()
            return self._store

    def find_question(self, question_id: str) -> LoadedQuestion | None:
        """The loaded question with this id, or None (not loaded yet, or no longer there)."""
        if self.library is None:
            return None
        try:
            return self.library.get(question_id)
        except (VoicemockError, KeyError, LookupError):
            return None

    def report_error(self, error: BaseException, title: str = "Problem") -> None:
        """Show an error as a notification: its message for ours, a short line for others."""
        text = str(error) if isinstance(error, VoicemockError) else describe_unexpected(error)
        self.notify(text, title=title, severity="error", markup=False, timeout=10)

    def save_user_settings(self, settings: Settings) -> Path:
        """Keep new settings for this run and on disk; warm the model again if it changed.

        Only what the user changed goes on top of the saved settings: this run's command-line
        options (``practice --no-speak``, ...) stay this run's.
        """
        old = self.settings
        self.settings = settings
        from voicemock.config import load_settings, save_settings

        before = old.model_dump()
        changed = {k: v for k, v in settings.model_dump().items() if before.get(k) != v}
        path = save_settings(load_settings().model_copy(update=changed))
        if (old.engine, old.model, old.use_embeddings) != (
            settings.engine,
            settings.model,
            settings.use_embeddings,
        ):
            self.warm_up()
        return path

    # -- navigation -----------------------------------------------------------------------------

    def start_interview(self, questions: Sequence[LoadedQuestion], kind: str) -> None:
        """Ask the first question of a new session (stored once an answer is saved)."""
        from voicemock.ui.screens.interview import InterviewScreen

        if not questions:
            self.notify("Choose a question first.", severity="warning")
            return
        mode: Literal["single", "mock"] = "mock" if kind == "mock" else "single"
        title = (
            questions[0].question.text if mode == "single" else f"Mock interview ({len(questions)})"
        )
        plan = InterviewPlan(
            questions,
            mode,
            title,
            followups=self.settings.followups,
            phraser=self.followup_phraser(),
        )
        self.push_screen(InterviewScreen(plan, 0))

    def followup_phraser(self) -> FollowupPhraser | None:
        """What words the follow-ups from the transcript: the user's language model when one
        is set up, else None (the offline wording of ``voicemock.core.followups``).

        An endpoint on another machine is used only once confirmed in Settings; a fallback
        (timeout, error, nonsense) shows its one-line notice.
        """
        from voicemock.speech.llm import ReportingPhraser, coach_from_settings

        settings = self.settings
        coach, why = coach_from_settings(
            settings.llm_url, settings.llm_model, settings.llm_confirmed_url
        )
        if why is not None:
            self.notify(why, title="Language model", severity="warning", markup=False)
        if coach is None:
            return None
        return ReportingPhraser(coach, self._notify_from_worker)

    def _notify_from_worker(self, message: str) -> None:
        """A language-model notice from the worker thread that asked it."""
        self.call_from_thread(
            self.notify, message, title="Language model", severity="warning", markup=False
        )

    def finish_session(self, plan: InterviewPlan) -> None:
        """Mark a session finished in the store, if it holds an answer (errors: a notice)."""
        if plan.session_id is None:
            return
        try:
            plan.session.finish(self.store)
        except VoicemockError as error:
            self.report_error(error, "Session store")

    def show_mock_summary(self, attempts: Sequence[AttemptRecord], asked: int) -> None:
        """Show the answers of a finished mock interview; its History button opens History."""
        from voicemock.ui.screens.dialogs import MockSummaryDialog

        def closed(open_history: bool | None) -> None:
            if open_history:
                self.open_history()

        self.push_screen(MockSummaryDialog(attempts, asked), closed)
        # Home, under the summary, shows the interview's answers in its progress at once.
        from voicemock.ui.screens.home import HomeScreen

        for screen in self.screen_stack:
            if isinstance(screen, HomeScreen):
                screen.load_progress()

    def open_results(self, attempt: AttemptRecord) -> None:
        """Show the results of a stored attempt (a question's turns together: a follow-up
        answer opens its main answer's results)."""
        from voicemock.ui.screens.results import ResultsScreen

        followups: list[AttemptRecord] = []
        try:
            turns = self.store.turns(attempt.id)
            attempt, followups = turns[0], turns[1:]
        except VoicemockError:
            pass  # the attempt alone, as given

        if attempt.damaged:
            self.notify(
                f"Attempt {attempt.id} is damaged in the store ({attempt.damaged}): what could "
                "be read is shown.",
                title="Session store",
                severity="warning",
                markup=False,
            )
        self.push_screen(ResultsScreen(attempt, followups=followups))

    def open_history(self, question_id: str | None = None) -> None:
        """Show every attempt (optionally of one question)."""
        from voicemock.ui.screens.history import HistoryScreen

        self.push_screen(HistoryScreen(question_id))

    def open_replay(self, attempt: AttemptRecord, start_s: float | None = None) -> None:
        """Replay a stored attempt with the transcript following the audio.

        From ``start_s``, or (None) from the first word.
        """
        from voicemock.ui.screens.replay import ReplayScreen

        self.push_screen(ReplayScreen(attempt, start_s))

    def open_settings(self) -> None:
        """Show the settings form."""
        from voicemock.ui.screens.settings import SettingsScreen

        self.push_screen(SettingsScreen())

    def go_home(self) -> None:
        """Close every screen above Home."""
        from voicemock.ui.screens.home import HomeScreen

        while len(self.screen_stack) > 1 and not isinstance(self.screen, HomeScreen):
            self.pop_screen()

    def action_history(self) -> None:
        """Open History."""
        self.open_history()

    def action_settings(self) -> None:
        """Open Settings."""
        self.open_settings()

    def action_home(self) -> None:
        """Go back to Home."""
        self.go_home()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """Every worker's failure, the app's and the screens': a notice, or a one-line exit.

        Workers post their expected failures as messages; what reaches here was not foreseen.
        A screen's worker failing leaves the app usable (a notice, the traceback in the log);
        the app's own (loading the banks, warming up) leaves it without questions: it ends.
        """
        error = event.worker.error
        if event.state != WorkerState.ERROR or error is None:
            return
        if event.worker.node is self and not isinstance(error, VoicemockError):
            self.exit(return_code=1, message=Text(f"voicemock: {describe_unexpected(error)}"))
        else:
            self.report_error(error)

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        """The command palette: this screen's commands, the app's places, then Textual's."""
        own = getattr(screen, "palette_commands", None)
        if callable(own):
            yield from own()
        yield SystemCommand("Home", "Question banks and your progress", self.action_home)
        yield SystemCommand("History", "Every attempt, charts and comparisons", self.action_history)
        yield SystemCommand(
            "Settings", "Engine, voice, microphone and timings", self.action_settings
        )
        yield SystemCommand(
            "Reload question banks",
            "Read the shipped and your own banks again",
            self.reload_library,
        )
        yield from super().get_system_commands(screen)


def _freeze_loaded_objects() -> None:
    """Keep what warming up loaded (models, libraries, banks) out of later garbage collections.

    Those objects live as long as the app. Left in the collector's oldest generation, every
    full collection walks all of them again, and one is set off by the many objects a Results
    screen creates: a pause of a tenth of a second or more on the UI thread, between the end of
    an analysis and the screen being drawn. Collected once here (in the warm-up thread), then
    frozen, they are no longer walked; what is made later is collected as before. What the
    start froze (``voicemock.ui.startup``), garbage and all, is collected here with them.
    """
    import gc

    gc.unfreeze()
    gc.collect()
    gc.freeze()


def make_app(
    settings: Settings | None = None,
    services: Services | None = None,
    start_question_id: str | None = None,
) -> VoicemockApp:
    """Build the app with saved (or given) settings and the real (or given) services.

    With ``start_question_id`` the app opens that question's interview once the banks load.
    """
    from voicemock.memory import configure_malloc

    # Before the app's threads allocate (already done when started by the voicemock command):
    # an arena made by a thread before the limit stays for the life of the process.
    configure_malloc()
    return VoicemockApp(settings=settings, services=services, start_question_id=start_question_id)
