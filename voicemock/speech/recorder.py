"""Record the answer from the microphone straight into a WAV file, losing nothing on a crash.

The PortAudio callback only copies each block into a queue and stores its level; a writer thread
appends the blocks to a 16-bit PCM WAV from the first block on and rewrites the header sizes
every few blocks. If the process dies (even ``kill -9``) the file holds everything written so
far, and :func:`voicemock.core.wav.repair_wav` makes a stale header match the data again.
"""

from __future__ import annotations

import contextlib
import errno
import math
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from voicemock.core.wav import BYTES_PER_SECOND
from voicemock.errors import AudioDeviceError, StoreError, VoicemockError
from voicemock.speech.devices import NO_MICROPHONE, list_devices, load_sounddevice, resolve_device

if TYPE_CHECKING:
    import numpy as np

StopReason = Literal["user", "max_duration", "silence", "device_error", "write_error"]
RecorderState = Literal["starting", "recording", "stopped"]

SILENCE_FLOOR_DBFS = -120.0
BLOCK_DURATION_S = 0.02  # small blocks: a crash loses at most about one block
HEADER_UPDATE_INTERVAL_S = 0.1  # a stale header is at most this far behind the data
FSYNC_INTERVAL_S = 1.0  # survives a power cut, not only a crash, up to this far back
FIRST_BLOCK_TIMEOUT_S = 5.0
STALL_TIMEOUT_S = 2.0
MIN_SPEECH_S = 0.2  # a click is not an answer: silence-stop arms only after this much sound
_SFC_UPDATE_HEADER_NOW = 0x1060  # libsndfile command, not exported by soundfile
# An answer and its copy into the store must fit: below this much free space, do not start.
MIN_FREE_TO_RECORD_BYTES = 10_000_000
LOW_SPACE_WARNING_BYTES = 50_000_000
DISK_FULL_BELOW_BYTES = 1_000_000  # a failed write with less free than this is a full disk
NO_SOUND_DEVICES = (
    "No microphone found: no sound devices are visible at all, so maybe no sound server is "
    "running (check `pactl info`) or there is no sound card (see `voicemock devices`)"
)
_END = object()


@dataclass(frozen=True)
class Recording:
    """A finished recording: where it is, how long, and why it stopped."""

    path: Path
    duration_s: float
    sample_rate_hz: int
    stopped_by: StopReason


def to_dbfs(amplitude: float) -> float:
    """Level of an int16 amplitude in dB relative to full scale, floored at -120 dBFS."""
    if amplitude <= 0:
        return SILENCE_FLOOR_DBFS
    return max(SILENCE_FLOOR_DBFS, 20.0 * math.log10(amplitude / 32768.0))


def block_level(block: np.ndarray[Any, Any]) -> tuple[float, float]:
    """(RMS dBFS, peak dBFS) of an int16 block."""
    import numpy as np

    if block.size == 0:
        return SILENCE_FLOOR_DBFS, SILENCE_FLOOR_DBFS
    samples = block.astype(np.float64)
    rms = math.sqrt(float(np.mean(samples * samples)))
    peak = float(np.max(np.abs(samples)))
    return to_dbfs(rms), to_dbfs(peak)


def _no_microphone_message() -> str:
    """NO_MICROPHONE, or, when no device at all is visible, a hint about the sound server."""
    try:
        nothing_at_all = not list_devices()
    except VoicemockError:
        nothing_at_all = True
    return NO_SOUND_DEVICES if nothing_at_all else NO_MICROPHONE


def check_microphone(device: str | int | None = None) -> int | None:
    """Make sure the microphone exists before anything else happens; returns its index.

    ``device`` is an index or (part of) a name, None for the default. Raises AudioDeviceError
    with a one-line reason: no such device, no input at all, or no sound server.
    """
    try:
        return resolve_device(device, "input")
    except AudioDeviceError as error:
        if str(error) == NO_MICROPHONE:
            raise AudioDeviceError(_no_microphone_message()) from error
        raise


def check_recording_space(folder: Path) -> str | None:
    """Refuse to record when the disk holding ``folder`` is (nearly) full; warn when low.

    Raises StoreError below MIN_FREE_TO_RECORD_BYTES; returns a warning below
    LOW_SPACE_WARNING_BYTES, else None. Saying how much is free either way.
    """
    from voicemock.core.store import disk_free_bytes

    free = disk_free_bytes(folder)
    if free is None:
        return None
    if free < MIN_FREE_TO_RECORD_BYTES:
        raise StoreError(
            f"not enough disk space to record an answer: {free / 1e6:.1f} MB free in {folder} "
            f"(at least {MIN_FREE_TO_RECORD_BYTES / 1e6:.0f} MB needed); free some space or "
            "set VOICEMOCK_HOME to a folder on another disk"
        )
    if free < LOW_SPACE_WARNING_BYTES:
        # Each answer briefly needs twice its size: the recording and its copy in the store.
        minutes = free / (2 * BYTES_PER_SECOND) / 60
        return (
            f"Only {free / 1e6:.0f} MB free on the disk: room for about {minutes:.0f} "
            "minutes of answers."
        )
    return None


def write_failure_message(path: Path, error: BaseException, detail: str = "") -> str:
    """Why writing the recording ``path`` failed, in one line, saying that the file is kept.

    ``detail`` is the system's reason when known (libsndfile only says "System error.").
    """
    from voicemock.core.store import describe_free_space, disk_free_bytes

    free = disk_free_bytes(path)
    reason = detail or (error.strerror if isinstance(error, OSError) else "") or str(error)
    disk_full = (isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT)) or (
        "no space left" in reason.lower() or (free is not None and free < DISK_FULL_BELOW_BYTES)
    )
    if disk_full:
        return (
            f"the disk is full ({describe_free_space(path)}); "
            f"your recording so far is kept at {path}"
        )
    return f"recording stopped: could not write {path} ({reason}); what was recorded is kept"


def _libsndfile_reason(file: Any) -> str:
    """The system's reason for libsndfile's last error on ``file`` ("No space left on device")."""
    try:
        import soundfile as sf

        text: str = sf._ffi.string(sf._snd.sf_strerror(file._file)).decode("utf-8", "replace")
    except Exception:  # private API gone: the caller falls back to what it knows
        return ""
    return text.removeprefix("System error :").strip().rstrip(".")


def _portaudio_message(error: BaseException) -> str:
    """A one-line user message for a PortAudio failure to open or run the microphone."""
    text = str(error)
    if "querying device -1" in text or "No Default Input Device" in text.replace("_", " "):
        return _no_microphone_message()
    if "Invalid number of channels" in text:
        return "The selected device has no microphone input (see `voicemock devices`)"
    return f"The microphone could not be opened: {text}"


class Recorder:
    """Records the microphone into ``out_path`` (16-bit PCM WAV) until stopped or auto-stopped.

    ``is_recording`` is True only once audio really arrives. ``level`` is (RMS, peak) in dBFS of
    the latest block. Auto-stops after ``max_duration_s``, or after ``silence_stop_s`` below
    ``silence_threshold_dbfs`` once some speech was heard, or when the device fails (``error``).
    """

    def __init__(
        self,
        out_path: Path | str,
        *,
        device: str | int | None = None,
        sample_rate_hz: int = 16000,
        max_duration_s: float | None = None,
        silence_stop_s: float | None = None,
        silence_threshold_dbfs: float = -45.0,
        on_stop: Callable[[Recording], None] | None = None,
        on_audio: Callable[[Any], None] | None = None,
    ) -> None:
        """Prepare a recorder; nothing is opened until :meth:`start`.

        ``on_stop`` is called once when the recording ends (auto-stops call it from a
        background thread). ``on_audio`` gets every block of int16 samples once it is in the
        file, then None when the recording ends (from the writer thread; a tap that raises is
        dropped, the recording goes on).
        """
        self.out_path = Path(out_path)
        self.device = device
        self.sample_rate_hz = int(sample_rate_hz)
        self.max_duration_s = max_duration_s
        self.silence_stop_s = silence_stop_s
        self.silence_threshold_dbfs = silence_threshold_dbfs
        self.on_stop = on_stop
        self._on_audio = on_audio
        self._queue: queue.Queue[Any] = queue.Queue()
        self._lock = threading.Lock()  # level, counters, state
        self._stop_lock = threading.Lock()
        self._level = (SILENCE_FLOOR_DBFS, SILENCE_FLOOR_DBFS)
        self._frames_captured = 0
        self._frames_written = 0
        self._overflows = 0
        self._state: RecorderState = "starting"
        self._started = False
        self._first_block = threading.Event()
        self._done = threading.Event()
        self._stream_finished = threading.Event()
        self._stop_requested = False
        self._auto_reason: StopReason | None = None
        self._error: VoicemockError | None = None
        self._recording: Recording | None = None
        self._stream: Any = None
        self._writer: threading.Thread | None = None
        self._file: Any = None
        self._device_rate_hz = self.sample_rate_hz
        self._resampler: Any = None
        self._last_block_at = 0.0

    # -- public state ----------------------------------------------------------------------------

    @property
    def state(self) -> RecorderState:
        """Starting until the first audio block arrives, then recording, then stopped."""
        with self._lock:
            return self._state

    @property
    def is_recording(self) -> bool:
        """True once audio really arrives from the microphone, until the recording stops."""
        return self.state == "recording"

    @property
    def level(self) -> tuple[float, float]:
        """(RMS dBFS, peak dBFS) of the latest block; -120 when nothing arrived."""
        with self._lock:
            return self._level

    @property
    def elapsed_s(self) -> float:
        """Seconds of audio captured so far (by the audio clock, not the wall clock)."""
        with self._lock:
            return self._frames_captured / self._device_rate_hz

    @property
    def error(self) -> VoicemockError | None:
        """Why the recording stopped early, if it did; what was recorded is kept either way.

        AudioDeviceError when the device failed, StoreError when the file could not be written
        (then ``stopped_by`` is "write_error").
        """
        with self._lock:
            return self._error

    @property
    def overflows(self) -> int:
        """How many times PortAudio reported an input overflow (audio dropped by the device)."""
        with self._lock:
            return self._overflows

    @property
    def recording(self) -> Recording | None:
        """The finished recording, once stopped."""
        return self._recording

    # -- lifecycle -------------------------------------------------------------------------------

    def start(self) -> Recorder:
        """Open the microphone and the file and start recording; returns self.

        Raises AudioDeviceError (no microphone, PortAudio missing, device busy) or StoreError
        (the file cannot be written).
        """
        if self._started:
            raise RuntimeError("a Recorder can only be started once")
        self._started = True
        try:
            self._open()
        except BaseException:
            with self._lock:
                self._state = "stopped"
            self._done.set()
            raise
        return self

    def _open(self) -> None:
        sd = load_sounddevice()
        device_index = check_microphone(self.device)
        stream = self._open_stream(sd, device_index, self.sample_rate_hz)
        try:
            self._open_file()
        except BaseException:
            stream.close()
            raise
        self._stream = stream
        self._writer = threading.Thread(
            target=self._write_loop, name="recorder-writer", daemon=True
        )
        self._writer.start()
        try:
            stream.start()
        except sd.PortAudioError as error:
            self._queue.put(_END)
            self._writer.join()
            stream.close()
            with contextlib.suppress(OSError):
                self.out_path.unlink()
            raise AudioDeviceError(_portaudio_message(error)) from error

    def _open_stream(self, sd: Any, device_index: int | None, rate_hz: int) -> Any:
        def make(rate: int) -> Any:
            return sd.InputStream(
                samplerate=rate,
                channels=1,
                dtype="int16",
                blocksize=max(1, round(rate * BLOCK_DURATION_S)),
                latency="high",
                device=device_index,
                callback=self._callback,
                finished_callback=self._stream_finished.set,
            )

        try:
            return make(rate_hz)
        except sd.PortAudioError as error:
            if "sample rate" not in str(error).lower():
                raise AudioDeviceError(_portaudio_message(error)) from error
        # Hardware that cannot record at 16 kHz: record at its own rate and resample on write.
        try:
            info = sd.query_devices(device_index, kind="input")
            device_rate_hz = round(float(info["default_samplerate"]))
            stream = make(device_rate_hz)
        except (sd.PortAudioError, ValueError) as error:
            raise AudioDeviceError(_portaudio_message(error)) from error
        import soxr

        self._device_rate_hz = device_rate_hz
        self._resampler = soxr.ResampleStream(device_rate_hz, rate_hz, 1, dtype="int16")
        return stream

    def _open_file(self) -> None:
        import soundfile as sf

        from voicemock.core.store import describe_free_space
        from voicemock.files import create_private_file

        path = self.out_path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            # Created here first: libsndfile reports any failure as just "System error.".
            # A voice recording is personal: 0600 whatever the umask (libsndfile keeps the mode).
            with create_private_file(path, exclusive=False):
                pass
        except OSError as error:
            reason = error.strerror or str(error)
            if isinstance(error, IsADirectoryError):
                reason = "it is a folder"
            elif isinstance(error, FileNotFoundError) and path.parent.is_dir():
                reason = f"files cannot be created in {path.parent}"
            elif error.errno in (errno.ENOSPC, errno.EDQUOT):
                reason = f"the disk is full ({describe_free_space(path.parent)})"
            raise StoreError(f"cannot write the recording to {path}: {reason}") from error
        try:
            self._file = sf.SoundFile(
                str(path),
                mode="w",
                samplerate=self.sample_rate_hz,
                channels=1,
                subtype="PCM_16",
                format="WAV",
            )
        except (OSError, RuntimeError) as error:
            with contextlib.suppress(OSError):
                path.unlink()
            raise StoreError(f"cannot write the recording to {path}: {error}") from error

    def stop(self) -> Recording:
        """Stop recording (idempotent) and return the finished Recording."""
        return self._finish("user")

    def _finish(self, reason: StopReason) -> Recording:
        with self._stop_lock:
            if self._recording is not None:
                return self._recording
            if not self._started or self._writer is None:
                raise RuntimeError("the recorder was not started")
            self._stop_requested = True
            reason = self._auto_reason or reason
            stream = self._stream
            try:
                if reason == "device_error":
                    stream.abort()
                else:
                    stream.stop()  # delivers the blocks already captured
            except Exception:  # the device may already be gone; the file matters more
                with contextlib.suppress(Exception):
                    stream.abort()
            with contextlib.suppress(Exception):
                stream.close()
            self._queue.put(_END)
            self._writer.join()
            with self._lock:
                self._state = "stopped"
                frames = self._frames_written
            self._recording = Recording(
                path=self.out_path,
                duration_s=frames / self.sample_rate_hz,
                sample_rate_hz=self.sample_rate_hz,
                stopped_by=reason,
            )
            self._done.set()
            self._first_block.set()  # wakes wait_until_recording() when no audio ever came
        if self.on_stop is not None:
            self.on_stop(self._recording)
        return self._recording

    def wait_until_recording(self, timeout: float | None = None) -> bool:
        """Wait until audio arrives; True when recording, False on timeout or failure."""
        self._first_block.wait(timeout)
        return self.is_recording

    def wait(self, timeout: float | None = None) -> Recording | None:
        """Wait for the recording to stop (e.g. an auto-stop); None on timeout."""
        if not self._done.wait(timeout):
            return None
        return self._recording

    def __enter__(self) -> Recorder:
        """Start recording."""
        return self.start()

    def __exit__(self, *exc: object) -> None:
        """Stop recording, keeping the file."""
        if self._started and self._writer is not None:
            self.stop()

    # -- audio thread ----------------------------------------------------------------------------

    def _callback(self, indata: Any, frames: int, time_info: Any, status: Any) -> None:
        block = indata[:, 0].copy()  # PortAudio reuses its buffer after we return
        rms_dbfs, peak_dbfs = block_level(block)
        with self._lock:
            self._level = (rms_dbfs, peak_dbfs)
            self._frames_captured += frames
            if status.input_overflow:
                self._overflows += 1
            if self._state == "starting":
                self._state = "recording"
        self._queue.put(block)
        self._first_block.set()

    # -- writer thread ---------------------------------------------------------------------------

    def _write_loop(self) -> None:
        import numpy as np

        file = self._file
        max_frames = (
            round(self.max_duration_s * self.sample_rate_hz) if self.max_duration_s else None
        )
        speech_s = 0.0
        silence_s = 0.0
        writing = True
        started_at = time.monotonic()
        last_header = last_sync = started_at
        self._last_block_at = started_at
        try:
            while True:
                try:
                    item = self._queue.get(timeout=0.1)
                except queue.Empty:
                    item = None
                if item is _END:
                    break
                now = time.monotonic()
                if item is not None:
                    self._last_block_at = now
                if item is not None and writing:
                    block: np.ndarray[Any, Any] = item
                    block_s = len(block) / self._device_rate_hz
                    if self._resampler is not None:
                        block = self._resampler.resample_chunk(block)
                    if max_frames is not None and self._frames_written + len(block) >= max_frames:
                        block = block[: max_frames - self._frames_written]
                        writing = False
                        self._auto_stop("max_duration")
                    pcm = block.astype(np.int16, copy=False)
                    file.write(pcm)
                    with self._lock:
                        self._frames_written += len(block)
                    self._tap(pcm)
                    if writing and self.silence_stop_s is not None:
                        rms_dbfs, _ = block_level(item)
                        if rms_dbfs >= self.silence_threshold_dbfs:
                            speech_s += block_s
                            silence_s = 0.0
                        else:
                            silence_s += block_s
                        if speech_s >= MIN_SPEECH_S and silence_s >= self.silence_stop_s:
                            writing = False
                            self._auto_stop("silence")
                    if now - last_header >= HEADER_UPDATE_INTERVAL_S:
                        self._update_header(file)
                        last_header = now
                    if now - last_sync >= FSYNC_INTERVAL_S:
                        file.flush()
                        last_sync = now
                elif writing and not self._stop_requested:
                    problem = self._device_problem(now, started_at)
                    if problem:
                        writing = False
                        with self._lock:
                            self._error = AudioDeviceError(problem)
                        self._auto_stop("device_error")
        except Exception as error:  # e.g. disk full: stop cleanly, keep what was written
            message = write_failure_message(self.out_path, error, _libsndfile_reason(file))
            with self._lock:
                self._error = StoreError(message)
            writing = False
            self._auto_stop("write_error")
        finally:
            with contextlib.suppress(Exception):
                if self._resampler is not None and writing:
                    rest = self._resampler.resample_chunk(np.zeros(0, np.int16), last=True)
                    file.write(rest)
                    with self._lock:
                        self._frames_written += len(rest)
                    self._tap(rest.astype(np.int16, copy=False))
            with contextlib.suppress(Exception):
                file.close()  # writes the final header
            self._tap(None)

    def _tap(self, block: Any) -> None:
        """Hand written audio to ``on_audio``; a failing tap is dropped, never the recording."""
        if self._on_audio is None:
            return
        try:
            self._on_audio(block)
        except Exception:
            self._on_audio = None

    def _device_problem(self, now: float, started_at: float) -> str | None:
        if self._stream_finished.is_set():
            return (
                "The microphone stopped delivering audio (disconnected?); "
                f"the answer so far is kept in {self.out_path}"
            )
        if not self._first_block.is_set():
            if now - started_at > FIRST_BLOCK_TIMEOUT_S:
                return "The microphone delivered no audio: check it with `voicemock devices`"
            return None
        if now - self._last_block_at > STALL_TIMEOUT_S:
            return (
                "The microphone stopped delivering audio; "
                f"the answer so far is kept in {self.out_path}"
            )
        return None

    def _auto_stop(self, reason: StopReason) -> None:
        """Stop from the writer thread: the actual stop runs elsewhere (it joins this thread)."""
        with self._lock:
            if self._auto_reason is None:
                self._auto_reason = reason
        threading.Thread(target=self._finish_quietly, args=(reason,), daemon=True).start()

    def _finish_quietly(self, reason: StopReason) -> None:
        try:
            self._finish(reason)
        except Exception as error:  # a failing on_stop must not print a traceback in a thread
            with self._lock:
                if self._error is None:
                    self._error = AudioDeviceError(f"recording stopped with an error: {error}")

    @staticmethod
    def _update_header(file: Any) -> None:
        """Rewrite the WAV sizes so the file on disk is complete up to this point."""
        try:
            import soundfile as sf

            sf._snd.sf_command(file._file, _SFC_UPDATE_HEADER_NOW, sf._ffi.NULL, 0)
        except Exception:  # private API gone: repair_wav() fixes the header when opened later
            pass
