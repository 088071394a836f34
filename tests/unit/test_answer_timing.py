"""The answer is measured from its first word to its last: the silence around it is not counted."""

from __future__ import annotations

import pytest

from voicemock.core.metrics import answer_length_s, compute_metrics, spoken_span_s
from voicemock.core.models import Transcript, Word


def late_answer(first_s: float, count: int = 60, step_s: float = 0.5) -> Transcript:
    """``count`` words every ``step_s`` from ``first_s``, with silence before and after."""
    words = tuple(
        Word(
            f"word{k}{'.' if k % 10 == 9 else ''}", first_s + k * step_s, first_s + k * step_s + 0.4
        )
        for k in range(count)
    )
    return Transcript(
        words=(Word("...", 0.2, 0.3), *words),  # a bare mark is not a word
        engine="faster-whisper",
        audio_duration_s=first_s + count * step_s + 6.0,
    )


@pytest.mark.parametrize("first_s", [0.3, 12.0, 31.5])
def test_answer_length_and_pace_run_from_the_first_word(first_s: float) -> None:
    transcript = late_answer(first_s)
    metrics = compute_metrics(transcript)
    last_end_s = first_s + 59 * 0.5 + 0.4
    assert spoken_span_s(transcript) == pytest.approx((first_s, last_end_s))
    assert metrics.value("answer_time_s") == pytest.approx(last_end_s - first_s, abs=0.01)
    # 60 words over 29.9 s, wherever the answer started in the recording.
    assert metrics.value("speaking_rate_wpm") == pytest.approx(60 / (29.9 / 60), abs=0.2)
    # What headers and lists show agrees with Delivery, not with the recording's length.
    shown = answer_length_s(metrics, transcript.audio_duration_s)
    assert shown == metrics.value("answer_time_s")
    assert shown < transcript.audio_duration_s - first_s


def test_without_timed_words_the_recording_length_stands_in() -> None:
    typed = Transcript.from_text("we shipped it on time")
    assert spoken_span_s(typed) is None
    assert answer_length_s(compute_metrics(typed), 42.0) == 42.0
    silent = Transcript(words=(), engine="faster-whisper", audio_duration_s=3.0)
    assert spoken_span_s(silent) is None
    assert answer_length_s(compute_metrics(silent), 3.0) == 3.0
