"""Allow ``python -m voicemock``."""

from voicemock.cli import entry

entry()
