"""Sound devices through PortAudio (sounddevice): list them, find the defaults, resolve a choice."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from types import ModuleType
from typing import Any, Literal

from voicemock.errors import AudioDeviceError

DeviceKind = Literal["input", "output"]

PORTAUDIO_MISSING = (
    "PortAudio library not found: install libportaudio2 "
    "(Debian/Ubuntu: apt-get install libportaudio2; macOS: brew install portaudio)"
)
NO_MICROPHONE = (
    "No microphone found: connect one or pick a device with --device (see `voicemock devices`)"
)
NO_SPEAKER = (
    "No speaker found: connect one or choose another output device (see `voicemock devices`)"
)


@dataclass(frozen=True)
class DeviceInfo:
    """One PortAudio device: ``inputs``/``outputs`` are its channel counts."""

    index: int
    name: str
    inputs: int
    outputs: int
    default_sample_rate_hz: float
    host_api: str
    is_default_input: bool = False
    is_default_output: bool = False

    @property
    def label(self) -> str:
        """A short human label: ``3: USB Mic (ALSA)``."""
        return f"{self.index}: {self.name} ({self.host_api})"


_alsa_handler: Any = None  # kept referenced: ALSA calls it for as long as the process lives


def quiet_alsa_errors() -> bool:
    """Stop libasound printing to the terminal; True when the quiet handler is installed."""
    # Messages like "underrun occurred" would corrupt a full-screen app; the errors that matter
    # still reach us through PortAudio's return codes.
    global _alsa_handler
    if _alsa_handler is not None:
        return True
    if not sys.platform.startswith("linux"):
        return False
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("asound")
    if not name:
        return False
    try:
        library = ctypes.CDLL(name)
        prototype = ctypes.CFUNCTYPE(
            None, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p
        )
        handler = prototype(lambda *_: None)
        library.snd_lib_error_set_handler(handler)
    except (OSError, AttributeError):
        return False
    _alsa_handler = handler
    return True


def load_sounddevice() -> ModuleType:
    """Import sounddevice, turning a missing PortAudio library into a clear AudioDeviceError."""
    try:
        import sounddevice
    except OSError as error:  # sounddevice bundles no PortAudio on Linux
        raise AudioDeviceError(PORTAUDIO_MISSING) from error
    quiet_alsa_errors()
    module: ModuleType = sounddevice
    return module


def check_portaudio() -> tuple[bool, str]:
    """Whether PortAudio can be loaded; the message says which version, or how to install it."""
    try:
        sd = load_sounddevice()
    except AudioDeviceError as error:
        return False, str(error)
    try:
        version: str = sd.get_portaudio_version()[1]
    except Exception as error:  # a broken library still must not crash the caller
        return False, f"PortAudio failed to start: {error}"
    return True, version


def _default_indices(sd: Any) -> tuple[int, int]:
    try:
        pair = sd.default.device
        in_index, out_index = int(pair[0]), int(pair[1])
    except Exception:
        return -1, -1
    # sounddevice stores -1 (use PortAudio's default); ask PortAudio for the real index then.
    if in_index < 0 or out_index < 0:
        try:
            if in_index < 0:
                in_index = int(sd.query_devices(kind="input")["index"])
        except Exception:
            in_index = -1
        try:
            if out_index < 0:
                out_index = int(sd.query_devices(kind="output")["index"])
        except Exception:
            out_index = -1
    return in_index, out_index


def list_devices() -> list[DeviceInfo]:
    """Every device PortAudio knows, with the default input/output flagged."""
    sd = load_sounddevice()
    try:
        raw = list(sd.query_devices())
        host_apis = [str(api["name"]) for api in sd.query_hostapis()]
    except Exception as error:
        raise AudioDeviceError(f"could not list sound devices: {error}") from error
    default_in, default_out = _default_indices(sd)
    devices = []
    for position, info in enumerate(raw):
        index = int(info.get("index", position))
        api = int(info.get("hostapi", -1))
        devices.append(
            DeviceInfo(
                index=index,
                name=str(info["name"]),
                inputs=int(info["max_input_channels"]),
                outputs=int(info["max_output_channels"]),
                default_sample_rate_hz=float(info["default_samplerate"]),
                host_api=host_apis[api] if 0 <= api < len(host_apis) else "?",
                is_default_input=index == default_in,
                is_default_output=index == default_out,
            )
        )
    return devices


def default_input() -> DeviceInfo | None:
    """The default microphone, or None when there is none."""
    devices = list_devices()
    for device in devices:
        if device.is_default_input and device.inputs > 0:
            return device
    return next((device for device in devices if device.inputs > 0), None)


def default_output() -> DeviceInfo | None:
    """The default speaker, or None when there is none."""
    devices = list_devices()
    for device in devices:
        if device.is_default_output and device.outputs > 0:
            return device
    return next((device for device in devices if device.outputs > 0), None)


def _channels(device: DeviceInfo, kind: DeviceKind) -> int:
    return device.inputs if kind == "input" else device.outputs


def resolve_device(name_or_index: str | int | None, kind: DeviceKind = "input") -> int | None:
    """The PortAudio index for a device given by index or (part of its) name; None: default.

    Raises AudioDeviceError when there is no such device or no device of that kind at all.
    """
    devices = [d for d in list_devices() if _channels(d, kind) > 0]
    missing = NO_MICROPHONE if kind == "input" else NO_SPEAKER
    if not devices:
        raise AudioDeviceError(missing)
    if name_or_index is None or (isinstance(name_or_index, str) and not name_or_index.strip()):
        return None
    what = "microphone" if kind == "input" else "speaker"
    text = str(name_or_index).strip()
    if isinstance(name_or_index, int) or text.lstrip("-").isdigit():
        index = int(text)
        for device in devices:
            if device.index == index:
                return index
        raise AudioDeviceError(
            f"No {what} with index {index}: pick one listed by `voicemock devices`"
        )
    lowered = text.lower()
    exact = [d for d in devices if d.name.lower() == lowered]
    if len(exact) == 1:
        return exact[0].index
    partial = exact or [d for d in devices if lowered in d.name.lower()]
    if len(partial) == 1:
        return partial[0].index
    if not partial:
        raise AudioDeviceError(
            f"No {what} matches {text!r}: pick one listed by `voicemock devices`"
        )
    names = ", ".join(d.label for d in partial[:5])
    raise AudioDeviceError(f"{text!r} matches several devices ({names}): use the index")
