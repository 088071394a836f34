"""Track the pitch of an answer while it is recorded, so little is left to do when it ends.

The recorder hands every block it writes to :meth:`LivePitch.feed` (beside the live
transcription). A background thread adds the blocks to a
:class:`voicemock.core.prosody.IncrementalPitch` and tracks each few seconds as they complete.
:meth:`LivePitch.finish` takes the samples of the saved file and returns the pitch track of the
whole answer, tracking only the tail (or everything, if the file is not what was fed). Without
the pitch tracker (praat-parselmouth) installed, :meth:`finish` returns None.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from voicemock.speech.feed import FedWorker

if TYPE_CHECKING:
    from voicemock.core.prosody import IncrementalPitch, PitchTrack


class LivePitch(FedWorker):
    """The pitch of an answer tracked as it is recorded; see the module docstring."""

    def __init__(self) -> None:
        """Start the background thread (it waits for audio)."""
        self._blocks: list[Any] = []
        self._failed = False
        self._tracker: IncrementalPitch | None = None
        self._start("voicemock-pitch")

    def _add(self, block: Any) -> None:
        self._blocks.append(block)

    def finish(self, samples: Any) -> PitchTrack | None:
        """The pitch track of ``samples`` (the saved recording); None without a pitch tracker."""
        self.close()
        try:
            from voicemock.core.prosody import track_pitch

            tracker = self._tracker
            if self._failed or tracker is None:
                return track_pitch(samples)
            with self._condition:
                for block in self._blocks:  # fed after the thread's last look
                    tracker.add(block)
                self._blocks.clear()
            return tracker.finish(samples)
        except ImportError:
            return None
        finally:
            # The tracker holds the answer's audio: let it go with the answer's other copies.
            self._tracker = None
            self._blocks.clear()

    def _run(self) -> None:
        try:
            from voicemock.core.prosody import IncrementalPitch

            tracker = IncrementalPitch()
            self._tracker = tracker
            while True:
                with self._condition:
                    while not self._ended and not self._blocks:
                        self._condition.wait()
                    if self._ended:
                        return  # finish() adds what is left and tracks the tail
                    blocks, self._blocks = self._blocks, []
                for block in blocks:
                    tracker.add(block)
                tracker.advance()
        except BaseException:  # finish() then tracks the whole file
            with self._condition:
                self._failed = True
