"""Transcribing an answer while it is recorded: chunks cut at pauses, one transcript at the end."""

from __future__ import annotations

import itertools
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jiwer
import numpy as np
import pytest

from voicemock.config import Settings
from voicemock.core.models import SAMPLE_RATE_HZ
from voicemock.pipeline import Answer
from voicemock.speech.audio_io import load_audio
from voicemock.speech.live import LiveTranscription, find_cut, find_pause
from voicemock.speech.transcribe import Transcriber, get_transcriber

pytestmark = pytest.mark.speech

SENTENCES = (
    "When a client pushes back, I first listen and try to understand what is behind it.",
    "Last year a client refused to come to group sessions because he felt judged there.",
    "I acknowledged that feeling and we agreed on one private session before the group.",
    "After two weeks he joined the group himself, and he stayed in treatment until the end.",
    "I learned that resistance usually points to a need that nobody has heard yet.",
)
GAP_S = 0.9  # a pause between sentences, as people make them
BLOCK = 1600  # 100 ms, as the recorder hands them over


def normalise(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s']", " ", text.lower()).split())


def heard(transcript: Any) -> str:
    return normalise(" ".join(w.text for w in transcript.words))


@pytest.fixture(scope="module")
def answer(make_speech: Callable[..., Path]) -> tuple[np.ndarray[Any, Any], list[float]]:
    """The sentences spoken with pauses between them, and where each pause is (its middle)."""
    gap = np.zeros(round(GAP_S * SAMPLE_RATE_HZ), dtype=np.float32)
    parts: list[np.ndarray[Any, Any]] = []
    pauses: list[float] = []
    length = 0
    for sentence in SENTENCES:
        speech = load_audio(make_speech(sentence, rate_wpm=160))
        parts += [speech, gap]
        length += speech.size + gap.size
        pauses.append((length - gap.size / 2) / SAMPLE_RATE_HZ)
    # int16 round trip: what the recorder writes and the saved file holds.
    samples = np.concatenate(parts)
    return np.round(samples * 32767).astype(np.int16).astype(np.float32) / 32768.0, pauses


@pytest.fixture(scope="module")
def transcriber() -> Transcriber:
    loaded = get_transcriber("faster-whisper", "tiny.en")
    loaded.load()
    return loaded


class Spy:
    """A transcriber that notes how many seconds of audio each call is given."""

    def __init__(self, transcriber: Transcriber) -> None:
        self.transcriber = transcriber
        self.calls: list[float] = []

    @property
    def name(self) -> str:
        return self.transcriber.name

    @property
    def model_name(self) -> str:
        return self.transcriber.model_name

    def load(self) -> None:
        self.transcriber.load()

    def transcribe(self, audio: Any, *, progress: Any = None) -> Any:
        self.calls.append(np.asarray(audio).size / SAMPLE_RATE_HZ)
        return self.transcriber.transcribe(audio, progress=progress)


def feed(live: LiveTranscription, samples: np.ndarray[Any, Any]) -> None:
    """Feed ``samples`` block by block, as the recorder hands them over."""
    for at in range(0, samples.size, BLOCK):
        live.feed(np.round(samples[at : at + BLOCK] * 32768.0).astype(np.int16))


def pause_start(samples: np.ndarray[Any, Any], at_s: float) -> float:
    """Where the pause around ``at_s`` begins: the last word before it has ended there."""
    from voicemock.speech.silence import detect_silences

    for start_s, end_s in detect_silences(samples):
        if start_s <= at_s <= end_s:
            return start_s
    raise AssertionError(f"no pause at {at_s} s")


def wait_ahead(live: LiveTranscription, samples: np.ndarray[Any, Any], pause_s: float) -> None:
    """Wait until the provisional piece reaches the pause around ``pause_s`` (it ends in it;
    where depends on how much of the pause had been fed when it was found)."""
    until_s = pause_start(samples, pause_s)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        provisional = live._provisional
        if provisional is not None and provisional.stop / SAMPLE_RATE_HZ >= until_s:
            return
        time.sleep(0.05)
    raise AssertionError(f"nothing was transcribed ahead up to the pause at {until_s} s")


def feed_until(
    live: LiveTranscription, samples: np.ndarray[Any, Any], start: int, stop: int, chunks: int
) -> None:
    """Feed samples[start:stop] block by block, then wait until ``chunks`` chunks are done."""
    for at in range(start, stop, BLOCK):
        live.feed(np.round(samples[at : min(stop, at + BLOCK)] * 32768.0).astype(np.int16))
    deadline = time.monotonic() + 60
    while live.chunk_count < chunks and time.monotonic() < deadline:
        time.sleep(0.05)
    assert live.chunk_count >= chunks, "no chunk was transcribed while the answer went on"


def test_chunks_are_cut_in_pauses_and_give_the_whole_answer(
    answer: tuple[np.ndarray[Any, Any], list[float]], transcriber: Transcriber
) -> None:
    samples, pauses = answer
    heard_so_far: list[str] = []
    live = LiveTranscription(lambda: transcriber, on_text=heard_so_far.append)
    half = samples.size // 2
    feed_until(live, samples, 0, half, chunks=1)
    feed_until(live, samples, half, samples.size, chunks=1)
    live.feed(None)
    done_before_the_end_s = live.transcribed_s
    assert done_before_the_end_s >= 8.0

    progress: list[float] = []
    transcript = live.finish(samples, progress=progress.append)
    assert live._buffer is None  # the audio fed is let go once it has served

    # Every cut fell inside a pause, never inside a word.
    cuts = [chunk.stop / SAMPLE_RATE_HZ for chunk in live._chunks]
    # (a chunk in hand when the answer ended is completed and kept)
    assert cuts and cuts[-1] == pytest.approx(live.transcribed_s)
    assert live.transcribed_s >= done_before_the_end_s
    for cut in cuts:
        assert min(abs(cut - p) for p in pauses) < GAP_S / 2, (cut, pauses)
    # One transcript of the whole answer, timed from its start.
    said = normalise(" ".join(SENTENCES))
    assert jiwer.wer(said, heard(transcript)) <= 0.15
    starts = [w.start_s for w in transcript.words]
    assert starts == sorted(starts)
    assert transcript.audio_duration_s == pytest.approx(samples.size / SAMPLE_RATE_HZ, abs=0.01)
    assert all(0 <= w.start_s <= w.end_s <= transcript.audio_duration_s for w in transcript.words)
    assert [w for s in transcript.segments for w in s.words] == list(transcript.words)
    assert transcript.engine == "faster-whisper" and transcript.model == "tiny.en"
    assert progress and progress[-1] == 1.0
    # The last chunk's words are placed where they were said, not at the chunk's start (its
    # last word itself varies: tiny.en hears "has heard" or "does done").
    assert transcript.words[-1].start_s > samples.size / SAMPLE_RATE_HZ - GAP_S - 2.0
    # Each chunk handed the text heard so far on, while the answer went on.
    assert heard_so_far and heard_so_far[0]
    assert all(later.startswith(earlier) for earlier, later in itertools.pairwise(heard_so_far))
    assert normalise(heard_so_far[-1]).split()[:5] == normalise(transcript.text).split()[:5]
    # The same words as transcribing the saved file in one go.
    whole = transcriber.transcribe(samples)
    assert jiwer.wer(heard(whole), heard(transcript)) <= 0.1


def test_a_file_that_differs_from_what_was_fed_is_transcribed_whole(
    answer: tuple[np.ndarray[Any, Any], list[float]],
    transcriber: Transcriber,
    make_speech: Callable[..., Path],
) -> None:
    samples, _ = answer
    live = LiveTranscription(lambda: transcriber)
    feed_until(live, samples, 0, samples.size, chunks=1)
    live.feed(None)
    other_text = "The file on disk holds a different answer about planning a small garden."
    other = load_audio(make_speech(other_text))
    transcript = live.finish(other)
    assert jiwer.wer(normalise(other_text), heard(transcript)) <= 0.2
    assert "client" not in heard(transcript)


def test_a_short_answer_is_transcribed_at_the_end(
    answer: tuple[np.ndarray[Any, Any], list[float]], transcriber: Transcriber
) -> None:
    samples, pauses = answer
    first = samples[: round(pauses[0] * SAMPLE_RATE_HZ)]  # one sentence: under MIN_CHUNK_S
    live = LiveTranscription(lambda: transcriber)
    live.feed(np.round(first * 32768.0).astype(np.int16))
    live.feed(None)
    transcript = live.finish(first)
    assert live.chunk_count == 0
    assert jiwer.wer(normalise(SENTENCES[0]), heard(transcript)) <= 0.15


def test_a_model_that_fails_during_the_answer_is_retried_at_the_end(
    answer: tuple[np.ndarray[Any, Any], list[float]], transcriber: Transcriber
) -> None:
    samples, _ = answer
    calls: list[str] = []

    def load() -> Transcriber:
        calls.append("load")
        if len(calls) == 1:
            raise RuntimeError("the model was still being installed")
        return transcriber

    live = LiveTranscription(load)
    for at in range(0, samples.size, BLOCK):
        live.feed(samples[at : at + BLOCK])
    deadline = time.monotonic() + 30
    while len(calls) < 1 and time.monotonic() < deadline:
        time.sleep(0.05)
    live.feed(None)
    transcript = live.finish(samples)
    assert live.chunk_count == 0 and len(calls) == 2
    assert jiwer.wer(normalise(" ".join(SENTENCES)), heard(transcript)) <= 0.15


def test_what_was_said_before_the_last_pause_is_transcribed_ahead(
    answer: tuple[np.ndarray[Any, Any], list[float]], transcriber: Transcriber
) -> None:
    samples, pauses = answer
    # Two sentences (too short for a chunk), then the speaker stops talking before the stop.
    said = samples[: round(pauses[1] * SAMPLE_RATE_HZ)]
    said = np.concatenate([said, np.zeros(round(0.8 * SAMPLE_RATE_HZ), np.float32)])
    spy = Spy(transcriber)
    live = LiveTranscription(lambda: spy)
    first = round(pauses[0] * SAMPLE_RATE_HZ)
    feed(live, said[:first])
    wait_ahead(live, samples, pauses[0])
    feed(live, said[first:])
    wait_ahead(live, samples, pauses[1])
    ahead = len(spy.calls)
    live.feed(None)
    transcript = live.finish(said)
    assert live.chunk_count == 0
    # Ahead once per pause, from the start: after the first sentence, then after both.
    assert ahead == 2 and spy.calls[0] < pauses[0] < spy.calls[1] < said.size / SAMPLE_RATE_HZ
    assert live._provisional is not None and live._provisional.start == 0
    # At the end only silence was left: what follows the last word.
    silence_s = said.size / SAMPLE_RATE_HZ - pause_start(samples, pauses[1])
    assert all(seconds < silence_s for seconds in spy.calls[ahead:])
    assert jiwer.wer(normalise(" ".join(SENTENCES[:2])), heard(transcript)) <= 0.15
    assert transcript.words[-1].start_s > pauses[0]
    assert transcript.audio_duration_s == pytest.approx(said.size / SAMPLE_RATE_HZ, abs=0.01)


def test_speech_after_the_provisional_piece_is_transcribed_at_the_end(
    answer: tuple[np.ndarray[Any, Any], list[float]], transcriber: Transcriber
) -> None:
    samples, pauses = answer
    spy = Spy(transcriber)
    live = LiveTranscription(lambda: spy)
    first = round(pauses[0] * SAMPLE_RATE_HZ)
    feed(live, samples[:first])
    wait_ahead(live, samples, pauses[0])
    # The second sentence, stopped as soon as its last word ends: no pause after it.
    said = samples[: round((pauses[1] - GAP_S / 2 + 0.05) * SAMPLE_RATE_HZ)]
    feed(live, said[first:])
    live.feed(None)
    ahead = live._provisional
    assert ahead is not None and ahead.stop <= first
    done = len(spy.calls)
    transcript = live.finish(said)
    # Only what followed the provisional piece was transcribed at the end.
    assert spy.calls[done:] == [pytest.approx((said.size - ahead.stop) / SAMPLE_RATE_HZ)]
    assert jiwer.wer(normalise(" ".join(SENTENCES[:2])), heard(transcript)) <= 0.15
    second = [w for w in transcript.words if w.start_s > pauses[0]]
    assert jiwer.wer(normalise(SENTENCES[1]), normalise(" ".join(w.text for w in second))) <= 0.2


def test_a_file_that_differs_from_the_provisional_piece_is_transcribed_whole(
    answer: tuple[np.ndarray[Any, Any], list[float]], transcriber: Transcriber
) -> None:
    samples, pauses = answer
    said = samples[: round(pauses[1] * SAMPLE_RATE_HZ)]
    spy = Spy(transcriber)
    live = LiveTranscription(lambda: spy)
    feed(live, said)
    wait_ahead(live, samples, pauses[1])
    live.feed(None)
    ahead = live._provisional
    assert ahead is not None
    # One sample differs after the provisional piece: it is kept, the rest transcribed.
    saved = said.copy()
    saved[ahead.stop + 100] += 0.01
    done = len(spy.calls)
    transcript = live.finish(saved)
    assert spy.calls[done:] == [pytest.approx((saved.size - ahead.stop) / SAMPLE_RATE_HZ)]
    assert jiwer.wer(normalise(" ".join(SENTENCES[:2])), heard(transcript)) <= 0.15
    # One sample differs in it: the whole file is transcribed.
    saved = said.copy()
    saved[SAMPLE_RATE_HZ] += 0.01
    done = len(spy.calls)
    transcript = live.finish(saved)
    assert spy.calls[done:] == [pytest.approx(saved.size / SAMPLE_RATE_HZ)]
    assert jiwer.wer(normalise(" ".join(SENTENCES[:2])), heard(transcript)) <= 0.15


def test_find_pause_takes_the_last_pause_even_one_still_going_on() -> None:
    rng = np.random.default_rng(5)
    noise = (0.2 * rng.standard_normal(10 * SAMPLE_RATE_HZ)).astype(np.float32)
    for start_s, end_s in ((1.0, 1.6), (4.0, 4.2), (5.0, 5.6), (9.4, 10.0)):
        noise[round(start_s * SAMPLE_RATE_HZ) : round(end_s * SAMPLE_RATE_HZ)] = 0.0
    least = round(1.5 * SAMPLE_RATE_HZ)

    def at(seconds: float) -> int:
        return round(seconds * SAMPLE_RATE_HZ)

    def found(audio: np.ndarray[Any, Any], after_s: float = 0.0) -> float | None:
        pause = find_pause(audio, least, at(after_s))
        return None if pause is None else pause / SAMPLE_RATE_HZ

    # The last pause long enough, still going on at the end of the audio.
    assert found(noise) == pytest.approx(9.7, abs=0.05)
    assert found(noise[: at(9.9)]) == pytest.approx(9.65, abs=0.05)
    # A pause not yet long enough is not one; the one before it is (0.2 s is too short).
    assert found(noise[: at(9.6)]) == pytest.approx(5.3, abs=0.05)
    # Only a pause after the one the last piece ended in is new.
    assert found(noise[: at(9.6)], after_s=5.3) is None
    assert found(noise, after_s=5.3) == pytest.approx(9.7, abs=0.05)
    # Too little said before a pause: none yet.
    assert found(noise[: at(4.0)]) is None
    assert find_pause(noise[: at(1.4)], least) is None


def test_find_cut_prefers_the_first_pause_after_the_minimum() -> None:
    rng = np.random.default_rng(5)
    noise = (0.2 * rng.standard_normal(30 * SAMPLE_RATE_HZ)).astype(np.float32)
    for start_s, end_s in ((3.0, 3.8), (12.0, 12.6), (18.0, 19.0)):
        noise[round(start_s * SAMPLE_RATE_HZ) : round(end_s * SAMPLE_RATE_HZ)] = 0.0
    cut = find_cut(noise, 8 * SAMPLE_RATE_HZ, 25 * SAMPLE_RATE_HZ)
    assert cut is not None and 12.0 < cut / SAMPLE_RATE_HZ < 12.6
    # Too little audio yet: wait.
    assert find_cut(noise[: 8 * SAMPLE_RATE_HZ], 8 * SAMPLE_RATE_HZ, 25 * SAMPLE_RATE_HZ) is None
    # No pause long enough and under the maximum: wait for more.
    busy = (0.2 * rng.standard_normal(20 * SAMPLE_RATE_HZ)).astype(np.float32)
    assert find_cut(busy, 8 * SAMPLE_RATE_HZ, 25 * SAMPLE_RATE_HZ) is None
    # No pause at all by the maximum: the quietest moment between minimum and maximum.
    busy = (0.2 * rng.standard_normal(26 * SAMPLE_RATE_HZ)).astype(np.float32)
    busy[round(15.0 * SAMPLE_RATE_HZ) : round(15.3 * SAMPLE_RATE_HZ)] *= 0.05
    cut = find_cut(busy, 8 * SAMPLE_RATE_HZ, 25 * SAMPLE_RATE_HZ)
    assert cut is not None and 15.0 <= cut / SAMPLE_RATE_HZ <= 15.3


def test_an_answer_uses_what_was_transcribed_while_it_was_recorded(
    answer: tuple[np.ndarray[Any, Any], list[float]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import soundfile as sf

    samples, _ = answer
    path = tmp_path / "answer.wav"
    sf.write(str(path), np.round(samples * 32768.0).astype(np.int16), SAMPLE_RATE_HZ)
    finished: list[LiveTranscription] = []
    original = LiveTranscription.finish

    def spy(self: LiveTranscription, *args: Any, **kwargs: Any) -> Any:
        finished.append(self)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(LiveTranscription, "finish", spy)
    monkeypatch.setenv("VOICEMOCK_HOME", str(tmp_path / "home"))
    settings = Settings()
    answer = Answer(None, settings, audio_path=path)
    tap = answer.listen()
    for at in range(0, samples.size, BLOCK):
        tap(np.round(samples[at : at + BLOCK] * 32768.0).astype(np.int16))
    tap(None)
    analysed = answer.analyse()
    assert len(finished) == 1
    assert jiwer.wer(normalise(" ".join(SENTENCES)), heard(analysed.transcript)) <= 0.15
    assert analysed.transcript.silences  # pauses measured on the audio as usual
    # Used once: analysing the same answer again transcribes the file afresh.
    assert answer.analyse().transcript.words
    assert len(finished) == 1


def test_an_answer_left_behind_stops_transcribing(tmp_path: Path) -> None:
    kept, closed, discarded = (
        Answer(None, Settings(), audio_path=tmp_path / f"{name}.wav")
        for name in ("kept", "closed", "discarded")
    )
    lives: list[LiveTranscription] = [
        answer.listen().__self__ for answer in (kept, closed, discarded)
    ]  # type: ignore[attr-defined]
    discarded.audio_path.write_bytes(b"RIFF")
    closed.close()
    discarded.discard()
    for live in lives[1:]:
        live._thread.join(5)
        assert not live._thread.is_alive()
    assert not discarded.audio_path.exists()
    assert lives[0]._thread.is_alive()
    kept.close()
