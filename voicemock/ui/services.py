"""The engines the app drives, bundled so tests can swap one: the real ones by default.

Every default imports its module only when called, so the app paints its first screen before
any audio or model library is loaded.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from voicemock.config import Settings
    from voicemock.core.rubrics import RubricLibrary
    from voicemock.core.store import SessionStore

    # Types only: the pipeline is imported when an answer is recorded, not before the app's
    # first frame.
    from voicemock.pipeline import AudioTap, Recorder, RecordingResult
    from voicemock.speech.transcribe import Transcriber

__all__ = ["Player", "Recorder", "RecordingResult", "Services", "Speaker"]


class Speaker(Protocol):
    """Speaks a question aloud (the real one is ``voicemock.speech.tts.QuestionSpeaker``)."""

    def speak(self, text: str) -> float:
        """Start speaking ``text``; returns its duration in seconds."""
        ...

    def wait(self, timeout: float | None = None) -> object:
        """Block until the speech has finished (or ``timeout`` seconds passed)."""
        ...

    def stop(self) -> None:
        """Stop speaking at once."""
        ...


class Player(Protocol):
    """Plays a recording (the real one is ``voicemock.speech.playback.Player``)."""

    def play(self, source: Path, start_s: float = 0.0) -> object:
        """Start playing the file ``source`` from ``start_s``."""
        ...

    def pause(self) -> None:
        """Pause, keeping the position."""
        ...

    def resume(self) -> None:
        """Carry on after a pause."""
        ...

    def seek(self, position_s: float) -> None:
        """Jump to ``position_s``."""
        ...

    def stop(self) -> None:
        """Stop and release the device."""
        ...

    @property
    def position_s(self) -> float: ...

    @property
    def duration_s(self) -> float: ...

    @property
    def is_playing(self) -> bool: ...


def load_real_library() -> RubricLibrary:
    """Load the shipped and the user's question banks."""
    from voicemock.core.rubrics import load_library

    return load_library()


def open_real_store() -> SessionStore:
    """Open the session store in the data dir (one per thread: SQLite wants that)."""
    from voicemock.core.store import SessionStore

    return SessionStore()


def make_real_speaker(settings: Settings) -> Speaker:
    """The text-to-speech speaker, with the voice, rate and output device from settings."""
    from voicemock.speech.tts import QuestionSpeaker

    return QuestionSpeaker(
        voice=settings.voice, rate_wpm=settings.rate_wpm, device=settings.output_device
    )


def make_real_recorder(out_path: Path, settings: Settings, on_audio: AudioTap) -> Recorder:
    """The microphone recorder, writing to ``out_path`` and handing each block to ``on_audio``."""
    from voicemock.pipeline import microphone_recorder

    return microphone_recorder(out_path, settings, on_audio)


def make_real_player(settings: Settings) -> Player:
    """The audio player on the output device from settings."""
    from voicemock.speech.playback import Player as RealPlayer

    return RealPlayer(device=settings.output_device)


def load_real_transcriber(settings: Settings) -> Transcriber:
    """The Whisper engine and model of the settings, loaded (once per process)."""
    from voicemock.pipeline import load_transcriber

    return load_transcriber(settings)


def warm_up_real(settings: Settings) -> None:
    """Load the transcription model (and the sentence embedder) so the first answer is quick."""
    from voicemock.pipeline import warm_up

    warm_up(settings)


def list_real_input_devices() -> list[tuple[str, str | int]]:
    """Input devices as (label, value) pairs; empty when none can be listed."""
    return _real_devices("input")


def list_real_output_devices() -> list[tuple[str, str | int]]:
    """Output devices as (label, value) pairs; empty when none can be listed."""
    return _real_devices("output")


def _real_devices(kind: str) -> list[tuple[str, str | int]]:
    try:
        from voicemock.speech.devices import list_devices
    except ImportError:
        return []
    return [
        (device.label, device.name)
        for device in list_devices()
        if (device.inputs if kind == "input" else device.outputs) > 0
    ]


@dataclass(frozen=True)
class Services:
    """Factories for everything the app drives; ``dataclasses.replace`` one to swap it."""

    load_library: Callable[[], RubricLibrary] = load_real_library
    open_store: Callable[[], SessionStore] = open_real_store
    make_speaker: Callable[[Settings], Speaker] = make_real_speaker
    make_recorder: Callable[[Path, Settings, AudioTap], Recorder] = make_real_recorder
    make_player: Callable[[Settings], Player] = make_real_player
    load_transcriber: Callable[[Settings], Transcriber] = load_real_transcriber
    warm_up: Callable[[Settings], None] | None = warm_up_real
    list_input_devices: Callable[[], list[tuple[str, str | int]]] = list_real_input_devices
    list_output_devices: Callable[[], list[tuple[str, str | int]]] = list_real_output_devices
