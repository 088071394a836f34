"""Messages that worker threads post to the UI (threads never touch widgets themselves)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from voicemock.core.followups import Followup
    from voicemock.core.rubrics import RubricLibrary
    from voicemock.core.store import AttemptRecord
    from voicemock.pipeline import AnalysedAnswer
    from voicemock.ui.services import RecordingResult


class LibraryLoaded(Message):
    """The question banks finished loading."""

    def __init__(self, library: RubricLibrary) -> None:
        super().__init__()
        self.library = library


class LibraryFailed(Message):
    """The question banks could not be loaded at all."""

    def __init__(self, message: str) -> None:
        super().__init__()
        self.message = message


class WarmUpFinished(Message):
    """The transcription model (and embedder) warm-up ended; ``error`` is a user message."""

    def __init__(self, error: str | None = None) -> None:
        super().__init__()
        self.error = error


class QuestionSpoken(Message):
    """The question prompt finished playing (or could not be played: ``error``)."""

    def __init__(self, error: str | None = None) -> None:
        super().__init__()
        self.error = error


class RecordingFinished(Message):
    """The recording is closed and on disk."""

    def __init__(self, recording: RecordingResult) -> None:
        super().__init__()
        self.recording = recording


class RecordingFailed(Message):
    """The microphone could not be opened or failed while recording."""

    def __init__(self, message: str) -> None:
        super().__init__()
        self.message = message


class AnalysisProgress(Message):
    """How far transcribing and scoring have got; newer ones replace older unhandled ones."""

    def __init__(self, stage: str, fraction: float) -> None:
        super().__init__()
        self.stage = stage
        self.fraction = fraction

    def can_replace(self, message: Message) -> bool:
        """A newer progress report makes an older, not yet handled one pointless."""
        return isinstance(message, AnalysisProgress)


@dataclass(frozen=True)
class PreviousAttempt:
    """The main attempt at the same question made just before attempt ``of``, as read from the
    store (``attempt`` None: ``of`` is the first)."""

    of: int
    attempt: AttemptRecord | None


class AnalysisFinished(Message):
    """The answer was transcribed, scored and saved.

    ``previous`` is the attempt before it at the same question, read with it (None: not read),
    so its results show the change since last time in their first frame.
    """

    def __init__(
        self,
        attempt: AttemptRecord,
        analysed: AnalysedAnswer,
        previous: PreviousAttempt | None = None,
    ) -> None:
        super().__init__()
        self.attempt = attempt
        self.analysed = analysed
        self.previous = previous


class AnalysisFailed(Message):
    """Transcribing, scoring or saving failed; the recording is kept at ``audio_path``."""

    def __init__(self, message: str, audio_path: str = "") -> None:
        super().__init__()
        self.message = message
        self.audio_path = audio_path


class PlaybackFailed(Message):
    """The recording could not be played."""

    def __init__(self, message: str) -> None:
        super().__init__()
        self.message = message


class FollowupChosen(Message):
    """What the interviewer asks next after an answer (None: nothing more to ask)."""

    def __init__(self, followup: Followup | None) -> None:
        super().__init__()
        self.followup = followup
