"""Transcription engines side by side: load time, real-time factor, peak memory, accuracy.

Same audio, same run, each engine measured in its own fresh process (so memory figures don't
mix): model load time, real-time factor on a spoken answer of at least 30 s (made with the
project's own TTS), peak RSS, word error rate on the real clips in ../shared/speech, and the
speed ratio between the engines. Also the start-up time of ``voicemock --help``. ``--models``
adds other models (e.g. ``base``, once its packages are installed) as further columns.

    .venv/bin/python bench/bench_transcribe.py [--runs N] [--models tiny.en,base]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED_SPEECH_DIR = REPO_ROOT.parent / "shared" / "speech"
ENGINES = ("faster-whisper", "openai-whisper")
DEFAULT_ENGINE = "faster-whisper"
DEFAULT_MODEL = "tiny.en"

TARGET_RTF = 0.10
TARGET_RSS_MB = 450.0
TARGET_HELP_S = 0.5
MIN_ANSWER_S = 30.0

# A long spoken answer in the project's own words, with a few fillers as people say them.
LONG_ANSWER = (
    "Um, the project I am proudest of was moving our billing system to a new database without "
    "any downtime. I was the lead engineer, and we had six weeks before the old contract ran "
    "out. First, I mapped every query the old system ran and, uh, wrote tests that compared the "
    "results from both databases. Then we copied the data in small batches at night, and I "
    "checked the totals each morning with the finance team. When a batch failed, we rolled it "
    "back and fixed the cause before the next night. In the end we switched over on a Sunday in "
    "ten minutes, and customers never noticed. The team now uses the same checklist for every "
    "migration, and I wrote it up so other teams can use it too."
)


def normalise(text: str) -> str:
    """Lowercase, punctuation to spaces, single spaces."""
    return " ".join(re.sub(r"[^\w\s']", " ", text.lower()).split())


def peak_rss_mb() -> float:
    """This process's peak resident memory in MB (Linux reports KiB)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024.0 if sys.platform != "darwin" else peak / (1024.0 * 1024.0)


def reference_clips() -> list[tuple[str, str]]:
    """(file spec, reference text) rows of the real clips, or [] when they are absent."""
    table = SHARED_SPEECH_DIR / "references.tsv"
    if not table.is_file():
        return []
    with table.open(encoding="utf-8", newline="") as handle:
        return [(row["file"], row["reference"]) for row in csv.DictReader(handle, delimiter="\t")]


def column_label(engine: str, model: str) -> str:
    """A result column's name: the engine, plus the model when it is not the default one."""
    return engine if model == DEFAULT_MODEL else f"{engine} {model}"


def worker(engine: str, model: str, audio: Path, runs: int) -> dict[str, Any]:
    """Runs inside a fresh process: measure one engine and model and return its figures."""
    import jiwer

    from voicemock.speech.audio_io import load_audio, split_channel_suffix
    from voicemock.speech.transcribe import get_transcriber
    from voicemock.speech.whisper_models import resolve_model

    figures: dict[str, Any] = {"engine": engine, "model": model}
    samples = load_audio(audio)
    duration_s = samples.shape[0] / 16000
    transcriber = get_transcriber(engine, model)
    if engine == "openai-whisper":
        # The one-off conversion is cached on disk; time it apart from loading.
        from voicemock.speech.ct2_to_openai import ensure_checkpoint

        resolved = resolve_model(model)
        start = time.perf_counter()
        ensure_checkpoint(resolved.path, resolved.name)
        figures["convert_s"] = time.perf_counter() - start
    start = time.perf_counter()
    transcriber.load()
    figures["load_s"] = time.perf_counter() - start

    start = time.perf_counter()
    first = transcriber.transcribe(samples)
    figures["first_call_s"] = time.perf_counter() - start
    times_s: list[float] = []
    for _ in range(runs):
        start = time.perf_counter()
        transcriber.transcribe(samples)
        times_s.append(time.perf_counter() - start)
    best_s = min(times_s) if times_s else figures["first_call_s"]
    figures["audio_s"] = duration_s
    figures["transcribe_s"] = best_s
    figures["rtf"] = best_s / duration_s
    figures["words"] = len(first.words)
    figures["answer_wer"] = float(jiwer.wer(normalise(LONG_ANSWER), normalise(first.text)))

    clips = reference_clips()
    if clips:
        refs: list[str] = []
        hyps: list[str] = []
        clip_s = 0.0
        start = time.perf_counter()
        for spec, reference in clips:
            path, channel = split_channel_suffix(spec)
            clip = load_audio(SHARED_SPEECH_DIR / path, channel=channel)
            clip_s += clip.shape[0] / 16000
            refs.append(normalise(reference))
            hyps.append(normalise(" ".join(w.text for w in transcriber.transcribe(clip).words)))
        figures["clips"] = len(clips)
        figures["clips_rtf"] = (time.perf_counter() - start) / clip_s
        figures["clips_wer"] = float(jiwer.wer(refs, hyps))
    figures["peak_rss_mb"] = peak_rss_mb()
    return figures


def run_worker(engine: str, model: str, audio: Path, runs: int, home: Path) -> dict[str, Any]:
    """Measure one engine and model in a child process; its figures, or {"error": ...}."""
    env = {**os.environ, "VOICEMOCK_HOME": str(home), "HF_HUB_OFFLINE": "1"}
    command = [sys.executable, __file__, "--worker", engine, str(audio), "--runs", str(runs)]
    command += ["--models", model]
    proc = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    label = column_label(engine, model)
    if proc.returncode != 0:
        lines = (proc.stderr or proc.stdout).strip().splitlines()
        error = lines[-1] if lines else f"exit {proc.returncode}"
        return {"engine": engine, "model": model, "label": label, "error": error}
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    result["label"] = label
    return result


def help_time_s(repeats: int = 5) -> float:
    """Best wall time of ``voicemock --help`` over ``repeats`` fresh processes."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "voicemock", "--help"], capture_output=True, check=True
        )
        best = min(best, time.perf_counter() - start)
    return best


def make_answer(folder: Path) -> Path:
    """The long answer spoken by the project's TTS, at least MIN_ANSWER_S long."""
    import soundfile as sf

    from voicemock.speech.tts import synthesize_to_wav

    path = folder / "long-answer.wav"
    synthesize_to_wav(LONG_ANSWER, path, rate_wpm=150)
    duration_s = float(sf.info(str(path)).duration)
    if duration_s < MIN_ANSWER_S:
        # A faster voice than expected: say it twice rather than measure a short clip.
        synthesize_to_wav(f"{LONG_ANSWER} {LONG_ANSWER}", path, rate_wpm=150)
    return path


def _fmt(value: Any, spec: str) -> str:
    return "n/a" if value is None else format(value, spec)


def _verdict(ok: bool | None) -> str:
    return "" if ok is None else ("ok" if ok else "MISSED")


def print_report(results: list[dict[str, Any]], help_s: float, audio_s: float) -> None:
    """The figures as one table, with the targets beside them."""
    print(f"\nAnswer audio: {audio_s:.1f} s (project TTS); cores: {os.cpu_count()}")
    width = max([18, *(len(r["label"]) + 2 for r in results)])
    header = f"{'figure':<34}" + "".join(f"{r['label']:>{width}}" for r in results) + "   target"
    print(header)
    print("-" * len(header))

    def row(label: str, key: str, spec: str, target: str = "") -> None:
        cells = "".join(f"{_fmt(r.get(key), spec):>{width}}" for r in results)
        print(f"{label:<34}{cells}   {target}")

    row("model load (s)", "load_s", ".2f")
    row("one-off conversion (s)", "convert_s", ".2f")
    row("first transcription (s)", "first_call_s", ".2f")
    row("best transcription (s)", "transcribe_s", ".2f")
    row("real-time factor (>= 30 s answer)", "rtf", ".3f", f"<= {TARGET_RTF:.2f} (default)")
    row("peak RSS (MB)", "peak_rss_mb", ".0f", f"<= {TARGET_RSS_MB:.0f}")
    row("WER vs the answer text", "answer_wer", ".3f")
    row("WER on real clips", "clips_wer", ".3f")
    row("real-time factor on real clips", "clips_rtf", ".3f")
    for r in results:
        if "error" in r:
            print(f"{r['label']}: not measured: {r['error']}")
    timed = {r["label"]: r.get("transcribe_s") for r in results}
    fast, slow = timed.get("faster-whisper"), timed.get("openai-whisper")
    ratio = slow / fast if fast and slow else None
    print(f"{'speed ratio faster/openai (x)':<34}{_fmt(ratio, '>18.2f')}")
    print(f"{'voicemock --help (s, best of 5)':<34}{help_s:>18.3f}   <= {TARGET_HELP_S}")

    default = next((r for r in results if r["label"] == DEFAULT_ENGINE), {})
    checks = [
        ("RTF default engine", default.get("rtf"), TARGET_RTF),
        ("peak RSS default engine (MB)", default.get("peak_rss_mb"), TARGET_RSS_MB),
        ("voicemock --help (s)", help_s, TARGET_HELP_S),
    ]
    print("\nTargets:")
    for label, value, target in checks:
        ok = None if value is None else value <= target
        print(f"  {label:<30} {_fmt(value, '.3f'):>10} <= {target:<6} {_verdict(ok)}")


def main() -> int:
    """Run the benchmark (or, with --worker, one engine's measurement)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--worker", nargs=2, metavar=("ENGINE", "AUDIO"), help=argparse.SUPPRESS)
    parser.add_argument("--runs", type=int, default=2, help="timed runs per engine (best kept)")
    parser.add_argument("--engines", default=",".join(ENGINES), help="comma-separated engines")
    parser.add_argument(
        "--models", default=DEFAULT_MODEL, help="comma-separated models, each run on every engine"
    )
    args = parser.parse_args()
    models = [m.strip() for m in args.models.split(",") if m.strip()] or [DEFAULT_MODEL]
    if args.worker:
        engine, audio = args.worker
        print(json.dumps(worker(engine, models[0], Path(audio), args.runs)))
        return 0

    with tempfile.TemporaryDirectory(prefix="vm-bench-") as tmp:
        folder = Path(tmp)
        home = folder / "home"
        home.mkdir()
        os.environ["VOICEMOCK_HOME"] = str(home)
        print("Synthesising a long answer with the project's TTS...", flush=True)
        audio = make_answer(folder)
        import soundfile as sf

        audio_s = float(sf.info(str(audio)).duration)
        results: list[dict[str, Any]] = []
        for model in models:
            for engine in [e.strip() for e in args.engines.split(",") if e.strip()]:
                print(f"Measuring {column_label(engine, model)} in its own process...", flush=True)
                results.append(run_worker(engine, model, audio, args.runs, home))
        if not reference_clips():
            print(f"(no real clips at {SHARED_SPEECH_DIR}: WER on real speech not measured)")
        print("Timing voicemock --help...", flush=True)
        help_s = help_time_s()
    print_report(results, help_s, audio_s)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
