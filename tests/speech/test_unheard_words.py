"""Words Whisper invents on silence ("Thank you.") are dropped: only words the audio holds stay.

On audio the tests make: the project's spoken clip with silence or low room noise after it (and
before it), and recordings of nothing but silence or low noise.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from voicemock.config import Settings
from voicemock.core.metrics import answer_length_s, spoken_span_s
from voicemock.core.models import SAMPLE_RATE_HZ, Segment, Transcript, Word
from voicemock.speech.audio_io import load_audio
from voicemock.speech.silence import drop_unheard_words
from voicemock.speech.transcribe import FasterWhisperTranscriber

pytestmark = pytest.mark.speech

SR = SAMPLE_RATE_HZ
CLIP = Path(__file__).resolve().parents[2] / "audio" / "short-answer.wav"
NOISE_RMS = 10 ** (-62 / 20)  # a quiet room through a laptop microphone, about -62 dBFS


@pytest.fixture(scope="module")
def transcriber() -> FasterWhisperTranscriber:
    engine = FasterWhisperTranscriber()
    engine.load()
    return engine


def background(seconds: float, rms: float, seed: int = 1) -> np.ndarray:
    """Steady noise of ``rms`` (0: digital silence)."""
    rng = np.random.default_rng(seed)
    return (rms * rng.standard_normal(round(seconds * SR))).astype(np.float32)


def with_invented(transcript: Transcript, at_s: float, text: str) -> Transcript:
    """``transcript`` with a segment Whisper might invent at ``at_s`` appended."""
    invented = tuple(
        Word(token, round(at_s + 0.4 * k, 2), round(at_s + 0.4 * k + 0.35, 2), 0.6)
        for k, token in enumerate(text.split())
    )
    segment = Segment(text, invented[0].start_s, invented[-1].end_s, invented)
    return Transcript(
        words=(*transcript.words, *invented),
        segments=(*transcript.segments, segment),
        engine="faster-whisper",
        model="tiny.en",
        audio_duration_s=transcript.audio_duration_s,
    )


@pytest.mark.parametrize("rms", [0.0, NOISE_RMS])
def test_words_after_the_speech_in_its_silence_are_dropped(
    rms: float, transcriber: FasterWhisperTranscriber
) -> None:
    clip = load_audio(CLIP)
    audio = np.concatenate([clip, background(8.0, rms)])
    heard = transcriber.transcribe(audio)
    assert len(heard.words) >= 10
    speech_end_s = clip.size / SR
    invented = with_invented(heard, speech_end_s + 3.0, "Thank you.")
    invented = with_invented(invented, speech_end_s + 5.5, "Thanks for watching!")

    kept = drop_unheard_words(invented, audio)

    assert [w.text for w in kept.words] == [w.text for w in heard.words]
    assert [s.text for s in kept.segments] == [s.text for s in heard.segments]
    assert max(w.end_s for w in kept.words) <= speech_end_s + 0.3
    # Every real word is kept as it was: the filter only ever removes.
    assert drop_unheard_words(heard, audio) == heard


@pytest.mark.parametrize("rms", [0.0, NOISE_RMS, 3 * NOISE_RMS])
def test_silence_or_low_noise_alone_holds_no_words(rms: float) -> None:
    audio = background(6.0, rms, seed=4)
    empty = Transcript(words=(), engine="faster-whisper", audio_duration_s=6.0)
    invented = with_invented(with_invented(empty, 1.0, "Thank you."), 3.0, "Bye.")
    kept = drop_unheard_words(invented, audio)
    assert kept.words == () and kept.segments == ()


def test_a_typed_transcript_is_left_alone() -> None:
    typed = Transcript.from_text("Thank you.")
    assert drop_unheard_words(typed, background(2.0, 0.0)) is typed


def test_an_answer_with_silence_around_it_is_measured_from_its_first_word(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from voicemock.pipeline import Answer

    monkeypatch.setenv("VOICEMOCK_HOME", str(tmp_path / "home"))
    clip = load_audio(CLIP)
    before_s, after_s = 4.0, 8.0
    audio = np.concatenate(
        [background(before_s, NOISE_RMS, 2), clip, background(after_s, NOISE_RMS, 3)]
    )
    path = tmp_path / "answer.wav"
    sf.write(str(path), np.round(audio * 32767).astype(np.int16), SR)
    recorded_s = audio.size / SR

    analysed = Answer(None, Settings(), audio_path=path).analyse()

    span = spoken_span_s(analysed.transcript)
    assert span is not None
    first_s, last_s = span
    speech_end_s = before_s + clip.size / SR
    assert before_s - 0.6 <= first_s <= before_s + 1.0  # Whisper starts words a little early
    assert last_s <= speech_end_s + 0.3  # nothing heard in the silence after it
    length = analysed.metrics.value("answer_time_s")
    assert length == pytest.approx(last_s - first_s, abs=0.01)
    assert length is not None and length < clip.size / SR + 0.5
    assert answer_length_s(analysed.metrics, recorded_s) == length  # the header's figure
    assert recorded_s - length > before_s + after_s - 1.0
