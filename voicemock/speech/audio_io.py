"""Read audio files of any common format, rate and channel count as 16 kHz mono float32.

Files are decoded a block at a time and reduced to 16 kHz mono as they go, so memory follows
the length of the answer, not the size of the file; anything longer than
``voicemock.core.limits.MAX_AUDIO_S`` is refused from its header, before it is decoded.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from voicemock.core.limits import MAX_AUDIO_S, AnswerTooLongError, describe_duration
from voicemock.core.models import SAMPLE_RATE_HZ
from voicemock.errors import AudioFileError, NoSpeechError

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
# Decoded this many seconds at a time: big enough to be quick, small enough to stay light.
BLOCK_S = 10


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


def check_audio_file(path: Path) -> None:
    """Raise AudioFileError for a path that cannot hold audio at all (cheap: reads nothing).

    Only regular files are read: a named pipe would block the read forever.
    """
    from voicemock.files import regular_file_problem

    label = _label(path)
    if not path.exists():
        raise AudioFileError(f"{label}: file not found")
    if path.is_dir():
        raise AudioFileError(f"{label}: is a directory, not an audio file")
    problem = regular_file_problem(path)
    if problem is not None:
        raise AudioFileError(f"{label}: {problem}")
    if not os.access(path, os.R_OK):
        raise AudioFileError(f"{label}: permission denied")
    if path.stat().st_size == 0:
        raise AudioFileError(f"{label}: the file is empty")


def _too_long(label: str, duration_s: float) -> AnswerTooLongError:
    return AnswerTooLongError(
        f"{label}: {describe_duration(duration_s)} of audio; voicemock analyses recordings of "
        f"up to {describe_duration(MAX_AUDIO_S)} (an answer is minutes): cut out the answer"
    )


class _MonoStream:
    """Blocks of frames x channels in, 16 kHz mono float32 out, with a length limit."""

    def __init__(self, rate_hz: int, channels: int, channel: int | None, label: str) -> None:
        import numpy as np

        if channel is not None and not 0 <= channel < channels:
            plural = "channel" if channels == 1 else "channels"
            raise AudioFileError(
                f"{label}: has {channels} {plural}; channel {channel} does not exist"
            )
        self._rate_hz = rate_hz
        self._channel = channel
        self._label = label
        self._frames = 0
        self._parts: list[FloatArray] = []
        self._resampler = None
        if rate_hz != SAMPLE_RATE_HZ:
            import soxr

            self._resampler = soxr.ResampleStream(
                rate_hz, SAMPLE_RATE_HZ, 1, dtype="float32", quality="HQ"
            )
        self._empty = np.zeros(0, dtype=np.float32)

    def add(self, block: FloatArray) -> None:
        """Down-mix (or pick the channel of) a block of frames and resample it."""
        import numpy as np

        if block.ndim == 1:
            block = block[:, None]
        self._frames += block.shape[0]
        if self._frames / self._rate_hz > MAX_AUDIO_S:
            raise _too_long(self._label, self._frames / self._rate_hz)
        if self._channel is not None:
            mono = block[:, self._channel]
        else:
            mono = block.mean(axis=1) if block.shape[1] > 1 else block[:, 0]
        mono = np.nan_to_num(mono.astype(np.float32), nan=0.0, posinf=0.0, neginf=0.0)
        if self._resampler is not None:
            mono = self._resampler.resample_chunk(mono, last=False)
        self._parts.append(np.ascontiguousarray(mono, dtype=np.float32))

    @property
    def frames(self) -> int:
        """Frames read so far (at the file's own rate)."""
        return self._frames

    def finish(self) -> FloatArray:
        """Every sample at 16 kHz, in one array."""
        import numpy as np

        if self._resampler is not None and self._frames:
            self._parts.append(self._resampler.resample_chunk(self._empty, last=True))
        if not self._parts:
            return self._empty
        return np.ascontiguousarray(np.concatenate(self._parts), dtype=np.float32)


def _undecodable(path: Path) -> AudioFileError:
    ext = path.suffix.lower()
    if ext and ext not in SUPPORTED_EXTENSIONS:
        return AudioFileError(
            f"{_label(path)}: unsupported audio format {ext!r} (use WAV, FLAC, OGG or MP3)"
        )
    return AudioFileError(f"{_label(path)}: could not be decoded: the file is corrupt or truncated")


def _read_soundfile(path: Path, channel: int | None, label: str) -> FloatArray | None:
    """16 kHz mono via libsndfile, a block at a time; None when it can't read the file.

    A file longer than MAX_AUDIO_S is refused from its header, before anything is decoded.
    """
    import soundfile as sf

    try:
        with sf.SoundFile(str(path)) as handle:
            rate_hz = int(handle.samplerate)
            if rate_hz <= 0:
                return None
            declared_s = float(handle.frames) / rate_hz
            if declared_s > MAX_AUDIO_S:
                raise _too_long(label, declared_s)
            stream = _MonoStream(rate_hz, int(handle.channels), channel, label)
            for block in handle.blocks(
                blocksize=BLOCK_S * rate_hz, dtype="float32", always_2d=True
            ):
                stream.add(block)
    except (sf.LibsndfileError, RuntimeError, TypeError, ValueError, EOFError):
        return None
    return stream.finish()


def _read_pyav(path: Path, channel: int | None, label: str) -> FloatArray | None:
    """16 kHz mono via PyAV (FFmpeg libraries), or None when it fails too."""
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
            rate_hz = int(stream.rate or 0)
            if rate_hz <= 0:
                return None
            declared_s = float(container.duration or 0) / 1_000_000  # microseconds
            if declared_s > MAX_AUDIO_S:
                raise _too_long(label, declared_s)
            # Planar float keeps each channel in its own row, at the file's own rate.
            resampler = av.AudioResampler(format="fltp", layout=stream.layout, rate=rate_hz)
            mono: _MonoStream | None = None

            def add(frames: list[av.AudioFrame]) -> None:
                nonlocal mono
                for out in frames:
                    planar = out.to_ndarray().astype(np.float32, copy=False)
                    if mono is None:
                        mono = _MonoStream(rate_hz, planar.shape[0], channel, label)
                    mono.add(planar.T)

            for packet in container.demux(stream):
                for frame in packet.decode():
                    if isinstance(frame, av.AudioFrame):
                        add(resampler.resample(frame))
            add(resampler.resample(None))
    except (av.FFmpegError, OSError, ValueError, StopIteration, IndexError):
        return None
    if mono is None or not mono.frames:
        return None
    return mono.finish()


def check_samples(samples: FloatArray, label: str) -> None:
    """Raise AudioFileError when decoded audio is empty or silent (peak below SILENCE_PEAK)."""
    import numpy as np

    if samples.size == 0:
        raise AudioFileError(f"{label}: the recording has no audio (0 samples)")
    if float(np.max(np.abs(samples))) < SILENCE_PEAK:
        raise NoSpeechError(f"{label}: no speech found: the recording is silent")


def load_audio(path: str | Path, *, channel: str | int | None = None) -> FloatArray:
    """Read an audio file as float32 samples at 16 kHz, mono (down-mixed, or one ``channel``).

    ``channel`` is an index or "left"/"right". Raises AudioFileError with a one-line message
    for missing, empty, corrupt, unsupported or silent files.
    """
    path = Path(path)
    label = _label(path)
    channel_index = parse_channel(channel)
    check_audio_file(path)
    samples = _read_soundfile(path, channel_index, label)
    if samples is None:
        samples = _read_pyav(path, channel_index, label)
    if samples is None:
        raise _undecodable(path)
    if samples.size == 0:
        raise AudioFileError(f"{label}: the recording has no audio (0 samples)")
    check_samples(samples, label)
    return samples


def audio_problem(path: str | Path) -> str | None:
    """Why a file is not a recording voicemock can use (in a few words), or None.

    Checks what the decoder says of the header (a sample rate, channels, a sane length) and
    that the first seconds decode; used on recordings that come from outside (imports).
    """
    import soundfile as sf

    path = Path(path)
    try:
        check_audio_file(path)
        with sf.SoundFile(str(path)) as handle:
            if handle.samplerate <= 0 or handle.channels <= 0:
                return "it has no sample rate or channels"
            if handle.frames <= 0:
                return "it holds no audio"
            if handle.frames / handle.samplerate > MAX_AUDIO_S:
                return f"it is longer than {describe_duration(MAX_AUDIO_S)}"
            handle.read(min(int(handle.frames), int(handle.samplerate) * 2), dtype="float32")
    except AudioFileError as error:
        return str(error).removeprefix(f"{path}: ")
    except (sf.LibsndfileError, RuntimeError, TypeError, ValueError, EOFError, OSError):
        return "it cannot be decoded as audio"
    return None


def audio_duration_s(path: str | Path) -> float:
    """The length of an audio file in seconds, from its header where possible (cheap)."""
    import soundfile as sf

    path = Path(path)
    check_audio_file(path)
    try:
        info = sf.info(str(path))
        rate_hz = int(info.samplerate)
        if rate_hz > 0:
            return int(info.frames) / float(rate_hz)
    except (sf.LibsndfileError, RuntimeError, TypeError, ValueError):
        pass
    samples = _read_pyav(path, None, _label(path))
    if samples is None:
        raise _undecodable(path)
    return float(samples.size) / float(SAMPLE_RATE_HZ)
