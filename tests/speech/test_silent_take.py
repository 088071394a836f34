"""A take without speech is not kept as a pending recording, and recovering it is not offered."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from tests.fixtures.virtual_audio import VirtualAudioServer
from tests.speech.test_practice_flow import start_practice


def test_a_one_second_silent_take_leaves_nothing_pending(
    virtual_audio: VirtualAudioServer, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    practice = start_practice(virtual_audio, home, "--no-speak", stdin=subprocess.PIPE)
    with practice:
        practice.wait_for_stderr("Recording to", timeout_s=90)
        time.sleep(1.0)  # one second of a silent microphone, then Enter
        assert practice.proc.stdin is not None
        practice.proc.stdin.write("\n")
        practice.proc.stdin.flush()
        code, _stdout, stderr = practice.finish()
    assert code == 1, stderr
    assert "Recording to" in stderr  # the microphone was really recorded from
    assert "nothing was kept" in stderr
    assert "sessions recover" not in stderr and "kept at" not in stderr
    assert "Traceback" not in stderr
    pending = home / "recordings" / "pending"
    assert not pending.exists() or list(pending.iterdir()) == []


def test_a_silent_file_of_the_user_is_never_deleted(tmp_path: Path) -> None:
    import numpy as np
    import soundfile as sf

    from voicemock.config import Settings
    from voicemock.errors import NoSpeechError
    from voicemock.pipeline import Answer

    def no_model(settings: Settings) -> Any:
        raise AssertionError("no model is needed for a silent file")

    silent = tmp_path / "silent.wav"
    sf.write(str(silent), np.zeros(16000, dtype=np.float32), 16000)
    with pytest.raises(NoSpeechError, match="silent"):
        Answer(None, Settings(), audio_path=silent, load_transcriber=no_model).analyse()
    assert silent.exists()


def test_a_silent_take_of_the_answer_is_removed(tmp_path: Path) -> None:
    import numpy as np
    import soundfile as sf

    from voicemock.config import Settings
    from voicemock.errors import NoSpeechError
    from voicemock.pipeline import Answer

    def no_model(settings: Settings) -> Any:
        raise AssertionError("no model is needed for a silent take")

    answer = Answer(None, Settings(), load_transcriber=no_model)  # a new pending take
    sf.write(str(answer.audio_path), np.zeros(16000, dtype=np.float32), 16000)
    with pytest.raises(NoSpeechError, match="nothing was kept"):
        answer.analyse()
    assert not answer.audio_path.exists()
