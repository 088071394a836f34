"""``voicemock analyze``: JSON and report output on real speech, one-line errors, the renderer.

The renderer is checked at 80 columns: the delivery table shows the core figures in one
format per unit, wrapped lines stay indented, and typed answers show no unknown timing rows.
"""

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
    channel_label,
    marked_transcript,
    metrics_table,
    probe_audio,
    render_analysis,
    transcribe_with_progress,
)
from voicemock.core.metrics import NOTE_UNTIMED, compute_metrics, format_metric_value
from voicemock.core.models import DeliveryMetrics, Flag, Metric, Transcript, Word
from voicemock.core.report import UNTIMED_LINE, delivery_rows

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
    assert result.stderr == ""  # no progress display, not even a blank line, when piped
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
    # JSON keeps every figure, also those the report leaves out by default.
    assert {"fillers_per_100_words", "articulation_rate_wpm"} <= {m.key for m in metrics.metrics}


@pytest.mark.speech
def test_report_output_marks_the_transcript(spoken_clip: Path, tmp_path: Path) -> None:
    # The answer on the left channel of a stereo file, noise on the right.
    mono, rate_hz = sf.read(str(spoken_clip), dtype="float32")
    noise = np.random.default_rng(3).normal(0.0, 0.2, mono.shape).astype(np.float32)
    stereo = tmp_path / "two-channels.wav"
    sf.write(stereo, np.stack([mono, noise], axis=1), rate_hz)
    result = run_cli("analyze", str(stereo), "--channel", "left", env={"COLUMNS": "80"})
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "(left channel), transcribed by" in out
    assert "Transcript" in out and "release" in out
    assert "Speaking rate" in out and "wpm" in out
    # The filler or the hedge is marked inline.
    assert "[Um]" in out or "{I think}" in out
    # The core figures only, each once, and how to see the rest.
    assert "Fillers per minute" not in out and "Articulation rate" not in out
    assert "--all-metrics" in out
    assert max(len(line.rstrip()) for line in out.splitlines()) <= 80


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


def test_channel_of_a_mono_file_is_ignored_with_a_note(tmp_path: Path) -> None:
    path = tmp_path / "mono.wav"
    sf.write(path, np.zeros(32000, dtype=np.float32), 16000)
    result = run_cli("analyze", str(path), "--channel", "right")
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    # The note comes first; the file is then read as it is (and found silent).
    assert lines[0] == "mono.wav is mono: --channel right ignored."
    assert lines[1:] == [f"voicemock: {path}: no speech found: the recording is silent"]


def test_unknown_channel_name(tmp_path: Path) -> None:
    path = tmp_path / "mono.wav"
    sf.write(path, np.zeros(32000, dtype=np.float32), 16000)
    assert_one_line_error(run_cli("analyze", str(path), "--channel", "middle"), "unknown channel")


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
    result = run_cli("score", str(path), "--question", "sac-client-resistance")
    assert_one_line_error(result, "unsupported file type '.docx'", "or a transcript (.txt or .md)")


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


def _plain(fn: Callable[[Console], None], width: int = 80) -> str:
    console = Console(file=io.StringIO(), width=width)
    console.begin_capture()
    fn(console)
    return console.end_capture()


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
    assert "96 wpm" in out and "12.0/min" in out
    assert "—" not in out  # an unknown figure is left out of the core table
    assert "—" in _render(lambda console: console.print(metrics_table(METRICS, all_metrics=True)))


# A timed answer of 21 words: one "um", one hedge, a 2.6 s pause, "the the" repeated.
_SAID = "Um so I think we moved the the launch because the tests failed and then we fixed them"
_GAP_S = 2.6


def _timed_words(text: str) -> tuple[Word, ...]:
    words = []
    for k, token in enumerate(text.split()):
        start_s = 0.4 * k + (_GAP_S if k >= 10 else 0.0)
        words.append(Word(token, start_s, start_s + 0.3))
    return tuple(words)


TIMED = Transcript(
    words=_timed_words(_SAID),
    engine="faster-whisper",
    model="tiny.en",
    audio_duration_s=12.0,
)


def test_core_rows_merge_repeating_figures_and_use_one_format() -> None:
    metrics = compute_metrics(TIMED)
    rows = {row.label: row for row in delivery_rows(metrics)}
    assert list(rows) == [
        "Answer length",
        "Words",
        "Speaking rate",
        "Fillers (um, uh)",
        "Discourse fillers",
        "Long pauses",
        "Hedges",
        "Repeated words/phrases",
        "Lexical diversity",
    ]
    per_min = metrics.get("fillers_per_min")
    assert per_min is not None and per_min.value is not None
    # The rate and the count in one row: "5.5/min (1)".
    assert rows["Fillers (um, uh)"].value == f"{per_min.value:.1f}/min (1)"
    longest = metrics.value("longest_pause_s")
    assert longest is not None and longest >= 2.0
    assert rows["Long pauses"].value == f"1 (longest {longest:.1f} s)"
    assert rows["Repeated words/phrases"].value == "1 / 0"
    assert rows["Answer length"].value.endswith(" s") and "." in rows["Answer length"].value
    # A figure the table knows when the question's end is known.
    with_latency = compute_metrics(TIMED, question_end_s=0.0)
    assert "Time to first word" in {row.label for row in delivery_rows(with_latency)}
    # Every metric, in its own row, with --all-metrics.
    assert len(delivery_rows(metrics, all_metrics=True)) == len(metrics.metrics)


def test_typed_answer_hides_unknown_timing_rows_with_one_line() -> None:
    typed = Transcript.from_text("Um, I think we moved the launch because the tests failed.")
    metrics = compute_metrics(typed)
    assert NOTE_UNTIMED in metrics.notes
    out = _plain(lambda console: render_analysis(console, typed, metrics))
    assert "—" not in out
    assert "Speaking rate" not in out and "Answer length" not in out
    assert "Fillers (um, uh)" in out and "Hedges" in out
    assert out.count(UNTIMED_LINE) == 1 and NOTE_UNTIMED not in out
    every = _plain(lambda console: render_analysis(console, typed, metrics, all_metrics=True))
    assert "Speaking rate" in every and "—" in every


@pytest.mark.parametrize(
    ("value", "unit", "shown"),
    [
        (0.3, "s", "0.3 s"),
        (0.0, "s", "0.0 s"),
        (33.66, "s", "33.7 s"),
        (142.4, "wpm", "142 wpm"),
        (3.61, "per min", "3.6/min"),
        (0.0, "per min", "0.0/min"),
        (1.0, "per 100 words", "1.0/100 words"),
        (1.94, "per 100 words", "1.9/100 words"),
        (0.834, "ratio", "0.83"),
        (19.0, "%", "19.0%"),
        (104.0, "words", "104"),
        (2.0, "", "2"),
        (None, "s", "—"),
    ],
)
def test_metric_values_have_one_format_per_unit(value: float | None, unit: str, shown: str) -> None:
    assert format_metric_value(Metric("k", "K", value, unit, "info")) == shown


def test_report_fits_80_columns_with_indented_notes() -> None:
    metrics = compute_metrics(TIMED)
    note = "A caveat long enough to wrap at eighty columns: " + "words " * 12
    metrics = DeliveryMetrics(metrics.metrics, metrics.flags, (note.strip(),))
    out = _plain(lambda console: render_analysis(console, TIMED, metrics, heading="a.wav"))
    lines = out.splitlines()
    assert max(len(line.rstrip()) for line in lines) <= 80
    first = next(k for k, line in enumerate(lines) if line.startswith("Note: A caveat"))
    assert lines[first + 1].startswith(" " * len("Note: ")) and lines[first + 1].strip()


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
        (0.864, "ratio", "0.86"),
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


def test_probe_finds_channels_and_a_file_cut_short(tmp_path: Path) -> None:
    t = np.arange(int(2.9 * 16000)) / 16000
    full = tmp_path / "full.wav"
    sf.write(full, (0.3 * np.sin(2 * np.pi * 220 * t)).astype(np.float32), 16000, "PCM_16")
    probe = probe_audio(full)
    assert probe.channels == 1 and probe.declared_s is None
    assert probe.duration_s == pytest.approx(2.9, abs=0.01)
    cut = tmp_path / "cut.wav"
    cut.write_bytes(full.read_bytes()[: 44 + 16000 * 2])  # header says 2.9 s, 1.0 s is there
    probe = probe_audio(cut)
    assert probe.duration_s == pytest.approx(1.0, abs=0.01)
    assert probe.declared_s == pytest.approx(2.9, abs=0.01)
    assert probe_audio(tmp_path / "missing.wav") == type(probe)()  # the reader says why later
    assert channel_label(probe, None) == ""
    assert channel_label(probe_audio(full), "left") == "left channel"
    stereo = tmp_path / "stereo.wav"
    sf.write(stereo, np.zeros((1600, 2), dtype=np.float32), 16000)
    assert channel_label(probe_audio(stereo), None) == "2 channels mixed"
    assert channel_label(probe_audio(stereo), 1) == "channel 1"


def test_a_file_cut_short_is_analysed_with_a_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from voicemock.speech import transcribe

    class Heard:
        """Stands in for the model: says it heard one word (the audio is read for real)."""

        def load(self) -> None:
            return None

        def transcribe(self, samples: object, progress: Callable[[float], None]) -> Transcript:
            progress(1.0)
            word = Word("Hello.", 0.1, 0.5)
            return Transcript((word,), engine="faster-whisper", model="tiny.en")

    monkeypatch.setattr(transcribe, "get_transcriber", lambda **kwargs: Heard())
    t = np.arange(int(2.9 * 16000)) / 16000
    full = tmp_path / "full.wav"
    sf.write(full, (0.3 * np.sin(2 * np.pi * 220 * t)).astype(np.float32), 16000, "PCM_16")
    cut = tmp_path / "cut.wav"
    cut.write_bytes(full.read_bytes()[: 44 + 16000 * 2])
    status = Console(file=io.StringIO(), width=100)
    status.begin_capture()
    transcript = transcribe_with_progress(
        cut, engine="faster-whisper", model="tiny.en", console=status
    )
    warning = status.end_capture()
    assert transcript.words[0].text == "Hello."
    assert "cut.wav is cut short: 1.0 s of the 2.9 s its header gives" in warning
    status.begin_capture()
    transcribe_with_progress(full, engine="faster-whisper", model="tiny.en", console=status)
    assert status.end_capture() == ""  # a whole file: no warning, and no display off a terminal


def test_silent_channel_of_a_stereo_file(tmp_path: Path) -> None:
    path = tmp_path / "call.wav"
    t = np.arange(16000) / 16000
    left = (0.3 * np.sin(2 * np.pi * 220 * t)).astype(np.float32)
    sf.write(path, np.stack([left, np.zeros_like(left)], axis=1), 16000)
    assert_one_line_error(run_cli("analyze", str(path), "--channel", "right"), "silent")
