"""How much one answer may be: an interview answer is minutes of speech, not hours.

Work grows with the length of an answer (decoding, transcription, an embedding per sentence),
so anything longer is refused at once with a message, instead of taking minutes and gigabytes.
"""

from __future__ import annotations

from voicemock.errors import VoicemockError

# The longest recording analysed: the longest answer Settings let the recorder take (1 hour).
MAX_AUDIO_S = 3600.0
# The most words scored in one answer: an hour of fast speech (about 7 s to score).
MAX_ANSWER_WORDS = 10_000


class AnswerTooLongError(VoicemockError):
    """An answer (audio or transcript) is beyond what one answer can be."""


def describe_duration(seconds: float) -> str:
    """A length for messages: ``"45 minutes"``, ``"2.5 hours"``."""
    if seconds >= 2 * 3600:
        return f"{seconds / 3600:.1f} hours"
    return f"{seconds / 60:.0f} minutes"


def check_word_count(words: int, label: str = "the answer") -> None:
    """Raise AnswerTooLongError when an answer has more words than one answer can have."""
    if words > MAX_ANSWER_WORDS:
        raise AnswerTooLongError(
            f"{label} has {words:,} words; voicemock scores answers of up to "
            f"{MAX_ANSWER_WORDS:,} words (about an hour of speech): score a part of it"
        )
