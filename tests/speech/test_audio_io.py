"""Audio loading: any format, rate and channel count in; 16 kHz mono float32 out; clear errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from voicemock.errors import AudioFileError, VoicemockError
from voicemock.speech.audio_io import (
    SILENCE_PEAK,
    audio_duration_s,
    load_audio,
    parse_channel,
    split_channel_suffix,
)

RATE_HZ = 16000


def _tone(freq_hz: float, duration_s: float, rate_hz: int, amplitude: float = 0.5) -> np.ndarray:
    t = np.arange(int(duration_s * rate_hz)) / rate_hz
    return (amplitude * np.sin(2 * np.pi * freq_hz * t)).astype(np.float32)


def _peak_frequency_hz(samples: np.ndarray, rate_hz: int = RATE_HZ) -> float:
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(samples.size)))
    return float(np.fft.rfftfreq(samples.size, 1 / rate_hz)[int(np.argmax(spectrum))])


@pytest.fixture
def stereo_44k(tmp_path: Path) -> Path:
    """1.5 s at 44.1 kHz: 440 Hz on the left, 1000 Hz on the right."""
    rate = 44100
    frames = np.stack([_tone(440, 1.5, rate), _tone(1000, 1.5, rate, 0.3)], axis=1)
    path = tmp_path / "stereo.wav"
    sf.write(path, frames, rate, subtype="PCM_16")
    return path


def test_stereo_44k_is_downmixed_and_resampled(stereo_44k: Path) -> None:
    samples = load_audio(stereo_44k)
    assert samples.dtype == np.float32
    assert samples.ndim == 1
    assert abs(samples.size - int(1.5 * RATE_HZ)) <= 2
    # Both tones survive the down-mix, at their own pitch after resampling.
    spectrum = np.abs(np.fft.rfft(samples))
    freqs = np.fft.rfftfreq(samples.size, 1 / RATE_HZ)
    top_two = sorted(freqs[np.argsort(spectrum)[-2:]])
    assert top_two[0] == pytest.approx(440, abs=2)
    assert top_two[1] == pytest.approx(1000, abs=2)
    # A down-mix is the mean, so it never clips.
    assert float(np.max(np.abs(samples))) <= 0.81


@pytest.mark.parametrize(
    ("channel", "freq_hz"), [(0, 440), ("left", 440), (1, 1000), ("right", 1000)]
)
def test_one_channel_can_be_chosen(stereo_44k: Path, channel: str | int, freq_hz: float) -> None:
    samples = load_audio(stereo_44k, channel=channel)
    assert _peak_frequency_hz(samples) == pytest.approx(freq_hz, abs=2)


def test_missing_channel_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "mono.wav"
    sf.write(path, _tone(300, 0.5, RATE_HZ), RATE_HZ)
    with pytest.raises(AudioFileError, match="has 1 channel; channel 1 does not exist"):
        load_audio(path, channel="right")


def test_unknown_channel_name_is_an_error(stereo_44k: Path) -> None:
    with pytest.raises(AudioFileError, match="unknown channel"):
        load_audio(stereo_44k, channel="middle")


def test_channel_suffix_parsing() -> None:
    assert split_channel_suffix("a/b.wav#left") == (Path("a/b.wav"), 0)
    assert split_channel_suffix("b.wav#right") == (Path("b.wav"), 1)
    assert split_channel_suffix("b.wav#3") == (Path("b.wav"), 3)
    assert split_channel_suffix("b.wav") == (Path("b.wav"), None)
    assert split_channel_suffix("odd#name.wav") == (Path("odd#name.wav"), None)
    assert parse_channel(None) is None
    assert parse_channel(" Left ") == 0


@pytest.mark.parametrize(
    ("suffix", "fmt", "subtype"),
    [
        (".flac", "FLAC", "PCM_16"),
        (".ogg", "OGG", "VORBIS"),
        (".wav", "WAV", "FLOAT"),
        (".wav", "WAV", "PCM_24"),
        (".mp3", "MP3", "MPEG_LAYER_III"),
    ],
)
def test_formats(tmp_path: Path, suffix: str, fmt: str, subtype: str) -> None:
    rate = 22050
    path = tmp_path / f"clip{suffix}"
    try:
        sf.write(path, _tone(500, 2.0, rate), rate, format=fmt, subtype=subtype)
    except (sf.LibsndfileError, ValueError, TypeError) as error:
        pytest.skip(f"this libsndfile cannot write {fmt}/{subtype}: {error}")
    samples = load_audio(path)
    # Lossy encoders pad a little at the ends.
    assert samples.size == pytest.approx(2.0 * RATE_HZ, rel=0.05)
    assert _peak_frequency_hz(samples) == pytest.approx(500, abs=3)
    assert audio_duration_s(path) == pytest.approx(2.0, rel=0.05)


def test_pyav_reads_what_libsndfile_cannot(tmp_path: Path) -> None:
    """An AAC (.m4a) file goes through the PyAV fallback."""
    av = pytest.importorskip("av")
    rate = 44100
    path = tmp_path / "clip.m4a"
    tone = _tone(700, 1.0, rate)
    with av.open(str(path), mode="w") as container:
        stream = container.add_stream("aac", rate=rate, layout="mono")
        for start in range(0, tone.size, 1024):
            frame = av.AudioFrame.from_ndarray(
                tone[None, start : start + 1024], format="fltp", layout="mono"
            )
            frame.sample_rate = rate
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    with pytest.raises(sf.LibsndfileError):
        sf.info(str(path))
    samples = load_audio(path)
    assert samples.size == pytest.approx(RATE_HZ, rel=0.1)
    assert _peak_frequency_hz(samples) == pytest.approx(700, abs=3)
    assert audio_duration_s(path) == pytest.approx(1.0, rel=0.1)


def _message(error: pytest.ExceptionInfo[VoicemockError]) -> str:
    text = str(error.value)
    assert "\n" not in text
    return text


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "answer.wav"
    with pytest.raises(AudioFileError) as error:
        load_audio(path)
    assert _message(error) == f"{path}: file not found"
    with pytest.raises(AudioFileError):
        audio_duration_s(path)


def test_directory(tmp_path: Path) -> None:
    with pytest.raises(AudioFileError, match="is a directory"):
        load_audio(tmp_path)


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "answer.wav"
    path.write_bytes(b"")
    with pytest.raises(AudioFileError) as error:
        load_audio(path)
    assert _message(error) == f"{path}: the file is empty"


def test_header_only_wav_has_no_audio(tmp_path: Path) -> None:
    path = tmp_path / "answer.wav"
    sf.write(path, np.zeros(0, dtype=np.float32), RATE_HZ)
    with pytest.raises(AudioFileError, match="no audio"):
        load_audio(path)


@pytest.mark.parametrize("name", ["answer.wav", "answer.flac", "answer.mp3"])
def test_corrupt_file(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(np.random.default_rng(1).bytes(4096))
    with pytest.raises(AudioFileError) as error:
        load_audio(path)
    assert _message(error) == f"{path}: could not be decoded: the file is corrupt or truncated"


def test_truncated_wav(tmp_path: Path) -> None:
    path = tmp_path / "answer.wav"
    sf.write(path, _tone(300, 1.0, RATE_HZ), RATE_HZ)
    path.write_bytes(path.read_bytes()[:30])
    with pytest.raises(AudioFileError, match="corrupt or truncated"):
        load_audio(path)


def test_unsupported_format(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("this is not audio\n" * 50)
    with pytest.raises(AudioFileError) as error:
        load_audio(path)
    assert "unsupported audio format '.txt'" in _message(error)


def test_silent_file(tmp_path: Path) -> None:
    path = tmp_path / "answer.wav"
    sf.write(path, np.zeros(RATE_HZ * 2, dtype=np.float32), RATE_HZ)
    with pytest.raises(AudioFileError) as error:
        load_audio(path)
    assert _message(error) == f"{path}: no speech found: the recording is silent"


def test_quiet_but_not_silent_file_loads(tmp_path: Path) -> None:
    path = tmp_path / "quiet.wav"
    sf.write(path, _tone(300, 1.0, RATE_HZ, amplitude=SILENCE_PEAK * 5), RATE_HZ, subtype="FLOAT")
    assert load_audio(path).size == RATE_HZ


def test_silent_channel_of_a_stereo_file(tmp_path: Path) -> None:
    path = tmp_path / "one-sided.wav"
    frames = np.stack([_tone(300, 1.0, RATE_HZ), np.zeros(RATE_HZ, dtype=np.float32)], axis=1)
    sf.write(path, frames, RATE_HZ)
    assert load_audio(path, channel="left").size == RATE_HZ
    with pytest.raises(AudioFileError, match="silent"):
        load_audio(path, channel="right")


def test_duration_is_read_from_the_header(stereo_44k: Path) -> None:
    assert audio_duration_s(stereo_44k) == pytest.approx(1.5, abs=1e-3)
