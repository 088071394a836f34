"""The command palette's question search: type part of a question to answer it."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, cast

from rich.text import Text
from textual.command import Hit, Hits, Provider
from textual.markup import escape

from voicemock.core.safe_text import printable

if TYPE_CHECKING:
    from voicemock.core.rubrics import LoadedQuestion
    from voicemock.ui.host import VoicemockHost

MAX_HITS = 30


def question_help(question: LoadedQuestion) -> str:
    """The line under a question in the palette: its role and level (as text, never markup)."""
    q = question.question
    return escape(printable(f"Answer · {q.role} · {q.level}"))


class QuestionCommands(Provider):
    """Lists the loaded questions by their text; choosing one starts answering it."""

    @property
    def _host(self) -> VoicemockHost:
        return cast("VoicemockHost", self.app)

    def _questions(self) -> list[LoadedQuestion]:
        library = self._host.library
        return list(library.questions) if library is not None else []

    def _start(self, question: LoadedQuestion) -> None:
        self._host.start_interview([question], "single")

    async def search(self, query: str) -> Hits:
        """Questions whose text (or id) matches what was typed, best first."""
        matcher = self.matcher(query)
        found: list[tuple[float, LoadedQuestion]] = []
        for question in self._questions():
            q = question.question
            score = max(matcher.match(printable(q.text)), matcher.match(printable(q.id)) * 0.9)
            if score > 0:
                found.append((score, question))
        found.sort(key=lambda item: -item[0])
        for score, question in found[:MAX_HITS]:
            text = printable(question.question.text)
            yield Hit(
                score,
                Text(text),
                partial(self._start, question),
                text=text,
                help=question_help(question),
            )
