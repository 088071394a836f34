"""Errors with messages meant for users: the CLI and TUI show them without a traceback."""

from __future__ import annotations


class VoicemockError(Exception):
    """Base class: ``str(error)`` is a complete, one-line message for the user."""

    exit_code = 1


class AudioFileError(VoicemockError):
    """An audio file is missing, empty, corrupt, silent or in an unsupported format."""


class NoSpeechError(AudioFileError):
    """A recording holds no speech: it is silent, or nothing was heard in a short take."""


class ModelNotAvailableError(VoicemockError):
    """A transcription model is not available offline; the message says how to get it."""


class EngineNotAvailableError(VoicemockError):
    """A transcription engine (or another optional component) is not installed."""


class RubricError(VoicemockError):
    """A rubric or question bank file is malformed; the message names the file and place."""


class QuestionNotFoundError(VoicemockError):
    """No question with the requested id exists in any bank."""


class ImportPageError(VoicemockError):
    """An interview-prep page does not have the expected shape."""


class AudioDeviceError(VoicemockError):
    """No microphone or speaker, or a device failed or vanished while in use."""


class TTSUnavailableError(VoicemockError):
    """Text-to-speech is not available; the question can still be shown."""


class StoreError(VoicemockError):
    """The session store could not be read or written (e.g. the disk is full)."""


class DataDirError(VoicemockError):
    """The data folder (or one inside it) cannot be created or written."""
