"""Speaking the question, for real: the prompt is synthesised, cached and heard at the speaker."""

from __future__ import annotations

import importlib.util
import time
from pathlib import Path
from typing import Any

import pytest
import soundfile as sf

from tests.fixtures.sound_server import VirtualAudioServer, to_pcm16
from tests.fixtures.virtual_audio import align
from voicemock import paths
from voicemock.errors import AudioFileError, TTSUnavailableError
from voicemock.speech import tts
from voicemock.speech.tts import QuestionSpeaker

QUESTION = "Tell me about a time you changed your plan because of new information."


@pytest.fixture
def synth_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Counts real synthesis runs (the real function still runs)."""
    calls: list[str] = []
    real = tts.synthesize_to_wav

    def counting(text: str, out_path: Path, **kwargs: Any) -> Path:
        calls.append(text)
        return real(text, out_path, **kwargs)

    monkeypatch.setattr(tts, "synthesize_to_wav", counting)
    return calls


def test_spoken_question_arrives_at_the_speaker(virtual_audio: VirtualAudioServer) -> None:
    speaker = QuestionSpeaker(rate_wpm=180)
    prompt = speaker.prompt_wav(QUESTION)
    virtual_audio.start_speaker_capture()
    started = time.monotonic()
    duration_s = speaker.speak(QUESTION)
    returned_after_s = time.monotonic() - started
    assert speaker.is_speaking
    assert speaker.wait(duration_s + 5)
    heard = virtual_audio.stop_speaker_capture()
    assert not speaker.is_speaking
    assert duration_s == pytest.approx(sf.info(str(prompt)).duration, abs=0.01)
    assert 1.0 < duration_s < 10.0
    assert returned_after_s < duration_s / 2, "speak() must not block until the end"
    reference = to_pcm16(prompt, None, virtual_audio.sample_rate_hz)
    lag, correlation = align(heard, reference)
    assert lag >= 0
    assert correlation > 0.95


def test_prompt_cache_returns_the_same_file_without_resynthesising(
    synth_calls: list[str],
) -> None:
    speaker = QuestionSpeaker(rate_wpm=170)
    first = speaker.prompt_wav(QUESTION)
    assert len(synth_calls) == 1
    assert first.parent == paths.cache_dir() / "prompts"
    modified = first.stat().st_mtime_ns
    again = QuestionSpeaker(rate_wpm=170).prompt_wav(QUESTION)
    assert again == first
    assert len(synth_calls) == 1, "a cached prompt was synthesised again"
    assert first.stat().st_mtime_ns == modified
    # A different rate is different audio: a new file, made once.
    faster = QuestionSpeaker(rate_wpm=260).prompt_wav(QUESTION)
    assert faster != first and len(synth_calls) == 2
    assert sf.info(str(faster)).duration < sf.info(str(first)).duration
    assert list((paths.cache_dir() / "prompts").glob("*partial*")) == []


def test_speak_can_be_stopped(virtual_audio: VirtualAudioServer) -> None:
    speaker = QuestionSpeaker(rate_wpm=150)
    duration_s = speaker.speak(QUESTION + " " + QUESTION)
    time.sleep(0.3)
    speaker.stop()
    assert speaker.wait(1)
    assert not speaker.is_speaking
    assert speaker.player.position_s < duration_s / 2


def test_available_and_voices() -> None:
    ok, reason = QuestionSpeaker().available()
    assert ok, reason
    assert "espeak" in reason
    voices = QuestionSpeaker().list_voices()
    ids = {voice.id for voice in voices}
    assert "gmw/en-us" in ids
    assert all(voice.name for voice in voices)


def test_without_tts_the_reason_is_given(monkeypatch: pytest.MonkeyPatch) -> None:
    real_find_spec = importlib.util.find_spec

    def find_spec(name: str, *args: Any) -> Any:
        return None if name == "pyttsx3" else real_find_spec(name, *args)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)
    speaker = QuestionSpeaker()
    ok, reason = speaker.available()
    assert not ok and "pyttsx3" in reason
    with pytest.raises(TTSUnavailableError, match="pyttsx3"):
        speaker.speak("A question nobody has cached yet.")
    assert speaker.list_voices() == []


def test_empty_text_is_refused() -> None:
    with pytest.raises(TTSUnavailableError):
        QuestionSpeaker().prompt_wav("   ")


def test_synthesis_replaces_a_file_whole_and_refuses_a_folder(tmp_path: Path) -> None:
    out = tmp_path / "line.wav"
    out.write_bytes(b"an old file that is not audio")
    assert tts.synthesize_to_wav("Hello there.", out, rate_wpm=200) == out
    assert sf.info(str(out)).duration > 0.3
    assert sorted(p.name for p in tmp_path.iterdir()) == ["line.wav"]  # no partial file left
    folder = tmp_path / "folder.wav"
    folder.mkdir()
    with pytest.raises(AudioFileError, match="is a folder"):
        tts.synthesize_to_wav("Hello there.", folder)


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs /proc (Linux)")
def test_a_folder_that_takes_no_file_is_named_not_an_engine_error() -> None:
    # /proc refuses new files even to root: the failure is the path's, in plain words.
    with pytest.raises(AudioFileError, match=r"cannot write /proc/voicemock-test\.wav"):
        tts.synthesize_to_wav("Hello there.", Path("/proc/voicemock-test.wav"))


VOICES = (
    tts.VoiceInfo("gmw/en", "English (Great Britain)", ("en-gb",)),
    tts.VoiceInfo("gmw/en-us", "English (America)", ("en-us",)),
    tts.VoiceInfo("gmw/de", "German", ("de",)),
    tts.VoiceInfo("HKEY/Zira", "Microsoft Zira"),
)


@pytest.mark.parametrize(
    ("requested", "voice_id"),
    [
        ("gmw/en-us", "gmw/en-us"),
        ("en-us", "gmw/en-us"),  # the language code
        ("EN-GB", "gmw/en"),
        ("en", "gmw/en"),  # the id without its family
        ("german", "gmw/de"),  # the name
        ("microsoft zira", "HKEY/Zira"),
        ("klingon", None),
        ("", None),
    ],
)
def test_a_voice_is_found_by_id_language_or_name(requested: str, voice_id: str | None) -> None:
    found = tts.resolve_voice(requested, VOICES)
    assert (found.id if found else None) == voice_id


def test_an_unknown_voice_is_refused_with_a_close_match() -> None:
    assert tts.check_voice("en-us", VOICES) == "gmw/en-us"
    with pytest.raises(tts.UnknownVoiceError, match=r"did you mean en-us\?.*--list-voices"):
        tts.check_voice("en-usa", VOICES)
    with pytest.raises(TTSUnavailableError, match="unknown voice 'vulcan'"):
        tts.check_voice("vulcan", VOICES)


def test_voices_for_a_language_prefix() -> None:
    assert [v.id for v in tts.voices_for_language(VOICES, "en")] == ["gmw/en", "gmw/en-us"]
    assert [v.id for v in tts.voices_for_language(VOICES, "en-us")] == ["gmw/en-us"]
    assert tts.voices_for_language(VOICES, "fr") == []


def test_the_engine_takes_the_language_code_as_the_same_voice(tmp_path: Path) -> None:
    voices = tts.list_voices()
    assert tts.check_voice("en-us", voices) == "gmw/en-us"
    by_language = tts.synthesize_to_wav(
        "Hello there.", tmp_path / "a.wav", voice=tts.check_voice("en-us", voices), rate_wpm=200
    )
    by_id = tts.synthesize_to_wav(
        "Hello there.", tmp_path / "b.wav", voice="gmw/en-us", rate_wpm=200
    )
    assert by_language.read_bytes() == by_id.read_bytes()
