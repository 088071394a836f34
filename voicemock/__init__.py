"""voicemock: an offline, voice-based mock interview coach for the terminal."""

from voicemock.privacy import apply_offline_environment

__version__ = "0.1.0"

# Before anything else imports onnxruntime or huggingface_hub: they read these at start-up.
apply_offline_environment()
