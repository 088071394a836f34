"""voicemock: an offline, voice-based mock interview coach for the terminal."""

__version__ = "0.1.0"
