"""The hardware commands and device helpers: devices, record, say and doctor, end to end."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import soundfile as sf

from tests.fixtures.sound_server import VirtualAudioServer
from voicemock.commands import devices as devices_command
from voicemock.commands import doctor
from voicemock.errors import AudioDeviceError
from voicemock.speech.devices import (
    NO_MICROPHONE,
    check_portaudio,
    default_input,
    default_output,
    list_devices,
    resolve_device,
)


def _voicemock(
    *args: str, env: dict[str, str], stdin: str | None = None, timeout_s: float = 60
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "voicemock", *args],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout_s,
        check=False,
    )


def _dead_server_env(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PULSE_SERVER"] = f"unix:{tmp_path / 'no-server'}"
    return env


def test_virtual_devices_are_listed_with_defaults(virtual_audio: VirtualAudioServer) -> None:
    ok, version = check_portaudio()
    assert ok and "PortAudio" in version
    found = list_devices()
    assert found, "the virtual server's devices should be visible"
    microphone = default_input()
    speaker = default_output()
    assert microphone is not None and microphone.inputs > 0 and microphone.is_default_input
    assert speaker is not None and speaker.outputs > 0 and speaker.is_default_output
    assert resolve_device(None) is None
    assert resolve_device(microphone.index) == microphone.index
    assert resolve_device(str(microphone.index)) == microphone.index
    assert resolve_device(microphone.name.upper()) == microphone.index
    with pytest.raises(AudioDeviceError, match="No microphone matches"):
        resolve_device("no such device anywhere")
    with pytest.raises(AudioDeviceError, match="index 999"):
        resolve_device(999)


def test_devices_command_prints_a_table(
    virtual_audio: VirtualAudioServer, capsys: pytest.CaptureFixture[str]
) -> None:
    assert devices_command.run(argparse.Namespace()) == 0
    out = capsys.readouterr().out
    assert "default" in out
    assert "mic, speaker" in out


def test_no_devices_are_explained(
    no_audio_devices: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert list_devices() == []
    assert default_input() is None and default_output() is None
    with pytest.raises(AudioDeviceError) as caught:
        resolve_device(None, "input")
    assert str(caught.value) == NO_MICROPHONE
    assert devices_command.run(argparse.Namespace()) == 0
    err = capsys.readouterr().err
    assert "No sound devices found" in err
    assert "pactl info" in err


def test_record_without_a_microphone_fails_with_one_line(tmp_path: Path) -> None:
    out = tmp_path / "answer.wav"
    result = _voicemock("record", str(out), env=_dead_server_env(tmp_path))
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    # One line; with no sound server at all the recorder may say more about why.
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("voicemock: No microphone found")
    assert "`voicemock devices`" in lines[0]
    assert not out.exists()


def test_record_command_records_until_enter(
    virtual_audio: VirtualAudioServer, tmp_path: Path
) -> None:
    out = tmp_path / "cli.wav"
    proc = subprocess.Popen(
        [sys.executable, "-m", "voicemock", "record", str(out)],
        env=virtual_audio.client_env(),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdin is not None
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and (not out.exists() or sf.info(str(out)).duration < 1.0):
        time.sleep(0.1)
    proc.stdin.write("\n")
    proc.stdin.flush()
    stdout, stderr = proc.communicate(timeout=20)
    assert proc.returncode == 0, stderr
    duration_s = sf.info(str(out)).duration
    assert 1.0 <= duration_s < 10
    assert str(out) in stdout and f"{duration_s:.1f} s" in stdout


def test_record_command_stops_at_max_seconds_and_keeps_existing_files(
    virtual_audio: VirtualAudioServer, tmp_path: Path
) -> None:
    out = tmp_path / "short.wav"
    env = virtual_audio.client_env()
    result = _voicemock("record", str(out), "--max-seconds", "1", env=env, stdin="")
    assert result.returncode == 0, result.stderr
    assert sf.info(str(out)).frames == 16000
    assert "maximum length" in result.stdout
    again = _voicemock("record", str(out), "--max-seconds", "1", env=env, stdin="")
    assert again.returncode != 0
    assert "already exists" in again.stderr and "Traceback" not in again.stderr


def test_say_writes_a_wav(tmp_path: Path) -> None:
    out = tmp_path / "said.wav"
    result = _voicemock(
        "say", "Walk me through your last project.", "--out", str(out), env=dict(os.environ)
    )
    assert result.returncode == 0, result.stderr
    info = sf.info(str(out))
    assert info.frames > 0 and 0.8 < info.duration < 6


def test_doctor_passes_here_and_warns_without_a_microphone(
    no_audio_devices: None, capsys: pytest.CaptureFixture[str]
) -> None:
    checks = {check.name: check for check in doctor.run_checks()}
    assert checks["Transcription engine"].status == "ok"
    assert checks["Whisper model"].status == "ok"
    assert checks["Data folder"].status == "ok"
    assert checks["Microphone"].status == "warn"
    assert checks["Microphone"].fix
    assert doctor.run(argparse.Namespace()) == 0
    out = capsys.readouterr().out
    assert "warn" in out and "Microphone" in out


def test_doctor_checks_the_engine_and_model_chosen_in_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from voicemock.config import Settings, save_settings

    monkeypatch.setenv("VOICEMOCK_HOME", str(tmp_path / "home"))
    [chosen] = [c for c in doctor.run_checks() if c.name == "Chosen in Settings"]
    assert chosen.status == "ok" and chosen.detail == "faster-whisper, tiny.en"

    save_settings(Settings(model="small.en"))  # a real model name that is not installed here
    [chosen] = [c for c in doctor.run_checks() if c.name == "Chosen in Settings"]
    assert chosen.status == "fail"
    assert "small.en" in chosen.detail and chosen.fix and "Settings" in chosen.fix


def test_doctor_fails_when_the_data_folder_is_unusable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("VOICEMOCK_HOME", str(blocker / "home"))
    checks = {check.name: check for check in doctor.run_checks()}
    assert checks["Data folder"].status == "fail"
    assert checks["Data folder"].fix
    assert doctor.run(argparse.Namespace()) == 1
    assert "FAIL" in capsys.readouterr().out


_WITHOUT_PORTAUDIO = """
import sys
from importlib.abc import MetaPathFinder


class NoPortAudio(MetaPathFinder):
    # What `import sounddevice` raises on Linux when libportaudio2 is not installed.
    def find_spec(self, name, path=None, target=None):
        if name == "sounddevice":
            raise OSError("PortAudio library not found")
        return None


sys.meta_path.insert(0, NoPortAudio())
from voicemock.speech.devices import check_portaudio
print(check_portaudio())
from voicemock.cli import main
sys.exit(main(sys.argv[1:]))
"""


def test_missing_portaudio_library_is_named(tmp_path: Path) -> None:
    out = tmp_path / "answer.wav"
    result = subprocess.run(
        [sys.executable, "-c", _WITHOUT_PORTAUDIO, "record", str(out)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert "(False," in result.stdout and "libportaudio2" in result.stdout
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "libportaudio2" in lines[0]
    assert not out.exists()


def test_say_refuses_an_unknown_voice(tmp_path: Path) -> None:
    out = tmp_path / "said.wav"
    result = _voicemock(
        "say", "Hello.", "--voice", "vulcan", "--out", str(out), env=dict(os.environ)
    )
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == [
        "voicemock: unknown voice 'vulcan': `voicemock say --list-voices` lists them"
    ]
    assert not out.exists()


def test_say_lists_the_voices_of_a_language_with_a_header() -> None:
    env = {**os.environ, "COLUMNS": "80"}
    result = _voicemock("say", "--list-voices", "en", env=env)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["VOICE", "LANGUAGE", "NAME"]
    rows = [line.split()[:2] for line in lines[2:-1]]
    assert ["gmw/en-us", "en-us"] in rows
    assert rows and all(language.startswith("en") for _, language in rows)
    assert "--voice takes either column" in lines[-1]
    everything = _voicemock("say", "--list-voices", env=env)
    assert len(everything.stdout.splitlines()) > len(lines)
    none = _voicemock("say", "--list-voices", "xx", env=env)
    assert none.returncode != 0 and "no voice speaks" in none.stderr


def test_doctor_fits_80_columns(
    no_audio_devices: None, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    assert doctor.run(argparse.Namespace()) == 0
    lines = capsys.readouterr().out.splitlines()
    assert max(len(line.rstrip()) for line in lines) <= 80
    # A line that does not start with a status continues the one above, indented.
    for line in lines[:-1]:
        if not line.startswith(("ok ", "warn ", "FAIL ")):
            assert line.startswith(" " * doctor.PATH_INDENT), line


def test_short_path_uses_the_home_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    assert doctor.short_path(tmp_path / "a" / "b") == "~/a/b"
    assert doctor.short_path("/elsewhere/x") == "/elsewhere/x"
