"""``voicemock analyze``: JSON and report output on real speech, one-line errors, the renderer."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from rich.console import Console

from voicemock.commands.render import (
    analysis_json,
    marked_transcript,
    metrics_table,
    render_analysis,
)
from voicemock.core.metrics import format_metric_value
from voicemock.core.models import DeliveryMetrics, Flag, Metric, Transcript, Word

SPOKEN = "Um, I think we should ship the release on Friday, after the last review."


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "voicemock", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "COLUMNS": "120", **(env or {})},
        check=False,
    )


def assert_one_line_error(result: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr + result.stdout
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("voicemock: ")
    for needle in needles:
        assert needle in lines[0]


@pytest.fixture(scope="module")
def spoken_clip(make_speech: Callable[..., Path]) -> Path:
    return make_speech(SPOKEN, rate_wpm=160)


@pytest.mark.speech
def test_json_output_has_words_and_metrics(spoken_clip: Path) -> None:
    result = run_cli("analyze", str(spoken_clip), "--json")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    data = json.loads(result.stdout)
    transcript = Transcript.from_dict(data["transcript"])
    metrics = DeliveryMetrics.from_dict(data["metrics"])
    assert transcript.engine == "faster-whisper" and transcript.model == "tiny.en"
    said = {w.text.strip(",.").lower() for w in transcript.words}
    assert {"ship", "release", "friday", "review"} <= said
    assert transcript.audio_duration_s == pytest.approx(
        sf.info(str(spoken_clip)).duration, abs=0.01
    )
    rate = metrics.get("speaking_rate_wpm")
    assert rate is not None and rate.value is not None and rate.value > 60
    assert any(f.kind in ("filler", "hedge") for f in metrics.flags)


@pytest.mark.speech
def test_report_output_marks_the_transcript(spoken_clip: Path) -> None:
    result = run_cli("analyze", str(spoken_clip))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Transcript" in out and "release" in out
    assert "Speaking rate" in out and "wpm" in out
    # The filler or the hedge is marked inline.
    assert "[Um]" in out or "{I think}" in out


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "answer.wav"
    assert_one_line_error(run_cli("analyze", str(path)), str(path), "file not found")


def test_corrupt_file(tmp_path: Path) -> None:
    path = tmp_path / "answer.wav"
    path.write_bytes(b"RIFF" + np.random.default_rng(2).bytes(2000))
    assert_one_line_error(run_cli("analyze", str(path), "--json"), "corrupt")


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "answer.flac"
    path.write_bytes(b"")
    assert_one_line_error(run_cli("analyze", str(path)), "empty")


def test_silent_file(tmp_path: Path) -> None:
    path = tmp_path / "answer.wav"
    sf.write(path, np.zeros(32000, dtype=np.float32), 16000)
    result = run_cli("analyze", str(path))
    assert_one_line_error(result, f"{path}: no speech found: the recording is silent")
    assert result.stdout == ""


def test_unsupported_file(tmp_path: Path) -> None:
    path = tmp_path / "answer.docx"
    path.write_bytes(b"PK\x03\x04" + b"\x00" * 500)
    assert_one_line_error(run_cli("analyze", str(path)), "unsupported audio format")


def test_model_not_available(tmp_path: Path) -> None:
    path = tmp_path / "tone.wav"
    t = np.arange(16000) / 16000
    sf.write(path, (0.3 * np.sin(2 * np.pi * 220 * t)).astype(np.float32), 16000)
    result = run_cli("analyze", str(path), "--model", "medium.en")
    assert_one_line_error(result, "medium.en", "CTranslate2")


def test_openai_engine_not_installed(tmp_path: Path) -> None:
    """With openai-whisper unimportable, the engine's install hint is the whole error."""
    shadow = tmp_path / "shadow"
    (shadow / "whisper").mkdir(parents=True)
    (shadow / "whisper" / "__init__.py").write_text("raise ImportError('not installed')\n")
    path = tmp_path / "tone.wav"
    t = np.arange(16000) / 16000
    sf.write(path, (0.3 * np.sin(2 * np.pi * 220 * t)).astype(np.float32), 16000)
    pythonpath = os.pathsep.join(filter(None, [str(shadow), os.environ.get("PYTHONPATH")]))
    result = run_cli(
        "analyze", str(path), "--engine", "openai-whisper", env={"PYTHONPATH": pythonpath}
    )
    assert_one_line_error(result, "pip install", "openai-whisper")


# The renderer, with hand-made metrics ----------------------------------------------------

WORDS = tuple(
    Word(text, start, end)
    for text, start, end in [
        ("Um,", 0.0, 0.3),
        ("I", 0.5, 0.6),
        ("think", 0.6, 0.9),
        ("it", 0.9, 1.0),
        ("worked.", 1.0, 1.4),
        ("Then", 4.0, 4.3),
        ("we", 4.3, 4.4),
        ("shipped.", 4.4, 4.9),
    ]
)
TRANSCRIPT = Transcript(words=WORDS, engine="faster-whisper", model="tiny.en", audio_duration_s=5.0)
METRICS = DeliveryMetrics(
    metrics=(
        Metric("speaking_rate_wpm", "Speaking rate", 96.0, "wpm", "fix", "130-165 wpm is good"),
        Metric("fillers_per_min", "Fillers per minute", 12.04, "per min", "watch", "<= 5"),
        Metric("long_pause_count", "Long pauses", 1.0, "", "good", "none is best"),
        Metric("hedge_count", "Hedges", 1.0, "", "info"),
        Metric("latency_s", "Time to first word", None, "s", "info"),
    ),
    flags=(
        Flag("filler", "Um", 0.0, 0.3, 0),
        Flag("hedge", "I think", 0.5, 0.9, 1),
        Flag("long_pause", "2.60 s long pause", 1.4, 4.0, 5),
    ),
    notes=("Filler counts from Whisper are a lower bound.",),
)


def _render(fn: Callable[[Console], None]) -> str:
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=True, color_system="standard", width=120)
    fn(console)
    return buffer.getvalue()


def test_marked_transcript_brackets_fillers_hedges_and_pauses() -> None:
    text = marked_transcript(TRANSCRIPT, METRICS).plain
    assert text == "[Um], {I think} it worked. [2.6 s pause] Then we shipped."


def test_marked_transcript_without_metrics_is_plain() -> None:
    assert marked_transcript(TRANSCRIPT).plain == " ".join(w.text for w in WORDS)
    assert "no words" in marked_transcript(Transcript(words=())).plain


def test_overlapping_flags_mark_each_word_once() -> None:
    metrics = DeliveryMetrics(
        metrics=(),
        flags=(Flag("hedge", "I think", 0.5, 0.9, 1), Flag("repetition", "I", 0.5, 0.6, 1)),
    )
    assert marked_transcript(TRANSCRIPT, metrics).plain.startswith("Um, {I think} it")


def test_metrics_table_colours_bands() -> None:
    out = _render(lambda console: console.print(metrics_table(METRICS)))
    assert "\x1b[1;31mfix" in out  # red
    assert "\x1b[1;33mwatch" in out  # yellow
    assert "\x1b[1;32mgood" in out  # green
    assert "96 wpm" in out and "12.0 per min" in out and "—" in out


def test_full_report_has_transcript_table_and_notes() -> None:
    out = _render(lambda console: render_analysis(console, TRANSCRIPT, METRICS, heading="a.wav"))
    plain = Console(file=io.StringIO(), width=120)
    plain.begin_capture()
    render_analysis(plain, TRANSCRIPT, METRICS, heading="a.wav")
    text = plain.end_capture()
    assert text.index("Transcript") < text.index("Speaking rate") < text.index("lower bound")
    assert "faster-whisper tiny.en" in text
    assert "\x1b[" in out


@pytest.mark.parametrize(
    ("value", "unit", "shown"),
    [
        (142.4, "wpm", "142 wpm"),
        (2.54, "s", "2.5 s"),
        (3.0, "", "3"),
        (0.864, "ratio", "0.86 ratio"),
        (6.66, "%", "6.7%"),
        (None, "s", "—"),
    ],
)
def test_format_metric_value(value: float | None, unit: str, shown: str) -> None:
    assert format_metric_value(Metric("k", "K", value, unit, "info")) == shown


def test_analysis_json_round_trips() -> None:
    data = json.loads(json.dumps(analysis_json(TRANSCRIPT, METRICS)))
    assert Transcript.from_dict(data["transcript"]).words == WORDS
    assert DeliveryMetrics.from_dict(data["metrics"]) == METRICS


def test_silent_channel_of_a_stereo_file(tmp_path: Path) -> None:
    path = tmp_path / "call.wav"
    t = np.arange(16000) / 16000
    left = (0.3 * np.sin(2 * np.pi * 220 * t)).astype(np.float32)
    sf.write(path, np.stack([left, np.zeros_like(left)], axis=1), 16000)
    assert_one_line_error(run_cli("analyze", str(path), "--channel", "right"), "silent")
