"""What every voicemock screen shares: typed access to the app and worker-error reporting."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar, cast

from textual.screen import ModalScreen, Screen
from textual.worker import Worker

if TYPE_CHECKING:
    from voicemock.ui.host import VoicemockHost

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


class VoicemockModal(ModalScreen[ResultType]):
    """A dialog over the current screen."""

    @property
    def vm(self) -> VoicemockHost:
        """The app, as the screens see it."""
        return cast("VoicemockHost", self.app)
