"""A transcript with fillers, hedges, long pauses, evidence and the playing word highlighted."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

from voicemock.core.models import Flag, Transcript, Word
from voicemock.core.safe_text import printable

# Styles per flag kind; the legend shows the same ones.
FLAG_STYLES: dict[str, str] = {
    "filler": "bold black on #e5c07b",
    "discourse_filler": "black on #d19a66",
    "hedge": "italic underline #c678dd",
    "repetition": "strike #e06c75",
    "repeated_phrase": "underline #56b6c2",
}
LONG_PAUSE_STYLE = "bold #1e1e1e on #61afef"
EVIDENCE_STYLE = "on #24502f"
CONTRARY_STYLE = "on #5a1d1d"
CURRENT_WORD_STYLE = "bold reverse"
# Words the user typed in when correcting the transcript (their times are estimated).
EDITED_STYLE = "dim underline"
TIME_STYLE = "dim"
# Flag kinds shown in the transcript; plain short pauses would be noise.
_CONTRARY_KINDS = ("red_flag", "negated")


@dataclass(frozen=True)
class Group:
    """A run of consecutive words shown as one paragraph (usually an engine segment)."""

    start_index: int
    end_index: int  # exclusive
    start_s: float


def group_words(transcript: Transcript) -> list[Group]:
    """Split the transcript's words into paragraphs, by segment when segments match the words."""
    words = transcript.words
    if not words:
        return []
    groups: list[Group] = []
    if transcript.segments and sum(len(s.words) for s in transcript.segments) == len(words):
        index = 0
        for segment in transcript.segments:
            if segment.words:
                end = index + len(segment.words)
                groups.append(Group(index, end, words[index].start_s))
                index = end
        return groups
    # Without usable segments: paragraphs of about 40 words keep re-rendering cheap.
    step = 40
    return [
        Group(i, min(i + step, len(words)), words[i].start_s) for i in range(0, len(words), step)
    ]


def word_char_spans(text: str, words: Sequence[Word]) -> list[tuple[int, int]]:
    """Where each word sits in ``text`` as [start, end) character offsets, or (-1, -1)."""
    spans: list[tuple[int, int]] = []
    cursor = 0
    for word in words:
        token = word.text.strip()
        found = text.find(token, cursor) if token else -1
        if found < 0:
            spans.append((-1, -1))
            continue
        spans.append((found, found + len(token)))
        cursor = found + len(token)
    return spans


def words_in_char_range(spans: Sequence[tuple[int, int]], start: int, end: int) -> list[int]:
    """Indices of the words overlapping the character range [start, end)."""
    return [i for i, (s, e) in enumerate(spans) if s >= 0 and s < end and e > start]


def flag_word_indices(flag: Flag, words: Sequence[Word]) -> list[int]:
    """The words a flag covers: from its word index, as many as the flag text has tokens."""
    count = max(1, len(flag.text.split()))
    if 0 <= flag.word_index < len(words):
        return list(range(flag.word_index, min(len(words), flag.word_index + count)))
    # No index given: fall back to the words inside the flag's time span.
    return [
        i
        for i, w in enumerate(words)
        if w.start_s >= flag.start_s - 0.01 and w.end_s <= flag.end_s + 0.01
    ][:count]


def word_at_time(words: Sequence[Word], position_s: float) -> int | None:
    """The index of the word being heard at ``position_s``, or None between words."""
    low, high = 0, len(words) - 1
    while low <= high:
        mid = (low + high) // 2
        word = words[mid]
        if position_s < word.start_s:
            high = mid - 1
        elif position_s > word.end_s:
            low = mid + 1
        else:
            return mid
    return None


def format_clock(seconds: float) -> str:
    """Seconds as m:ss."""
    whole = max(0, int(seconds))
    return f"{whole // 60}:{whole % 60:02d}"


def format_length(seconds: float) -> str:
    """A length as m:ss, to the nearest second (33.8 s is 0:34, as the Delivery figures say).

    :func:`format_clock` cuts to the second, right for a moment to replay from, not for a length.
    """
    return format_clock(round(max(0.0, seconds)))


def legend() -> Text:
    """One line naming each highlight style (short enough for the Answer tab at 80 columns)."""
    text = Text()
    for label, style in (
        ("um", FLAG_STYLES["filler"]),
        ("like", FLAG_STYLES["discourse_filler"]),
        ("hedge", FLAG_STYLES["hedge"]),
        ("⏸ pause", LONG_PAUSE_STYLE),
        ("evidence", EVIDENCE_STYLE),
        ("red flag", CONTRARY_STYLE),
    ):
        if text:
            text.append(" ")
        text.append(label, style=style)
    return text


class TranscriptView(VerticalScroll):
    """Shows a transcript as paragraphs; re-renders only the paragraphs that change."""

    DEFAULT_CSS = """
    TranscriptView { height: 1fr; padding: 0 1; }
    TranscriptView > .paragraph { margin-bottom: 1; }
    TranscriptView > .empty { color: $text-muted; }
    """

    def __init__(
        self,
        transcript: Transcript | None = None,
        flags: Iterable[Flag] = (),
        *,
        show_times: bool = True,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(id=id, classes=classes)
        self.can_focus = True
        self._transcript = transcript or Transcript(words=())
        self._flags = tuple(flags)
        self._show_times = show_times
        self._groups: list[Group] = []
        self._word_styles: list[list[str]] = []
        self._pauses: dict[int, float] = {}
        self._evidence: dict[int, str] = {}
        self._current: int | None = None
        self._spans: list[tuple[int, int]] = []
        self._paragraphs: list[Static] = []
        self._prepare()

    @property
    def transcript(self) -> Transcript:
        """The transcript shown."""
        return self._transcript

    @property
    def current_word(self) -> int | None:
        """The highlighted (playing) word, if any."""
        return self._current

    def _prepare(self) -> None:
        words = self._transcript.words
        self._groups = group_words(self._transcript)
        self._spans = word_char_spans(self._transcript.text, words)
        self._word_styles = [[EDITED_STYLE] if w.edited else [] for w in words]
        self._pauses = {}
        for flag in self._flags:
            if flag.kind == "long_pause":
                index = flag.word_index if 0 <= flag.word_index < len(words) else None
                if index is None:
                    index = next((i for i, w in enumerate(words) if w.start_s >= flag.end_s), None)
                if index is not None:
                    self._pauses[index] = flag.end_s - flag.start_s
            elif flag.kind in FLAG_STYLES:
                for i in flag_word_indices(flag, words):
                    self._word_styles[i].append(FLAG_STYLES[flag.kind])

    def compose_paragraphs(self) -> list[Static]:
        """Build one Static per paragraph."""
        if not self._groups:
            return [Static("(nothing was heard in this answer)", classes="empty")]
        return [
            Static(self._render_group(n), classes="paragraph") for n in range(len(self._groups))
        ]

    def on_mount(self) -> None:
        self._paragraphs = self.compose_paragraphs()
        self.mount_all(self._paragraphs)

    def _render_group(self, group_number: int) -> Text:
        group = self._groups[group_number]
        words = self._transcript.words
        text = Text()
        if self._show_times and self._transcript.timed:
            text.append(f"{format_clock(group.start_s):>5} ", style=TIME_STYLE)
        for i in range(group.start_index, group.end_index):
            if i in self._pauses:
                text.append(f" ⏸ {self._pauses[i]:.1f} s ", style=LONG_PAUSE_STYLE)
                text.append(" ")
            token = printable(words[i].text.strip())
            if not token:
                continue
            styles = list(self._word_styles[i])
            if i in self._evidence:
                styles.insert(0, self._evidence[i])
            if i == self._current:
                styles.append(CURRENT_WORD_STYLE)
            text.append(token, style=" ".join(styles) if styles else "")
            if i + 1 < group.end_index:
                # Keep an evidence highlight continuous across the space between its words.
                joined = i in self._evidence and (i + 1) in self._evidence
                text.append(" ", style=self._evidence[i] if joined else "")
        return text

    def _group_of(self, word_index: int) -> int | None:
        for n, group in enumerate(self._groups):
            if group.start_index <= word_index < group.end_index:
                return n
        return None

    def _refresh_groups(self, group_numbers: Iterable[int]) -> None:
        if len(self._paragraphs) != len(self._groups):
            return  # not mounted yet: on_mount renders everything
        for n in sorted(set(group_numbers)):
            self._paragraphs[n].update(self._render_group(n))

    def set_evidence(self, ranges: Iterable[tuple[int, int, str]], *, scroll: bool = True) -> None:
        """Highlight the words in each (start_char, end_char, evidence kind) range of the text."""
        old = set(self._evidence)
        self._evidence = {}
        for start, end, kind in ranges:
            style = CONTRARY_STYLE if kind in _CONTRARY_KINDS else EVIDENCE_STYLE
            for i in words_in_char_range(self._spans, start, end):
                self._evidence.setdefault(i, style)
        changed = old | set(self._evidence)
        self._refresh_groups(g for i in changed if (g := self._group_of(i)) is not None)
        if scroll and self._evidence:
            first = self._group_of(min(self._evidence))
            if first is not None and first < len(self._paragraphs):
                self.scroll_to_widget(self._paragraphs[first], animate=False, top=True)

    def set_current_word(self, index: int | None, *, scroll: bool = True) -> None:
        """Highlight the word being heard (None: no highlight)."""
        if index == self._current:
            return
        changed = [i for i in (self._current, index) if i is not None]
        self._current = index
        groups = [g for i in changed if (g := self._group_of(i)) is not None]
        self._refresh_groups(groups)
        if scroll and index is not None:
            group = self._group_of(index)
            if group is not None and group < len(self._paragraphs):
                self.scroll_to_widget(self._paragraphs[group], animate=False)
