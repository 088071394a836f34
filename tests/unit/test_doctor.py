"""voicemock doctor: an optional engine that is not installed is said, not counted as a warning."""

from __future__ import annotations

import argparse
import importlib.util
from typing import Any

import pytest

from voicemock.commands import doctor


def without_openai_whisper(monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.util.find_spec

    def find_spec(name: str, *args: Any, **kwargs: Any) -> Any:
        return None if name in ("whisper", "torch") else real(name, *args, **kwargs)

    monkeypatch.setattr(doctor.importlib.util, "find_spec", find_spec)


def test_the_optional_engine_missing_is_info_in_plain_words(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    without_openai_whisper(monkeypatch)
    check = doctor.check_openai_whisper()
    assert check.status == "info"
    assert "optional, not installed" in check.detail
    # Plain words: not the Python module names.
    assert "torch missing" not in check.detail and "(whisper" not in check.detail

    # Only the optional engine is missing: nothing is counted as a warning.
    monkeypatch.setattr(doctor, "CHECKS", (doctor.check_openai_whisper, doctor.check_data_dir))
    monkeypatch.setattr(doctor, "_audio_checks", lambda: [])
    assert doctor.run(argparse.Namespace()) == 0
    out = capsys.readouterr().out
    assert "info" in out and "Optional engine" in out
    assert "Ready: everything works." in out
    assert "warning" not in out and "fix:" not in out


def test_the_voice_is_named_in_plain_words(monkeypatch: pytest.MonkeyPatch) -> None:
    from voicemock.speech import tts

    monkeypatch.setattr(tts, "tts_available", lambda: (True, "pyttsx3 with espeak-ng (libx.so)"))
    check = doctor.check_tts()
    assert check.status == "ok"
    assert "pyttsx3" not in check.detail and "espeak-ng" in check.detail


def test_a_missing_engine_is_said_without_module_names(monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins

    real_import = builtins.__import__

    def no_faster_whisper(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "faster_whisper":
            raise ModuleNotFoundError("No module named 'faster_whisper'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_faster_whisper)
    check = doctor.check_engine()
    assert check.status == "fail"
    assert check.detail == "faster-whisper is not installed"
    assert check.fix.startswith("pip install")
