"""A private PulseAudio server with a virtual microphone and speaker, for machines with no sound.

Two null sinks clocked in real time by the server: whatever is played into ``vmic`` is what the
default source ``vmic.monitor`` (the "microphone") hears, and whatever an application plays goes
to the default sink ``vspk``, which can be recorded back from ``vspk.monitor``. Used by the tests
and the benchmarks; nothing here is needed to use voicemock on a machine with real devices.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from voicemock.errors import AudioDeviceError

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

MIC_SINK = "vmic"
SPEAKER_SINK = "vspk"
REQUIRED_TOOLS = ("pulseaudio", "pactl", "pacat")
# A Unix socket path (sun_path) holds at most 108 bytes; mkdtemp under /tmp stays far below it.
_MAX_SOCKET_PATH = 107
_START_TIMEOUT_S = 10.0
# A new PulseAudio stream fades in over ~7 ms: leading zeros keep the fed audio itself exact.
DEFAULT_LEAD_SILENCE_S = 0.05
# A generous feeder buffer: on a busy machine a 50 ms one underran, which puts a gap of silence
# into what the microphone hears.
FEED_LATENCY_MS = 300
# Shared-memory transport off, for the server and every client: with it, PulseAudio 16 aborts
# now and then under load ("memblock.c: Assertion ... n_imported > 0 failed", upstream bug 824).
_CLIENT_CONF = "autospawn = no\nenable-shm = no\nenable-memfd = no\n"


class VirtualAudioUnavailableError(AudioDeviceError):
    """The tools for a virtual sound server are missing or the server would not start."""


def missing_requirements() -> str | None:
    """Why a virtual sound server cannot run here, or None when everything is installed."""
    missing = [tool for tool in REQUIRED_TOOLS if shutil.which(tool) is None]
    if missing:
        return (
            f"missing {', '.join(missing)} "
            "(apt-get install pulseaudio pulseaudio-utils libasound2-plugins)"
        )
    plugin_dirs = list(Path("/usr/lib").glob("*/alsa-lib/libasound_module_pcm_pulse.so"))
    plugin_dirs += list(Path("/usr/lib/alsa-lib").glob("libasound_module_pcm_pulse.so"))
    if sys.platform.startswith("linux") and not plugin_dirs:
        return "the ALSA pulse plugin is missing (apt-get install libasound2-plugins)"
    return None


def reinit_portaudio() -> None:
    """Make PortAudio list devices again (it lists them once, when sounddevice is imported)."""
    module = sys.modules.get("sounddevice")
    if module is None:
        return  # the first import will list the devices of the current environment
    with contextlib.suppress(Exception):
        module._terminate()
    module._initialize()


def _kill_group(
    proc: subprocess.Popen[Any], sig: int = signal.SIGTERM, wait_s: float = 2.0
) -> None:
    """Stop a process started with its own session, and everything it spawned."""
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, sig)
        try:
            proc.wait(timeout=wait_s)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=wait_s)
    else:
        proc.wait()


def to_pcm16(
    source: Path | str | npt.ArrayLike, sample_rate_hz: int | None, target_rate_hz: int
) -> np.ndarray[Any, np.dtype[np.int16]]:
    """Mono int16 samples at ``target_rate_hz`` from a WAV path or an array (int16 or float)."""
    import numpy as np

    if isinstance(source, str | Path):
        import soundfile as sf

        info = sf.info(str(source))
        if info.subtype == "PCM_16":
            data, file_rate_hz = sf.read(str(source), dtype="int16", always_2d=True)
        else:
            data, file_rate_hz = sf.read(str(source), dtype="float32", always_2d=True)
        array = data[:, 0]
        sample_rate_hz = int(file_rate_hz)
    else:
        array = np.asarray(source)
        if array.ndim > 1:
            array = array[:, 0]
        sample_rate_hz = sample_rate_hz or target_rate_hz
    if sample_rate_hz != target_rate_hz:
        import soxr

        as_float = array.astype(np.float32) / 32768.0 if array.dtype == np.int16 else array
        array = soxr.resample(as_float.astype(np.float32), sample_rate_hz, target_rate_hz)
    if array.dtype != np.int16:
        scaled = np.clip(np.round(np.asarray(array, dtype=np.float64) * 32768.0), -32768, 32767)
        array = scaled.astype(np.int16)
    return np.ascontiguousarray(array, dtype=np.int16)


@dataclass
class MicFeed:
    """One clip being played into the virtual microphone by ``pacat``."""

    process: subprocess.Popen[bytes]
    samples: np.ndarray[Any, np.dtype[np.int16]]
    lead_silence_s: float
    sample_rate_hz: int
    started_monotonic: float = field(default_factory=time.monotonic)

    @property
    def duration_s(self) -> float:
        """Length of the fed clip itself, without the leading silence."""
        return len(self.samples) / self.sample_rate_hz

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until the clip has been played; True when it finished."""
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return False
        return True

    def stop(self) -> None:
        """Stop feeding now (what was already played stays played)."""
        _kill_group(self.process)


class VirtualAudioServer:
    """A private PulseAudio server with the virtual devices; start() it, then stop() it."""

    def __init__(self, sample_rate_hz: int = 16000, base_dir: Path | None = None) -> None:
        """Prepare a server at ``sample_rate_hz`` (mono s16le) in a new short temp dir."""
        self.sample_rate_hz = sample_rate_hz
        self._base_dir = base_dir
        self.dir = Path()
        self._server: subprocess.Popen[bytes] | None = None
        self._keepalive: list[subprocess.Popen[bytes]] = []
        self._watchdog: subprocess.Popen[bytes] | None = None
        self._feeds: list[MicFeed] = []
        self._capture: subprocess.Popen[bytes] | None = None
        self._capture_path: Path | None = None
        self._lock = threading.Lock()
        self._saved_env: dict[str, str | None] = {}
        self._active = False
        self._counter = 0

    # -- lifecycle -------------------------------------------------------------------------------

    @property
    def socket_path(self) -> Path:
        """The server's native-protocol socket."""
        return self.dir / "native"

    @property
    def pulse_server(self) -> str:
        """The value for ``PULSE_SERVER`` that reaches this server."""
        return f"unix:{self.socket_path}"

    @property
    def running(self) -> bool:
        """True while the server process is alive."""
        return self._server is not None and self._server.poll() is None

    @property
    def client_config(self) -> Path:
        """The client configuration every client of this server reads (``PULSE_CLIENTCONFIG``)."""
        return self.dir / "client.conf"

    def _client_vars(self) -> dict[str, str]:
        return {"PULSE_SERVER": self.pulse_server, "PULSE_CLIENTCONFIG": str(self.client_config)}

    def tool_env(self) -> dict[str, str]:
        """Environment for the PulseAudio tools and servers started here (no user config read)."""
        env = dict(os.environ)
        env.update(self._client_vars(), HOME=str(self.dir), XDG_RUNTIME_DIR=str(self.dir))
        env.pop("PULSE_SINK", None)
        env.pop("PULSE_SOURCE", None)
        return env

    def client_env(self) -> dict[str, str]:
        """Environment for a child process (e.g. a recorder) that should use these devices."""
        env = dict(os.environ)
        env.update(self._client_vars())
        return env

    def start(self) -> VirtualAudioServer:
        """Start the server, the two devices and the keep-alive readers."""
        reason = missing_requirements()
        if reason:
            raise VirtualAudioUnavailableError(f"no virtual sound server: {reason}")
        parent = self._base_dir or Path("/tmp" if Path("/tmp").is_dir() else tempfile.gettempdir())
        self.dir = Path(tempfile.mkdtemp(prefix="vm-pa-", dir=parent))
        if len(str(self.socket_path)) > _MAX_SOCKET_PATH:
            raise VirtualAudioUnavailableError(f"socket path too long: {self.socket_path}")
        rate = self.sample_rate_hz
        config = self.dir / "default.pa"
        config.write_text(
            f"load-module module-native-protocol-unix auth-anonymous=1 socket={self.socket_path}\n"
            f"load-module module-null-sink sink_name={MIC_SINK} rate={rate} channels=1 "
            "format=s16le sink_properties=device.description=VirtualMicFeed\n"
            f"load-module module-null-sink sink_name={SPEAKER_SINK} rate={rate} channels=1 "
            "format=s16le sink_properties=device.description=VirtualSpeaker\n"
            f"set-default-source {MIC_SINK}.monitor\n"
            f"set-default-sink {SPEAKER_SINK}\n",
            encoding="utf-8",
        )
        self.client_config.write_text(_CLIENT_CONF, encoding="utf-8")
        try:
            self._server = subprocess.Popen(
                [
                    "pulseaudio",
                    "--daemonize=no",
                    "-n",
                    "--disable-shm=yes",
                    f"--file={config}",
                    "--exit-idle-time=-1",
                    "--use-pid-file=no",
                    "--disallow-exit=no",
                    f"--log-target=file:{self.dir / 'pulseaudio.log'}",
                ],
                env=self.tool_env(),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
            self._wait_until(lambda: self._pactl_ok("info"), "the server did not start")
            self._start_watchdog()
            # A null sink with no low-latency client renders in 2 s blocks, so a new recorder
            # would wait up to 2 s for its first callback; permanent 20 ms readers prevent it.
            for sink in (MIC_SINK, SPEAKER_SINK):
                self._keepalive.append(self._pacat_record(f"{sink}.monitor", None))
            self._wait_until(lambda: self.count("source-outputs") >= 2, "keep-alive readers")
            # Suspend/resume restarts the sink clock so the small block size applies at once.
            for sink in (MIC_SINK, SPEAKER_SINK):
                self.pactl("suspend-sink", sink, "1")
                self.pactl("suspend-sink", sink, "0")
        except BaseException:
            self.stop()
            raise
        return self

    def _start_watchdog(self) -> None:
        """If this process dies without stop() (e.g. a killed test run), end the server anyway."""
        assert self._server is not None
        # The clients (keep-alive readers, feeders) exit on their own once the server is gone.
        script = (
            'while kill -0 "$1" 2>/dev/null && kill -0 "$2" 2>/dev/null; do sleep 1; done; '
            'kill -TERM "$2" 2>/dev/null; sleep 1; kill -KILL "$2" 2>/dev/null; '
            'rm -rf "$3"'
        )
        self._watchdog = subprocess.Popen(
            [
                "sh",
                "-c",
                script,
                "watchdog",
                str(os.getpid()),
                str(self._server.pid),
                str(self.dir),
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )

    def activate(self) -> None:
        """Point this process (``PULSE_SERVER``) and PortAudio at this server's devices."""
        variables = self._client_vars()
        if not self._active:
            self._saved_env = {name: os.environ.get(name) for name in variables}
            self._active = True
        os.environ.update(variables)
        reinit_portaudio()

    def deactivate(self) -> None:
        """Undo :meth:`activate`."""
        if not self._active:
            return
        self._active = False
        for name, value in self._saved_env.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        reinit_portaudio()

    def ensure_running(self) -> bool:
        """Start the server afresh (and re-activate it) if it has died; True when it restarted."""
        if self.running:
            return False
        was_active = self._active
        self.stop()
        self.start()
        if was_active:
            self.activate()
        return True

    def stop(self) -> None:
        """Stop everything this server started, by process id, and remove its directory."""
        self.deactivate()
        if self._capture is not None:
            _kill_group(self._capture)
            self._capture = None
        for feed in self._feeds:
            feed.stop()
        self._feeds.clear()
        for proc in self._keepalive:
            _kill_group(proc)
        self._keepalive.clear()
        if self._server is not None:
            if self._server.poll() is None:
                with contextlib.suppress(subprocess.SubprocessError, OSError):
                    self.pactl("exit", timeout_s=2.0)
            _kill_group(self._server)
            self._server = None
        if self._watchdog is not None:
            _kill_group(self._watchdog)
            self._watchdog = None
        if self.dir != Path() and self.dir.is_dir():
            shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> VirtualAudioServer:
        """Start the server (if not started) and return it."""
        if not self.running:
            self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        """Stop the server."""
        self.stop()

    # -- helpers ---------------------------------------------------------------------------------

    def pactl(self, *args: str, timeout_s: float = 5.0) -> str:
        """Run ``pactl`` against this server and return its output."""
        proc = subprocess.run(
            ["pactl", *args],
            env=self.tool_env(),
            capture_output=True,
            text=True,
            timeout=timeout_s,
            check=True,
        )
        return proc.stdout

    def count(self, kind: str) -> int:
        """How many ``pactl list short KIND`` entries exist (e.g. source-outputs, sink-inputs)."""
        try:
            return len(self.pactl("list", "short", kind).splitlines())
        except (subprocess.SubprocessError, OSError):
            return -1

    def _pactl_ok(self, *args: str) -> bool:
        try:
            self.pactl(*args, timeout_s=2.0)
        except (subprocess.SubprocessError, OSError):
            return False
        return True

    def _wait_until(self, condition: Any, what: str, timeout_s: float = _START_TIMEOUT_S) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self._server is not None and self._server.poll() is not None:
                break
            if condition():
                return
            time.sleep(0.02)
        log = self.dir / "pulseaudio.log"
        tail = log.read_text(errors="replace").strip().splitlines()[-3:] if log.exists() else []
        raise VirtualAudioUnavailableError(
            f"virtual sound server: {what} ({'; '.join(tail) or 'no log'})"
        )

    def _pacat_record(self, source: str, out: Path | None) -> subprocess.Popen[bytes]:
        with contextlib.ExitStack() as stack:
            sink = stack.enter_context(out.open("wb")) if out else subprocess.DEVNULL
            return subprocess.Popen(
                [
                    "pacat",
                    "--record",
                    "-d",
                    source,
                    "--raw",
                    "--format=s16le",
                    f"--rate={self.sample_rate_hz}",
                    "--channels=1",
                    "--latency-msec=20",
                ],
                env=self.tool_env(),
                stdin=subprocess.DEVNULL,
                stdout=sink,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )

    # -- microphone and speaker ------------------------------------------------------------------

    def feed_mic(
        self,
        source: Path | str | npt.ArrayLike,
        *,
        sample_rate_hz: int | None = None,
        block: bool = False,
        lead_silence_s: float = DEFAULT_LEAD_SILENCE_S,
        timeout_s: float | None = None,
    ) -> MicFeed:
        """Play a WAV file or samples into the virtual microphone, in the background or blocking.

        The clip is converted to mono s16 at the server's rate and preceded by ``lead_silence_s``
        of zeros, so the stream's fade-in does not touch it and the microphone hears it exactly.
        """
        import numpy as np

        samples = to_pcm16(source, sample_rate_hz, self.sample_rate_hz)
        lead = np.zeros(round(lead_silence_s * self.sample_rate_hz), dtype=np.int16)
        with self._lock:
            self._counter += 1
            raw_path = self.dir / f"feed-{self._counter}.raw"
        raw_path.write_bytes(np.concatenate([lead, samples]).astype("<i2").tobytes())
        with raw_path.open("rb") as raw:
            proc = subprocess.Popen(
                [
                    "pacat",
                    "--playback",
                    "-d",
                    MIC_SINK,
                    "--raw",
                    "--format=s16le",
                    f"--rate={self.sample_rate_hz}",
                    "--channels=1",
                    f"--latency-msec={FEED_LATENCY_MS}",
                ],
                env=self.tool_env(),
                stdin=raw,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
        feed = MicFeed(proc, samples, lead_silence_s, self.sample_rate_hz)
        self._feeds = [f for f in self._feeds if f.process.poll() is None]
        self._feeds.append(feed)
        if block:
            limit = timeout_s if timeout_s is not None else feed.duration_s + lead_silence_s + 10
            if not feed.wait(limit):
                feed.stop()
                raise VirtualAudioUnavailableError("feeding the virtual microphone timed out")
        return feed

    def start_speaker_capture(self) -> None:
        """Start recording what is played to the virtual speaker (``vspk.monitor``)."""
        if self._capture is not None:
            self.stop_speaker_capture()
        before = self.count("source-outputs")
        with self._lock:
            self._counter += 1
            self._capture_path = self.dir / f"speaker-{self._counter}.raw"
        self._capture = self._pacat_record(f"{SPEAKER_SINK}.monitor", self._capture_path)
        self._wait_until(lambda: self.count("source-outputs") > before, "speaker capture")

    def stop_speaker_capture(self) -> np.ndarray[Any, np.dtype[np.int16]]:
        """Stop the speaker capture and return what it heard (mono int16 at the server rate)."""
        import numpy as np

        if self._capture is None or self._capture_path is None:
            raise RuntimeError("start_speaker_capture() was not called")
        # A last moment for audio still in the server's buffers to reach the reader.
        time.sleep(0.1)
        _kill_group(self._capture, signal.SIGINT)
        self._capture = None
        data = self._capture_path.read_bytes()
        self._capture_path.unlink(missing_ok=True)
        usable = len(data) - len(data) % 2
        return np.frombuffer(data[:usable], dtype="<i2").astype(np.int16)


# Records into argv[1]; prints time.monotonic() (one clock for every process) once audio arrives.
_RECORDING_CHILD = """
import sys, time
from voicemock.speech.recorder import Recorder
recorder = Recorder(sys.argv[1]).start()
if not recorder.wait_until_recording(10):
    sys.exit(3)
print(f"{time.monotonic():.6f}", flush=True)
time.sleep(120)
"""


@dataclass(frozen=True)
class KilledRecording:
    """When a recording process first got audio and when it was killed (``time.monotonic()``)."""

    first_block_at: float
    killed_at: float


def record_then_kill(server: VirtualAudioServer, out_path: Path, after_s: float) -> KilledRecording:
    """Record ``out_path`` in a child process and SIGKILL it ``after_s`` after audio arrives.

    Whatever the microphone should hear must already be fed. Raises
    VirtualAudioUnavailableError when the child never starts recording.
    """
    child = subprocess.Popen(
        [sys.executable, "-c", _RECORDING_CHILD, str(out_path)],
        env=server.client_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert child.stdout is not None
        line = child.stdout.readline().strip()
        if not line:
            raise VirtualAudioUnavailableError(
                f"the recording process never got audio (exit code {child.wait(15)})"
            )
        first_block_at = float(line)
        time.sleep(max(0.0, first_block_at + after_s - time.monotonic()))
        killed_at = time.monotonic()
        os.kill(child.pid, signal.SIGKILL)
        child.wait(10)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    return KilledRecording(first_block_at, killed_at)


def align(haystack: npt.ArrayLike, needle: npt.ArrayLike) -> tuple[int, float]:
    """Where ``needle`` sits in ``haystack``: (lag, normalised correlation over the overlap).

    ``haystack[lag + i]`` lines up with ``needle[i]``; the lag is negative when the haystack
    starts inside the needle (e.g. a recording that began after the clip did).
    """
    import numpy as np

    a = np.asarray(haystack, dtype=np.float64)
    b = np.asarray(needle, dtype=np.float64)
    if a.size == 0 or b.size == 0:
        return 0, 0.0
    size = a.size + b.size - 1
    nfft = 1 << (size - 1).bit_length()
    corr = np.fft.irfft(np.fft.rfft(a, nfft) * np.conj(np.fft.rfft(b, nfft)), nfft)
    lags = np.concatenate([np.arange(a.size), np.arange(-(b.size - 1), 0)])
    values = np.concatenate([corr[: a.size], corr[nfft - (b.size - 1) :]])
    lag = int(lags[int(np.argmax(values))])
    seg_a, seg_b = overlap(a, b, lag)
    denominator = float(np.linalg.norm(seg_a) * np.linalg.norm(seg_b))
    return lag, float(np.dot(seg_a, seg_b) / denominator) if denominator else 0.0


def overlap(
    haystack: np.ndarray[Any, Any], needle: np.ndarray[Any, Any], lag: int
) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """The parts of ``haystack`` and ``needle`` that line up at ``lag`` (equal lengths)."""
    start_a = max(lag, 0)
    start_b = max(-lag, 0)
    length = max(0, min(len(haystack) - start_a, len(needle) - start_b))
    return haystack[start_a : start_a + length], needle[start_b : start_b + length]
