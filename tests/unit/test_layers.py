"""The core stays free of UI and hardware imports; the CLI starts without heavy libraries."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import voicemock

PACKAGE_DIR = Path(voicemock.__file__).parent
CORE_MODULES = sorted(
    f"voicemock.core.{p.stem}" for p in (PACKAGE_DIR / "core").glob("*.py") if p.stem != "__init__"
)
UI_AND_HARDWARE = ["textual", "rich", "sounddevice", "pyttsx3"]
HEAVY = [
    "faster_whisper",
    "ctranslate2",
    "whisper",
    "torch",
    "onnxruntime",
    "sounddevice",
    "pyttsx3",
    "textual",
    "numpy",
    "soundfile",
    "tokenizers",
]


def _loaded_after(code: str, candidates: list[str]) -> list[str]:
    probe = (
        f"{code}\nimport json, sys\n"
        f"print(json.dumps([m for m in {candidates!r} if m in sys.modules]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout
    loaded: list[str] = json.loads(out.strip().splitlines()[-1])
    return loaded


@pytest.mark.parametrize("module", CORE_MODULES)
def test_core_module_never_imports_ui_or_hardware(module: str) -> None:
    assert _loaded_after(f"import {module}", UI_AND_HARDWARE) == []


def test_cli_parser_builds_without_heavy_libraries() -> None:
    code = "from voicemock.cli import build_parser\nbuild_parser().format_help()"
    assert _loaded_after(code, HEAVY) == []


def test_help_lists_every_command() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "voicemock", "--help"], capture_output=True, text=True, check=True
    )
    for command in ("analyze", "score", "questions", "practice", "sessions", "replay", "doctor"):
        assert command in result.stdout
