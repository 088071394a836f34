"""One source of defaults: settings, options and engines agree with voicemock.defaults."""

from __future__ import annotations

from typing import get_args

from voicemock import defaults
from voicemock.commands.options import ENGINE_CHOICES
from voicemock.config import EngineName, Settings


def test_the_settings_type_lists_the_engines() -> None:
    assert get_args(EngineName) == defaults.ENGINES == ENGINE_CHOICES


def test_settings_default_to_the_shared_defaults() -> None:
    settings = Settings()
    assert (settings.engine, settings.model) == (defaults.DEFAULT_ENGINE, defaults.DEFAULT_MODEL)
    assert settings.max_answer_s == defaults.DEFAULT_MAX_ANSWER_S
    assert settings.rate_wpm == defaults.DEFAULT_RATE_WPM
    assert settings.long_pause_s == defaults.DEFAULT_LONG_PAUSE_S


def test_the_engines_default_to_the_shared_defaults() -> None:
    from voicemock.speech import transcribe

    assert (transcribe.DEFAULT_ENGINE, transcribe.DEFAULT_MODEL) == (
        defaults.DEFAULT_ENGINE,
        defaults.DEFAULT_MODEL,
    )
