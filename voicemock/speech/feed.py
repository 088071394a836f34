"""A background worker fed with the audio blocks of an answer while it is recorded.

:class:`FedWorker` is what :class:`voicemock.speech.live.LiveTranscription` and
:class:`voicemock.speech.live_pitch.LivePitch` share: the recorder hands every block to
:meth:`FedWorker.feed` (None when the audio ended), a background thread waits on one condition
for what it needs, and :meth:`FedWorker.close` stops it.
"""

from __future__ import annotations

import threading
from typing import Any


class FedWorker:
    """Audio blocks fed from the recorder to a background thread; see the module docstring.

    A subclass sets up its own state, then calls :meth:`_start`; it keeps a block in
    :meth:`_add` and does its work in :meth:`_run`, both under ``_condition`` as they need.
    """

    _ended: bool
    _condition: threading.Condition
    _thread: threading.Thread

    def _start(self, name: str) -> None:
        """Start the background thread (:meth:`_run`), named ``name``; it waits for audio."""
        self._ended = False
        self._condition = threading.Condition()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def feed(self, block: Any) -> None:
        """Add a block of 16 kHz mono samples (int16, or float in -1..1); None: the audio ended."""
        with self._condition:
            if block is None:
                self._ended = True
            elif not self._ended:
                self._add(block)
            self._condition.notify_all()

    def close(self, *, wait: bool = True) -> None:
        """Stop the background thread (after the chunk in hand, if ``wait``); no more is fed."""
        with self._condition:
            self._ended = True
            self._condition.notify_all()
        if wait:
            self._thread.join()

    def _add(self, block: Any) -> None:
        """Keep one block fed before the audio ended (called holding ``_condition``)."""
        raise NotImplementedError

    def _run(self) -> None:
        """The background thread's work, until the audio ended (or ``close``)."""
        raise NotImplementedError
