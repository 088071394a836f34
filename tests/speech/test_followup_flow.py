"""A follow-up question through `voicemock practice --no-tui --follow-ups 1`, for real.

The main answer stays general, so the interviewer asks for a specific example: the follow-up is
spoken on the virtual speaker, its answer is fed to the virtual microphone, transcribed, scored
with the main answer and stored under it.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.fixtures.sound_server import VirtualAudioServer
from tests.speech.test_practice_flow import (
    Practice,
    loud_seconds,
    start_practice,
    stored_attempts,
    words_of,
)

GENERAL = (
    "When a client pushes back, I listen first and I ask what matters to them. Then we agree "
    "on one goal that they choose."
)
EXAMPLE = (
    "Last spring a client told me the sessions were pointless. I sat with him after group and "
    "asked what mattered to him. He chose one goal, keeping his job, and he came to every "
    "session after that."
)


def wait_for_count(practice: Practice, needle: str, count: int, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if sum(needle in line for line in practice.stderr_lines) >= count:
            return
        if practice.proc.poll() is not None:
            break
        time.sleep(0.05)
    raise AssertionError(f"{needle!r} not printed {count} times: {''.join(practice.stderr_lines)}")


def test_practice_asks_a_follow_up_records_it_and_scores_the_turns_together(
    virtual_audio: VirtualAudioServer,
    make_speech: Callable[..., Path],
    tmp_path: Path,
) -> None:
    general_wav = make_speech(GENERAL, rate_wpm=170)
    example_wav = make_speech(EXAMPLE, rate_wpm=170)
    home = tmp_path / "home"
    practice = start_practice(
        virtual_audio,
        home,
        "--follow-ups",
        "1",
        "--silence-stop",
        "1.5",
        "--max-seconds",
        "60",
        "--json",
    )
    with practice:
        wait_for_count(practice, "Recording to", 1, 90)
        virtual_audio.feed_mic(general_wav, block=True)
        # The follow-up is spoken between the two recordings.
        virtual_audio.start_speaker_capture()
        wait_for_count(practice, "Recording to", 2, 120)
        spoken = virtual_audio.stop_speaker_capture()
        virtual_audio.feed_mic(example_wav, block=True)
        code, stdout, stderr = practice.finish()
    assert code == 0, stderr
    assert "Traceback" not in stderr
    assert "Follow-up 1" in stderr and "specific time" in stderr
    assert loud_seconds(spoken) > 1.5  # the follow-up was heard on the speaker

    main, follow = sorted(stored_attempts(home), key=lambda a: a.id)
    assert (main.parent_id, main.turn) == (None, 0)
    assert (follow.parent_id, follow.turn) == (main.id, 1)
    assert follow.session_id == main.session_id
    assert "specific" in follow.question_text and "general" in follow.followup_reason
    assert {"sessions", "goal"} & words_of(follow.transcript.text)
    assert follow.metrics.value("speaking_rate_wpm") is not None
    # The question's result counts the example told in the follow-up.
    assert main.score is not None and follow.score is not None
    assert follow.score.overall > main.score.overall
    assert any(s.turn == 1 for s in follow.score.star.spans)

    # Replay plays the answer and then its follow-up (from near the main answer's end).
    env = virtual_audio.client_env()
    env.update(VOICEMOCK_HOME=str(home), COLUMNS="120")
    from_s = max(0.0, main.duration_s - 1.0)
    replayed = subprocess.run(
        [
            sys.executable,
            "-m",
            "voicemock",
            "replay",
            str(main.id),
            "--turns",
            "--from",
            str(from_s),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    assert replayed.returncode == 0, replayed.stderr
    assert f"Attempt {follow.id}" in replayed.stdout and "follow-up 1" in replayed.stdout

    document = json.loads(stdout)
    assert document["attempt_id"] == main.id
    assert [t["attempt_id"] for t in document["turns"]] == [follow.id]
    assert document["score"]["overall"] == follow.score.overall
    assert document["delivery_overall"]["answers"] == 2


@pytest.mark.parametrize("count", ["4", "-1"])
def test_follow_ups_out_of_range_are_refused(count: str, tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "voicemock", "practice", "--no-tui", "--follow-ups", count],
        capture_output=True,
        text=True,
        timeout=60,
        env={"VOICEMOCK_HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 2
    assert "--follow-ups" in result.stderr and "Traceback" not in result.stderr


def test_a_follow_up_nobody_answers_keeps_the_main_answer_and_its_report(
    virtual_audio: VirtualAudioServer, make_speech: Callable[..., Path], tmp_path: Path
) -> None:
    general_wav = make_speech(GENERAL, rate_wpm=170)
    home = tmp_path / "home"
    practice = start_practice(
        virtual_audio, home, "--follow-ups", "1", "--silence-stop", "1.5", "--max-seconds", "12"
    )
    with practice:
        wait_for_count(practice, "Recording to", 1, 90)
        virtual_audio.feed_mic(general_wav, block=True)
        wait_for_count(practice, "Recording to", 2, 120)  # then silence until the limit
        code, stdout, stderr = practice.finish()
    assert code == 0, stderr
    assert "Traceback" not in stderr
    assert "No answer to the follow-up was heard" in " ".join(stderr.split())
    [main] = stored_attempts(home)
    assert (main.parent_id, main.turn) == (None, 0) and main.score is not None
    assert "listen" in stdout.lower()  # the main answer's report is printed
    assert not list((home / "recordings" / "pending").glob("*.wav"))
