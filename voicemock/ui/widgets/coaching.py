"""The coaching paragraph of the user's own language model, on the results (when one is set).

Asked on a worker thread when the widget is shown, so the results never wait for it; the
client's own deadline bounds the wait. What the model wrote is labelled as the model's, and a
failure (timeout, error, nonsense) leaves its one-line notice instead.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.widgets import Static

from voicemock.ui.formatting import plain

if TYPE_CHECKING:
    from voicemock.core.models import DeliveryMetrics, ScoreReport
    from voicemock.core.rubric_schema import Question
    from voicemock.speech.llm import Coaching, LanguageModelCoach

HEADING = "Coaching from your language model"


def coaching_text(coaching: Coaching | None, notices: list[str]) -> Text:
    """The paragraph under its heading with who wrote it (quotes in italics), then notices."""
    text = Text(HEADING, style="bold underline")
    if coaching is not None:
        paragraph = plain(coaching.text)
        for quote in coaching.quotes:
            start = coaching.text.find(quote)
            if start >= 0:
                paragraph.stylize("italic", start, start + len(quote))
        text.append("\n")
        text.append_text(paragraph)
        text.append("\n")
        by = f"Written by {coaching.model} at {coaching.host}; every score is the rubric's."
        text.append_text(plain(by, style="dim"))
    for notice in notices:
        text.append("\n")
        text.append_text(plain(notice, style="#e5c07b"))
    return text


class CoachingPanel(Static):
    """Asks the model for a coaching paragraph about one answer and shows it when it comes."""

    def __init__(
        self,
        coach: LanguageModelCoach | None,
        question: Question,
        transcript_text: str,
        score: ScoreReport | None,
        metrics: DeliveryMetrics | None,
        *,
        notice: str | None = None,
        id: str | None = None,
    ) -> None:
        super().__init__("", id=id)
        self._coach = coach
        self._question = question
        self._transcript_text = transcript_text
        self._score = score
        self._metrics = metrics
        self._notice = notice

    def on_mount(self) -> None:
        if self._coach is None:
            self.update(coaching_text(None, [self._notice] if self._notice else []))
            return
        self.update(Text(f"{HEADING}: asking {self._coach.endpoint.host}…", style="dim"))
        self.run_worker(self._ask, thread=True, exit_on_error=False, group="coaching")

    def _ask(self) -> None:
        coach = self._coach
        assert coach is not None
        coaching = coach.coach_answer(
            self._question, self._transcript_text, self._score, self._metrics
        )
        text = coaching_text(coaching, list(coach.notices))
        self.app.call_from_thread(self.update, text)
