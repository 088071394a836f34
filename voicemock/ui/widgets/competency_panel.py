"""Competency scores as a list; highlighting one shows its evidence and next step."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from voicemock.core.models import CompetencyScore
from voicemock.core.safe_text import printable

LEVEL_NAMES = ("not shown", "mentioned", "described", "with depth", "depth + own action")
_CONTRARY_KINDS = ("red_flag", "negated")


def level_pips(level: int) -> Text:
    """A level 0-4 as four pips."""
    level = max(0, min(4, level))
    style = ("#e06c75", "#e5c07b", "#e5c07b", "#98c379", "#98c379")[level]
    text = Text("●" * level, style=style)
    text.append("○" * (4 - level), style="dim")
    return text


def competency_prompt(competency: CompetencyScore) -> Text:
    """One line for the list: pips, label and score."""
    text = level_pips(competency.level)
    text.append(f" {competency.score:>3} ", style="bold")
    text.append(printable(competency.label))
    if competency.flagged:
        text.append(" ⚑", style="bold #e06c75")
    return text


def competency_details(competency: CompetencyScore) -> Text:
    """The evidence reasons, contrary signs and next step of one competency."""
    text = Text()
    level_name = LEVEL_NAMES[max(0, min(4, competency.level))]
    label = printable(competency.label)
    text.append(f"{label}: level {competency.level} ({level_name})\n", style="bold")
    if not competency.evidence:
        text.append("No evidence found in this answer.\n", style="dim")
    for evidence in competency.evidence:
        contrary = evidence.kind in _CONTRARY_KINDS
        text.append("✗ " if contrary else "✓ ", style="#e06c75" if contrary else "#98c379")
        text.append(printable(evidence.reason))
        # Reasons often quote the matched words already; say them only when they add something.
        if evidence.matched and evidence.matched.lower() not in evidence.reason.lower():
            text.append(f" ({printable(evidence.matched)})", style="dim")
        if evidence.turn:
            text.append(f" [follow-up {evidence.turn}]", style="#e5c07b")
        text.append("\n")
    for reason in competency.flag_reasons:
        text.append(f"⚑ {printable(reason)}\n", style="#e06c75")
    if competency.next_step:
        text.append("Next: ", style="bold")
        text.append(printable(competency.next_step))
    return text


class CompetencyPanel(Vertical):
    """The list of competencies and the details of the highlighted one."""

    DEFAULT_CSS = """
    CompetencyPanel > OptionList { height: auto; max-height: 8; }
    CompetencyPanel > VerticalScroll { height: 1fr; padding: 0 1; }
    """

    class Highlighted(Message):
        """A competency was highlighted in the list."""

        def __init__(self, competency: CompetencyScore) -> None:
            super().__init__()
            self.competency = competency

    def __init__(self, competencies: Sequence[CompetencyScore], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._competencies = tuple(competencies)

    def compose(self) -> ComposeResult:
        options = [Option(competency_prompt(c), id=c.competency_id) for c in self._competencies]
        yield OptionList(*options, id="competency-list")
        with VerticalScroll():
            yield Static(
                "" if self._competencies else "This question has no competencies to score.",
                id="competency-details",
            )

    @property
    def selected(self) -> CompetencyScore | None:
        """The highlighted competency."""
        index = self.query_one(OptionList).highlighted
        if index is None or not 0 <= index < len(self._competencies):
            return None
        return self._competencies[index]

    def on_mount(self) -> None:
        # The list may highlight its first option before the details pane exists.
        self.call_after_refresh(self._show_selected)

    def _show_selected(self) -> None:
        competency = self.selected
        if competency is None:
            return
        for details in self.query("#competency-details").results(Static):
            details.update(competency_details(competency))
        self.post_message(self.Highlighted(competency))

    @on(OptionList.OptionHighlighted, "#competency-list")
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        self._show_selected()
