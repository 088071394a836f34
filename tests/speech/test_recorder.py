"""The recorder, for real: audio played into the virtual microphone ends up in the WAV."""

from __future__ import annotations

import contextlib
import os
import signal
import struct
import time
import wave
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from tests.fixtures.sound_server import VirtualAudioServer, record_then_kill
from tests.fixtures.virtual_audio import align, overlap
from voicemock.core import store as store_module
from voicemock.core.wav import repair_wav
from voicemock.errors import AudioDeviceError, AudioFileError, StoreError
from voicemock.speech.recorder import (
    NO_SOUND_DEVICES,
    Recorder,
    check_microphone,
    check_recording_space,
)

RATE_HZ = 16000
ANSWER_TEXT = "I split the migration into small steps and checked each one with the team."


@pytest.fixture(scope="module")
def answer_wav(make_speech_16k: Callable[..., Path]) -> Path:
    """A spoken answer, 16 kHz 16-bit mono."""
    return make_speech_16k(ANSWER_TEXT)


def _read(path: Path) -> np.ndarray:
    data, rate_hz = sf.read(str(path), dtype="int16")
    assert rate_hz == RATE_HZ
    return np.asarray(data)


def _noise(seconds: float, seed: int) -> np.ndarray:
    """Loud-enough, never-repeating test audio (unambiguous to align)."""
    rng = np.random.default_rng(seed)
    return rng.integers(-6000, 6000, round(seconds * RATE_HZ)).astype(np.int16)


def test_answer_played_into_the_microphone_is_recorded_sample_exact(
    virtual_audio: VirtualAudioServer, answer_wav: Path, tmp_path: Path
) -> None:
    fed = _read(answer_wav)
    out = tmp_path / "answer.wav"
    with Recorder(out) as recorder:
        assert recorder.wait_until_recording(5)
        virtual_audio.feed_mic(answer_wav, block=True)
        time.sleep(0.2)
    recording = recorder.recording
    assert recording is not None and recording.stopped_by == "user"
    recorded = _read(out)
    assert recording.duration_s == pytest.approx(len(recorded) / RATE_HZ)
    lag, correlation = align(recorded, fed)
    assert correlation > 0.99, f"correlation {correlation:.3f}, overflows {recorder.overflows}"
    assert lag >= 0 and lag + len(fed) <= len(recorded), "the whole answer must be in the file"
    heard, played = overlap(recorded.astype(np.int32), fed.astype(np.int32), lag)
    assert len(heard) == len(fed)
    assert int(np.max(np.abs(heard - played))) <= 1


@pytest.mark.parametrize("resampled", [False, True])
def test_the_audio_tap_gets_exactly_what_the_file_holds(
    virtual_audio: VirtualAudioServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    resampled: bool,
) -> None:
    if resampled:  # a microphone that refuses 16 kHz: the tap gets the resampled audio
        import sounddevice as sd

        real_input_stream = sd.InputStream

        def picky_input_stream(*args: object, **kwargs: object) -> object:
            if kwargs.get("samplerate") == RATE_HZ:
                raise sd.PortAudioError("Error opening InputStream: Invalid sample rate")
            return real_input_stream(*args, **kwargs)

        monkeypatch.setattr(sd, "InputStream", picky_input_stream)
    blocks: list[np.ndarray | None] = []

    def tap(block: np.ndarray | None) -> None:
        if len(blocks) == 3:
            raise RuntimeError("a broken tap")  # dropped: the recording goes on
        blocks.append(block)

    with Recorder(tmp_path / "tapped.wav", on_audio=tap) as recorder:
        assert recorder.wait_until_recording(5)
        virtual_audio.feed_mic(_noise(1.0, seed=21), block=True)
        time.sleep(0.2)
    recording = recorder.recording
    assert recording is not None and recording.stopped_by == "user"
    assert len(blocks) == 3 and all(b is not None and b.dtype == np.int16 for b in blocks)
    recorded = _read(recording.path)
    assert len(recorded) > 1.0 * RATE_HZ  # the broken tap did not end the recording
    tapped = np.concatenate([b for b in blocks if b is not None])
    assert np.array_equal(recorded[: len(tapped)], tapped)

    # A working tap sees every sample, then None once the file is complete.
    seen: list[np.ndarray | None] = []
    with Recorder(tmp_path / "whole.wav", on_audio=seen.append) as recorder:
        assert recorder.wait_until_recording(5)
        virtual_audio.feed_mic(_noise(0.8, seed=22), block=True)
        time.sleep(0.2)
    assert seen[-1] is None and all(b is not None for b in seen[:-1])
    assert np.array_equal(_read(tmp_path / "whole.wav"), np.concatenate(seen[:-1]))


def test_is_recording_only_once_audio_arrives(
    virtual_audio: VirtualAudioServer, tmp_path: Path
) -> None:
    recorder = Recorder(tmp_path / "a.wav")
    assert recorder.state == "starting" and not recorder.is_recording
    # (elapsed before, state, elapsed after): the callback may land between the reads.
    observed: list[tuple[float, str, float]] = []

    def observe() -> None:
        before = recorder.elapsed_s
        state = recorder.state
        observed.append((before, state, recorder.elapsed_s))

    recorder.start()
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline and not recorder.is_recording:
        observe()
    observe()
    assert recorder.is_recording
    # While "starting" no audio had arrived; once "recording", some had.
    assert any(state == "starting" for _, state, _ in observed)
    assert all(before == 0 for before, state, _ in observed if state == "starting")
    assert all(after > 0 for _, state, after in observed if state == "recording")
    assert recorder.wait_until_recording(0) is True
    recording = recorder.stop()
    assert recorder.state == "stopped" and not recorder.is_recording
    assert recording.duration_s > 0


def test_level_follows_the_microphone(virtual_audio: VirtualAudioServer, tmp_path: Path) -> None:
    with Recorder(tmp_path / "level.wav") as recorder:
        assert recorder.wait_until_recording(5)
        time.sleep(0.3)
        quiet_rms, quiet_peak = recorder.level
        feed = virtual_audio.feed_mic(_noise(1.5, seed=3))
        time.sleep(0.8)
        loud_rms, loud_peak = recorder.level
        feed.stop()
    assert quiet_rms < -90 and quiet_peak < -90  # digital silence
    # Uniform noise of +-6000: RMS ~ 6000/sqrt(3) ~ -19.5 dBFS, peak ~ -14.7 dBFS.
    assert -22 < loud_rms < -17
    assert -16 < loud_peak < -14


def test_silence_stop_waits_for_speech_then_stops(
    virtual_audio: VirtualAudioServer, answer_wav: Path, tmp_path: Path
) -> None:
    recorder = Recorder(tmp_path / "s.wav", silence_stop_s=0.8).start()
    assert recorder.wait_until_recording(5)
    # Silence before the answer starts must not stop the recording.
    assert recorder.wait(1.5) is None
    assert recorder.is_recording
    feed = virtual_audio.feed_mic(answer_wav)
    fed_until = time.monotonic() + feed.duration_s + feed.lead_silence_s
    recording = recorder.wait(15)
    stopped_at = time.monotonic()
    assert recording is not None, "the recording did not stop after the answer"
    assert recording.stopped_by == "silence"
    assert recorder.error is None
    # It stopped about 0.8 s after the end of the answer (the clip ends with a little silence).
    assert 0.3 < stopped_at - fed_until < 3.0
    _, correlation = align(_read(recording.path), _read(answer_wav))
    assert correlation > 0.99


def test_max_duration_stops_at_exactly_the_limit(
    virtual_audio: VirtualAudioServer, tmp_path: Path
) -> None:
    recorder = Recorder(tmp_path / "m.wav", max_duration_s=1.0).start()
    recording = recorder.wait(5)
    assert recording is not None
    assert recording.stopped_by == "max_duration"
    assert recording.duration_s == 1.0
    assert sf.info(str(recording.path)).frames == RATE_HZ


def test_recording_survives_the_process_being_killed(
    virtual_audio: VirtualAudioServer, tmp_path: Path
) -> None:
    fed = _noise(6.0, seed=7)
    out = tmp_path / "killed.wav"
    feed = virtual_audio.feed_mic(fed)
    try:
        record_then_kill(virtual_audio, out, after_s=2.0)
    finally:
        feed.stop()
    frames = repair_wav(out)
    with wave.open(str(out)) as reader:  # the strict stdlib reader must accept it now
        assert reader.getnframes() == frames
        recorded = np.frombuffer(reader.readframes(frames), dtype="<i2")
    assert frames >= 1.7 * RATE_HZ
    lag, correlation = align(recorded, fed)
    assert correlation > 0.99
    heard, played = overlap(recorded.astype(np.int32), fed.astype(np.int32), lag)
    exact = int(np.count_nonzero(np.abs(heard - played) <= 1))
    assert exact >= 1.5 * RATE_HZ, f"only {exact / RATE_HZ:.2f} s of the fed audio survived"


def test_repair_wav_fixes_a_stale_header(tmp_path: Path) -> None:
    path = tmp_path / "stale.wav"
    samples = _noise(0.5, seed=1)
    sf.write(str(path), samples, RATE_HZ, subtype="PCM_16")
    healthy = path.read_bytes()
    assert repair_wav(path) == len(samples)
    assert path.read_bytes() == healthy, "a healthy file must be left untouched"
    # What a crash leaves behind: sizes written when the file held less, plus half a frame.
    data_offset = healthy.index(b"data")
    stale = bytearray(healthy)
    stale[4:8] = struct.pack("<I", 36)
    stale[data_offset + 4 : data_offset + 8] = struct.pack("<I", 0)
    path.write_bytes(bytes(stale) + b"\x01")
    assert repair_wav(path) == len(samples)
    with wave.open(str(path)) as reader:
        restored = np.frombuffer(reader.readframes(reader.getnframes()), dtype="<i2")
    assert np.array_equal(restored, samples)
    assert path.stat().st_size == len(healthy)


def test_repair_wav_rejects_what_is_not_a_wav(tmp_path: Path) -> None:
    path = tmp_path / "text.wav"
    path.write_text("not audio")
    with pytest.raises(AudioFileError):
        repair_wav(path)


def test_no_microphone_gives_a_clear_error(no_audio_devices: None, tmp_path: Path) -> None:
    out = tmp_path / "none.wav"
    recorder = Recorder(out)
    with pytest.raises(AudioDeviceError) as caught:
        recorder.start()
    # No device at all: the likely cause is that no sound server runs.
    assert str(caught.value) == NO_SOUND_DEVICES
    assert "No microphone found" in NO_SOUND_DEVICES and "sound server" in NO_SOUND_DEVICES
    with pytest.raises(AudioDeviceError, match="sound server"):
        check_microphone(None)
    assert not recorder.is_recording and recorder.state == "stopped"
    assert recorder.wait_until_recording(0.1) is False
    assert not out.exists()


def test_microphone_vanishing_mid_answer_keeps_the_file(tmp_path: Path) -> None:
    server = VirtualAudioServer()
    try:
        server.start()
    except AudioDeviceError as error:
        pytest.skip(str(error))
    try:
        server.activate()
        recorder = Recorder(tmp_path / "vanish.wav").start()
        assert recorder.wait_until_recording(5)
        server.feed_mic(_noise(3.0, seed=5))
        time.sleep(1.0)
        assert server._server is not None
        os.killpg(server._server.pid, signal.SIGKILL)  # the sound server dies: the mic is gone
        recording = recorder.wait(10)
    finally:
        server.stop()
    assert recording is not None
    assert recording.stopped_by == "device_error"
    assert recorder.error is not None and "kept in" in str(recorder.error)
    assert 0.7 < recording.duration_s < 2.0
    assert sf.info(str(recording.path)).frames == round(recording.duration_s * RATE_HZ)


def test_a_device_without_16_khz_is_recorded_at_its_rate_and_resampled(
    virtual_audio: VirtualAudioServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sounddevice as sd

    real_input_stream = sd.InputStream
    opened_at: list[int] = []

    def picky_input_stream(*args: object, **kwargs: object) -> object:
        # Like many USB microphones: 16 kHz is refused, the device's own rate works.
        if kwargs.get("samplerate") == RATE_HZ:
            raise sd.PortAudioError("Error opening InputStream: Invalid sample rate")
        opened_at.append(int(kwargs["samplerate"]))  # type: ignore[call-overload]
        return real_input_stream(*args, **kwargs)

    monkeypatch.setattr(sd, "InputStream", picky_input_stream)
    fed = _noise(1.5, seed=9)
    with Recorder(tmp_path / "resampled.wav") as recorder:
        assert recorder.wait_until_recording(5)
        virtual_audio.feed_mic(fed, block=True)
        time.sleep(0.2)
    recording = recorder.recording
    assert recording is not None and opened_at and opened_at[0] != RATE_HZ
    recorded = _read(recording.path)
    assert len(recorded) == round(recording.duration_s * RATE_HZ)
    _, correlation = align(recorded, fed)
    assert correlation > 0.9


def test_an_unknown_microphone_is_refused_before_recording(
    virtual_audio: VirtualAudioServer,
) -> None:
    assert check_microphone(None) is None  # the default microphone exists
    with pytest.raises(AudioDeviceError, match="No microphone with index 42"):
        check_microphone(42)


def _fd_writing(path: Path) -> int:
    """The descriptor this process writes ``path`` through."""
    for name in os.listdir("/proc/self/fd"):
        with contextlib.suppress(OSError):
            if os.readlink(f"/proc/self/fd/{name}") == str(path):
                return int(name)
    raise AssertionError(f"{path} is not open")


def test_a_full_disk_mid_answer_keeps_the_recording_and_says_so(
    virtual_audio: VirtualAudioServer, tmp_path: Path
) -> None:
    out = tmp_path / "full.wav"
    recorder = Recorder(out).start()
    try:
        assert recorder.wait_until_recording(5)
        virtual_audio.feed_mic(_noise(3.0, seed=11))
        time.sleep(1.0)
        # From now on every write to the recording fails as on a full disk (ENOSPC).
        full = os.open("/dev/full", os.O_WRONLY)
        try:
            os.dup2(full, _fd_writing(out))
        finally:
            os.close(full)
        recording = recorder.wait(10)
    finally:
        recorder.stop()
    assert recording is not None and recording.stopped_by == "write_error"
    error = recorder.error
    assert isinstance(error, StoreError)
    message = str(error)
    assert message.startswith("the disk is full (") and "MB free" in message
    assert f"your recording so far is kept at {out}" in message
    assert "System error" not in message and "microphone" not in message
    # What was written before the disk filled up is a playable recording.
    frames = repair_wav(out)
    assert frames > 0.5 * RATE_HZ
    assert len(_read(out)) == frames


def test_a_recording_path_that_cannot_be_made_says_why(
    virtual_audio: VirtualAudioServer, tmp_path: Path
) -> None:
    with pytest.raises(StoreError) as caught:
        Recorder("/proc/voicemock-test.wav").start()
    assert str(caught.value) == (
        "cannot write the recording to /proc/voicemock-test.wav: files cannot be created in /proc"
    )
    (tmp_path / "taken.wav").mkdir()
    with pytest.raises(StoreError, match="it is a folder"):
        Recorder(tmp_path / "taken.wav").start()


@pytest.mark.parametrize(
    ("free_bytes", "outcome"),
    [(3_000_000, "refused"), (30_000_000, "warned"), (500_000_000, "fine")],
)
def test_recording_space_is_checked_before_recording(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, free_bytes: int, outcome: str
) -> None:
    monkeypatch.setattr(store_module, "disk_free_bytes", lambda path: free_bytes)
    if outcome == "refused":
        with pytest.raises(StoreError, match=r"not enough disk space.*3\.0 MB free"):
            check_recording_space(tmp_path)
        return
    warning = check_recording_space(tmp_path)
    if outcome == "warned":
        assert warning is not None and "30 MB free" in warning and "minutes" in warning
    else:
        assert warning is None
