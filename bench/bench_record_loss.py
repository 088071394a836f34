"""How much of an answer is lost when the recording process is killed (kill -9) mid-answer.

Records through a private virtual microphone (PulseAudio null sink) in a child process, kills it
at random moments, and compares the audio that had reached the microphone by then (by the
child's own audio clock: time since its first callback plus that first block) with the audio a
reader gets from the file afterwards (after ``repair_wav``). Also checks that what is in the file
is exactly the audio that was fed, with no gap. Target: at most 100 ms lost.
"""

from __future__ import annotations

import random
import statistics
import sys
import wave
from dataclasses import dataclass
from pathlib import Path
from tempfile import TemporaryDirectory

import numpy as np

# The test support (a private sound server) lives in tests/, beside bench/.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.fixtures.sound_server import VirtualAudioServer, align, overlap, record_then_kill
from voicemock.core.wav import repair_wav
from voicemock.speech.recorder import BLOCK_DURATION_S

RATE_HZ = 16000
TRIALS = 8
KILL_AFTER_RANGE_S = (0.3, 4.0)
TARGET_LOSS_MS = 100.0
SEED = 20240607


@dataclass(frozen=True)
class Trial:
    """One kill: what had been captured, what the file held before and after repair."""

    kill_after_s: float
    captured_ms: float
    readable_ms: float
    header_ms: float
    exact: bool

    @property
    def lost_ms(self) -> float:
        """Audio that reached the microphone but is not in the file."""
        return max(0.0, self.captured_ms - self.readable_ms)


def _header_frames(path: Path) -> int:
    """Frames the WAV header announces before any repair (what a strict reader would see)."""
    try:
        with wave.open(str(path)) as reader:
            return int(reader.getnframes())
    except (wave.Error, EOFError):
        return 0


def run_trial(server: VirtualAudioServer, folder: Path, kill_after_s: float, seed: int) -> Trial:
    """Record in a child, kill it ``kill_after_s`` after its first callback, measure the file."""
    rng = np.random.default_rng(seed)
    fed = rng.integers(-6000, 6000, round((kill_after_s + 4.0) * RATE_HZ)).astype(np.int16)
    out = folder / f"killed-{seed}.wav"
    feed = server.feed_mic(fed)
    try:
        killed = record_then_kill(server, out, kill_after_s)
    finally:
        feed.stop()
    # The first callback brings one block that was captured before it ran.
    captured_s = killed.killed_at - killed.first_block_at + BLOCK_DURATION_S
    header_frames = _header_frames(out)
    frames = repair_wav(out)
    with wave.open(str(out)) as reader:
        recorded = np.frombuffer(reader.readframes(frames), dtype="<i2")
    lag, _ = align(recorded, fed)
    heard, played = overlap(recorded.astype(np.int32), fed.astype(np.int32), lag)
    # Everything after the feed's start must be the fed audio itself, sample for sample.
    exact = len(heard) > 0 and int(np.max(np.abs(heard - played))) <= 1
    return Trial(
        kill_after_s=kill_after_s,
        captured_ms=captured_s * 1000,
        readable_ms=frames / RATE_HZ * 1000,
        header_ms=header_frames / RATE_HZ * 1000,
        exact=exact,
    )


def main() -> int:
    """Run the trials and print the figures."""
    randomiser = random.Random(SEED)
    kill_points = sorted(randomiser.uniform(*KILL_AFTER_RANGE_S) for _ in range(TRIALS))
    trials: list[Trial] = []
    with TemporaryDirectory(prefix="vm-bench-") as tmp, VirtualAudioServer(RATE_HZ) as server:
        for number, kill_after_s in enumerate(kill_points):
            trials.append(run_trial(server, Path(tmp), kill_after_s, seed=number))
    print("Recording killed with SIGKILL mid-answer (virtual microphone, 16 kHz mono)")
    print(
        f"{'kill at':>8} {'captured':>10} {'in file':>9} {'lost':>8} {'stale hdr':>10} {'exact':>6}"
    )
    for trial in trials:
        print(
            f"{trial.kill_after_s:7.2f}s {trial.captured_ms:8.0f}ms {trial.readable_ms:7.0f}ms "
            f"{trial.lost_ms:6.0f}ms {trial.readable_ms - trial.header_ms:8.0f}ms "
            f"{'yes' if trial.exact else 'NO':>6}"
        )
    losses = [trial.lost_ms for trial in trials]
    worst = max(losses)
    print(
        f"audio lost: mean {statistics.mean(losses):.0f} ms, median {statistics.median(losses):.0f}"
        f" ms, max {worst:.0f} ms (target <= {TARGET_LOSS_MS:.0f} ms): "
        f"{'OK' if worst <= TARGET_LOSS_MS else 'OVER TARGET'}"
    )
    print("stale hdr: audio past the size the header announced before repair_wav()")
    all_exact = all(trial.exact for trial in trials)
    print(f"file content identical to the fed audio: {'yes' if all_exact else 'NO'}")
    return 0 if worst <= TARGET_LOSS_MS and all_exact else 1


if __name__ == "__main__":
    raise SystemExit(main())
