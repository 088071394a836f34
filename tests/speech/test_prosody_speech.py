"""How it sounded, on speech: the project's own voice at several pitch settings, a fading end,
pauses put inside phrases, and real recordings (../shared/speech) against a flattened copy."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import SHARED_SPEECH_DIR
from voicemock.core.models import SAMPLE_RATE_HZ, Transcript
from voicemock.core.prosody import (
    FLAT_SD_ST,
    MONOTONE_SD_ST,
    ProsodyReport,
    analyse_prosody,
    track_pitch,
)
from voicemock.speech.audio_io import load_audio
from voicemock.speech.silence import with_silences
from voicemock.speech.transcribe import FasterWhisperTranscriber

pytestmark = pytest.mark.speech

SR = SAMPLE_RATE_HZ
ANSWER = (
    "When a client pushes back, the first thing I do is slow down and listen. "
    "Last spring, a client told me the sessions were not helping him at all. "
    "We agreed on one goal he chose himself, and he came to every session after that."
)
# espeak-ng reads embedded commands (Ctrl-A, a value, a letter) in the text it speaks:
# P is the base pitch (0-99, 50 by default), R the pitch range (0 is a monotone).
PITCH = "\x01{}P"
RANGE = "\x01{}R"


@pytest.fixture(scope="module")
def transcriber() -> FasterWhisperTranscriber:
    engine = FasterWhisperTranscriber()
    engine.load()
    return engine


def sounded_report(
    samples: np.ndarray, transcriber: FasterWhisperTranscriber
) -> tuple[Transcript, ProsodyReport]:
    transcript = with_silences(transcriber.transcribe(samples), samples)
    return transcript, analyse_prosody(samples, transcript)


def test_the_voice_at_different_pitch_settings(
    make_speech: Callable[..., Path], transcriber: FasterWhisperTranscriber
) -> None:
    reports = {
        name: sounded_report(load_audio(make_speech(prefix + ANSWER)), transcriber)[1].pitch
        for name, prefix in {
            "default": "",
            "low": PITCH.format(20),
            "high": PITCH.format(90),
            "monotone": RANGE.format(0),
            "wide": RANGE.format(99),
        }.items()
    }
    low, high, default = reports["low"], reports["high"], reports["default"]
    assert low.median_hz and high.median_hz and default.median_hz
    assert low.median_hz < default.median_hz < high.median_hz
    assert 12 * np.log2(high.median_hz / low.median_hz) > 6
    # Measured around each voice's own median: the low voice is not judged flatter for it.
    assert low.sd_st is not None and low.sd_st >= FLAT_SD_ST
    monotone, wide = reports["monotone"], reports["wide"]
    assert monotone.sd_st is not None and monotone.sd_st < 0.5
    assert monotone.range_p5_p95_st is not None and monotone.range_p5_p95_st < 1.5
    assert wide.sd_st is not None and default.sd_st is not None
    assert wide.sd_st > default.sd_st > monotone.sd_st


def test_an_answer_whose_end_fades_trails_off(
    make_speech: Callable[..., Path], transcriber: FasterWhisperTranscriber
) -> None:
    samples = load_audio(make_speech(ANSWER))
    transcript, steady = sounded_report(samples, transcriber)
    last_word_end_s = transcript.words[-1].end_s
    faded = samples.copy()
    # Down by 24 dB over the last 1.2 s of the voice, as a speaker running out of breath.
    start = int((last_word_end_s - 1.2) * SR)
    end = min(len(faded), int(last_word_end_s * SR))
    faded[start:end] *= np.logspace(0, -1.2, end - start).astype(faded.dtype)
    faded[end:] *= 10**-1.2
    _, fading = sounded_report(faded, transcriber)
    assert steady.volume.trailing_off == ()
    assert len(fading.volume.trailing_off) == 1
    assert fading.volume.trailing_off[0].start_s >= last_word_end_s - 2.0
    assert {m.key: m.band for m in fading.metrics()}["trailing_off_count"] != "good"


def test_pauses_put_inside_phrases_are_found(
    make_speech: Callable[..., Path], transcriber: FasterWhisperTranscriber
) -> None:
    gap = np.zeros(int(0.9 * SR), dtype=np.float32)

    def spoken(*chunks: str) -> np.ndarray:
        parts = []
        for chunk in chunks:
            parts.extend([load_audio(make_speech(chunk)), gap])
        return np.concatenate(parts)

    well = spoken(
        "When a client pushes back,", "I slow down and listen.", "Then we agree on one goal."
    )
    badly = spoken(
        "When a client pushes back I slow down and", "listen to the", "client before we agree."
    )
    _, placed_well = sounded_report(well, transcriber)
    _, placed_badly = sounded_report(badly, transcriber)
    assert placed_well.pauses.total >= 2
    assert len(placed_well.pauses.inside_phrases) == 0
    assert len(placed_badly.pauses.inside_phrases) >= 1
    assert (placed_badly.pauses.inside_pct or 0) > (placed_well.pauses.inside_pct or 0)


def flattened(samples: np.ndarray) -> np.ndarray:
    """The clip resynthesised at one pitch (its median) by pitch-synchronous overlap-add."""
    times_s, f0_hz, _, _ = track_pitch(samples)
    x = np.asarray(samples, dtype=np.float64)
    out = np.zeros_like(x)
    weight = np.zeros_like(x)
    voiced = f0_hz > 0
    target_period = SR / float(np.median(f0_hz[voiced]))
    step_s = float(times_s[1] - times_s[0])

    def f0_at(t: float) -> float:
        k = int(np.clip(round((t - times_s[0]) / step_s), 0, len(f0_hz) - 1))
        return float(f0_hz[k])

    # Unvoiced stretches are copied through; voiced runs are rebuilt from two-period grains.
    edges = np.flatnonzero(np.diff(np.concatenate(([0], voiced.astype(int), [0]))))
    runs = [(times_s[a], times_s[b - 1]) for a, b in zip(edges[::2], edges[1::2], strict=True)]
    keep = np.ones(len(x), dtype=bool)
    for start_s, end_s in runs:
        keep[int(start_s * SR) : int(end_s * SR)] = False
        marks = []
        t = start_s
        while t < end_s:
            period = SR / f0_at(t)
            centre = int(t * SR)
            lo, hi = max(0, centre - int(period / 2)), min(len(x), centre + int(period / 2))
            peak = lo + int(np.argmax(x[lo:hi])) if hi > lo else centre
            marks.append((peak, period))
            t = peak / SR + period / SR
        if not marks:
            continue
        synthesis = np.arange(int(start_s * SR), int(end_s * SR), target_period)
        analysis = np.array([m for m, _ in marks])
        for s in synthesis.astype(int):
            k = int(np.argmin(np.abs(analysis - s)))
            mark, period = marks[k]
            half = int(period)
            if mark - half < 0 or mark + half > len(x) or s - half < 0 or s + half > len(x):
                continue
            window = np.hanning(2 * half)
            out[s - half : s + half] += x[mark - half : mark + half] * window
            weight[s - half : s + half] += window
    rebuilt = np.where(weight > 1e-3, out / np.maximum(weight, 1e-3), 0.0)
    return np.where(keep, x, rebuilt).astype(np.float32)


REAL_CLIPS = ("jfk.flac", "timit_LDC93S1.wav", "fw_stereo_diarization.wav#left")


@pytest.mark.skipif(
    not (SHARED_SPEECH_DIR / "references.tsv").is_file(),
    reason=f"real speech clips not found at {SHARED_SPEECH_DIR}",
)
@pytest.mark.parametrize("spec", REAL_CLIPS)
def test_real_speech_is_plausible_and_its_flattened_copy_is_monotone(
    spec: str, transcriber: FasterWhisperTranscriber
) -> None:
    name, _, channel = spec.partition("#")
    samples = load_audio(SHARED_SPEECH_DIR / name, channel=channel or None)
    _, original = sounded_report(samples, transcriber)
    pitch = original.pitch
    assert pitch.median_hz is not None and 60 <= pitch.median_hz <= 400
    assert pitch.sd_st is not None and MONOTONE_SD_ST <= pitch.sd_st <= 8
    assert pitch.range_p5_p95_st is not None and 4 <= pitch.range_p5_p95_st <= 25
    assert original.volume.speech_level_dbfs is not None
    assert -60 < original.volume.speech_level_dbfs < 0
    assert original.volume.clipping == ()
    assert not original.monotone

    _, flat = sounded_report(flattened(samples), transcriber)
    # The resynthesis is rough at voicing edges (and the low voice has little voiced speech),
    # so "monotone", not always "flat".
    assert flat.pitch.sd_st is not None and flat.pitch.sd_st < MONOTONE_SD_ST
    assert flat.pitch.sd_st < pitch.sd_st / 2
    assert flat.monotone
    assert {m.key: m.band for m in flat.metrics()}["pitch_sd_st"] in ("watch", "fix")


def test_an_answer_tracks_its_pitch_while_it_is_recorded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import soundfile as sf

    from voicemock.config import Settings
    from voicemock.core import prosody
    from voicemock.pipeline import Answer

    monkeypatch.setenv("VOICEMOCK_HOME", str(tmp_path / "home"))
    clip = load_audio(Path(__file__).resolve().parents[2] / "audio" / "demo-answer.ogg")
    pcm = np.round(np.clip(clip, -1, 1) * 32767).astype(np.int16)
    path = tmp_path / "answer.wav"
    sf.write(str(path), pcm, SR)
    taps: list[Callable[[object], None]] = []

    class Fed:
        """A recorder whose audio the test feeds through the answer's tap."""

        def __init__(self, out: Path, settings: Settings, on_audio: Callable[[object], None]):
            taps.append(on_audio)

    answer = Answer(None, Settings(), audio_path=path)
    answer.make_recorder(Fed)  # type: ignore[type-var]
    for at in range(0, pcm.size, 1600):
        taps[0](pcm[at : at + 1600])
    taps[0](None)
    whole_file_runs: list[int] = []
    original = prosody.track_pitch
    monkeypatch.setattr(
        prosody, "track_pitch", lambda *a, **k: whole_file_runs.append(1) or original(*a, **k)
    )
    analysed = answer.analyse()
    assert whole_file_runs == []  # tracked while recorded, not from the file afterwards
    assert analysed.prosody is not None
    from_file = analyse_prosody(
        pcm.astype(np.float32) / 32768.0, analysed.transcript, pitch_track=original(pcm / 32768.0)
    )
    live, whole = analysed.prosody.pitch, from_file.pitch
    assert live.sd_st == pytest.approx(whole.sd_st, abs=0.05)
    assert live.range_p5_p95_st == pytest.approx(whole.range_p5_p95_st, abs=0.1)
    assert live.median_hz == pytest.approx(whole.median_hz, rel=0.01)
    assert len(live.flat_stretches) == len(whole.flat_stretches)
