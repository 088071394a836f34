"""Modal dialogs: an error, a yes/no question, mock interview set-up and its summary.

Each has its own footer, so the keys of the screen underneath (inactive now) are not shown.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Button, Footer, Input, Label, RadioButton, RadioSet, Static

from voicemock.ui.formatting import plain, score_text, short
from voicemock.ui.screens.base import VoicemockModal
from voicemock.ui.widgets.transcript_view import format_length

if TYPE_CHECKING:
    from voicemock.core.store import AttemptRecord


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
            yield Label(plain(self._title), classes="dialog-title")
            yield Static(plain(self._message), classes="dialog-body")
            with Horizontal(classes="dialog-buttons"):
                yield Button("OK", variant="primary", id="ok")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#ok", Button).focus()

    @on(Button.Pressed, "#ok")
    def action_dismiss_dialog(self) -> None:
        """Close the dialog."""
        self.dismiss(None)


KEY_NAMES = {"escape": "esc", "enter": "enter", "space": "space"}


def key_list(keys: Sequence[str]) -> str:
    """Keys as the user types them, e.g. "y/d", "n/esc"."""
    return "/".join(KEY_NAMES.get(key, key) for key in keys)


class ConfirmDialog(VoicemockModal[bool]):
    """Asks a yes/no question with explicit keys; dismisses with True for yes.

    Each answer has its own keys (shown on the dialog); Enter presses the highlighted button,
    which starts on the safe answer, so Enter alone never does anything the user cannot undo.
    """

    BINDINGS = [
        Binding("left", "app.focus_previous", "Previous button", show=False),
        Binding("right", "app.focus_next", "Next button", show=False),
    ]

    def __init__(
        self,
        question: str,
        yes: str = "Yes",
        no: str = "No",
        *,
        yes_keys: Sequence[str] = ("y",),
        no_keys: Sequence[str] = ("n", "escape"),
        detail: str = "",
    ) -> None:
        super().__init__()
        self._question = question
        self._detail = detail
        self._yes = yes
        self._no = no
        self.yes_keys = tuple(yes_keys)
        self.no_keys = tuple(no_keys)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(plain(self._question), classes="dialog-title")
            if self._detail:
                yield Static(plain(self._detail), classes="dialog-body")
            with Horizontal(classes="dialog-buttons"):
                yes_key = KEY_NAMES.get(self.yes_keys[0], self.yes_keys[0])
                no_key = KEY_NAMES.get(self.no_keys[0], self.no_keys[0])
                yield Button(f"{self._yes} ({yes_key})", variant="warning", id="yes")
                yield Button(f"{self._no} ({no_key})", variant="primary", id="no")
            yield Static(self.keys_hint(), markup=False, classes="dialog-keys")
        yield Footer(compact=True)

    def keys_hint(self) -> str:
        """The line naming every key of the dialog."""
        return (
            f"{key_list(self.yes_keys)}: {self._yes.lower()} · "
            f"{key_list(self.no_keys)}: {self._no.lower()} · "
            "←/→ then enter"
        )

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    def on_key(self, event: events.Key) -> None:
        """The answer keys work wherever the focus is."""
        if event.key in self.yes_keys:
            event.stop()
            self.dismiss(True)
        elif event.key in self.no_keys:
            event.stop()
            self.dismiss(False)

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "yes")


class MarkedRadioButton(RadioButton):
    """A radio button whose state shows without colour: ● when chosen, ○ when not."""

    @property
    def _button(self) -> Content:
        self.BUTTON_INNER = "●" if self.value else "○"
        return super()._button


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
                yield MarkedRadioButton("Random order", value=True, id="order-random")
                yield MarkedRadioButton("In list order", id="order-list")
            yield Static("", id="mock-error", classes="dialog-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Start", variant="primary", id="start")
                yield Button("Cancel", id="cancel")
        yield Footer(compact=True)

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


class MockSummaryDialog(VoicemockModal[bool]):
    """The answers of a finished mock interview with their scores; dismisses True for History."""

    BINDINGS = [
        Binding("escape,enter", "close", "Close"),
        Binding("h", "history", "History"),
    ]

    def __init__(self, attempts: Sequence[AttemptRecord], asked: int) -> None:
        super().__init__()
        self.attempts = sorted(attempts, key=lambda a: (a.created_at, a.id))
        self.asked = asked

    def summary(self) -> Text:
        """One line per answer (score, length, question), then the average."""
        # Imported here: Home imports this module, and the metrics take long to import.
        from voicemock.core.metrics import answer_length_s

        text = Text()
        for number, attempt in enumerate(self.attempts, start=1):
            text.append(f"{number:>2}. ")
            text.append_text(score_text(attempt.overall))
            length_s = answer_length_s(attempt.metrics, attempt.duration_s)  # from the first word
            text.append(f"  {format_length(length_s)}  ", style="dim")
            text.append(short(attempt.question_text, 38) + "\n")
        scores = [a.overall for a in self.attempts if a.overall is not None]
        average = f"{sum(scores) / len(scores):.0f}" if scores else "—"
        answered = len({a.question_id for a in self.attempts})
        text.append(f"\nAverage score {average}", style="bold")
        text.append(f" · {answered} of {self.asked} questions answered")
        return text

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("Mock interview finished", classes="dialog-title")
            yield Static(self.summary(), id="mock-summary", classes="dialog-body")
            with Horizontal(classes="dialog-buttons"):
                yield Button("History (h)", id="history")
                yield Button("Close (enter)", variant="primary", id="close")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#close", Button).focus()

    @on(Button.Pressed, "#close")
    def action_close(self) -> None:
        """Close the summary."""
        self.dismiss(False)

    @on(Button.Pressed, "#history")
    def action_history(self) -> None:
        """Close the summary and open History."""
        self.dismiss(True)
