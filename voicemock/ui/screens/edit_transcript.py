"""Correct an attempt's transcript and score it again (or put back what was first heard).

The recogniser mishears domain words ("naloxone" becomes "an alic zone"), which costs points.
Here the user edits the text; saving goes through ``pipeline.edit_transcript`` (the same as
``voicemock sessions edit``): words left alone keep their timing, changed ones are marked, the
delivery is measured and the answer scored again, and what was first heard is kept so the
edit can be reverted. The screen is dismissed with the updated attempt (None when cancelled).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Footer, Label, Static, TextArea

from voicemock.errors import VoicemockError
from voicemock.ui.formatting import plain
from voicemock.ui.screens.base import VoicemockModal

if TYPE_CHECKING:
    from voicemock.core.store import AttemptRecord

HELP = (
    "Correct the words that were misheard. Words you leave alone keep their timing; words you "
    "change are underlined in the transcript. Saving scores the answer again."
)


class EditTranscriptScreen(VoicemockModal["AttemptRecord | None"]):
    """A text editor on the transcript of one attempt, with save, revert and cancel."""

    DEFAULT_CSS = """
    EditTranscriptScreen { align: center middle; }
    EditTranscriptScreen > #edit-box {
        width: 100%; height: 100%; padding: 0 1; background: $surface;
    }
    EditTranscriptScreen #edit-question { text-style: bold; }
    EditTranscriptScreen #edit-help { color: $text-muted; }
    EditTranscriptScreen #edit-text { height: 1fr; }
    EditTranscriptScreen #edit-status { height: auto; color: $warning; }
    EditTranscriptScreen #edit-buttons { height: auto; }
    EditTranscriptScreen #edit-buttons Button { margin-right: 1; }
    """

    BINDINGS = [
        Binding("ctrl+s", "save", "Save and re-score"),
        Binding("ctrl+r", "revert", "Revert to original"),
        Binding("escape", "cancel", "Cancel"),
    ]

    def __init__(self, attempt: AttemptRecord) -> None:
        super().__init__()
        self.attempt = attempt
        self._busy = False

    def compose(self) -> ComposeResult:
        attempt = self.attempt
        edited = attempt.original_transcript is not None
        with Vertical(id="edit-box"):
            yield Label(plain(attempt.question_text or "Your answer"), id="edit-question")
            yield Static(HELP, id="edit-help")
            yield TextArea(
                attempt.transcript.text,
                id="edit-text",
                soft_wrap=True,
                show_line_numbers=False,
                tab_behavior="focus",
            )
            yield Static("", id="edit-status")
            with Horizontal(id="edit-buttons"):
                yield Button("Save and re-score", variant="primary", id="edit-save")
                yield Button("Revert to original", id="edit-revert", disabled=not edited)
                yield Button("Cancel", id="edit-cancel")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#edit-text", TextArea).focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Revert only an attempt whose transcript was edited."""
        if action == "revert":
            return self.attempt.original_transcript is not None
        return True

    def _status(self, message: str) -> None:
        self.query_one("#edit-status", Static).update(plain(message))

    @on(Button.Pressed, "#edit-save")
    def action_save(self) -> None:
        """Save the corrected text and score the answer again."""
        if self._busy:
            return
        self._busy = True
        self._status("Scoring the corrected transcript...")
        self._apply(self.query_one("#edit-text", TextArea).text, revert=False)

    @on(Button.Pressed, "#edit-revert")
    def action_revert(self) -> None:
        """Put back the transcript as first heard and score it again."""
        if self._busy or self.attempt.original_transcript is None:
            return
        self._busy = True
        self._status("Scoring the transcript as first heard...")
        self._apply("", revert=True)

    @on(Button.Pressed, "#edit-cancel")
    def action_cancel(self) -> None:
        """Leave without changing anything."""
        if not self._busy:
            self.dismiss(None)

    @work(thread=True, exclusive=True, exit_on_error=False, group="edit-transcript")
    def _apply(self, text: str, *, revert: bool) -> None:
        """Edit (or revert) in a thread: scoring takes a moment."""
        from voicemock.pipeline import edit_transcript, revert_transcript

        vm = self.vm
        attempt = self.attempt
        try:
            question = vm.find_question(attempt.question_id)
            if revert:
                updated = revert_transcript(vm.store, attempt.id, question, vm.settings)
            else:
                updated = edit_transcript(vm.store, attempt.id, text, question, vm.settings)
        except VoicemockError as error:
            self.app.call_from_thread(self._failed, str(error))
            return
        self.app.call_from_thread(self.dismiss, updated)

    def _failed(self, message: str) -> None:
        self._busy = False
        self._status(message[:1].upper() + message[1:])
