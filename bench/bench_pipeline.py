"""How long from the end of a recording to a saved, scored attempt, for 30 s and 120 s answers.

Answers are spoken by the project's own TTS. Each length is timed cold (a fresh process that
imports everything and loads the model), warm (the model and embedder already loaded, the whole
file transcribed after the answer ends) and live (the answer fed in real time, as the recorder
does, to the live transcription that the app and ``voicemock practice`` use; only what is left
is transcribed after the end). The live run is compared with the warm one of the same answer.

    .venv/bin/python bench/bench_pipeline.py [--repeat N] [--no-live]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

# An answer in the project's own words; repeated with small changes to reach the wanted length.
ANSWER_PARTS = (
    "When a client pushes back, I try to slow down and find out what the resistance is about.",
    "Last year a man in our outpatient group told me the sessions were a waste of his time.",
    "I asked him what he wanted from treatment, and I said out loud that he felt forced to come.",
    "We agreed on one goal that he picked himself, which was keeping his job.",
    "I also made sure he knew that what he told me stayed private, even from his employer.",
    "Over the next month he started to come to every session and to talk in the group.",
    "Looking back, the turning point was letting him set the direction instead of arguing.",
    "I still use that approach: listen first, reflect what I hear, and agree on a small goal.",
)
QUESTION_ID = "sac-client-resistance"
RATE_WPM = 160
TARGET_LENGTHS_S = (30.0, 120.0)


def answer_text(target_s: float) -> str:
    """Enough sentences to last about ``target_s`` seconds at RATE_WPM."""
    words_needed = target_s * RATE_WPM / 60
    sentences: list[str] = []
    count = 0
    round_number = 0
    while count < words_needed:
        for part in ANSWER_PARTS:
            sentence = part if round_number == 0 else f"And again, {part[0].lower()}{part[1:]}"
            sentences.append(sentence)
            count += len(sentence.split())
            if count >= words_needed:
                break
        round_number += 1
    return " ".join(sentences)


def make_answer(target_s: float, folder: Path) -> tuple[Path, float]:
    """A spoken answer of about ``target_s`` seconds; returns its path and real duration."""
    import soundfile as sf

    from voicemock.speech.tts import synthesize_to_wav

    path = folder / f"answer-{int(target_s)}s.wav"
    planned_s = target_s
    duration_s = 0.0
    for _ in range(8):  # the voice's real pace differs from the asked rate: correct and retry
        synthesize_to_wav(answer_text(planned_s), path, rate_wpm=RATE_WPM)
        info = sf.info(str(path))
        duration_s = float(info.frames) / float(info.samplerate)
        if abs(duration_s - target_s) <= 0.05 * target_s:
            break
        # Sentences come whole, so step at least a few seconds to reach the next one.
        step_s = max(abs(target_s - duration_s), 3.0)
        planned_s += step_s if duration_s < target_s else -step_s
    return path, duration_s


def analyse_and_save(
    wav: Path, duration_s: float, transcripts: list[Any] | None = None, answer: Any = None
) -> dict[str, float]:
    """Run the pipeline once on ``wav`` (or ``answer``); returns seconds per stage and in total."""
    from voicemock.config import Settings
    from voicemock.core.rubrics import load_library
    from voicemock.core.store import SessionStore
    from voicemock.pipeline import Answer, PracticeSession

    stage_starts: dict[str, float] = {}

    def progress(stage: str, fraction: float) -> None:
        stage_starts.setdefault(stage, time.perf_counter())

    if answer is None:  # known before recording starts: not timed
        answer = Answer(load_library().get(QUESTION_ID), Settings(), audio_path=wav)
    answer.duration_s = duration_s
    start = time.perf_counter()
    analysed = answer.analyse(progress)
    saving = time.perf_counter()
    if transcripts is not None:
        transcripts.append(analysed.transcript)
    with SessionStore() as store:
        PracticeSession("bench").save(store, answer, move_audio=False)
    end = time.perf_counter()
    loading = stage_starts.get("loading model", start)
    transcribing = stage_starts.get("transcribing", loading)
    scoring = stage_starts.get("scoring", transcribing)
    return {
        "model_s": transcribing - loading,
        "transcribe_s": scoring - transcribing,
        "score_s": saving - scoring,
        "save_s": end - saving,
        "total_s": end - start,
        "words": float(len(analysed.transcript.words)),
    }


def live_run(wav: Path, duration_s: float) -> tuple[dict[str, float], Any]:
    """Feed ``wav`` in real time to a live transcription, then time the pipeline from the end."""
    import numpy as np
    import soundfile as sf

    from voicemock.config import Settings
    from voicemock.core.rubrics import load_library
    from voicemock.pipeline import Answer
    from voicemock.speech.audio_io import load_audio

    # What the recorder writes and hands over: 16 kHz int16 in blocks of 100 ms.
    pcm = np.round(load_audio(wav) * 32767.0).astype(np.int16)
    feed_path = wav.with_name(f"{wav.stem}-live.wav")
    sf.write(str(feed_path), pcm, 16000, subtype="PCM_16")
    answer = Answer(load_library().get(QUESTION_ID), Settings(), audio_path=feed_path)
    tap = answer.listen()
    block = 1600
    started = time.monotonic()

    def speak() -> None:
        for index, at in enumerate(range(0, pcm.size, block)):
            time.sleep(max(0.0, started + index * 0.1 - time.monotonic()))
            tap(pcm[at : at + block])
        tap(None)

    speaker = threading.Thread(target=speak)
    speaker.start()
    speaker.join()
    transcripts: list[Any] = []
    figures = analyse_and_save(feed_path, duration_s, transcripts, answer)
    return figures, transcripts[0]


def cold_run(wav: Path, duration_s: float) -> dict[str, float]:
    """The pipeline in a fresh process: imports and model loading included."""
    env = dict(os.environ, HF_HUB_OFFLINE="1")
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, __file__, "--child", str(wav), str(duration_s)],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    wall_s = time.perf_counter() - started
    figures: dict[str, float] = json.loads(proc.stdout.strip().splitlines()[-1])
    figures["process_s"] = wall_s  # includes Python start-up and every import
    return figures


def child(wav: Path, duration_s: float) -> None:
    """Entry point of a cold run: time imports too, print the figures as JSON."""
    started = time.perf_counter()
    import voicemock.pipeline  # noqa: F401  (the import is part of what is measured)

    imported = time.perf_counter()
    figures = analyse_and_save(wav, duration_s)
    figures["import_s"] = imported - started
    figures["total_s"] += figures["import_s"]
    print(json.dumps(figures))


def main() -> None:
    """Make the answers, time cold and warm runs, print a table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=2, help="warm runs per length (median)")
    parser.add_argument("--no-live", action="store_true", help="skip the real-time live runs")
    parser.add_argument("--child", nargs=2, metavar=("WAV", "DURATION_S"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(Path(args.child[0]), float(args.child[1]))
        return

    with tempfile.TemporaryDirectory(prefix="vm-bench-") as tmp:
        folder = Path(tmp)
        os.environ["VOICEMOCK_HOME"] = str(folder / "home")
        os.environ["HF_HUB_OFFLINE"] = "1"
        answers = [make_answer(target_s, folder) for target_s in TARGET_LENGTHS_S]

        load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
        print("voicemock pipeline: end of recording -> saved, scored attempt")
        print(f"{os.cpu_count()} CPUs, load average before the runs: {load}")
        print("engine faster-whisper, model tiny.en, embeddings on; seconds\n")
        header = (
            f"{'answer':>8} {'run':>5} {'total':>7} {'import':>7} {'model':>7} "
            f"{'transcr.':>8} {'score':>7} {'save':>6} {'RTF':>6} {'words':>6}"
        )
        print(header)
        print("-" * len(header))
        live_summaries: list[str] = []
        for wav, duration_s in answers:
            cold = cold_run(wav, duration_s)
            _row(duration_s, "cold", cold)
            whole: list[Any] = []
            analyse_and_save(wav, duration_s, whole)  # warm-up: loads model and embedder here
            warm_runs = [analyse_and_save(wav, duration_s) for _ in range(max(1, args.repeat))]
            warm = {key: statistics.median(r[key] for r in warm_runs) for key in warm_runs[0]}
            _row(duration_s, "warm", warm)
            if not args.no_live:
                live, transcript = live_run(wav, duration_s)
                _row(duration_s, "live", live)
                live_summaries.append(_live_summary(duration_s, warm, live, whole[0], transcript))
        print(
            "\ncold: a fresh process (import + model load + transcribe + score + save); "
            "process wall time incl. Python start-up in brackets."
            "\nwarm: model and embedder already loaded (median of the warm runs)."
            "\nlive: fed in real time; times start when the answer ends."
            "\nRTF: transcription time (after the end) / audio duration."
        )
        for line in live_summaries:
            print(line)


def _live_summary(
    duration_s: float, warm: dict[str, float], live: dict[str, float], whole: Any, streamed: Any
) -> str:
    """One line: how much sooner the live run finished, and how alike the two transcripts are."""
    import jiwer

    def words(transcript: Any) -> str:
        return " ".join(w.text.lower().strip(".,?!") for w in transcript.words)

    ratio = warm["total_s"] / live["total_s"] if live["total_s"] else float("nan")
    difference = jiwer.wer(words(whole), words(streamed))
    return (
        f"{duration_s:.0f} s answer: end -> saved {live['total_s']:.2f} s live vs "
        f"{warm['total_s']:.2f} s warm ({ratio:.1f}x sooner); word difference live vs whole file "
        f"{difference:.3f}"
    )


def _row(duration_s: float, label: str, f: dict[str, float]) -> None:
    extra = f"  [{f['process_s']:.2f} s process]" if "process_s" in f else ""
    print(
        f"{duration_s:7.1f}s {label:>5} {f['total_s']:7.2f} {f.get('import_s', 0.0):7.2f} "
        f"{f['model_s']:7.2f} {f['transcribe_s']:8.2f} {f['score_s']:7.2f} {f['save_s']:6.3f} "
        f"{f['transcribe_s'] / duration_s:6.3f} {int(f['words']):6d}{extra}"
    )


if __name__ == "__main__":
    main()
