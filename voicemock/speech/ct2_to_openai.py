"""Turn a CTranslate2 Whisper model.bin into an openai-whisper checkpoint (same weights).

The binary layout follows ctranslate2's writer (``specs/model_spec.py``, ``_serialize``), all
little-endian: uint32 binary version; the spec name; uint32 revision; uint32 variable count;
per variable: name, uint8 rank, uint32 dims[rank], uint8 dtype id, uint32 byte count, the raw
bytes; then uint32 alias count and (alias, target) name pairs. Strings are a uint16 length
that counts a trailing NUL, the UTF-8 bytes, and the NUL.

Names map as in ctranslate2's WhisperLoader (``converters/transformers.py``), in reverse.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import os
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from voicemock import paths

if TYPE_CHECKING:
    import numpy.typing as npt

    Array = npt.NDArray[Any]

SUPPORTED_BINARY_VERSIONS = (5, 6)
CHECKPOINT_DIR_NAME = "openai-whisper"
# Bump when the conversion changes, so stale cached checkpoints are rebuilt.
CONVERTER_VERSION = 1

# ctranslate2's DataType enum order (include/ctranslate2/types.h).
_DTYPE_NAMES = ("float32", "int8", "int16", "int32", "float16", "bfloat16")


class Ct2FormatError(ValueError):
    """The file is not a CTranslate2 Whisper model this converter understands."""


@dataclass(frozen=True)
class Ct2Model:
    """The parsed contents of a CTranslate2 model.bin."""

    binary_version: int
    spec_name: str
    revision: int
    variables: dict[str, Array]
    aliases: dict[str, str]

    def get(self, name: str) -> Array:
        """A variable by name, following aliases; raises Ct2FormatError if absent."""
        target = self.aliases.get(name, name)
        try:
            return self.variables[target]
        except KeyError:
            raise Ct2FormatError(f"model.bin has no variable {name!r}") from None


class _Reader:
    """A cursor over the bytes of model.bin."""

    def __init__(self, data: bytes | memoryview) -> None:
        self.data = data
        self.offset = 0

    def unpack(self, fmt: str) -> int:
        size = struct.calcsize("<" + fmt)
        if self.offset + size > len(self.data):
            raise Ct2FormatError("model.bin is truncated")
        (value,) = struct.unpack_from("<" + fmt, self.data, self.offset)
        self.offset += size
        return int(value)

    def string(self) -> str:
        length = self.unpack("H")  # counts the trailing NUL
        raw = bytes(self.data[self.offset : self.offset + length])
        if len(raw) != length or length == 0:
            raise Ct2FormatError("model.bin is truncated")
        self.offset += length
        return raw[:-1].decode("utf-8")

    def raw(self, size: int) -> memoryview:
        if self.offset + size > len(self.data):
            raise Ct2FormatError("model.bin is truncated")
        view = memoryview(self.data)[self.offset : self.offset + size]
        self.offset += size
        return view


def _decode(raw: memoryview, dtype_id: int, shape: tuple[int, ...]) -> Array:
    import numpy as np

    if not 0 <= dtype_id < len(_DTYPE_NAMES):
        raise Ct2FormatError(f"unknown dtype id {dtype_id} in model.bin")
    dtype_name = _DTYPE_NAMES[dtype_id]
    if dtype_name == "bfloat16":
        # bfloat16 is the top half of a float32.
        halves = np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16
        return halves.view(np.float32).reshape(shape)
    array = np.frombuffer(raw, dtype=np.dtype(dtype_name).newbyteorder("<"))
    return array.reshape(shape)


def read_ct2_model(model_bin: Path) -> Ct2Model:
    """Parse a CTranslate2 model.bin (any spec) into named numpy arrays."""
    data = Path(model_bin).read_bytes()
    reader = _Reader(data)
    version = reader.unpack("I")
    if version not in SUPPORTED_BINARY_VERSIONS:
        raise Ct2FormatError(f"unsupported CTranslate2 binary version {version}")
    spec_name = reader.string()
    revision = reader.unpack("I")
    variables: dict[str, Array] = {}
    for _ in range(reader.unpack("I")):
        name = reader.string()
        rank = reader.unpack("B")
        shape = tuple(reader.unpack("I") for _ in range(rank))
        dtype_id = reader.unpack("B")
        byte_count = reader.unpack("I")
        variables[name] = _decode(reader.raw(byte_count), dtype_id, shape)
    aliases: dict[str, str] = {}
    for _ in range(reader.unpack("I")):
        alias = reader.string()
        aliases[alias] = reader.string()
    return Ct2Model(version, spec_name, revision, variables, aliases)


def _float(model: Ct2Model, name: str) -> Array:
    """A weight as float (float16 kept as is), de-quantised when ctranslate2 stored a scale."""
    import numpy as np

    value = model.get(name)
    scale_name = f"{name}_scale"
    if value.dtype in (np.int8, np.int16):
        if scale_name not in model.variables:
            raise Ct2FormatError(f"quantised {name!r} has no {scale_name!r}")
        scale = model.variables[scale_name].astype(np.float32)
        if scale.ndim == 1:
            # One scale per output row (first axis), for linear and conv weights alike.
            scale = scale.reshape((-1,) + (1,) * (value.ndim - 1))
        return value.astype(np.float32) / scale
    if value.dtype not in (np.float16, np.float32):
        raise Ct2FormatError(f"{name!r} has unexpected dtype {value.dtype}")
    return value


def _count_layers(model: Ct2Model, prefix: str) -> int:
    count = 0
    while f"{prefix}/layer_{count}/ffn/linear_0/weight" in model.variables:
        count += 1
    return count


def _scalar(model: Ct2Model, name: str) -> int:
    return int(model.get(name).reshape(-1)[0])


def whisper_dims(model: Ct2Model) -> dict[str, int]:
    """openai-whisper's ModelDimensions fields, read from the weights' shapes."""
    if model.spec_name != "WhisperSpec":
        raise Ct2FormatError(f"not a Whisper model (spec {model.spec_name!r})")
    conv1 = model.get("encoder/conv1/weight")
    audio_pos = model.get("encoder/position_encodings/encodings")
    embeddings = model.get("decoder/embeddings/weight")
    text_pos = model.get("decoder/position_encodings/encodings")
    return {
        "n_mels": int(conv1.shape[1]),
        "n_audio_ctx": int(audio_pos.shape[0]),
        "n_audio_state": int(audio_pos.shape[1]),
        "n_audio_head": _scalar(model, "encoder/num_heads"),
        "n_audio_layer": _count_layers(model, "encoder"),
        "n_vocab": int(embeddings.shape[0]),
        "n_text_ctx": int(text_pos.shape[0]),
        "n_text_state": int(text_pos.shape[1]),
        "n_text_head": _scalar(model, "decoder/num_heads"),
        "n_text_layer": _count_layers(model, "decoder"),
    }


def _put_linear(
    state: dict[str, Array], target: str, weight: Array, bias: Array | None, with_bias: bool = True
) -> None:
    state[f"{target}.weight"] = weight
    if with_bias and bias is not None:
        state[f"{target}.bias"] = bias


def _linear(model: Ct2Model, name: str) -> tuple[Array, Array | None]:
    weight = _float(model, f"{name}/weight")
    bias_name = f"{name}/bias"
    has_bias = bias_name in model.variables or bias_name in model.aliases
    return weight, _float(model, bias_name) if has_bias else None


def _layer_norm(model: Ct2Model, state: dict[str, Array], source: str, target: str) -> None:
    state[f"{target}.weight"] = _float(model, f"{source}/gamma")
    state[f"{target}.bias"] = _float(model, f"{source}/beta")


def _split_rows(weight: Array, bias: Array | None, parts: int) -> list[tuple[Array, Array | None]]:
    import numpy as np

    weights = np.split(weight, parts, axis=0)
    biases: list[Array | None] = [None] * parts if bias is None else list(np.split(bias, parts))
    return list(zip(weights, biases, strict=True))


def _attention(
    model: Ct2Model, state: dict[str, Array], source: str, target: str, *, cross: bool
) -> None:
    # openai's key projection has no bias: a key bias adds the same amount to every score of
    # a query row, which softmax ignores, so dropping it is exact.
    if cross:
        query = _linear(model, f"{source}/linear_0")
        key, value = _split_rows(*_linear(model, f"{source}/linear_1"), 2)
        out = _linear(model, f"{source}/linear_2")
    else:
        query, key, value = _split_rows(*_linear(model, f"{source}/linear_0"), 3)
        out = _linear(model, f"{source}/linear_1")
    _put_linear(state, f"{target}.query", *query)
    _put_linear(state, f"{target}.key", *key, with_bias=False)
    _put_linear(state, f"{target}.value", *value)
    _put_linear(state, f"{target}.out", *out)


def _block(model: Ct2Model, state: dict[str, Array], source: str, target: str) -> None:
    _attention(model, state, f"{source}/self_attention", f"{target}.attn", cross=False)
    _layer_norm(model, state, f"{source}/self_attention/layer_norm", f"{target}.attn_ln")
    if f"{source}/attention/linear_0/weight" in model.variables:
        _attention(model, state, f"{source}/attention", f"{target}.cross_attn", cross=True)
        _layer_norm(model, state, f"{source}/attention/layer_norm", f"{target}.cross_attn_ln")
    _put_linear(state, f"{target}.mlp.0", *_linear(model, f"{source}/ffn/linear_0"))
    _put_linear(state, f"{target}.mlp.2", *_linear(model, f"{source}/ffn/linear_1"))
    _layer_norm(model, state, f"{source}/ffn/layer_norm", f"{target}.mlp_ln")


def whisper_state_dict(model: Ct2Model) -> dict[str, Array]:
    """openai-whisper parameter names -> arrays, from a parsed CTranslate2 Whisper model."""
    dims = whisper_dims(model)
    state: dict[str, Array] = {}
    for conv in ("conv1", "conv2"):
        state[f"encoder.{conv}.weight"] = _float(model, f"encoder/{conv}/weight")
        state[f"encoder.{conv}.bias"] = _float(model, f"encoder/{conv}/bias")
    state["encoder.positional_embedding"] = _float(model, "encoder/position_encodings/encodings")
    for i in range(dims["n_audio_layer"]):
        _block(model, state, f"encoder/layer_{i}", f"encoder.blocks.{i}")
    _layer_norm(model, state, "encoder/layer_norm", "encoder.ln_post")
    state["decoder.token_embedding.weight"] = _float(model, "decoder/embeddings/weight")
    state["decoder.positional_embedding"] = _float(model, "decoder/position_encodings/encodings")
    for i in range(dims["n_text_layer"]):
        _block(model, state, f"decoder/layer_{i}", f"decoder.blocks.{i}")
    _layer_norm(model, state, "decoder/layer_norm", "decoder.ln")
    return state


def alignment_heads(model_dir: Path) -> list[tuple[int, int]]:
    """The (layer, head) pairs config.json names for word timestamps (empty if none)."""
    try:
        config = json.loads((Path(model_dir) / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    heads = config.get("alignment_heads") or []
    return [(int(layer), int(head)) for layer, head in heads]


def alignment_heads_dump(heads: list[tuple[int, int]], n_layers: int, n_heads: int) -> bytes:
    """Encode heads the way openai-whisper's ``set_alignment_heads`` reads them."""
    import numpy as np

    mask = np.zeros((n_layers, n_heads), dtype=bool)
    for layer, head in heads:
        mask[layer, head] = True
    return base64.b85encode(gzip.compress(mask.tobytes()))


def _fingerprint(model_dir: Path) -> str:
    model_bin = model_dir / "model.bin"
    stat = model_bin.stat()
    key = f"{CONVERTER_VERSION}:{model_bin.resolve()}:{stat.st_size}:{stat.st_mtime_ns}"
    return hashlib.sha1(key.encode()).hexdigest()[:12]


def checkpoint_path(model_dir: Path, name: str) -> Path:
    """Where the converted checkpoint of this model directory is cached."""
    safe = "".join(c if c.isalnum() or c in "._-" else "_" for c in name) or "model"
    directory = paths.models_dir() / CHECKPOINT_DIR_NAME
    return directory / f"{safe}-{_fingerprint(Path(model_dir))}.pt"


def convert_to_checkpoint(model_dir: Path, out_path: Path) -> Path:
    """Write an openai-whisper checkpoint (``dims`` + ``model_state_dict``) for a CT2 model."""
    import numpy as np
    import torch

    model_dir = Path(model_dir)
    parsed = read_ct2_model(model_dir / "model.bin")
    dims = whisper_dims(parsed)
    state = {
        # Copy: frombuffer arrays are read-only views of the file's bytes.
        name: torch.from_numpy(np.array(array, copy=True))
        for name, array in whisper_state_dict(parsed).items()
    }
    checkpoint = {
        "dims": dims,
        "model_state_dict": state,
        "alignment_heads": [list(pair) for pair in alignment_heads(model_dir)],
    }
    out_path.parent.mkdir(parents=True, exist_ok=True)
    partial = out_path.with_name(f"{out_path.name}.{os.getpid()}.partial")
    try:
        torch.save(checkpoint, partial)
        partial.replace(out_path)
    finally:
        partial.unlink(missing_ok=True)
    return out_path


def ensure_checkpoint(model_dir: Path, name: str) -> Path:
    """The cached openai-whisper checkpoint for a CT2 model directory, converting it once."""
    target = checkpoint_path(Path(model_dir), name)
    if target.is_file() and target.stat().st_size > 0:
        return target
    return convert_to_checkpoint(Path(model_dir), target)
