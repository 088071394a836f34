"""What every voicemock screen shares: typed access to the app and worker-error reporting."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar, cast

from textual.screen import ModalScreen, Screen
from textual.worker import Worker, WorkerState

if TYPE_CHECKING:
    from voicemock.ui.app import VoicemockApp

ResultType = TypeVar("ResultType")


class VoicemockScreen(Screen[None]):
    """A full screen of the app."""

    @property
    def vm(self) -> VoicemockApp:
        """The app, typed."""
        return cast("VoicemockApp", self.app)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A worker that raised instead of posting its failure: show it, never a traceback."""
        if event.state == WorkerState.ERROR and event.worker.error is not None:
            self.vm.report_error(event.worker.error)


class VoicemockModal(ModalScreen[ResultType]):
    """A dialog over the current screen."""

    @property
    def vm(self) -> VoicemockApp:
        """The app, typed."""
        return cast("VoicemockApp", self.app)
