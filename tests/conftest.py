"""Shared test set-up: a private data dir, offline model hub, and speech made with our own TTS."""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

os.environ["HF_HUB_OFFLINE"] = "1"

pytest_plugins = ["tests.fixtures.virtual_audio"]

SPEECH_CACHE = Path(__file__).parent / ".speech-cache"
SHARED_SPEECH_DIR = Path(__file__).resolve().parents[2] / "shared" / "speech"


@contextlib.contextmanager
def data_home(home: Path) -> Iterator[Path]:
    """Point VOICEMOCK_HOME at ``home`` inside the block, then restore what it was."""
    old = os.environ.get("VOICEMOCK_HOME")
    os.environ["VOICEMOCK_HOME"] = str(home)
    try:
        yield home
    finally:
        if old is None:
            os.environ.pop("VOICEMOCK_HOME", None)
        else:
            os.environ["VOICEMOCK_HOME"] = old


@pytest.fixture(scope="session")
def prepared_model(tmp_path_factory: pytest.TempPathFactory) -> Path | None:
    """The embedding model's prepared form, made once for the whole run (None without it)."""
    from voicemock.core import embeddings

    try:
        files = embeddings.find_model_files()
        prepared = tmp_path_factory.mktemp("prepared-model") / embeddings.prepared_model_name(
            files.model_path
        )
        embeddings.Embedder(files, prepared)
    except Exception:
        return None
    return prepared if prepared.is_dir() else None


@pytest.fixture(autouse=True)
def voicemock_home(
    tmp_path_factory: pytest.TempPathFactory, prepared_model: Path | None
) -> Iterator[Path]:
    """Every test gets its own empty data dir. Its cache links to the model's prepared form,
    which every data dir would otherwise write again (90 MB)."""
    home = tmp_path_factory.mktemp("home")
    if prepared_model is not None:
        cache = home / "cache"
        cache.mkdir(mode=0o700)
        (cache / prepared_model.name).symlink_to(prepared_model, target_is_directory=True)
    with data_home(home):
        yield home


@pytest.fixture(scope="session")
def make_speech() -> Callable[..., Path]:
    """Synthesise text with the project's own TTS to a WAV (cached per text and rate)."""
    from voicemock.speech.tts import synthesize_to_wav

    SPEECH_CACHE.mkdir(exist_ok=True)

    def make(text: str, rate_wpm: int = 160) -> Path:
        key = hashlib.sha1(f"{rate_wpm}:{text}".encode()).hexdigest()[:16]
        out = SPEECH_CACHE / f"{key}.wav"
        if not out.exists():
            synthesize_to_wav(text, out, rate_wpm=rate_wpm)
        return out

    return make
