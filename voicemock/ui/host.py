"""What the screens need from the app, as a protocol: screens never import the app class.

``VoicemockApp`` (voicemock/ui/app.py) is the one implementation; screens reach it as
``self.vm``. Keeping this small keeps the screens testable and the imports one-way (the app
imports the screens, never the other way round).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol

if TYPE_CHECKING:
    from voicemock.config import Settings
    from voicemock.core.followups import FollowupPhraser
    from voicemock.core.rubrics import LoadedQuestion, RubricLibrary
    from voicemock.core.store import AttemptRecord, SessionStore
    from voicemock.pipeline import PracticeSession
    from voicemock.ui.services import Services


class InterviewPlan:
    """The questions of one practice session and the store session its answers go into.

    ``followups`` is how many follow-up questions may come after each main answer, worded by
    ``phraser`` when the user set up a language model (None: the offline wording).
    """

    def __init__(
        self,
        questions: Sequence[LoadedQuestion],
        kind: Literal["single", "mock"],
        title: str,
        *,
        followups: int = 0,
        phraser: FollowupPhraser | None = None,
    ) -> None:
        # Imported here: the app imports this module before its first frame.
        from voicemock.pipeline import PracticeSession

        self.questions: tuple[LoadedQuestion, ...] = tuple(questions)
        self.kind: Literal["single", "mock"] = kind
        self.session: PracticeSession = PracticeSession(title, kind)
        self.followups = followups
        self.phraser = phraser
        self.opened = False  # a mock interview's opening line has been said

    @property
    def title(self) -> str:
        """The session's title."""
        return self.session.title

    @property
    def is_mock(self) -> bool:
        """True for a mock interview of several questions."""
        return self.kind == "mock"

    @property
    def session_id(self) -> int | None:
        """The store session's id, or None while no answer has been saved."""
        return self.session.session_id


class VoicemockHost(Protocol):
    """The app as the screens see it: settings, engines, banks, the store and navigation."""

    settings: Settings
    services: Services
    library: RubricLibrary | None
    library_error: str | None
    first_frame_drawn: bool

    def after_first_frame(self, callback: Callable[[], object]) -> None:
        """Call ``callback`` once the app's first frame is drawn (at once if it is)."""
        ...

    @property
    def store(self) -> SessionStore:
        """The session store (opened on first use; safe to share with worker threads)."""
        ...

    def find_question(self, question_id: str) -> LoadedQuestion | None:
        """The loaded question with this id, or None."""
        ...

    def report_error(self, error: BaseException, title: str = "Problem") -> None:
        """Show an error as a notification."""
        ...

    def save_user_settings(self, settings: Settings) -> Path:
        """Keep new settings for this run and on disk."""
        ...

    def start_interview(self, questions: Sequence[LoadedQuestion], kind: str) -> None:
        """Ask the first question of a new session."""
        ...

    def finish_session(self, plan: InterviewPlan) -> None:
        """Mark a session finished in the store, if it holds an answer."""
        ...

    def show_mock_summary(self, attempts: Sequence[AttemptRecord], asked: int) -> None:
        """Show the answers of a finished mock interview."""
        ...

    def open_results(self, attempt: AttemptRecord) -> None:
        """Show the results of a stored attempt."""
        ...

    def open_history(self, question_id: str | None = None) -> None:
        """Show every attempt (optionally of one question)."""
        ...

    def open_replay(self, attempt: AttemptRecord, start_s: float | None = None) -> None:
        """Replay a stored attempt (from ``start_s``; None: from the first word)."""
        ...

    def go_home(self) -> None:
        """Close every screen above Home."""
        ...
