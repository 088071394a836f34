"""voicemock.memory: memory malloc holds free is given back on request."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc only")

# What each script below starts with: the resident set in MB, two arenas, and libc's malloc.
_SETUP = textwrap.dedent(
    """
    import ctypes
    import sys
    from voicemock.memory import limit_malloc_arenas, map_large_blocks, release_free_memory

    def rss_mb():
        for line in open("/proc/self/status"):
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024

    limit_malloc_arenas()
    libc = ctypes.CDLL(None)
    libc.malloc.restype = ctypes.c_void_p
    libc.free.argtypes = [ctypes.c_void_p]
    """
)


def _run_script(script: str, *args: str) -> str:
    """What ``_SETUP`` + ``script`` prints, run in a fresh Python without MALLOC_ settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")}
    result = subprocess.run(
        [sys.executable, "-c", _SETUP + script, *args],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout


# Frees 80 blocks of 1 MB (touched) while one allocated after them stays: glibc keeps them in
# the heap below it until release_free_memory gives them back.
_HOLD_AND_FREE = textwrap.dedent(
    """
    size = 1 << 20
    libc.free(libc.malloc(size))  # glibc's moving threshold now serves 1 MB from the heap
    before = rss_mb()
    blocks = [libc.malloc(size) for _ in range(80)]
    for block in blocks:
        ctypes.memset(block, 1, size)
    last = libc.malloc(size)
    ctypes.memset(last, 1, size)
    for block in blocks:
        libc.free(block)
    print(rss_mb() - before)
    before = rss_mb()
    release_free_memory()
    print(before - rss_mb())
    """
)


def test_memory_freed_is_given_back_on_request() -> None:
    kept_mb, given_back_mb = (float(x) for x in _run_script(_HOLD_AND_FREE).split())
    assert kept_mb > 60  # malloc keeps the 80 MB freed for later use
    assert given_back_mb > 60


# Frees 10 blocks of 8 MB (touched) while one allocated after them stays. glibc's own threshold
# rises to 8 MB once such a block is freed, so the rest come from the heap and stay resident
# when freed; above the fixed threshold each has a mapping of its own, unmapped when freed.
_LARGE_BLOCKS = textwrap.dedent(
    """
    if sys.argv[1] == "mapped":
        assert map_large_blocks()
    size = 8 << 20
    libc.free(libc.malloc(size))
    before = rss_mb()
    blocks = [libc.malloc(size) for _ in range(10)]
    for block in blocks:
        ctypes.memset(block, 1, size)
    last = libc.malloc(1 << 20)  # after them: larger than any hole the interpreter left
    for block in blocks:
        libc.free(block)
    print(rss_mb() - before)
    """
)


@pytest.mark.parametrize(
    ("mode", "most_kept_mb", "least_kept_mb"), [("mapped", 10, 0), ("glibc", None, 60)]
)
def test_a_large_block_freed_is_given_back_at_once(
    mode: str, most_kept_mb: float | None, least_kept_mb: float
) -> None:
    kept_mb = float(_run_script(_LARGE_BLOCKS, mode))
    assert kept_mb >= least_kept_mb
    if most_kept_mb is not None:
        assert kept_mb < most_kept_mb


# Loads Praat (which writes zeros over its static data), gives the zero pages back or not, then
# tracks the pitch of a tone: the MB the resident set dropped by, and the pitch track.
_PRAAT_ZERO_PAGES = textwrap.dedent(
    """
    import numpy as np
    import parselmouth
    from voicemock.memory import release_zero_pages

    before = rss_mb()
    released = release_zero_pages(parselmouth.__file__) if sys.argv[1] == "release" else 0
    print(released / 2**20, before - rss_mb())
    tone = 0.1 * np.sin(np.arange(16000) * (2 * np.pi * 150 / 16000))
    pitch = parselmouth.Sound(tone, sampling_frequency=16000.0).to_pitch_ac()
    print(" ".join(str(f) for f in pitch.selected_array["frequency"]))
    """
)


def test_the_zero_pages_of_a_library_are_given_back_unchanged() -> None:
    pytest.importorskip("parselmouth")
    released, plain = (_run_script(_PRAAT_ZERO_PAGES, mode) for mode in ("release", "keep"))
    released_mb, dropped_mb = (float(x) for x in released.split("\n")[0].split())
    assert dropped_mb > 20  # Praat's static data, written with zeros when it loads
    assert released_mb >= dropped_mb  # with the pages never written
    assert released.split("\n")[1] == plain.split("\n")[1]  # Praat works as before


def test_a_library_not_loaded_has_no_zero_pages_to_give_back() -> None:
    from voicemock.memory import release_zero_pages

    assert release_zero_pages("/no/such/library.so") == 0


def test_the_pitch_tracker_gives_its_zero_pages_back_when_first_used(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pytest.importorskip("parselmouth")
    from voicemock import memory
    from voicemock.core import prosody

    given: list[str] = []
    monkeypatch.setattr(prosody, "_praat_module", None)
    monkeypatch.setattr(memory, "release_zero_pages", lambda path: given.append(path) or 0)
    module = prosody._parselmouth()
    assert prosody._parselmouth() is module
    assert given == [module.__file__]


def _record_mallopt(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, int]]:
    from voicemock import memory

    calls: list[tuple[int, int]] = []

    def mallopt(parameter: int, value: int) -> int:
        calls.append((parameter, value))
        return 1

    monkeypatch.setattr(memory, "_applied", set())
    monkeypatch.setattr(memory, "_libc_function", lambda name, argtypes: mallopt)
    for name in ("MALLOC_ARENA_MAX", "MALLOC_MMAP_THRESHOLD_"):
        monkeypatch.delenv(name, raising=False)
    return calls


def test_malloc_is_configured_once(monkeypatch: pytest.MonkeyPatch) -> None:
    from voicemock import memory

    calls = _record_mallopt(monkeypatch)
    memory.configure_malloc()
    memory.configure_malloc()
    assert calls == [(-8, memory.MALLOC_ARENAS), (-3, memory.MMAP_THRESHOLD_BYTES)]
    assert memory.MMAP_THRESHOLD_BYTES == 4 << 20


def test_a_threshold_the_user_set_is_left_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    from voicemock import memory

    calls = _record_mallopt(monkeypatch)
    monkeypatch.setenv("MALLOC_MMAP_THRESHOLD_", "65536")
    assert memory.map_large_blocks() is False
    assert calls == []


def test_the_app_configures_malloc_when_made(monkeypatch: pytest.MonkeyPatch) -> None:
    from voicemock import memory
    from voicemock.config import Settings
    from voicemock.ui.app import make_app

    calls = _record_mallopt(monkeypatch)
    make_app(settings=Settings())
    assert calls == [(-8, memory.MALLOC_ARENAS), (-3, memory.MMAP_THRESHOLD_BYTES)]


def test_warming_up_configures_malloc(monkeypatch: pytest.MonkeyPatch) -> None:
    from voicemock import memory, pipeline
    from voicemock.config import Settings

    calls = _record_mallopt(monkeypatch)
    monkeypatch.setattr(pipeline, "load_transcriber", lambda settings: None)
    monkeypatch.setattr(pipeline, "_warm_up_pitch_tracker", lambda: None)
    monkeypatch.setattr(memory, "release_free_memory", lambda: None)
    pipeline.warm_up(Settings(use_embeddings=False))
    assert calls == [(-8, memory.MALLOC_ARENAS), (-3, memory.MMAP_THRESHOLD_BYTES)]


# faster-whisper imports PyAV at its import; voicemock decodes audio itself, so PyAV's FFmpeg
# libraries are loaded only when something uses them.
_DEFERRED_PYAV = textwrap.dedent(
    """
    import sys
    import numpy as np
    import soundfile as sf
    from voicemock.speech.transcribe import _defer_pyav

    _defer_pyav()
    import faster_whisper
    import faster_whisper.audio

    print("av._core" in sys.modules)
    sf.write(sys.argv[1], (0.3 * np.sin(np.arange(16000) / 10)).astype("float32"), 16000)
    print(faster_whisper.audio.decode_audio(sys.argv[1]).shape[0])
    import av

    print("av._core" in sys.modules, hasattr(av, "open"), type(sys.modules["av"]).__name__)
    """
)


def test_pyav_is_loaded_only_when_used(tmp_path: Path) -> None:
    pytest.importorskip("faster_whisper")
    result = subprocess.run(
        [sys.executable, "-c", _DEFERRED_PYAV, str(tmp_path / "tone.flac")],
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.split() == ["False", "16000", "True", "True", "module"]


def test_memory_is_given_back_before_the_encoder_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    faster_whisper = pytest.importorskip("faster_whisper")
    from voicemock.speech import transcribe
    from voicemock.speech.whisper_models import ResolvedModel

    calls: list[str] = []

    class FakeWhisperModel:
        def __init__(self, *args: object, **kwargs: object) -> None:
            pass

        def encode(self, features: object) -> object:
            calls.append("encode")
            return features

    monkeypatch.setattr(faster_whisper, "WhisperModel", FakeWhisperModel)
    monkeypatch.setattr(transcribe, "release_free_memory", lambda: calls.append("trim"))
    model = transcribe.FasterWhisperTranscriber()._load(
        ResolvedModel("tiny.en", Path("unused"), "path")
    )
    assert model.encode("features") == "features"
    assert calls == ["trim", "encode"]
