"""Silences found from the audio's energy: synthetic signals with known gaps, then real speech."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
import soundfile as sf

from tests.conftest import SHARED_SPEECH_DIR
from voicemock.core.models import Transcript, Word
from voicemock.speech.silence import (
    MIN_SILENCE_S,
    detect_silences,
    frame_energy_db,
    silence_threshold_db,
    with_silences,
)

RATE_HZ = 16000
TOLERANCE_S = 0.05
Samples = npt.NDArray[np.float32]


def speechlike(duration_s: float, rng: np.random.Generator, level: float = 0.3) -> Samples:
    """Noise with a syllable-rate (4 Hz) loudness swing: loud and quiet stretches, no silence."""
    t = np.arange(round(duration_s * RATE_HZ)) / RATE_HZ
    envelope = level * (0.15 + 0.85 * np.sin(np.pi * 4.0 * t) ** 2)
    return (envelope * rng.standard_normal(t.size)).astype(np.float32)


def floor_noise(duration_s: float, rng: np.random.Generator, level: float) -> Samples:
    """Steady background noise of RMS ``level`` (0 gives digital silence)."""
    return (level * rng.standard_normal(round(duration_s * RATE_HZ))).astype(np.float32)


def build(
    parts: Sequence[tuple[str, float]], *, floor: float = 1e-3, seed: int = 0
) -> tuple[Samples, list[tuple[float, float]]]:
    """Audio from ("speech"|"gap", duration_s) parts, and where each gap lies in seconds."""
    rng = np.random.default_rng(seed)
    chunks: list[Samples] = []
    gaps: list[tuple[float, float]] = []
    t = 0.0
    for kind, duration_s in parts:
        if kind == "speech":
            # Background noise lies under the speech too, as in a real room.
            chunks.append(speechlike(duration_s, rng) + floor_noise(duration_s, rng, floor))
        else:
            chunks.append(floor_noise(duration_s, rng, floor))
            gaps.append((t, t + duration_s))
        t += duration_s
    return np.concatenate(chunks), gaps


def assert_intervals(
    found: Sequence[tuple[float, float]], expected: Sequence[tuple[float, float]]
) -> None:
    assert len(found) == len(expected), (found, expected)
    for (start_s, end_s), (want_start, want_end) in zip(found, expected, strict=True):
        assert start_s == pytest.approx(want_start, abs=TOLERANCE_S), (found, expected)
        assert end_s == pytest.approx(want_end, abs=TOLERANCE_S), (found, expected)


PARTS: list[tuple[str, float]] = [
    ("gap", 0.5),
    ("speech", 1.2),
    ("gap", 0.8),
    ("speech", 0.9),
    ("gap", 1.5),
    ("speech", 1.1),
    ("gap", 0.3),
    ("speech", 0.7),
    ("gap", 0.4),
]


def test_gaps_in_a_noise_floor_are_found_with_their_edges() -> None:
    samples, gaps = build(PARTS, floor=1e-3)  # about -60 dBFS of background
    assert_intervals(detect_silences(samples), gaps)


def test_digital_silence_between_sounds_is_found() -> None:
    samples, gaps = build(PARTS, floor=0.0)
    assert_intervals(detect_silences(samples), gaps)


def test_a_loud_background_still_separates_from_speech() -> None:
    # Background only ~25 dB under the speech peaks: a noisy room.
    samples, gaps = build(PARTS, floor=0.01)
    assert_intervals(detect_silences(samples), gaps)


def test_a_quiet_recording_gives_the_same_silences() -> None:
    samples, gaps = build(PARTS, floor=1e-3, seed=3)
    loud = detect_silences(samples)
    quiet = detect_silences(samples * np.float32(0.1))  # 20 dB down
    assert_intervals(quiet, gaps)
    assert_intervals(quiet, loud)
    threshold_loud = silence_threshold_db(frame_energy_db(samples))
    threshold_quiet = silence_threshold_db(frame_energy_db(samples * np.float32(0.1)))
    assert threshold_loud is not None and threshold_quiet is not None
    assert threshold_loud - threshold_quiet == pytest.approx(20.0, abs=1.0)


def test_zero_padding_does_not_hide_pauses_in_room_noise() -> None:
    # Digital zeros at both ends (a trimmed or padded file) and a pause in room noise between.
    speech, gaps = build([("speech", 1.0), ("gap", 0.9), ("speech", 1.0)], floor=3e-3)
    zeros = np.zeros(RATE_HZ, dtype=np.float32)
    samples = np.concatenate([zeros, speech, zeros])
    expected = [(0.0, 1.0), *[(a + 1.0, b + 1.0) for a, b in gaps], (3.9, 4.9)]
    assert_intervals(detect_silences(samples), expected)


def test_short_gaps_are_articulation_not_silences() -> None:
    # 150 ms gaps (stop closures, quick breaths) are below the 250 ms minimum.
    samples, _ = build(
        [("speech", 0.6), ("gap", 0.15), ("speech", 0.6), ("gap", 0.15), ("speech", 0.6)]
    )
    assert detect_silences(samples) == ()


def test_a_gap_just_over_the_minimum_is_found() -> None:
    samples, gaps = build([("speech", 0.8), ("gap", MIN_SILENCE_S + 0.06), ("speech", 0.8)])
    assert_intervals(detect_silences(samples), gaps)


def test_a_click_inside_a_pause_does_not_split_it() -> None:
    samples, gaps = build([("speech", 1.0), ("gap", 1.0), ("speech", 1.0)], floor=1e-3)
    click_at = round(1.5 * RATE_HZ)
    samples[click_at : click_at + 80] = 0.5  # a 5 ms click in the middle of the pause
    assert_intervals(detect_silences(samples), gaps)


def test_steady_noise_without_contrast_has_no_silences() -> None:
    rng = np.random.default_rng(1)
    assert detect_silences(floor_noise(3.0, rng, 0.05)) == ()


def test_continuous_speech_has_no_silences() -> None:
    rng = np.random.default_rng(2)
    assert detect_silences(speechlike(4.0, rng) + floor_noise(4.0, rng, 1e-3)) == ()


def test_other_sample_rates_give_times_in_seconds() -> None:
    samples, gaps = build(PARTS, floor=1e-3)
    # Every second sample: the same audio at 8 kHz (aliasing does not matter for energy).
    assert_intervals(detect_silences(samples[::2], 8000), gaps)


def test_audio_shorter_than_a_frame_has_no_silences() -> None:
    assert detect_silences(np.zeros(100, dtype=np.float32)) == ()
    assert detect_silences(np.zeros(0, dtype=np.float32)) == ()


def test_all_digital_silence_is_one_silence() -> None:
    assert_intervals(detect_silences(np.zeros(RATE_HZ, dtype=np.float32)), [(0.0, 1.0)])


def test_with_silences_attaches_them_to_the_transcript() -> None:
    samples, gaps = build(PARTS)
    transcript = Transcript(words=(Word("hello", 0.5, 1.7),), engine="faster-whisper")
    attached = with_silences(transcript, samples)
    assert attached.words == transcript.words
    assert_intervals(attached.silences, gaps)
    assert Transcript.from_dict(json.loads(json.dumps(attached.to_dict()))) == attached


# --- real speech through the default engine ----------------------------------------------------

FIRST_PHRASE = "I planned the release with the whole team"
SECOND_PHRASE = "and then we shipped it on time"
INSERTED_GAP_S = 1.5


def _trimmed(path: Path) -> Samples:
    """A TTS clip without the digital zeros the synthesiser leaves at its ends."""
    from voicemock.speech.audio_io import load_audio

    return np.trim_zeros(load_audio(path))


@pytest.fixture(scope="module")
def joined_phrases(
    make_speech: Callable[..., Path], tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """Two TTS phrases with exactly INSERTED_GAP_S of digital silence between them."""
    first = _trimmed(make_speech(FIRST_PHRASE))
    second = _trimmed(make_speech(SECOND_PHRASE))
    gap = np.zeros(round(INSERTED_GAP_S * RATE_HZ), dtype=np.float32)
    path = tmp_path_factory.mktemp("joined") / "two-phrases.wav"
    sf.write(str(path), np.concatenate([first, gap, second]), RATE_HZ, subtype="PCM_16")
    return path


@pytest.mark.speech
def test_an_inserted_silence_is_a_pause_through_the_pipeline(joined_phrases: Path) -> None:
    from voicemock.config import Settings
    from voicemock.pipeline import analyse_audio

    analysed = analyse_audio(joined_phrases, None, settings=Settings())
    metrics = analysed.metrics
    pause_count = metrics.value("pause_count")
    longest = metrics.value("longest_pause_s")
    assert pause_count is not None and pause_count >= 1
    assert longest is not None and longest == pytest.approx(INSERTED_GAP_S, abs=0.3)
    # The long gap points at the first word of the second phrase, wherever Whisper timed it.
    gap = max(metrics.flags_of("pause", "long_pause"), key=lambda f: f.end_s - f.start_s)
    words = analysed.transcript.words
    assert words[gap.word_index].text.strip(" ,.").lower() == "and"
    assert words[gap.word_index - 1].text.strip(" ,.").lower() == "team"
    # Speaking time leaves the pause out, so articulation is faster than the speaking rate.
    speaking = metrics.value("speaking_rate_wpm")
    articulation = metrics.value("articulation_rate_wpm")
    assert speaking is not None and articulation is not None and articulation > speaking * 1.3


@pytest.mark.speech
def test_analyze_command_counts_the_inserted_silence(
    joined_phrases: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from voicemock.cli import main

    assert main(["analyze", str(joined_phrases), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    values = {m["key"]: m["value"] for m in data["metrics"]["metrics"]}
    assert values["pause_count"] >= 1
    assert values["longest_pause_s"] == pytest.approx(INSERTED_GAP_S, abs=0.3)
    assert data["transcript"]["silences"]


JFK = SHARED_SPEECH_DIR / "jfk.flac"


@pytest.mark.speech
@pytest.mark.skipif(not JFK.is_file(), reason=f"{JFK} not found (shared clips beside the checkout)")
def test_pauses_of_a_real_speech_are_counted() -> None:
    from voicemock.config import Settings
    from voicemock.pipeline import analyse_audio

    analysed = analyse_audio(JFK, None, settings=Settings())
    pauses = analysed.metrics.flags_of("pause", "long_pause")
    long_enough = [f for f in pauses if f.end_s - f.start_s >= 0.5]
    assert len(long_enough) >= 2, pauses
    # The pause after "Americans" (about 2.0-3.2 s of silence in the recording).
    assert any(f.start_s < 2.4 and f.end_s > 3.0 for f in long_enough), pauses
