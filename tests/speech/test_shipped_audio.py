"""The clips in audio/: small, 16 kHz mono, and what their README says they are."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import soundfile as sf

from voicemock import paths
from voicemock.errors import AudioFileError
from voicemock.speech.audio_io import load_audio

CLIPS = ("demo-answer.ogg", "short-answer.wav", "silence.wav", "truncated.wav")
MAX_TOTAL_BYTES = 500_000


def clip(name: str) -> Path:
    return paths.SHIPPED_AUDIO_DIR / name


def test_every_clip_is_small_16k_mono_and_described() -> None:
    readme = clip("README.md").read_text()
    total = 0
    for name in CLIPS:
        info = sf.info(str(clip(name)))
        assert (info.samplerate, info.channels) == (16000, 1), name
        assert f"`{name}`" in readme
        total += clip(name).stat().st_size
    assert total <= MAX_TOTAL_BYTES


def test_silence_is_refused_as_silent() -> None:
    with pytest.raises(AudioFileError, match="silent"):
        load_audio(clip("silence.wav"))


def test_the_truncated_recording_is_repaired(tmp_path: Path) -> None:
    from voicemock.core.wav import repair_wav

    copy = tmp_path / "truncated.wav"
    shutil.copyfile(clip("truncated.wav"), copy)
    with pytest.raises(AudioFileError, match="no audio"):
        load_audio(copy)
    assert repair_wav(copy) == 2 * 16000
    assert load_audio(copy).size == 2 * 16000


@pytest.mark.speech
def test_the_spoken_clips_say_their_texts() -> None:
    import jiwer

    from voicemock.commands.demo import DEMO_ANSWER
    from voicemock.speech.transcribe import get_transcriber

    transcriber = get_transcriber()
    transcriber.load()

    def heard(name: str) -> str:
        return transcriber.transcribe(load_audio(clip(name))).text

    def words(text: str) -> str:
        return " ".join(w.strip(".,?!").lower() for w in text.split())

    assert "agreed on one small goal" in words(heard("short-answer.wav"))
    assert jiwer.wer(words(DEMO_ANSWER), words(heard("demo-answer.ogg"))) < 0.1
