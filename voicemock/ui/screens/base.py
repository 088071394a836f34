"""What every voicemock screen shares: typed access to the app, worker-error reporting and
speaking a line from a worker."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar, cast

from textual.screen import ModalScreen, Screen
from textual.worker import Worker, get_current_worker

from voicemock.errors import VoicemockError
from voicemock.ui.messages import QuestionSpoken
from voicemock.ui.textual_caches import forget_closed_widgets

if TYPE_CHECKING:
    from voicemock.ui.host import VoicemockHost
    from voicemock.ui.services import Speaker

ResultType = TypeVar("ResultType")


class VoicemockScreen(Screen[None]):
    """A full screen of the app."""

    @property
    def vm(self) -> VoicemockHost:
        """The app, as the screens see it."""
        return cast("VoicemockHost", self.app)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """This screen's workers report to the app's one handler (the message does not bubble)."""
        self.app.post_message(Worker.StateChanged(event.worker, event.state))

    def on_unmount(self) -> None:
        forget_closed_widgets()  # this screen's widgets are gone: let Textual free what they drew

    def speak_and_report(self, speaker: Callable[[], Speaker], text: str) -> None:
        """Say ``text`` with ``speaker()`` and wait until it is said (in a thread worker).

        Then posts :class:`QuestionSpoken`, unless the worker was cancelled; when the speaker
        cannot be made or cannot say it, posts :class:`QuestionSpoken` with the error instead.
        """
        try:
            voice = speaker()
            voice.speak(text)
            voice.wait()
        except VoicemockError as error:
            self.post_message(QuestionSpoken(str(error)))
            return
        if not get_current_worker().is_cancelled:
            self.post_message(QuestionSpoken())


class VoicemockModal(ModalScreen[ResultType]):
    """A dialog over the current screen."""

    @property
    def vm(self) -> VoicemockHost:
        """The app, as the screens see it."""
        return cast("VoicemockHost", self.app)

    def on_unmount(self) -> None:
        forget_closed_widgets()  # this dialog's widgets are gone: let Textual free what they drew
