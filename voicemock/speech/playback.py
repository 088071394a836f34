"""Play audio (a recorded answer, a spoken question) with pause, resume, seek and a position.

The whole clip is held in memory and an OutputStream callback copies from it, so the position
is the exact number of frames handed to the device, and pause/seek are just index changes.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from voicemock.errors import AudioDeviceError, AudioFileError
from voicemock.speech.devices import NO_SPEAKER, load_sounddevice, resolve_device

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

BLOCK_DURATION_S = 0.02
# Measured through ALSA's PulseAudio plugin: the first ~20 ms written to a new stream are lost,
# and the last buffers are dropped when the callback stops the stream. Silence on both ends of
# the clip keeps every sample of the clip itself audible.
LEAD_SILENCE_S = 0.05
# PortAudio's default output latency through ALSA can be over a second of pre-filled buffer,
# which makes stop and pause late; a short fixed latency keeps them immediate.
OUTPUT_LATENCY_S = 0.1
TAIL_SILENCE_S = 0.15
CLOSE_TIMEOUT_S = 3.0  # the longest stop() waits for a finished stream to close


def load_audio(path: Path | str) -> tuple[np.ndarray[Any, np.dtype[np.float32]], int]:
    """Mono float32 samples and the sample rate of an audio file (a crashed WAV is repaired)."""
    import numpy as np
    import soundfile as sf

    path = Path(path)
    if not path.exists():
        raise AudioFileError(f"audio file not found: {path}")
    if path.suffix.lower() == ".wav":
        from voicemock.core.wav import repair_wav

        with contextlib.suppress(AudioFileError):
            repair_wav(path)
    try:
        data, sample_rate_hz = sf.read(str(path), dtype="float32", always_2d=True)
    except (RuntimeError, OSError) as error:
        raise AudioFileError(f"cannot read audio file {path}: {error}") from error
    mono = data.mean(axis=1) if data.shape[1] > 1 else data[:, 0]
    return np.ascontiguousarray(mono, dtype=np.float32), int(sample_rate_hz)


def _speaker_message(error: BaseException) -> str:
    text = str(error)
    if "querying device -1" in text or "No Default Output Device" in text.replace("_", " "):
        return NO_SPEAKER
    return f"The speaker could not be opened: {text}"


class Player:
    """Plays one clip at a time; every method is safe to call from any thread.

    ``on_finish`` is called (from a background thread) when a clip plays to its end, not when
    it is stopped.
    """

    def __init__(
        self,
        device: str | int | None = None,
        on_finish: Callable[[], None] | None = None,
        *,
        buffer_s: float = OUTPUT_LATENCY_S,
    ) -> None:
        """A player for ``device`` (index or name; None: the default speaker).

        ``buffer_s`` is the output latency asked for, how much audio the device holds ahead:
        short keeps pause and stop immediate, long rides out a busy CPU (a clip played while a
        model runs in the same process).
        """
        self.device = device
        self.on_finish = on_finish
        self.buffer_s = buffer_s
        self._lock = threading.RLock()
        # Held while a stream is started, aborted or closed by play() or stop(): PortAudio
        # aborts the whole process when one thread starts a stream that another is aborting
        # (a question's voice stopped by its screen closing just as it began to play).
        self._control = threading.RLock()
        self._samples: Any = None
        self._sample_rate_hz = 0
        self._position = 0
        self._paused = False
        self._lead_frames = 0
        self._tail_frames = 0
        self._stream: Any = None
        self._finished = threading.Event()
        self._finished.set()
        self._generation = 0  # tells a late finished_callback of an old stream to do nothing
        # Closes a stream that ended by itself; stop() waits for it so that PortAudio is never
        # shut down (at exit) while a stream is still being closed, which can hang.
        self._closer: threading.Thread | None = None
        self._callback_stop: type[Exception] = Exception

    # -- state -----------------------------------------------------------------------------------

    @property
    def duration_s(self) -> float:
        """Length of the current clip in seconds (0 when nothing is loaded)."""
        with self._lock:
            if self._samples is None or not self._sample_rate_hz:
                return 0.0
            return len(self._samples) / self._sample_rate_hz

    @property
    def position_s(self) -> float:
        """Seconds of the clip handed to the speaker so far (moves with seek, holds on pause).

        The sound itself is ``latency_s`` behind (about 0.1 s).
        """
        with self._lock:
            if not self._sample_rate_hz:
                return 0.0
            return self._position / self._sample_rate_hz

    @property
    def latency_s(self) -> float:
        """How far the sound lags ``position_s`` (the device's output latency)."""
        with self._lock:
            stream = self._stream
        try:
            return float(stream.latency) if stream is not None else 0.0
        except Exception:  # a closed stream has no latency
            return 0.0

    @property
    def is_playing(self) -> bool:
        """True while a clip is playing and not paused."""
        with self._lock:
            return not self._finished.is_set() and not self._paused

    @property
    def is_paused(self) -> bool:
        """True while a clip is paused."""
        with self._lock:
            return not self._finished.is_set() and self._paused

    # -- control ---------------------------------------------------------------------------------

    def play(
        self,
        source: Path | str | npt.ArrayLike,
        start_s: float = 0.0,
        sample_rate_hz: int | None = None,
    ) -> float:
        """Start playing a file or samples (``sample_rate_hz`` needed for arrays) from ``start_s``.

        Stops whatever was playing. Returns the clip's duration in seconds. Raises
        AudioDeviceError when there is no speaker, AudioFileError for an unreadable file.
        """
        import numpy as np

        if isinstance(source, str | Path):
            samples, rate_hz = load_audio(source)
        else:
            if not sample_rate_hz:
                raise ValueError("sample_rate_hz is required when playing an array")
            array = np.asarray(source)
            if array.ndim > 1:
                array = array.mean(axis=1)
            if array.dtype == np.int16:
                samples = array.astype(np.float32) / 32768.0
            else:
                samples = np.ascontiguousarray(array, dtype=np.float32)
            rate_hz = int(sample_rate_hz)
        self.stop()
        sd = load_sounddevice()
        device_index = resolve_device(self.device, "output")
        with self._lock:
            self._generation += 1
            generation = self._generation
            self._samples = samples
            self._sample_rate_hz = rate_hz
            self._position = min(max(0, round(start_s * rate_hz)), len(samples))
            self._paused = False
            self._lead_frames = round(LEAD_SILENCE_S * rate_hz)
            self._tail_frames = round(TAIL_SILENCE_S * rate_hz)
            self._finished.clear()
        self._callback_stop = sd.CallbackStop
        try:
            stream = self._open_stream(sd, device_index, generation)
            with self._control:
                with self._lock:
                    stopped = generation != self._generation  # stop() came meanwhile
                    if not stopped:
                        self._stream = stream  # before start(): a tiny clip may end at once
                if stopped:
                    with contextlib.suppress(Exception):
                        stream.close()
                else:
                    stream.start()
        except BaseException:
            self.stop()
            raise
        return len(samples) / rate_hz

    def _open_stream(self, sd: Any, device_index: int | None, generation: int) -> Any:
        def make() -> Any:
            return sd.OutputStream(
                samplerate=self._sample_rate_hz,
                channels=1,
                dtype="float32",
                blocksize=max(1, round(self._sample_rate_hz * BLOCK_DURATION_S)),
                latency=self.buffer_s,
                device=device_index,
                callback=self._callback,
                finished_callback=lambda: self._on_stream_finished(generation),
            )

        try:
            return make()
        except sd.PortAudioError as error:
            if "sample rate" not in str(error).lower():
                raise AudioDeviceError(_speaker_message(error)) from error
        # A device that cannot play this rate: resample the clip to the device's own rate.
        try:
            info = sd.query_devices(device_index, kind="output")
            device_rate_hz = round(float(info["default_samplerate"]))
            import soxr

            with self._lock:
                scale = device_rate_hz / self._sample_rate_hz
                self._samples = soxr.resample(self._samples, self._sample_rate_hz, device_rate_hz)
                self._position = round(self._position * scale)
                self._sample_rate_hz = device_rate_hz
            return make()
        except sd.PortAudioError as error:
            raise AudioDeviceError(_speaker_message(error)) from error

    def pause(self) -> None:
        """Pause (the stream keeps running, silent, so resume is instant)."""
        with self._lock:
            if not self._finished.is_set():
                self._paused = True

    def resume(self) -> None:
        """Resume after pause; after the clip ended, plays it again from the current position."""
        with self._lock:
            if not self._finished.is_set():
                self._paused = False
                return
            samples, rate_hz, start_s = self._samples, self._sample_rate_hz, self.position_s
        if samples is not None:
            if start_s >= len(samples) / rate_hz:
                start_s = 0.0
            self.play(samples, start_s=start_s, sample_rate_hz=rate_hz)

    def seek(self, position_s: float) -> None:
        """Jump to ``position_s`` (clamped to the clip)."""
        with self._lock:
            if self._samples is None:
                return
            frame = round(position_s * self._sample_rate_hz)
            self._position = min(max(0, frame), len(self._samples))

    def stop(self) -> None:
        """Stop playing now (on_finish is not called)."""
        with self._control:
            with self._lock:
                stream, self._stream = self._stream, None
                self._generation += 1
                self._finished.set()
                self._paused = False
            if stream is not None:
                with contextlib.suppress(Exception):
                    stream.abort()
                with contextlib.suppress(Exception):
                    stream.close()
        with self._lock:
            closer = self._closer
        if closer is not None and closer is not threading.current_thread():
            closer.join(timeout=CLOSE_TIMEOUT_S)

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until playback ends or is stopped; True when it has."""
        return self._finished.wait(timeout)

    # -- audio thread ----------------------------------------------------------------------------

    def _callback(self, outdata: Any, frames: int, time_info: Any, status: Any) -> None:
        outdata.fill(0)
        with self._lock:
            samples = self._samples
            if self._paused or samples is None:
                return
            offset = min(self._lead_frames, frames)
            self._lead_frames -= offset
            start = self._position
            chunk = samples[start : start + frames - offset]
            self._position = start + len(chunk)
            if self._position >= len(samples):
                self._tail_frames -= frames - offset - len(chunk)
            at_end = self._tail_frames <= 0
        outdata[offset : offset + len(chunk), 0] = chunk
        if at_end:
            raise self._callback_stop

    def _on_stream_finished(self, generation: int) -> None:
        with self._lock:
            if generation != self._generation:
                return  # stopped or replaced: not a natural end
            stream, self._stream = self._stream, None
            # Closing the stream and the user's callback must not run on PortAudio's own
            # thread. Started before `finished` is set, so whoever waits can join it.
            self._closer = threading.Thread(
                target=self._after_finish, args=(stream, self.on_finish), daemon=True
            )
            self._closer.start()
            self._finished.set()

    @staticmethod
    def _after_finish(stream: Any, callback: Callable[[], None] | None) -> None:
        if stream is not None:
            with contextlib.suppress(Exception):
                stream.close()
        if callback is not None:
            with contextlib.suppress(Exception):
                callback()
