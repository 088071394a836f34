"""``voicemock demo`` plays its sample answer on the speaker while it is analysed."""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pytest

from tests.fixtures.sound_server import VirtualAudioServer
from tests.fixtures.virtual_audio import align
from voicemock import paths
from voicemock.commands import demo
from voicemock.speech.audio_io import load_audio


def test_demo_plays_the_answer_then_reports(
    virtual_audio: VirtualAudioServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # The short clip instead of the 34 s one: the same path through the command, sooner.
    short = paths.SHIPPED_AUDIO_DIR / "short-answer.wav"
    monkeypatch.setattr(demo, "demo_clip", lambda: short)
    virtual_audio.start_speaker_capture()
    assert demo.run(argparse.Namespace(json=False, no_play=False)) == 0
    heard = virtual_audio.stop_speaker_capture()
    out, err = capsys.readouterr()
    assert "Not played" not in err
    assert "agreed on one small goal" in out
    sent = np.round(load_audio(short) * 32767).astype(np.int16)
    lag, correlation = align(heard, sent)
    assert correlation > 0.99, (lag, heard.size, sent.size)


def test_demo_without_a_speaker_still_reports(
    no_audio_devices: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert demo.run(argparse.Namespace(json=False, no_play=False)) == 0
    out, err = capsys.readouterr()
    assert "Not played: no speaker found." in err
    assert "Rubric score" in out


def test_the_shipped_clip_is_the_demo_answer() -> None:
    assert demo.demo_clip() == Path(paths.SHIPPED_AUDIO_DIR, demo.DEMO_CLIP)
    assert demo.demo_clip().is_file()
