"""Test data shared by the test modules: WAV files, transcripts, metrics, scores, attempts."""

from __future__ import annotations

import math
import struct
import wave
from pathlib import Path

from voicemock.core.models import (
    CompetencyScore,
    DeliveryMetrics,
    Evidence,
    Flag,
    Metric,
    ScoreReport,
    Segment,
    StarBreakdown,
    StarSpan,
    Transcript,
    Word,
)
from voicemock.core.store import AttemptRecord, SessionStore


def make_wav(path: Path, duration_s: float = 0.5, freq_hz: float = 440.0) -> Path:
    """A short 16-bit mono sine tone."""
    rate_hz = 16000
    frames = b"".join(
        struct.pack("<h", int(8000 * math.sin(2 * math.pi * freq_hz * i / rate_hz)))
        for i in range(int(duration_s * rate_hz))
    )
    with wave.open(str(path), "wb") as handle:
        handle.setnchannels(1)
        handle.setsampwidth(2)
        handle.setframerate(rate_hz)
        handle.writeframes(frames)
    return path


def make_transcript(text: str = "Um I listened first and then we agreed") -> Transcript:
    """A timed transcript of ``text``, one word every 0.4 s, in two segments."""
    words = tuple(
        Word(token, round(i * 0.4, 2), round(i * 0.4 + 0.3, 2), 0.9)
        for i, token in enumerate(text.split())
    )
    half = len(words) // 2
    segments = (
        Segment(
            " ".join(w.text for w in words[:half]),
            words[0].start_s,
            words[half - 1].end_s,
            words[:half],
        ),
        Segment(
            " ".join(w.text for w in words[half:]),
            words[half].start_s,
            words[-1].end_s,
            words[half:],
        ),
    )
    return Transcript(
        words=words,
        segments=segments,
        engine="faster-whisper",
        model="tiny.en",
        audio_duration_s=words[-1].end_s + 0.5,
    )


def make_metrics(rate_wpm: float = 142.5) -> DeliveryMetrics:
    """Three metrics (one unknown), a filler and a long pause, and a note."""
    return DeliveryMetrics(
        metrics=(
            Metric(
                "speaking_rate_wpm",
                "Speaking rate",
                rate_wpm,
                "wpm",
                "good",
                "130-165 wpm is good",
                "norms",
            ),
            Metric("fillers_per_min", "Fillers", 1.5, "per min", "watch", flag_kinds=("filler",)),
            Metric("longest_pause_s", "Longest pause", None, "s", "info"),
        ),
        flags=(Flag("filler", "Um", 0.0, 0.3, 0), Flag("long_pause", "", 1.0, 3.2, 3)),
        notes=("filler counts are a lower bound",),
    )


def make_score(question_id: str = "q-one", overall: int = 63) -> ScoreReport:
    """A score report with two competencies, evidence, a STAR breakdown and a gate."""
    evidence = Evidence("indicator", "I listened first", 3, 19, "listening", "listened", 0.4, 1.5)
    return ScoreReport(
        question_id=question_id,
        rubric_version="bank@1/q@2",
        overall=overall,
        competencies=(
            CompetencyScore(
                "listening", "Listening", 3, 75, 1.5, (evidence,), False, (), "Say what you heard."
            ),
            CompetencyScore("outcome", "Outcome", 1, 25, 1.0, (), True, ("red flag: blamed",)),
        ),
        star=StarBreakdown(
            50, (StarSpan("A", "I listened first", 3, 19, 0.4, 1.5),), {"A": 1.1}, ("S", "R")
        ),
        relevance=0.71,
        gates=("too_short",),
        notes=("lexical only",),
        next_steps=("Add a result.",),
        used_embeddings=True,
    )


def add_attempt(
    store: SessionStore,
    session_id: int,
    audio: Path | None,
    *,
    question_id: str = "q-one",
    overall: int = 63,
    rate_wpm: float = 142.5,
    move_audio: bool = True,
) -> AttemptRecord:
    """A scored, recorded attempt (its audio moved or copied into the store)."""
    return store.add_attempt(
        session_id,
        question_id=question_id,
        question_text=f"Question {question_id}?",
        rubric_version="bank@1/q@2",
        audio_source=audio,
        transcript=make_transcript(),
        metrics=make_metrics(rate_wpm=rate_wpm),
        score=make_score(question_id, overall),
        engine="faster-whisper",
        model="tiny.en",
        duration_s=4.25,
        move_audio=move_audio,
    )


def add_typed_attempt(
    store: SessionStore, session_id: int, text: str, *, question_id: str = "typed"
) -> AttemptRecord:
    """An attempt that was typed, not spoken: no audio and no score."""
    return store.add_attempt(
        session_id,
        question_id=question_id,
        question_text="Typed?",
        rubric_version="",
        audio_source=None,
        transcript=Transcript.from_text(text),
        metrics=make_metrics(),
        score=None,
        engine="text",
        model="",
        duration_s=0.0,
    )
