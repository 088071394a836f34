"""Real human speech (../shared/speech beside the checkout) through the default engine."""

from __future__ import annotations

import csv
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass

import jiwer
import pytest

from tests.conftest import SHARED_SPEECH_DIR, data_home
from voicemock.core.models import Transcript
from voicemock.speech.audio_io import audio_duration_s, load_audio, split_channel_suffix
from voicemock.speech.transcribe import FasterWhisperTranscriber, get_transcriber
from voicemock.speech.whisper_models import base_packages_installed

pytestmark = [
    pytest.mark.speech,
    pytest.mark.skipif(
        not (SHARED_SPEECH_DIR / "references.tsv").is_file(),
        reason=f"real speech clips not found at {SHARED_SPEECH_DIR} (shared/speech beside the "
        "checkout); they are not part of the repository",
    ),
]

MAX_SET_WER = 0.15


@dataclass(frozen=True)
class Clip:
    """One reference row: file (maybe with #left/#right), exact words said."""

    spec: str
    reference: str


def normalise(text: str) -> str:
    """Lowercase, punctuation to spaces, single spaces."""
    return " ".join(re.sub(r"[^\w\s']", " ", text.lower()).split())


def _clips() -> list[Clip]:
    with (SHARED_SPEECH_DIR / "references.tsv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    return [Clip(row["file"], row["reference"]) for row in rows if row.get("file")]


@pytest.fixture(scope="module")
def transcripts(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Transcript]]:
    """Every clip transcribed once by the default engine and model."""
    home = tmp_path_factory.mktemp("real-clips-home")
    old = os.environ.get("VOICEMOCK_HOME")
    os.environ["VOICEMOCK_HOME"] = str(home)
    transcriber = FasterWhisperTranscriber()
    results: dict[str, Transcript] = {}
    for clip in _clips():
        path, channel = split_channel_suffix(clip.spec)
        samples = load_audio(SHARED_SPEECH_DIR / path, channel=channel)
        results[clip.spec] = transcriber.transcribe(samples)
    yield results
    if old is None:
        os.environ.pop("VOICEMOCK_HOME", None)
    else:
        os.environ["VOICEMOCK_HOME"] = old


def test_word_error_rate_over_the_set(transcripts: dict[str, Transcript]) -> None:
    clips = _clips()
    assert len(clips) >= 3
    references = [normalise(c.reference) for c in clips]
    hypotheses = [normalise(" ".join(w.text for w in transcripts[c.spec].words)) for c in clips]
    wer = jiwer.wer(references, hypotheses)
    assert wer <= MAX_SET_WER, f"WER {wer:.3f} over {len(clips)} clips: {hypotheses}"


def test_timings_are_ordered_and_inside_each_clip(transcripts: dict[str, Transcript]) -> None:
    for clip in _clips():
        transcript = transcripts[clip.spec]
        path, _ = split_channel_suffix(clip.spec)
        duration_s = audio_duration_s(SHARED_SPEECH_DIR / path)
        assert transcript.audio_duration_s == pytest.approx(duration_s, abs=0.01)
        assert transcript.words, clip.spec
        starts = [w.start_s for w in transcript.words]
        assert starts == sorted(starts), clip.spec
        for word in transcript.words:
            assert 0.0 <= word.start_s <= word.end_s <= duration_s, (clip.spec, word)


def test_the_two_channels_are_two_different_speakers(transcripts: dict[str, Transcript]) -> None:
    by_channel = {spec: t for spec, t in transcripts.items() if "#" in spec}
    if len(by_channel) < 2:
        pytest.skip("no two-channel clip in references.tsv")
    texts = {normalise(t.text) for t in by_channel.values()}
    assert len(texts) == len(by_channel)
    for spec, transcript in by_channel.items():
        reference = next(c.reference for c in _clips() if c.spec == spec)
        assert jiwer.wer(normalise(reference), normalise(transcript.text)) <= 0.3, spec


def _openai_models() -> list[str]:
    try:
        import whisper  # noqa: F401
    except ImportError:
        return []
    return ["tiny.en", "base"] if base_packages_installed() else ["tiny.en"]


@pytest.mark.parametrize("model", _openai_models())
def test_openai_whisper_invents_nothing_after_the_last_word(
    model: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """openai-whisper has no VAD: a clip ending a moment after its last word once made it retry
    that tail at every temperature and add words nobody said ("you're", "Thank you.")."""
    with data_home(tmp_path_factory.mktemp("openai-clips-home")):
        transcriber = get_transcriber("openai-whisper", model)
        for clip in _clips():
            path, channel = split_channel_suffix(clip.spec)
            transcript = transcriber.transcribe(
                load_audio(SHARED_SPEECH_DIR / path, channel=channel)
            )
            heard = normalise(" ".join(w.text for w in transcript.words)).split()
            said = normalise(clip.reference).split()
            assert 0 < len(heard) <= len(said), (clip.spec, heard)
