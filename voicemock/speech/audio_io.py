"""Read audio files of any common format, rate and channel count as 16 kHz mono float32."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from voicemock.core.models import SAMPLE_RATE_HZ
from voicemock.errors import AudioFileError

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    FloatArray = npt.NDArray[np.float32]

# Peak amplitude below which a recording counts as silent (-60 dBFS): a muted or unplugged
# microphone, or a file of digital zeros. Any voice, even quiet and far away, peaks far above.
SILENCE_PEAK = 1e-3

# Extensions we promise to read; other files are still tried (PyAV reads many more).
SUPPORTED_EXTENSIONS = (".wav", ".flac", ".ogg", ".oga", ".opus", ".mp3")

CHANNEL_NAMES = {"left": 0, "right": 1}


def split_channel_suffix(spec: str) -> tuple[Path, int | None]:
    """Split ``"talk.wav#left"`` into the path and a channel index (None without a suffix)."""
    path_text, sep, suffix = spec.rpartition("#")
    if not sep or (suffix.lower() not in CHANNEL_NAMES and not suffix.isdigit()):
        return Path(spec), None
    channel = CHANNEL_NAMES.get(suffix.lower())
    return Path(path_text), int(suffix) if channel is None else channel


def parse_channel(value: str | int | None) -> int | None:
    """A channel given as "left"/"right"/an index, as an index (None means down-mix)."""
    if value is None or isinstance(value, int):
        return value
    text = value.strip().lower()
    if text in CHANNEL_NAMES:
        return CHANNEL_NAMES[text]
    if text.isdigit():
        return int(text)
    raise AudioFileError(f"unknown channel {value!r}: use left, right or a channel number")


def _label(path: Path) -> str:
    return str(path)


def _check_file(path: Path) -> None:
    """Raise AudioFileError for a path that cannot hold audio at all."""
    label = _label(path)
    if not path.exists():
        raise AudioFileError(f"{label}: file not found")
    if path.is_dir():
        raise AudioFileError(f"{label}: is a directory, not an audio file")
    if not os.access(path, os.R_OK):
        raise AudioFileError(f"{label}: permission denied")
    if path.stat().st_size == 0:
        raise AudioFileError(f"{label}: the file is empty")


def _undecodable(path: Path) -> AudioFileError:
    ext = path.suffix.lower()
    if ext and ext not in SUPPORTED_EXTENSIONS:
        return AudioFileError(
            f"{_label(path)}: unsupported audio format {ext!r} (use WAV, FLAC, OGG or MP3)"
        )
    return AudioFileError(f"{_label(path)}: could not be decoded: the file is corrupt or truncated")


def _read_soundfile(path: Path) -> tuple[FloatArray, int] | None:
    """(frames x channels, rate) via libsndfile, or None when it can't read the file."""
    import soundfile as sf

    try:
        data, rate_hz = sf.read(str(path), dtype="float32", always_2d=True)
    except (sf.LibsndfileError, RuntimeError, TypeError, ValueError, EOFError):
        return None
    return data, int(rate_hz)


def _read_pyav(path: Path) -> tuple[FloatArray, int] | None:
    """(frames x channels, rate) via PyAV (FFmpeg libraries), or None when it fails too."""
    import numpy as np

    try:
        import av
    except ImportError:  # pragma: no cover - av comes with faster-whisper
        return None
    try:
        with av.open(str(path), mode="r") as container:
            if not container.streams.audio:
                return None
            stream = container.streams.audio[0]
            # Planar float keeps each channel in its own row, at the file's own rate.
            resampler = av.AudioResampler(format="fltp", layout=stream.layout, rate=stream.rate)
            chunks: list[FloatArray] = []
            rate_hz = int(stream.rate or 0)
            for packet in container.demux(stream):
                for frame in packet.decode():
                    if not isinstance(frame, av.AudioFrame):
                        continue
                    for out in resampler.resample(frame):
                        chunks.append(out.to_ndarray().astype(np.float32, copy=False))
            for out in resampler.resample(None):
                chunks.append(out.to_ndarray().astype(np.float32, copy=False))
    except (av.FFmpegError, OSError, ValueError, StopIteration, IndexError):
        return None
    if not chunks or rate_hz <= 0:
        return None
    planar = np.concatenate(chunks, axis=1)
    return np.ascontiguousarray(planar.T), rate_hz


def check_samples(samples: FloatArray, label: str) -> None:
    """Raise AudioFileError when decoded audio is empty or silent (peak below SILENCE_PEAK)."""
    import numpy as np

    if samples.size == 0:
        raise AudioFileError(f"{label}: the recording has no audio (0 samples)")
    if float(np.max(np.abs(samples))) < SILENCE_PEAK:
        raise AudioFileError(f"{label}: no speech found: the recording is silent")


def to_mono_16k(
    frames: FloatArray, rate_hz: int, *, channel: int | None = None, label: str = "audio"
) -> FloatArray:
    """Down-mix (or pick ``channel`` of) frames x channels audio and resample it to 16 kHz."""
    import numpy as np

    if frames.ndim == 1:
        frames = frames[:, None]
    n_channels = frames.shape[1]
    if channel is not None:
        if not 0 <= channel < n_channels:
            plural = "channel" if n_channels == 1 else "channels"
            raise AudioFileError(
                f"{label}: has {n_channels} {plural}; channel {channel} does not exist"
            )
        mono = frames[:, channel]
    else:
        mono = frames.mean(axis=1) if n_channels > 1 else frames[:, 0]
    mono = np.nan_to_num(mono.astype(np.float32, copy=False), nan=0.0, posinf=0.0, neginf=0.0)
    if rate_hz != SAMPLE_RATE_HZ and mono.size:
        import soxr

        mono = soxr.resample(mono, rate_hz, SAMPLE_RATE_HZ, quality="HQ")
    return np.ascontiguousarray(mono, dtype=np.float32)


def load_audio(path: str | Path, *, channel: str | int | None = None) -> FloatArray:
    """Read an audio file as float32 samples at 16 kHz, mono (down-mixed, or one ``channel``).

    ``channel`` is an index or "left"/"right". Raises AudioFileError with a one-line message
    for missing, empty, corrupt, unsupported or silent files.
    """
    path = Path(path)
    label = _label(path)
    channel_index = parse_channel(channel)
    _check_file(path)
    read = _read_soundfile(path) or _read_pyav(path)
    if read is None:
        raise _undecodable(path)
    frames, rate_hz = read
    if frames.shape[0] == 0:
        raise AudioFileError(f"{label}: the recording has no audio (0 samples)")
    samples = to_mono_16k(frames, rate_hz, channel=channel_index, label=label)
    check_samples(samples, label)
    return samples


def audio_duration_s(path: str | Path) -> float:
    """The length of an audio file in seconds, from its header where possible (cheap)."""
    import soundfile as sf

    path = Path(path)
    _check_file(path)
    try:
        info = sf.info(str(path))
        rate_hz = int(info.samplerate)
        if rate_hz > 0:
            return int(info.frames) / float(rate_hz)
    except (sf.LibsndfileError, RuntimeError, TypeError, ValueError):
        pass
    read = _read_pyav(path)
    if read is None:
        raise _undecodable(path)
    frames, rate_hz = read
    return float(frames.shape[0]) / float(rate_hz)
