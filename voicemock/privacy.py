"""Keep voicemock offline: switch off the telemetry and network access of the libraries it uses.

Run from ``voicemock/__init__.py``, so the environment is set before any library that reads it
is imported, whichever way voicemock starts (the ``voicemock`` script, ``python -m voicemock``,
the TUI, or code importing ``voicemock.core``).

- onnxruntime (1.17+ official builds) carries Microsoft's 1DS telemetry client: unless
  ``ORT_DISABLE_TELEMETRY=1`` is set before it initialises, it resolves Microsoft's telemetry
  host and keeps an event database and a device id in ``~/.cache/Microsoft/DeveloperTools``.
- huggingface_hub (under faster-whisper) would download missing models and send telemetry.

Values are forced, not defaulted: a user's own ``HF_HUB_OFFLINE=0`` must not make voicemock go
online behind their back.
"""

from __future__ import annotations

import os

OFFLINE_ENVIRONMENT: dict[str, str] = {
    # onnxruntime: no uploader, no events, no persistent device id (see its Privacy.md).
    "ORT_DISABLE_TELEMETRY": "1",
    # huggingface_hub: never contact the hub, never send telemetry.
    "HF_HUB_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "HF_HUB_DISABLE_IMPLICIT_TOKEN": "1",
    "TRANSFORMERS_OFFLINE": "1",
    # The cross-tool convention (honoured by several libraries and CLIs).
    "DO_NOT_TRACK": "1",
}


def apply_offline_environment() -> None:
    """Set every variable of :data:`OFFLINE_ENVIRONMENT` in this process (and its children)."""
    for name, value in OFFLINE_ENVIRONMENT.items():
        os.environ[name] = value
