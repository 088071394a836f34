"""A spoken answer through the whole practice flow, for real: virtual mic, Whisper, scoring, store.

The answer is made with the project's own TTS and played into the virtual microphone of a
private PulseAudio server; `voicemock practice --no-tui` runs in a subprocess against it.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import pytest

from tests.fixtures.sound_server import VirtualAudioServer
from voicemock.core.store import AttemptRecord, SessionStore

QUESTION_ID = "sac-client-resistance"
ANSWER = (
    "When a client pushed back on treatment, I listened first and asked what mattered to him. "
    "We agreed on one goal that he chose, and he came to every session after that."
)
KEY_WORDS = ("client", "listened", "goal", "session")
SHORT_ANSWER = "I listened to the client, and we agreed on one goal for every session."
CLI_TIMEOUT_S = 240


def words_of(text: str) -> set[str]:
    return set(re.findall(r"[a-z']+", text.lower()))


def loud_seconds(samples: Any) -> float:
    """How many seconds of 16 kHz int16 ``samples`` are clearly audible (above 300)."""
    import numpy as np

    return float(np.count_nonzero(np.abs(samples.astype(np.int32)) > 300)) / 16000


@dataclass
class Practice:
    """A running `voicemock practice --no-tui` child and what it printed so far.

    ``with practice:`` kills the child if it still runs when the block ends (a failed test).
    """

    proc: subprocess.Popen[str]
    stdout_parts: list[str]
    stderr_lines: list[str]
    readers: list[threading.Thread]

    def wait_for_stderr(self, needle: str, timeout_s: float = 60.0) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if any(needle in line for line in self.stderr_lines):
                return
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        raise AssertionError(f"never printed {needle!r}; stderr: {''.join(self.stderr_lines)}")

    def __enter__(self) -> Practice:
        return self

    def __exit__(self, *exc_info: object) -> None:
        """Kill the child if it still runs (the test failed before it ended)."""
        if self.proc.poll() is None:
            self.proc.kill()

    def finish(self) -> tuple[int, str, str]:
        code = self.proc.wait(timeout=CLI_TIMEOUT_S)
        for reader in self.readers:
            reader.join(timeout=10)
        return code, "".join(self.stdout_parts), "".join(self.stderr_lines)


def start_practice(
    virtual_audio: VirtualAudioServer,
    home: Path,
    *extra: str,
    stdin: int | IO[Any] | None = None,
    interrupt_on: str | None = None,
) -> Practice:
    """Run `voicemock practice --no-tui`; with ``interrupt_on``, Ctrl+C (SIGINT) reaches it the
    moment a line of its stderr says that, not at the next look at what it printed."""
    env = virtual_audio.client_env()
    env.update(VOICEMOCK_HOME=str(home), HF_HUB_OFFLINE="1", COLUMNS="120")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "voicemock",
            "practice",
            "--question",
            QUESTION_ID,
            "--no-tui",
            # One turn unless a test asks for follow-ups (they have tests of their own).
            *(() if "--follow-ups" in extra else ("--follow-ups", "0")),
            *extra,
        ],
        stdin=subprocess.DEVNULL if stdin is None else stdin,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    out: list[str] = []
    err: list[str] = []

    def read(stream: IO[str] | None, into: list[str]) -> None:
        assert stream is not None
        interrupt = interrupt_on if into is err else None
        for line in stream:
            if interrupt is not None and interrupt in line:
                proc.send_signal(signal.SIGINT)
                interrupt = None
            into.append(line)

    readers = [
        threading.Thread(target=read, args=(proc.stdout, out), daemon=True),
        threading.Thread(target=read, args=(proc.stderr, err), daemon=True),
    ]
    for reader in readers:
        reader.start()
    return Practice(proc, out, err, readers)


def stored_attempts(home: Path) -> list[AttemptRecord]:
    with SessionStore(home / "voicemock.sqlite3", home / "recordings") as store:
        return store.list_attempts()


@pytest.fixture(scope="module")
def answer_wav(make_speech: Callable[..., Path]) -> Path:
    return make_speech(ANSWER, rate_wpm=160)


@pytest.fixture(scope="module")
def short_answer_wav(make_speech: Callable[..., Path]) -> Path:
    return make_speech(SHORT_ANSWER, rate_wpm=170)


@pytest.fixture(scope="module")
def practised(
    virtual_audio: VirtualAudioServer, answer_wav: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Path, int, str, str, float]]:
    """One real practice turn through the CLI: the question is spoken, the answer fed to the mic.

    Yields (home, exit code, stdout, stderr, seconds of sound the speaker played).
    """
    home = tmp_path_factory.mktemp("practice-home")
    virtual_audio.start_speaker_capture()
    practice = start_practice(virtual_audio, home, "--silence-stop", "1.5", "--max-seconds", "90")
    with practice:
        # "Answer now" comes after the question was spoken; the recorder prints once it runs.
        practice.wait_for_stderr("Recording to", timeout_s=90)
        spoken = virtual_audio.stop_speaker_capture()
        virtual_audio.feed_mic(answer_wav, block=True)
        code, stdout, stderr = practice.finish()
    yield home, code, stdout, stderr, loud_seconds(spoken)


def test_practice_cli_records_transcribes_scores_and_stores(
    practised: tuple[Path, int, str, str, float],
) -> None:
    home, code, stdout, stderr, _ = practised
    assert code == 0, stderr
    assert "Traceback" not in stderr

    attempts = stored_attempts(home)
    assert len(attempts) == 1
    attempt = attempts[0]
    assert attempt.question_id == QUESTION_ID
    heard = words_of(attempt.transcript.text)
    assert set(KEY_WORDS) <= heard, attempt.transcript.text
    assert attempt.transcript.engine == "faster-whisper"
    assert attempt.transcript.words and attempt.transcript.words[-1].end_s > 5.0
    assert attempt.score is not None and attempt.score.question_id == QUESTION_ID
    assert attempt.overall == attempt.score.overall
    assert attempt.metrics.value("speaking_rate_wpm") is not None
    # The recording moved into the store and stopped on silence soon after the answer ended.
    assert attempt.audio_status == "ok" and attempt.audio_path is not None
    assert attempt.audio_path.is_relative_to(home / "recordings")
    assert list((home / "recordings" / "pending").glob("*.wav")) == []
    assert 8.0 < attempt.duration_s < 20.0
    assert "stopped after silence" in stderr
    assert f"voicemock replay {attempt.id}" in stderr
    # The report on stdout shows the transcript it scored.
    assert "listened" in stdout.lower()
    # The recording starts when the question has been asked: the time to the first word is
    # where the first word starts in it.
    latency_s = attempt.metrics.value("response_latency_s")
    assert latency_s is not None
    assert latency_s == pytest.approx(attempt.transcript.words[0].start_s, abs=0.05)


def test_practice_cli_shows_the_question_once(
    practised: tuple[Path, int, str, str, float],
) -> None:
    from voicemock.core.rubrics import load_library

    _, code, stdout, stderr, _ = practised
    assert code == 0, stderr
    text = load_library().get(QUESTION_ID).question.text
    flat_out, flat_err = " ".join(stdout.split()), " ".join(stderr.split())
    assert flat_err.count(text[:40]) == 1  # in the question panel
    assert text[:40] not in flat_out  # not again at the top of the report


def test_practice_cli_speaks_the_question(practised: tuple[Path, int, str, str, float]) -> None:
    *_, loud_s = practised
    # The question is ~14 words: at 165 wpm it is a few seconds of sound on the speaker.
    assert loud_s > 1.5


def test_replay_plays_the_stored_answer_with_its_transcript(
    practised: tuple[Path, int, str, str, float], virtual_audio: VirtualAudioServer
) -> None:
    import numpy as np
    import soundfile as sf

    home = practised[0]
    attempt = stored_attempts(home)[0]
    assert attempt.audio_path is not None
    env = virtual_audio.client_env()
    env.update(VOICEMOCK_HOME=str(home), COLUMNS="120")
    virtual_audio.start_speaker_capture()
    result = subprocess.run(
        [sys.executable, "-m", "voicemock", "replay", str(attempt.id), "--from", "5.0"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    played = virtual_audio.stop_speaker_capture().astype(np.float64)
    assert result.returncode == 0, result.stderr
    # Segments are printed as they play, with their times.
    assert re.search(r"\[0:\d\d\] ", result.stdout)
    assert "session" in result.stdout.lower()

    stored, rate_hz = sf.read(str(attempt.audio_path), dtype="int16")
    assert rate_hz == 16000
    expected = stored[5 * 16000 :].astype(np.float64)  # --from 5.0
    # The loud part of what the speaker played is as long as the stored answer after 5 s.
    loud_played = np.count_nonzero(np.abs(played) > 300) / 16000
    loud_expected = np.count_nonzero(np.abs(expected) > 300) / 16000
    assert loud_played == pytest.approx(loud_expected, rel=0.15)


def test_replay_of_missing_audio_says_so(practised: tuple[Path, int, str, str, float]) -> None:
    home = practised[0]
    attempt = stored_attempts(home)[0]
    assert attempt.audio_path is not None
    hidden = attempt.audio_path.with_suffix(".hidden")
    attempt.audio_path.rename(hidden)
    try:
        result = subprocess.run(
            [sys.executable, "-m", "voicemock", "replay", str(attempt.id)],
            capture_output=True,
            text=True,
            env=dict(os.environ, VOICEMOCK_HOME=str(home)),
            timeout=60,
        )
    finally:
        hidden.rename(attempt.audio_path)
    assert result.returncode == 1
    assert f"the recording of attempt {attempt.id} is missing" in result.stderr
    assert "Traceback" not in result.stderr
    assert "listened" in result.stdout.lower()  # the transcript is still shown


def test_ctrl_c_mid_answer_keeps_and_saves_the_answer(
    virtual_audio: VirtualAudioServer, short_answer_wav: Path, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    practice = start_practice(virtual_audio, home, "--no-speak", "--max-seconds", "90", "--json")
    with practice:
        practice.wait_for_stderr("Recording to", timeout_s=60)
        virtual_audio.feed_mic(short_answer_wav, block=True)
        practice.proc.send_signal(signal.SIGINT)  # no silence stop: only Ctrl+C ends it
        code, stdout, stderr = practice.finish()
    assert code == 0, stderr
    assert "keeping what you said" in stderr
    attempts = stored_attempts(home)
    assert len(attempts) == 1
    assert set(KEY_WORDS) <= words_of(attempts[0].transcript.text)
    assert attempts[0].audio_status == "ok"
    # --json names what was stored.
    document = json.loads(stdout)
    assert document["attempt_id"] == attempts[0].id
    assert document["session_id"] == attempts[0].session_id
    assert document["question_id"] == QUESTION_ID
    assert document["transcript"]["text"] == attempts[0].transcript.text


def test_ctrl_c_while_transcribing_keeps_the_recording_and_recover_saves_it(
    virtual_audio: VirtualAudioServer, short_answer_wav: Path, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    # Ctrl+C as soon as the recording is over, while the answer is analysed: what is left
    # after the stop takes little time, so the signal goes out as the line is read.
    practice = start_practice(
        virtual_audio, home, "--no-speak", "--silence-stop", "1.5", interrupt_on="Recorded"
    )
    with practice:
        practice.wait_for_stderr("Recording to", timeout_s=60)
        virtual_audio.feed_mic(short_answer_wav, block=True)
        practice.wait_for_stderr("Recorded", timeout_s=30)
        code, _, stderr = practice.finish()
    if code == 0 and "Saved as attempt" in stderr:
        # What is left after the stop is transcribed ahead; on a fast run it can all be done
        # before the signal is handled, and then there is nothing to interrupt.
        pytest.skip("the answer was analysed and saved before Ctrl+C reached it")
    # An interrupted run: exit 130, or (when the interpreter is shutting down native model
    # threads as the signal lands) death by SIGINT; never a success.
    assert code in (130, -signal.SIGINT), stderr
    flat = " ".join(stderr.split())
    assert "Interrupted before saving" in flat
    kept = list((home / "recordings" / "pending").glob("*.wav"))
    assert len(kept) == 1
    command = f"voicemock sessions recover {kept[0]}"
    assert command in flat  # the message says exactly what to run
    assert not (home / "voicemock.sqlite3").exists() or stored_attempts(home) == []

    env = dict(os.environ, VOICEMOCK_HOME=str(home), COLUMNS="200")
    listed = subprocess.run(
        [sys.executable, "-m", "voicemock", "sessions", "pending", "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert listed.returncode == 0, listed.stderr
    [pending] = json.loads(listed.stdout)
    assert pending["path"] == str(kept[0]) and pending["question_id"] == QUESTION_ID

    recovered = subprocess.run(
        [sys.executable, "-m", "voicemock", *command.split()[1:]],
        capture_output=True,
        text=True,
        env=env,
        timeout=CLI_TIMEOUT_S,
        stdin=subprocess.DEVNULL,
    )
    assert recovered.returncode == 0, recovered.stderr
    [attempt] = stored_attempts(home)
    assert f"voicemock replay {attempt.id}" in recovered.stderr
    assert attempt.question_id == QUESTION_ID and attempt.score is not None
    assert set(KEY_WORDS) <= words_of(attempt.transcript.text)
    assert attempt.audio_status == "ok" and not kept[0].exists()
    assert attempt.metrics.value("response_latency_s") is not None


def test_pipeline_with_the_recorder_in_process(
    virtual_audio: VirtualAudioServer, short_answer_wav: Path, voicemock_home: Path
) -> None:
    """The same flow without the CLI: an Answer records, transcribes meanwhile, is saved."""
    from voicemock.config import Settings
    from voicemock.core.rubrics import load_library
    from voicemock.pipeline import Answer, PracticeSession, microphone_recorder

    question = load_library().get(QUESTION_ID)
    answer = Answer(question, Settings(silence_stop_s=1.0, max_answer_s=60), question_end_s=0.0)
    out = answer.audio_path
    assert out.parent.name == "pending"
    recorder = answer.make_recorder(microphone_recorder)
    recorder.start()
    assert recorder.wait_until_recording(5.0)
    virtual_audio.feed_mic(short_answer_wav, block=True)
    recording = answer.wait(15.0)
    assert recording is not None and recording.stopped_by == "silence"

    stages: list[str] = []
    analysed = answer.analyse(lambda stage, fraction: stages.append(stage))
    assert [s for i, s in enumerate(stages) if i == 0 or stages[i - 1] != s] == [
        "loading model",
        "transcribing",
        "scoring",
    ]
    with SessionStore() as store:
        saved = PracticeSession("in process").save(store, answer)
        assert saved.duration_s == pytest.approx(recording.duration_s)
        assert not out.exists()  # moved into the store
        again = store.get_attempt(saved.id)
    assert again.transcript == analysed.transcript
    assert again.score == analysed.score
    assert set(KEY_WORDS) <= words_of(again.transcript.text)


def test_an_unusable_model_is_refused_before_anything_is_recorded(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from voicemock.cli import main

    code = main(["practice", "--no-tui", "--no-speak", "-q", QUESTION_ID, "--model", "tiny-en"])
    err = capsys.readouterr().err
    assert code == 1
    assert "unknown Whisper model 'tiny-en'" in err
    assert "Answer now" not in err  # the user is not asked to answer for nothing


def test_unreadable_audio_fails_before_the_model_loads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import numpy as np
    import soundfile as sf

    from voicemock.config import Settings
    from voicemock.errors import AudioFileError
    from voicemock.pipeline import Answer

    def no_model(settings: Settings) -> Any:
        raise AssertionError("the model was loaded for audio that cannot be transcribed")

    silent = tmp_path / "silent.wav"
    sf.write(str(silent), np.zeros(16000, dtype=np.float32), 16000)
    answer = Answer(None, Settings(), audio_path=silent, load_transcriber=no_model)
    with pytest.raises(AudioFileError, match="silent"):
        answer.analyse()


def test_practice_checks_the_microphone_before_asking(
    virtual_audio: VirtualAudioServer, capsys: pytest.CaptureFixture[str]
) -> None:
    from voicemock.cli import main

    code = main(["practice", "--no-tui", "-q", QUESTION_ID, "--device", "42"])
    err = capsys.readouterr().err
    assert code == 1
    assert "No microphone with index 42" in err
    # Neither shown nor spoken, and nobody was told to answer.
    assert "Question ·" not in err and "Answer now" not in err


def test_practice_without_a_sound_server_says_so_before_asking(
    no_audio_devices: None, capsys: pytest.CaptureFixture[str]
) -> None:
    from voicemock.cli import main

    code = main(["practice", "--no-tui", "-q", QUESTION_ID])
    err = capsys.readouterr().err
    assert code == 1
    assert "No microphone found" in err and "sound server" in err
    assert "Question ·" not in err and "Answer now" not in err


def test_a_question_that_cannot_be_spoken_does_not_point_at_the_microphone_option(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import io

    from rich.console import Console

    from voicemock.commands import practice
    from voicemock.config import Settings
    from voicemock.errors import AudioDeviceError
    from voicemock.speech import tts
    from voicemock.speech.devices import NO_SPEAKER

    class NoSpeaker:
        def __init__(self, *args: object) -> None:
            pass

        def speak(self, text: str) -> float:
            raise AudioDeviceError(NO_SPEAKER)

    monkeypatch.setattr(tts, "QuestionSpeaker", NoSpeaker)
    buffer = io.StringIO()
    practice._speak("Why?", Settings(), Console(file=buffer, width=200))
    notice = buffer.getvalue()
    assert "could not be spoken (no speaker found)" in notice
    assert "shown above" in notice and "--speaker" in notice
    assert "--device" not in notice  # that option picks the microphone


def test_practice_refuses_to_start_on_a_nearly_full_disk(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], voicemock_home: Path
) -> None:
    from voicemock.cli import main
    from voicemock.core import store

    monkeypatch.setattr(store, "disk_free_bytes", lambda path: 2_000_000)
    code = main(["practice", "--no-tui", "--no-speak", "-q", QUESTION_ID])
    err = capsys.readouterr().err
    assert code == 1
    assert "not enough disk space" in err and "2.0 MB free" in err
    assert "Answer now" not in err
    assert not list(voicemock_home.rglob("*.wav"))


def test_a_full_disk_while_recording_keeps_the_answer_and_says_how_to_save_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], voicemock_home: Path
) -> None:
    from voicemock import pipeline
    from voicemock.cli import main
    from voicemock.errors import StoreError
    from voicemock.speech import recorder as recorder_module
    from voicemock.speech.recorder import Recording

    class FillingRecorder:
        """Records 19.2 s, then the disk fills up (what the real Recorder reports then)."""

        def __init__(self, out_path: Path, **options: object) -> None:
            self.out_path = Path(out_path)
            self.error: StoreError | None = None
            self.level = (-120.0, -120.0)
            self.elapsed_s = 19.2
            self.is_recording = True

        def start(self) -> FillingRecorder:
            self.out_path.write_bytes(b"RIFF")
            self.error = StoreError(
                f"the disk is full (0.2 MB free); your recording so far is kept at {self.out_path}"
            )
            return self

        def wait(self, timeout: float | None = None) -> Recording:
            return self.stop()

        def stop(self) -> Recording:
            return Recording(self.out_path, 19.2, 16000, "write_error")

    def no_analysis(*args: object, **kwargs: object) -> object:
        raise AssertionError("a recording that could not be written was transcribed")

    monkeypatch.setattr(recorder_module, "Recorder", FillingRecorder)
    monkeypatch.setattr(recorder_module, "check_microphone", lambda device=None: None)
    monkeypatch.setattr(pipeline.Answer, "analyse", no_analysis)
    code = main(["practice", "--no-tui", "--no-speak", "-q", QUESTION_ID])
    err = " ".join(capsys.readouterr().err.split())
    assert code == 1
    [kept] = (voicemock_home / "recordings" / "pending").glob("*.wav")
    assert "Recorded 19.2 s (the file could not be written)" in err
    assert f"the disk is full (0.2 MB free); your recording so far is kept at {kept}" in err
    assert f"voicemock sessions recover {kept}" in err
    for wrong in ("microphone failed", "System error", "move it aside"):
        assert wrong not in err
    assert not (voicemock_home / "voicemock.sqlite3").exists()


def test_answer_limits_are_checked_with_the_range_in_the_help(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from pydantic import ValidationError

    from voicemock.cli import main
    from voicemock.config import Settings
    from voicemock.defaults import MAX_ANSWER_RANGE_S, SILENCE_STOP_RANGE_S

    with pytest.raises(SystemExit) as caught:
        main(["practice", "--no-tui", "--max-seconds", "3"])
    assert caught.value.code == 2
    assert "--max-seconds: must be from 5 to 3600 seconds" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["practice", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert "stop after N seconds (5 to 3600; default 300)" in help_text
    # The ranges are the ones the settings accept.
    for field, (low, high) in (
        ("max_answer_s", MAX_ANSWER_RANGE_S),
        ("silence_stop_s", SILENCE_STOP_RANGE_S),
    ):
        Settings(**{field: low})
        Settings(**{field: high})
        for outside in (low - 0.01, high + 0.01):
            with pytest.raises(ValidationError):
                Settings(**{field: outside})
