"""User settings: engine, model, voice, devices, thresholds; saved as JSON in the data dir."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from voicemock import paths
from voicemock.defaults import (
    DEFAULT_FOLLOWUPS,
    DEFAULT_LONG_PAUSE_S,
    DEFAULT_MAX_ANSWER_S,
    DEFAULT_MODEL,
    DEFAULT_RATE_WPM,
    FOLLOWUPS_RANGE,
    LONG_PAUSE_RANGE_S,
    MAX_ANSWER_RANGE_S,
    RATE_WPM_RANGE,
    SILENCE_STOP_RANGE_S,
    THINKING_TIME_RANGE_S,
)

# voicemock.defaults.ENGINES, as a type (a test checks the two agree).
EngineName = Literal["faster-whisper", "openai-whisper"]
DEFAULT_ENGINE: EngineName = "faster-whisper"


class Settings(BaseModel):
    """Everything the user can change in Settings; each field documents itself."""

    model_config = ConfigDict(extra="ignore", validate_assignment=True)

    engine: EngineName = DEFAULT_ENGINE
    """Transcription engine: faster-whisper (default) or openai-whisper (optional extra)."""
    model: str = DEFAULT_MODEL
    """Whisper model: tiny.en (embedded), base, base.en, small.en, or a local model directory."""
    voice: str | None = None
    """TTS voice id (e.g. gmw/en-us); None is the engine's default."""
    rate_wpm: int = Field(default=DEFAULT_RATE_WPM, ge=RATE_WPM_RANGE[0], le=RATE_WPM_RANGE[1])
    """Speaking rate of the question prompt, words per minute."""
    speak_questions: bool = True
    """Read each question aloud."""
    input_device: str | int | None = None
    """Microphone (name or index); None is the system default."""
    output_device: str | int | None = None
    """Speaker (name or index); None is the system default."""
    thinking_time_s: float = Field(
        default=0.0, ge=THINKING_TIME_RANGE_S[0], le=THINKING_TIME_RANGE_S[1]
    )
    """Seconds to think before recording starts."""
    max_answer_s: float = Field(
        default=DEFAULT_MAX_ANSWER_S, ge=MAX_ANSWER_RANGE_S[0], le=MAX_ANSWER_RANGE_S[1]
    )
    """Recording stops by itself after this many seconds."""
    silence_stop_s: float | None = Field(
        default=None, ge=SILENCE_STOP_RANGE_S[0], le=SILENCE_STOP_RANGE_S[1]
    )
    """Stop recording after this many seconds of silence (None: only by key or Enter)."""
    long_pause_s: float = Field(
        default=DEFAULT_LONG_PAUSE_S, ge=LONG_PAUSE_RANGE_S[0], le=LONG_PAUSE_RANGE_S[1]
    )
    """Silent gaps from this long are flagged as long pauses."""
    llm_url: str | None = None
    """Your own OpenAI-compatible language model (e.g. http://localhost:11434/v1); None: off."""
    llm_model: str | None = None
    """The model name that endpoint serves (e.g. llama3.2); None lets the server choose."""
    llm_confirmed_url: str | None = None
    """An endpoint not on this machine that you agreed to send transcripts to (asked once)."""
    use_embeddings: bool = True
    """Use the local sentence-embedding model when scoring (falls back to lexical signals)."""
    followups: int = Field(default=DEFAULT_FOLLOWUPS, ge=FOLLOWUPS_RANGE[0], le=FOLLOWUPS_RANGE[1])
    """Follow-up questions the interviewer may ask after each answer (0 turns them off)."""


def load_settings(path: Path | None = None) -> Settings:
    """Load saved settings; missing or unreadable files give the defaults."""
    from voicemock.files import regular_file_problem

    path = path or paths.settings_path()
    if regular_file_problem(path) is not None:  # missing, or a pipe that would block the read
        return Settings()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return Settings.model_validate(data)
    except (OSError, ValueError, ValidationError):
        return Settings()


def save_settings(settings: Settings, path: Path | None = None) -> Path:
    """Save settings atomically (a file only the user can read) and return the file path."""
    from voicemock.files import write_private_text

    path = path or paths.settings_path()
    write_private_text(path, settings.model_dump_json(indent=2))
    return path
