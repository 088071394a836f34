"""Settings: engine and model, voice and rate, microphone, silence stop, thinking time, pauses,
follow-up questions."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.widgets import Button, Checkbox, Footer, Header, Input, Label, Select, Static

from voicemock.config import Settings
from voicemock.defaults import DEFAULT_ENGINE, DEFAULT_MODEL, FOLLOWUPS_RANGE
from voicemock.defaults import ENGINES as ENGINE_NAMES
from voicemock.errors import VoicemockError
from voicemock.ui.formatting import plain
from voicemock.ui.screens.base import VoicemockScreen
from voicemock.ui.screens.dialogs import ConfirmDialog

ENGINES = tuple((f"{e} (default)" if e == DEFAULT_ENGINE else e, e) for e in ENGINE_NAMES)
DEFAULT_DEVICE = "__default__"
FOLLOWUP_CHOICES = tuple(
    (f"{n} after each answer" if n else "none", n)
    for n in range(FOLLOWUPS_RANGE[0], FOLLOWUPS_RANGE[1] + 1)
)


def model_hint(model: str) -> str:
    """A suggestion under the Model field: the more accurate base model, when it is installed
    and not chosen ("" otherwise)."""
    from voicemock.speech.whisper_models import base_packages_installed

    if model.strip().lower() in ("base", "base.en") or not base_packages_installed():
        return ""
    return (
        "Whisper base is installed: type base for fewer misheard words (6 in 100 wrong, "
        "not 15; a little slower)."
    )


# The form's label of each settings field, for a message about its value.
FIELD_LABELS = {
    "engine": "Engine",
    "model": "Model",
    "voice": "Voice",
    "rate_wpm": "Voice rate (wpm)",
    "silence_stop_s": "Stop after silence (s)",
    "thinking_time_s": "Thinking time (s)",
    "max_answer_s": "Longest answer (s)",
    "long_pause_s": "Long pause from (s)",
    "followups": "Follow-up questions",
    "llm_url": "Language model URL",
    "llm_model": "Language model name",
}


def form_error(error: ValidationError) -> str:
    """The first problem of the form, named by its label: "Long pause from (s): should be ..."."""
    detail = error.errors()[0]
    field = ".".join(str(part) for part in detail["loc"])
    label = FIELD_LABELS.get(field, field.replace("_", " "))
    message = str(detail["msg"]).removeprefix("Value error, ")
    if message.startswith("Input should be"):
        message = message.removeprefix("Input ")
    return f"{label}: {message}"


def _optional_float(text: str) -> float | None:
    text = text.strip()
    return float(text) if text else None


def _optional_text(text: str) -> str | None:
    text = text.strip()
    return text or None


class SettingsScreen(VoicemockScreen):
    """A form over ``Settings``; ctrl+s saves it with ``config.save_settings``."""

    BINDINGS = [
        Binding("ctrl+s", "save", "Save", priority=True),
        Binding("escape", "app.pop_screen", "Cancel"),
    ]

    class DevicesListed(Message):
        """The devices found (label, value) for one field, or why none could be listed."""

        def __init__(
            self, field: str, devices: list[tuple[str, str | int]], error: str | None
        ) -> None:
            super().__init__()
            self.field = field  # "input_device" or "output_device"
            self.devices = devices
            self.error = error

    def compose(self) -> ComposeResult:
        s = self.vm.settings
        yield Header()
        with VerticalScroll(id="settings-form"):
            yield from self._row(
                "Engine",
                Select(ENGINES, value=s.engine, allow_blank=False, id="engine", compact=True),
            )
            yield from self._row(
                "Model",
                Input(s.model, id="model", compact=True, placeholder="tiny.en, base, or a folder"),
            )
            yield Static(model_hint(s.model), id="model-hint", classes="settings-hint")
            yield from self._row(
                "Speak questions",
                Checkbox(
                    "read each question aloud",
                    s.speak_questions,
                    id="speak_questions",
                    compact=True,
                ),
            )
            yield from self._row(
                "Voice",
                Input(
                    s.voice or "", id="voice", compact=True, placeholder="default (e.g. gmw/en-us)"
                ),
            )
            yield from self._row(
                "Voice rate (wpm)",
                Input(str(s.rate_wpm), id="rate_wpm", type="integer", compact=True),
            )
            yield from self._row("Microphone", _device_select("input_device"))
            yield from self._row("Speaker", _device_select("output_device"))
            yield from self._row(
                "Stop after silence (s)",
                Input(
                    "" if s.silence_stop_s is None else f"{s.silence_stop_s:g}",
                    id="silence_stop_s",
                    type="number",
                    compact=True,
                    placeholder="off: stop with space",
                ),
            )
            yield from self._row(
                "Thinking time (s)",
                Input(f"{s.thinking_time_s:g}", id="thinking_time_s", type="number", compact=True),
            )
            yield from self._row(
                "Longest answer (s)",
                Input(f"{s.max_answer_s:g}", id="max_answer_s", type="number", compact=True),
            )
            yield from self._row(
                "Long pause from (s)",
                Input(f"{s.long_pause_s:g}", id="long_pause_s", type="number", compact=True),
            )
            yield from self._row(
                "Follow-up questions",
                Select(
                    FOLLOWUP_CHOICES,
                    value=s.followups,
                    allow_blank=False,
                    id="followups",
                    compact=True,
                ),
            )
            yield from self._row(
                "Language model URL",
                Input(
                    s.llm_url or "",
                    id="llm_url",
                    compact=True,
                    placeholder="off (e.g. http://localhost:11434/v1)",
                ),
            )
            yield from self._row(
                "Language model name",
                Input(s.llm_model or "", id="llm_model", compact=True, placeholder="e.g. llama3.2"),
            )
            yield from self._row(
                "Meaning-based scoring",
                Checkbox(
                    "use the local embedding model",
                    s.use_embeddings,
                    id="use_embeddings",
                    compact=True,
                ),
            )
            yield Static("", id="settings-error")
            with Horizontal(id="settings-buttons"):
                yield Button("Save", variant="primary", id="save")
                yield Button("Cancel", id="cancel")
        yield Footer(compact=True)

    @staticmethod
    def _row(label: str, field: Any) -> ComposeResult:
        with Horizontal(classes="settings-row"):
            yield Label(label, classes="settings-label")
            yield field

    @on(Input.Changed, "#model")
    def _model_changed(self, event: Input.Changed) -> None:
        self.query_one("#model-hint", Static).update(model_hint(event.value))

    def on_mount(self) -> None:
        self.query_one("#engine", Select).focus()
        self.list_devices()

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        """Mark the row of the focused field (CSS lights up its label)."""
        focused = event.widget
        for row in self.query(".settings-row"):
            row.set_class(row in focused.ancestors_with_self, "-current")

    @work(thread=True, exclusive=True, exit_on_error=False, group="devices")
    def list_devices(self) -> None:
        """List microphones and speakers in a thread (PortAudio can take a moment to start)."""
        listers = {
            "input_device": self.vm.services.list_input_devices,
            "output_device": self.vm.services.list_output_devices,
        }
        for field, lister in listers.items():
            try:
                self.post_message(self.DevicesListed(field, lister(), None))
            except VoicemockError as error:
                self.post_message(self.DevicesListed(field, [], str(error)))

    def on_settings_screen_devices_listed(self, message: DevicesListed) -> None:
        current = getattr(self.vm.settings, message.field)
        options: list[tuple[str, str | int]] = [("System default", DEFAULT_DEVICE)]
        options += message.devices
        values = {value for _, value in options}
        if current is not None and current not in values:
            options.append((f"{current} (saved, not found now)", current))
        select = self.query_one(f"#{message.field}", Select)
        # Device names come from the system (and may hold brackets): text, never markup.
        select.set_options((plain(label), value) for label, value in options)
        select.value = DEFAULT_DEVICE if current is None else current
        if message.error:
            what = "Microphones" if message.field == "input_device" else "Speakers"
            self.query_one("#settings-error", Static).update(plain(f"{what}: {message.error}"))

    def read_form(self) -> Settings:
        """Build Settings from the form; raises ValueError/ValidationError on bad input."""
        device = self.query_one("#input_device", Select).value
        speaker = self.query_one("#output_device", Select).value
        engine = self.query_one("#engine", Select).value
        values: dict[str, Any] = {
            **self.vm.settings.model_dump(),
            "engine": engine,
            "model": self.query_one("#model", Input).value.strip() or DEFAULT_MODEL,
            "speak_questions": self.query_one("#speak_questions", Checkbox).value,
            "voice": _optional_text(self.query_one("#voice", Input).value),
            "rate_wpm": int(self.query_one("#rate_wpm", Input).value or 0),
            "input_device": None if device in (DEFAULT_DEVICE, Select.NULL) else device,
            "output_device": None if speaker in (DEFAULT_DEVICE, Select.NULL) else speaker,
            "silence_stop_s": _optional_float(self.query_one("#silence_stop_s", Input).value),
            "thinking_time_s": float(self.query_one("#thinking_time_s", Input).value or 0),
            "max_answer_s": float(self.query_one("#max_answer_s", Input).value or 0),
            "long_pause_s": float(self.query_one("#long_pause_s", Input).value or 0),
            "use_embeddings": self.query_one("#use_embeddings", Checkbox).value,
            "llm_url": _optional_text(self.query_one("#llm_url", Input).value),
            "llm_model": _optional_text(self.query_one("#llm_model", Input).value),
            "followups": self.query_one("#followups", Select).value,
        }
        return Settings.model_validate(values)

    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        """Validate and save the settings, then go back."""
        error_line = self.query_one("#settings-error", Static)
        try:
            settings = self.read_form()
        except ValidationError as error:
            error_line.update(plain(form_error(error)))
            return
        except ValueError as error:
            error_line.update(plain(f"Please enter numbers only ({error})"))
            return
        problem, warning = language_model_check(settings)
        if problem is not None:
            error_line.update(plain(problem))
            return
        if warning is not None:
            # Before any transcript goes to another machine, the user says yes once.
            self.app.push_screen(
                ConfirmDialog(
                    "Send your answers to another machine?",
                    "Send them",
                    "Don't send",
                    yes_keys=("s",),
                    detail=(
                        f"{warning} The language model gets the transcript of each answer to "
                        "word follow-ups and write coaching. Everything else stays here."
                    ),
                ),
                lambda yes: self._remote_answered(settings, bool(yes)),
            )
            return
        self._write(settings)

    def _remote_answered(self, settings: Settings, yes: bool) -> None:
        if yes:
            self._write(settings.model_copy(update={"llm_confirmed_url": settings.llm_url}))
            return
        self.query_one("#settings-error", Static).update(
            plain("Not saved: clear the language model URL or use one on this machine.")
        )

    def _write(self, settings: Settings) -> None:
        """Save the settings and go back (or say why they could not be saved)."""
        error_line = self.query_one("#settings-error", Static)
        try:
            path = self.vm.save_user_settings(settings)
        except OSError as error:
            error_line.update(plain(f"Could not save the settings: {error.strerror or error}"))
            return
        self.notify(f"Saved to {path}", title="Settings", timeout=6, markup=False)
        self.dismiss()

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss()


def language_model_check(settings: Settings) -> tuple[str | None, str | None]:
    """(problem, warning) of the language model in ``settings``.

    The problem is an unusable URL; the warning is for an endpoint not on this machine that
    the user has not yet agreed to send transcripts to.
    """
    from voicemock.speech.llm import EndpointError, parse_endpoint

    if not settings.llm_url:
        return None, None
    try:
        endpoint = parse_endpoint(settings.llm_url, settings.llm_model)
    except EndpointError as error:
        return f"Language model URL: {error}", None
    if settings.llm_confirmed_url == settings.llm_url:
        return None, None
    return None, endpoint.remote_warning()


def _device_select(field: str) -> Select[str | int]:
    """A device picker showing only the system default until the devices are listed."""
    return Select(
        [("System default", DEFAULT_DEVICE)],
        value=DEFAULT_DEVICE,
        allow_blank=False,
        id=field,
        compact=True,
    )
