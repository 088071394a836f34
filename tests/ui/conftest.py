"""Fixtures for the app's tests: a fixed question bank, a filled store, and stand-ins.

Stand-ins replace one engine only when a test is about something else (layout, key handling);
the end-to-end flow test runs every real engine on the virtual audio devices.
"""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from voicemock.config import Settings
from voicemock.core.models import (
    CompetencyScore,
    DeliveryMetrics,
    Evidence,
    Flag,
    Metric,
    ScoreReport,
    Segment,
    StarBreakdown,
    StarPart,
    StarSpan,
    Transcript,
    Word,
)

UI_DATA = Path(__file__).parent / "data"
FIXED_BANK_DIR = UI_DATA / "rubrics"
FIXED_QUESTION_ID = "uit-conflict"
FIXED_START = datetime(2025, 3, 1, 9, 30, tzinfo=UTC)
# "Now" for screens that count from today (Home's plan, streak and ages): the day after the
# last of the fixed attempts.
FIXED_NOW = FIXED_START + timedelta(days=6, hours=3)


@pytest.fixture(autouse=True)
def utc_clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Local time is UTC in these tests, so dates on screen are the same on every machine."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.delenv("TZ", raising=False)
    time.tzset()


# --------------------------------------------------------------------------- stand-ins


@dataclass(frozen=True)
class StandInRecording:
    """What a stand-in recorder hands back."""

    path: Path
    duration_s: float
    stopped_by: str


class ClipRecorder:
    """Stands in for the microphone: "records" by copying a prepared clip when stopped."""

    def __init__(self, clip: Path, out_path: Path, duration_s: float = 3.0) -> None:
        self.clip = clip
        self.out_path = out_path
        self.duration_s = duration_s
        self._started_at: float | None = None
        self._done = threading.Event()
        self._result: StandInRecording | None = None
        self._lock = threading.Lock()

    def start(self) -> ClipRecorder:
        self._started_at = time.monotonic()
        return self

    def stop(self) -> StandInRecording:
        with self._lock:
            if self._result is None:
                self.out_path.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(self.clip, self.out_path)
                self._result = StandInRecording(self.out_path, self.duration_s, "user")
                self._done.set()
            return self._result

    def wait(self, timeout: float | None = None) -> StandInRecording | None:
        self._done.wait(timeout)
        return self._result

    @property
    def is_recording(self) -> bool:
        return self._started_at is not None and not self._done.is_set()

    @property
    def level(self) -> tuple[float, float]:
        return (-20.0, -8.0)

    @property
    def elapsed_s(self) -> float:
        return 0.0 if self._started_at is None else time.monotonic() - self._started_at

    @property
    def error(self) -> BaseException | None:
        return None


class SilentSpeaker:
    """Stands in for text-to-speech: speaks nothing, finishes at once."""

    def speak(self, text: str) -> float:
        return 0.0

    def wait(self, timeout: float | None = None) -> bool:
        return True

    def stop(self) -> None:
        pass


CANNED_ANSWER = "Um so I think I listened. We agreed on a plan. It shipped on time."


class CannedTranscriber:
    """Stands in for Whisper where a test is about the app: hears ``text`` in any audio.

    ``before`` runs in every transcription, after half of it is reported done (a test can
    hold the analysis there). One
    word every 0.4 s from 0.5 s, one segment per sentence.
    """

    name = "faster-whisper"
    model_name = "tiny.en"

    def __init__(self, text: str = CANNED_ANSWER, before: Callable[[], None] | None = None):
        self.text = text
        self.before = before
        self.calls = 0

    def load(self) -> None:
        pass

    def transcribe(self, audio: Any, *, progress: Any = None) -> Transcript:
        self.calls += 1
        if progress is not None:
            progress(0.5)
        if self.before is not None:
            self.before()
        words = _words(self.text)
        segments: list[Segment] = []
        start = 0
        for i, word in enumerate(words):
            if word.text.endswith(".") or i == len(words) - 1:
                chunk = words[start : i + 1]
                text = " ".join(w.text for w in chunk)
                segments.append(Segment(text, chunk[0].start_s, chunk[-1].end_s, chunk))
                start = i + 1
        return Transcript(
            words=words,
            segments=tuple(segments),
            engine=self.name,
            model=self.model_name,
            audio_duration_s=round(words[-1].end_s + 0.5, 3),
        )


def canned_transcriber(
    text: str = CANNED_ANSWER, before: Callable[[], None] | None = None
) -> Callable[[Settings], CannedTranscriber]:
    """A ``Services.load_transcriber`` that hands out one CannedTranscriber."""
    transcriber = CannedTranscriber(text, before)
    return lambda settings: transcriber


def clip_recorders(
    clip: Path,
) -> tuple[list[ClipRecorder], Callable[[Path, Settings, Any], ClipRecorder]]:
    """Every recorder the app makes (each "hears" ``clip``), and the factory that makes them."""
    recorders: list[ClipRecorder] = []

    def make_recorder(out_path: Path, settings: Settings, on_audio: Any = None) -> ClipRecorder:
        recorders.append(ClipRecorder(clip, out_path))
        return recorders[-1]

    return recorders, make_recorder


def fixed_library() -> Any:
    """The test bank only (nothing shipped), so screens do not change when banks do."""
    from voicemock.core.rubrics import load_library

    return load_library(shipped_dir=FIXED_BANK_DIR, user_dir=FIXED_BANK_DIR / "none")


def quiet_services(clip: Path | None = None, **overrides: Any) -> Any:
    """Real store and library loader over the fixed bank; stand-ins for audio devices.

    The transcriber stays the real one unless ``load_transcriber`` is given.
    """
    from voicemock.ui.services import Services

    def make_recorder(out_path: Path, settings: Settings, on_audio: Any = None) -> ClipRecorder:
        if clip is None:
            raise AssertionError("this test records nothing")
        return ClipRecorder(clip, out_path)

    services = Services(
        load_library=fixed_library,
        make_speaker=lambda settings: SilentSpeaker(),
        make_recorder=make_recorder,
        warm_up=None,
        list_input_devices=lambda: [("0: Test microphone (ALSA)", "Test microphone")],
        list_output_devices=lambda: [("1: Test speaker (ALSA)", "Test speaker")],
    )
    return replace(services, **overrides)


# --------------------------------------------------------------------------- fixed attempts


def _words(text: str, start_s: float = 0.5, step_s: float = 0.4) -> tuple[Word, ...]:
    words = []
    at = start_s
    for token in text.split():
        words.append(Word(token, round(at, 2), round(at + step_s * 0.8, 2)))
        at += step_s
    return tuple(words)


ANSWER_1 = (
    "Um so I think the first thing is to listen. Last year a colleague and I disagreed about "
    "a release date. I asked her to walk me through her reasoning and we agreed on a smaller "
    "first release. It shipped on time and the team kept the date."
)
ANSWER_2 = (
    "Last spring a colleague and I disagreed about the test plan. I listened first and asked "
    "what worried her. We agreed to add the checks she wanted to the first week. The release "
    "went out on time with no defects found later."
)


def sentence_around(text: str, needle: str) -> tuple[int, int]:
    """[start, end) of the sentence of ``text`` that holds ``needle``."""
    at = text.index(needle)
    start = text.rfind(". ", 0, at)
    start = 0 if start < 0 else start + 2
    return start, text.index(".", at) + 1


def attempt_parts(
    text: str, overall: int, wpm: float, fillers: float, pause_at: int
) -> tuple[Transcript, DeliveryMetrics, ScoreReport]:
    """A hand-built transcript, metrics and score for ``text`` (one sentence per segment)."""
    words = _words(text)
    # A long pause before word ``pause_at``: shift the rest of the answer by 2.5 s.
    shifted = tuple(
        w if i < pause_at else Word(w.text, w.start_s + 2.5, w.end_s + 2.5)
        for i, w in enumerate(words)
    )
    sentences: list[Segment] = []
    start = 0
    for i, word in enumerate(shifted):
        if word.text.endswith("."):
            chunk = shifted[start : i + 1]
            sentences.append(
                Segment(" ".join(w.text for w in chunk), chunk[0].start_s, chunk[-1].end_s, chunk)
            )
            start = i + 1
    transcript = Transcript(
        words=shifted,
        segments=tuple(sentences),
        engine="faster-whisper",
        model="tiny.en",
        audio_duration_s=shifted[-1].end_s + 0.5,
    )
    flags: list[Flag] = []
    for i, word in enumerate(shifted):
        token = word.text.lower().strip(".,")
        if token == "um":
            flags.append(Flag("filler", word.text, word.start_s, word.end_s, i))
        if token == "think" and i > 0 and shifted[i - 1].text == "I":
            flags.append(Flag("hedge", "I think", shifted[i - 1].start_s, word.end_s, i - 1))
    gap_start = shifted[pause_at - 1].end_s
    flags.append(Flag("long_pause", "", gap_start, shifted[pause_at].start_s, pause_at))
    flags.sort(key=lambda f: f.start_s)
    metrics = DeliveryMetrics(
        metrics=(
            Metric("speaking_rate_wpm", "Speaking rate", wpm, "wpm", "good", "130-165 wpm is good"),
            Metric("fillers_per_min", "Fillers per minute", fillers, "/min", "watch", "under 2"),
            Metric("long_pause_count", "Long pauses", 1.0, "", "watch", "at most 1 an answer"),
            Metric(
                "answer_time_s",
                "Answer length",
                transcript.audio_duration_s,
                "s",
                "fix",
                "60-120 s",
            ),
        ),
        flags=tuple(flags),
        notes=("Filler counts from speech recognition are a lower bound.",),
    )
    full = transcript.text
    listen_start, listen_end = sentence_around(full, "listen")
    agreed_start, agreed_end = sentence_around(full, "agreed")
    listening = Evidence(
        "indicator",
        full[listen_start:listen_end],
        listen_start,
        listen_end,
        "listens before arguing",
        "listen",
    )
    agreement = Evidence(
        "own_action",
        full[agreed_start:agreed_end],
        agreed_start,
        agreed_end,
        "finds a shared way forward",
        "agreed",
    )
    competencies = (
        CompetencyScore("listening", "Listening first", 3, 75, 1.0, (listening,)),
        CompetencyScore(
            "resolution",
            "Reaching an agreement",
            2,
            50,
            1.0,
            (agreement,),
            next_step="Say what you agreed and why it worked for both sides.",
        ),
        CompetencyScore(
            "outcome", "Outcome", 1, 25, 1.0, (), next_step="End with a measurable result."
        ),
    )
    spans: list[StarSpan] = []
    begin = 0
    parts: tuple[StarPart, ...] = ("S", "A", "A", "R")
    for part in parts:
        end = full.find(".", begin) + 1
        if end <= 0:
            break
        spans.append(StarSpan(part, full[begin:end].strip(), begin, end))
        begin = end + 1
    star = StarBreakdown(
        score=70,
        spans=tuple(spans),
        seconds={"S": 4.0, "T": 0.0, "A": 9.5, "R": 3.5},
        missing=("T",),
    )
    score = ScoreReport(
        question_id=FIXED_QUESTION_ID,
        rubric_version="uitest@1/uit-conflict@1",
        overall=overall,
        competencies=competencies,
        star=star,
        next_steps=("Name the task you owned before the actions.",),
    )
    return transcript, metrics, score


def fill_store(home: Path, monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Three hand-built attempts of the fixed question at fixed times (oldest first)."""
    from voicemock.core import store as store_module

    moments = iter(FIXED_START + timedelta(days=n, minutes=n) for n in range(20))
    monkeypatch.setattr(store_module, "_now", lambda: next(moments))
    store = store_module.SessionStore()
    attempts = []
    for n, (text, overall, wpm, fillers, pause_at) in enumerate(
        [
            (ANSWER_1, 48, 118.0, 3.4, 9),
            (ANSWER_2, 66, 141.0, 1.2, 12),
            (ANSWER_1, 61, 150.0, 2.0, 20),
        ]
    ):
        transcript, metrics, score = attempt_parts(text, overall, wpm, fillers, pause_at)
        session = store.create_session(f"Practice {n + 1}", "single")
        attempts.append(
            store.add_attempt(
                session.id,
                question_id=FIXED_QUESTION_ID,
                question_text="Tell me about a time you disagreed with a colleague.",
                rubric_version=score.rubric_version,
                audio_source=None,
                transcript=transcript,
                metrics=metrics,
                score=score,
                engine="faster-whisper",
                model="tiny.en",
                duration_s=transcript.audio_duration_s,
            )
        )
    store.close()
    return attempts


@pytest.fixture
def filled_store(voicemock_home: Path, monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """The test's data dir holds three fixed attempts; Home's clock is FIXED_NOW."""
    monkeypatch.setattr("voicemock.ui.screens.home.local_now", lambda: FIXED_NOW)
    return fill_store(voicemock_home, monkeypatch)


@pytest.fixture
def make_test_app() -> Callable[..., Any]:
    """Build the app with default settings (not the user's) and the given services.

    No follow-up questions unless a test asks for them (``followups=N``).
    """
    from voicemock.ui.app import make_app

    def make(services: Any = None, **settings: Any) -> Any:
        settings = {"followups": 0, **settings}
        return make_app(settings=Settings(**settings), services=services or quiet_services())

    return make


async def wait_for(pilot: Any, condition: Callable[[], bool], timeout_s: float = 10.0) -> None:
    """Let the app run until ``condition()`` holds; fail after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s} s waiting for the app")
        await pilot.pause(0.05)


async def wait_for_screen(pilot: Any, screen_type: type, timeout_s: float = 10.0) -> Any:
    """Wait until a screen of ``screen_type`` is on top and mounted (composed); return it."""
    app = pilot.app

    def shown() -> bool:
        screen = app.screen
        return isinstance(screen, screen_type) and bool(getattr(screen, "is_mounted", False))

    await wait_for(pilot, shown, timeout_s)
    await pilot.pause()
    return app.screen


async def open_results_of(pilot: Any, attempt: Any) -> Any:
    """Once the question library has loaded, open the results of ``attempt``; return the screen."""
    from voicemock.ui.screens.results import ResultsScreen

    await wait_for(pilot, lambda: pilot.app.library is not None)
    pilot.app.open_results(attempt)
    return await wait_for_screen(pilot, ResultsScreen)
