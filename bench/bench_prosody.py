"""How fast "how it sounded" is: pitch tracking and the rest, per minute of audio, and its memory.

Runs ``voicemock.core.prosody.analyse_prosody`` on the demo answer (the project's own voice)
repeated to 30 s, 1 min and 2 min, with a transcript of evenly timed words at 160 wpm, and
prints the median wall and CPU time per minute of audio beside the target (150 ms per minute on
2 cores), split into the pitch tracker and everything else; then, for a 60 s answer, the
prosody time left after the stop when the pitch is tracked while recording (target 100 ms),
with the whole-file time as the baseline; then the peak memory it adds.

    .venv/bin/python bench/bench_prosody.py [--repeat N] [--clip FILE]
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time
import tracemalloc
from pathlib import Path

import numpy as np

from voicemock.core.models import SAMPLE_RATE_HZ, Transcript, Word

TARGET_MS_PER_MIN = 150.0
TARGET_AFTER_STOP_MS = 100.0
LENGTHS_S = (30.0, 60.0, 120.0)
DEMO_CLIP = Path(__file__).resolve().parents[1] / "audio" / "demo-answer.ogg"
WPM = 160.0


def words_for(duration_s: float) -> Transcript:
    """Evenly timed words over the audio, a sentence every 12 words and a comma every 5."""
    step_s = 60.0 / WPM
    words = []
    for k in range(int(duration_s / step_s) - 1):
        mark = "." if k % 12 == 11 else ("," if k % 5 == 4 else "")
        words.append(Word(f"word{mark}", k * step_s + 0.1, k * step_s + 0.1 + step_s * 0.8))
    return Transcript(words=tuple(words), engine="faster-whisper", audio_duration_s=duration_s)


def timed(fn: object, repeat: int) -> tuple[float, float]:
    """Median wall and CPU seconds of ``fn()`` over ``repeat`` runs."""
    walls, cpus = [], []
    for _ in range(repeat):
        gc.collect()
        wall, cpu = time.perf_counter(), time.process_time()
        fn()  # type: ignore[operator]
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus)


def after_stop(audio: np.ndarray, transcript: Transcript, repeat: int) -> None:
    """Prosody time between the stop and the results for a 60 s answer, pitch tracked live.

    The audio is fed in 0.1 s blocks as the recorder does, with the tracker advancing after
    each (the live thread's work, timed apart); then what is left when the answer ends:
    tracking the tail and the rest of the analysis. The whole-file analysis is the baseline.
    """
    from voicemock.core.prosody import IncrementalPitch, analyse_prosody

    pcm = np.round(np.clip(audio, -1, 1) * 32767).astype(np.int16)
    recorded = pcm.astype(np.float32) / 32768.0
    block = SAMPLE_RATE_HZ // 10
    live_s, after_s = [], []
    for _ in range(repeat):
        tracker = IncrementalPitch()
        wall = time.perf_counter()
        for at in range(0, pcm.size, block):
            tracker.add(pcm[at : at + block])
            tracker.advance()
        live_s.append(time.perf_counter() - wall)
        gc.collect()
        wall = time.perf_counter()
        analyse_prosody(recorded, transcript, pitch_track=tracker.finish(recorded))
        after_s.append(time.perf_counter() - wall)
    whole_s, _ = timed(lambda: analyse_prosody(recorded, transcript), repeat)
    after_ms = statistics.median(after_s) * 1000
    verdict = "ok" if after_ms <= TARGET_AFTER_STOP_MS else "OVER"
    print(
        f"60 s answer, prosody after the stop: {after_ms:.0f} ms with pitch tracked while "
        f"recording (target {TARGET_AFTER_STOP_MS:.0f} ms, {verdict}); whole file after the "
        f"stop: {whole_s * 1000:.0f} ms; tracked during the recording: "
        f"{statistics.median(live_s) * 1000:.0f} ms in all"
    )


def main() -> None:
    """Time the prosody analysis at several answer lengths and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--clip", type=Path, default=DEMO_CLIP, help="speech to repeat")
    args = parser.parse_args()

    from voicemock.core.prosody import analyse_prosody, track_pitch
    from voicemock.speech.audio_io import load_audio

    clip = load_audio(args.clip)
    analyse_prosody(clip[: SAMPLE_RATE_HZ * 2], words_for(2.0))  # imports and first calls
    print(f"speech: {args.clip.name} repeated; target {TARGET_MS_PER_MIN:.0f} ms per minute")
    print(f"{'audio':>7} {'pitch ms/min':>13} {'rest ms/min':>12} {'total ms/min':>13} {'cpu':>6}")
    for length_s in LENGTHS_S:
        n = int(length_s * SAMPLE_RATE_HZ)
        audio = np.resize(clip, n)
        transcript = words_for(length_s)
        track = track_pitch(audio)
        pitch_wall, _ = timed(lambda a=audio: track_pitch(a), args.repeat)
        rest_wall, _ = timed(
            lambda a=audio, t=transcript, p=track: analyse_prosody(a, t, pitch_track=p[:2]),
            args.repeat,
        )
        total_wall, total_cpu = timed(
            lambda a=audio, t=transcript: analyse_prosody(a, t), args.repeat
        )
        per_min = 60.0 / length_s * 1000.0
        verdict = "ok" if total_wall * per_min <= TARGET_MS_PER_MIN else "OVER"
        print(
            f"{length_s:>6.0f}s {pitch_wall * per_min:>13.0f} {rest_wall * per_min:>12.0f} "
            f"{total_wall * per_min:>13.0f} {total_cpu * per_min:>6.0f}  {verdict}"
        )

    audio = np.resize(clip, int(60 * SAMPLE_RATE_HZ))
    transcript = words_for(60.0)
    after_stop(audio, transcript, args.repeat)
    gc.collect()
    tracemalloc.start()
    analyse_prosody(audio, transcript)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    # Praat's own buffers are not traced by Python; the resident set shows them.
    import resource

    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"peak Python memory for 1 min of audio: {peak / 1e6:.1f} MB; "
        f"process peak RSS {rss_mb:.0f} MB"
    )


if __name__ == "__main__":
    main()
