"""Modal dialogs: an error message, a yes/no question, and the mock interview set-up."""

from __future__ import annotations

from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, RadioButton, RadioSet, Static

from voicemock.ui.screens.base import VoicemockModal


class ErrorDialog(VoicemockModal[None]):
    """Shows a problem in words (never a traceback) until dismissed."""

    BINDINGS = [
        Binding("escape", "dismiss_dialog", "Close"),
        Binding("enter", "dismiss_dialog", "Close", show=False),
    ]

    def __init__(self, title: str, message: str) -> None:
        super().__init__()
        self._title = title
        self._message = message

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog error-dialog"):
            yield Label(self._title, classes="dialog-title")
            yield Static(self._message, markup=False, classes="dialog-body")
            with Horizontal(classes="dialog-buttons"):
                yield Button("OK", variant="primary", id="ok")

    def on_mount(self) -> None:
        self.query_one("#ok", Button).focus()

    @on(Button.Pressed, "#ok")
    def action_dismiss_dialog(self) -> None:
        """Close the dialog."""
        self.dismiss(None)


class ConfirmDialog(VoicemockModal[bool]):
    """Asks a yes/no question; dismisses with True for yes."""

    BINDINGS = [
        Binding("escape", "answer(False)", "No"),
        Binding("y", "answer(True)", "Yes"),
        Binding("n", "answer(False)", "No", show=False),
    ]

    def __init__(self, question: str, yes: str = "Yes", no: str = "No") -> None:
        super().__init__()
        self._question = question
        self._yes = yes
        self._no = no

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(self._question, markup=False, classes="dialog-body")
            with Horizontal(classes="dialog-buttons"):
                yield Button(self._yes, variant="warning", id="yes")
                yield Button(self._no, variant="primary", id="no")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    def action_answer(self, answer: bool) -> None:
        """Close with the answer."""
        self.dismiss(answer)

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")


@dataclass(frozen=True)
class MockSetup:
    """How many questions a mock interview asks, and in which order."""

    count: int
    shuffle: bool


class MockSetupDialog(VoicemockModal[MockSetup | None]):
    """Chooses the number of questions and their order for a mock interview."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, available: int, default_count: int = 5) -> None:
        super().__init__()
        self._available = available
        self._default = max(1, min(default_count, available))

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("Mock interview", classes="dialog-title")
            yield Static(
                f"Questions come from the {self._available} in the current list.",
                classes="dialog-body",
            )
            with Horizontal(classes="dialog-row"):
                yield Label("Questions: ")
                yield Input(
                    str(self._default),
                    type="integer",
                    id="mock-count",
                    compact=True,
                    max_length=3,
                )
            with RadioSet(id="mock-order", compact=True):
                yield RadioButton("Random order", value=True, id="order-random")
                yield RadioButton("In list order", id="order-list")
            yield Static("", id="mock-error", classes="dialog-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Start", variant="primary", id="start")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#mock-count", Input).focus()

    def action_cancel(self) -> None:
        """Close without starting."""
        self.dismiss(None)

    @on(Input.Submitted, "#mock-count")
    @on(Button.Pressed, "#start")
    def _start(self) -> None:
        text = self.query_one("#mock-count", Input).value.strip()
        count = int(text) if text.isdigit() else 0
        if not 1 <= count <= self._available:
            self.query_one("#mock-error", Static).update(
                f"Choose between 1 and {self._available} questions."
            )
            return
        shuffle = self.query_one("#order-random", RadioButton).value
        self.dismiss(MockSetup(count=count, shuffle=shuffle))

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(None)
