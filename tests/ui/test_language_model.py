"""Your own language model in the app: Settings (with the confirm step for another machine) and
the coaching paragraph on the results, against a real chat-completions server on localhost."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.fixtures.chat_server import ChatServer, running_chat_server
from tests.ui.conftest import ANSWER_1, open_results_of, wait_for, wait_for_screen

pytest.importorskip("httpx", reason="the llm extra (httpx) is not installed")

pytestmark = pytest.mark.ui

REMOTE_URL = "https://llm.example.com/v1"
COACHING = (
    'You open well with "the first thing is to listen". Say what you did yourself after '
    '"we agreed on a smaller first release", and what it changed for the team.'
)


@pytest.fixture
def server() -> Iterator[ChatServer]:
    with running_chat_server() as running:
        yield running


def _coaching_text(results: Any) -> str:
    from textual.widgets import Static

    return str(results.query_one("#coaching", Static).render())


async def _open_settings(pilot: Any) -> Any:
    from voicemock.ui.screens.settings import SettingsScreen

    await wait_for(pilot, lambda: pilot.app.library is not None)
    await pilot.press("s")
    return await wait_for_screen(pilot, SettingsScreen)


async def test_an_endpoint_on_another_machine_is_saved_only_after_a_yes(
    make_test_app: Callable[..., Any], voicemock_home: Path
) -> None:
    from textual.widgets import Input, Static

    from voicemock.config import load_settings
    from voicemock.ui.screens.dialogs import ConfirmDialog
    from voicemock.ui.screens.home import HomeScreen

    app = make_test_app()
    async with app.run_test(size=(80, 24)) as pilot:
        form = await _open_settings(pilot)
        form.query_one("#llm_url", Input).value = REMOTE_URL
        form.query_one("#llm_model", Input).value = "llama3.2"
        await pilot.press("ctrl+s")
        dialog = await wait_for_screen(pilot, ConfirmDialog)
        detail = str(dialog.query_one(".dialog-body", Static).render())
        assert "llm.example.com is not on this machine" in detail
        assert "transcript" in detail
        await pilot.press("n")
        await wait_for(pilot, lambda: app.screen is form)
        assert "Not saved" in str(form.query_one("#settings-error", Static).render())
        assert not (voicemock_home / "settings.json").exists()

        await pilot.press("ctrl+s")
        await wait_for_screen(pilot, ConfirmDialog)
        await pilot.press("s")
        await wait_for_screen(pilot, HomeScreen)
    saved = load_settings()
    assert saved.llm_url == REMOTE_URL and saved.llm_model == "llama3.2"
    assert saved.llm_confirmed_url == REMOTE_URL


async def test_a_local_endpoint_is_saved_at_once_and_a_bad_url_refused(
    make_test_app: Callable[..., Any], voicemock_home: Path
) -> None:
    from textual.widgets import Input, Static

    from voicemock.config import load_settings
    from voicemock.ui.screens.home import HomeScreen

    app = make_test_app()
    async with app.run_test(size=(80, 24)) as pilot:
        form = await _open_settings(pilot)
        form.query_one("#llm_url", Input).value = "localhost:11434"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "not an http(s) URL" in str(form.query_one("#settings-error", Static).render())
        assert not (voicemock_home / "settings.json").exists()
        form.query_one("#llm_url", Input).value = "http://localhost:11434/v1"
        await pilot.press("ctrl+s")
        await wait_for_screen(pilot, HomeScreen)
    saved = load_settings()
    assert saved.llm_url == "http://localhost:11434/v1" and saved.llm_confirmed_url is None


async def test_results_show_the_models_coaching_labelled_as_its_own(
    filled_store: list[Any], make_test_app: Callable[..., Any], server: ChatServer
) -> None:
    server.reply = COACHING
    attempt = filled_store[0]
    assert attempt.transcript.text.startswith(ANSWER_1[:20])
    app = make_test_app(llm_url=server.url, llm_model="coach-model")
    async with app.run_test(size=(100, 32)) as pilot:
        results = await open_results_of(pilot, attempt)
        await pilot.press("5")
        await wait_for(pilot, lambda: "Written by" in _coaching_text(results), 10)
        shown = " ".join(_coaching_text(results).split())
        assert "Coaching from your language model" in shown
        assert "the first thing is to listen" in shown
        assert "Written by coach-model at 127.0.0.1" in shown
    (request,) = server.requests
    assert attempt.transcript.text in request["messages"][1]["content"]


async def test_results_say_in_one_line_when_the_model_fails(
    filled_store: list[Any], make_test_app: Callable[..., Any], server: ChatServer
) -> None:
    server.behaviour = "error"
    app = make_test_app(llm_url=server.url)
    async with app.run_test(size=(100, 32)) as pilot:
        results = await open_results_of(pilot, filled_store[0])
        await pilot.press("5")
        await wait_for(pilot, lambda: "no coaching paragraph" in _coaching_text(results), 10)
        assert "the server answered 500" in _coaching_text(results)
        assert "Written by" not in _coaching_text(results)


async def test_an_unconfirmed_endpoint_elsewhere_gets_no_transcript(
    filled_store: list[Any], make_test_app: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from voicemock.speech import llm

    def no_request(*args: Any, **kwargs: Any) -> str:
        raise AssertionError("a transcript was sent to an unconfirmed endpoint")

    monkeypatch.setattr(llm.ChatClient, "complete", no_request)
    app = make_test_app(llm_url=REMOTE_URL)
    async with app.run_test(size=(100, 32)) as pilot:
        results = await open_results_of(pilot, filled_store[0])
        await pilot.press("5")
        await wait_for(pilot, lambda: "confirm it in Settings" in _coaching_text(results), 10)
        assert "llm.example.com is not on this machine" in _coaching_text(results)


GENERAL = "I listen to their side first and ask questions. Then we look for a compromise."
WORDED = "When you looked for a compromise, which disagreement was that, and what did you do?"


async def _follow_up_after_a_general_answer(
    make_test_app: Callable[..., Any], make_speech: Callable[..., Path], server: ChatServer
) -> tuple[Any, Any]:
    """Answer the fixed question in general terms; return the app and the follow-up's screen."""
    from tests.ui.conftest import FIXED_QUESTION_ID, canned_transcriber, quiet_services
    from tests.ui.test_pilot_flow import _select_question
    from voicemock.ui.screens.interview import InterviewScreen

    services = quiet_services(
        make_speech("A short answer."), load_transcriber=canned_transcriber(GENERAL)
    )
    app = make_test_app(
        services, followups=1, speak_questions=False, use_embeddings=False, llm_url=server.url
    )
    async with app.run_test(size=(100, 32)) as pilot:
        await _select_question(pilot, FIXED_QUESTION_ID)
        await pilot.press("enter")
        interview = await wait_for_screen(pilot, InterviewScreen)
        await wait_for(pilot, lambda: interview.phase == "recording", 10)
        await pilot.press("space")
        await wait_for(
            pilot,
            lambda: isinstance(app.screen, InterviewScreen) and app.screen.followup is not None,
            30,
        )
        screen = app.screen
        shown = str(screen.query_one("#question-text").render())
        shown += "\n" + str(screen.query_one("#question-meta").render())
        notices = [n.message for n in app._notifications]
        said = screen.conversation.main.analysed.transcript.text
    return screen.followup, (shown, notices, said)


async def test_the_interviewer_asks_the_follow_up_the_model_worded(
    make_test_app: Callable[..., Any], make_speech: Callable[..., Path], server: ChatServer
) -> None:
    server.replies_by_prompt = {"interviewer": WORDED}
    followup, (shown, notices, said) = await _follow_up_after_a_general_answer(
        make_test_app, make_speech, server
    )
    assert followup.text == WORDED and followup.source == "model"
    assert followup.kind == "example"  # what to ask stays the rubric's choice
    assert WORDED in " ".join(shown.split())
    assert "(worded by your language model)" in " ".join(shown.split())
    assert not any("Language model" in n for n in notices)
    (request,) = server.requests
    # The transcript sent is the answer as the app transcribed it.
    assert f"(transcript):\n{said}\n" in request["messages"][1]["content"]


async def test_when_the_model_fails_the_offline_follow_up_is_asked_with_a_notice(
    make_test_app: Callable[..., Any], make_speech: Callable[..., Path], server: ChatServer
) -> None:
    server.behaviour = "error"
    followup, (shown, notices, _) = await _follow_up_after_a_general_answer(
        make_test_app, make_speech, server
    )
    assert followup.source == "rubric" and "specific" in followup.text
    assert followup.text in " ".join(shown.split())
    assert "language model" not in shown
    assert any("the server answered 500" in n for n in notices)
