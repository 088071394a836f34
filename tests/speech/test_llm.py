"""The user's own language model, against a real chat-completions server on localhost.

The server (tests/fixtures/chat_server.py) is real HTTP; with ``behaviour = "model"`` a real
model (SmolLM2-135M run by llama.cpp) writes the replies, otherwise it answers canned replies or
misbehaves (slow, trickling, 500, not JSON, not a chat completion) to test every fallback.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fixtures.chat_server import (
    ChatServer,
    model_problem,
    running_chat_server,
    shared_model,
)
from voicemock.core.followups import Followup, phrase_followup
from voicemock.speech.llm import (
    EndpointError,
    LanguageModelCoach,
    LanguageModelError,
    check_coaching,
    check_followup,
    make_coach,
    parse_endpoint,
)

pytest.importorskip("httpx", reason="the llm extra (httpx) is not installed")

QUESTION = "Tell me about a time you handled conflict in your team."
TRANSCRIPT = (
    "I usually listen to people and try to find common ground. Last year two engineers on my "
    "team disagreed about the release plan, so I set up a meeting and asked each of them to "
    "explain their concerns."
)
OUTCOME = Followup(
    text="How did it turn out in the end? What changed because of what you did?",
    reason="The example has no ending: it does not say how things turned out.",
    kind="outcome",
)
GOOD_COACHING = (
    'You set the scene well when you said "two engineers on my team disagreed about the release '
    'plan". Finish the story: say what the meeting decided and what you did after '
    '"asked each of them to explain their concerns".'
)


@pytest.fixture
def server() -> Iterator[ChatServer]:
    with running_chat_server() as running:
        yield running


def coach_for(server: ChatServer, timeout_s: float = 4.0) -> LanguageModelCoach:
    coach = make_coach(server.url, "test-model", timeout_s=timeout_s)
    assert coach is not None
    return coach


# --- endpoints ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "chat_url", "local"),
    [
        ("http://localhost:11434/v1", "http://localhost:11434/v1/chat/completions", True),
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080/v1/chat/completions", True),
        ("http://127.3.4.5:8080/", "http://127.3.4.5:8080/v1/chat/completions", True),
        ("http://[::1]:1234/v1/", "http://[::1]:1234/v1/chat/completions", True),
        (
            "http://LOCALHOST:1/api/v1/chat/completions",
            "http://LOCALHOST:1/api/v1/chat/completions",
            True,
        ),
        ("https://llm.example.com/v1", "https://llm.example.com/v1/chat/completions", False),
        ("http://192.168.1.20:11434", "http://192.168.1.20:11434/v1/chat/completions", False),
        (
            "http://localhost.example.com/v1",
            "http://localhost.example.com/v1/chat/completions",
            False,
        ),
        (
            "http://[::ffff:127.0.0.1]:8080",
            "http://[::ffff:127.0.0.1]:8080/v1/chat/completions",
            True,
        ),
        ("http://0.0.0.0:8080", "http://0.0.0.0:8080/v1/chat/completions", False),
    ],
)
def test_endpoint_url_and_whether_it_is_on_this_machine(
    url: str, chat_url: str, local: bool
) -> None:
    endpoint = parse_endpoint(url, "m")
    assert endpoint.chat_url == chat_url
    assert endpoint.is_local is local
    warning = endpoint.remote_warning()
    assert (warning is None) is local
    if warning is not None:
        assert endpoint.host in warning and "not on this machine" in warning


def test_unix_socket_endpoint_is_local() -> None:
    endpoint = parse_endpoint("unix:/run/llama.sock")
    assert endpoint.socket_path == "/run/llama.sock"
    assert endpoint.is_local and endpoint.remote_warning() is None
    assert endpoint.model == "default"


@pytest.mark.parametrize(
    "url",
    [
        "",
        "ftp://host/v1",
        "localhost:11434",
        "http://",
        "http://a b/v1",
        "http://h:99999/",
        "http://user:secret@localhost:1/v1",
        "unix:relative.sock",
        "http://\x1b[2Jhost/",
    ],
)
def test_unusable_urls_are_refused_in_one_line(url: str) -> None:
    with pytest.raises(EndpointError) as caught:
        parse_endpoint(url)
    message = str(caught.value)
    assert "\n" not in message and "\x1b" not in message


def test_no_url_means_no_coach() -> None:
    assert make_coach(None) is None
    assert make_coach("   ", "llama3") is None


# --- the protocol and a good reply --------------------------------------------------------------


def test_follow_up_worded_by_the_server(server: ChatServer) -> None:
    server.reply = "Follow-up: **How did that meeting about the release plan end?**"
    coach = coach_for(server)
    asked = phrase_followup(OUTCOME, coach, QUESTION, TRANSCRIPT)
    assert asked.text == "How did that meeting about the release plan end?"
    assert asked.source == "model" and asked.kind == "outcome"
    assert coach.notices == []
    (request,) = server.requests
    assert request["model"] == "test-model"
    assert request["stream"] is False and 0 < request["max_tokens"] <= 200
    roles = [m["role"] for m in request["messages"]]
    assert roles == ["system", "user"]
    prompt = request["messages"][1]["content"]
    assert TRANSCRIPT in prompt and QUESTION in prompt and OUTCOME.reason in prompt


def test_coaching_paragraph_that_quotes_the_answer(server: ChatServer) -> None:
    server.reply = GOOD_COACHING
    coach = coach_for(server)
    coaching = coach.coaching(QUESTION, TRANSCRIPT, ["Say how it turned out."])
    assert coaching is not None
    assert coaching.text == GOOD_COACHING
    assert coaching.quotes == (
        "two engineers on my team disagreed about the release plan",
        "asked each of them to explain their concerns",
    )
    data = coaching.to_dict()
    assert data["source"] == "model" and data["model"] == "test-model"
    assert "Say how it turned out." in server.requests[0]["messages"][1]["content"]


def test_thinking_of_a_reasoning_model_is_left_out(server: ChatServer) -> None:
    server.reply = "<think>They never said the result.</think>\nSo how did the release plan end up?"
    assert coach_for(server).phrase(QUESTION, TRANSCRIPT, OUTCOME) == (
        "So how did the release plan end up?"
    )


def test_unix_socket_server(tmp_path: Path) -> None:
    with running_chat_server(tmp_path / "llm.sock") as server:
        server.reply = "What did the two engineers decide in the end?"
        coach = coach_for(server)
        assert coach.endpoint.is_local
        assert coach.phrase(QUESTION, TRANSCRIPT, OUTCOME) == server.reply


def test_proxy_settings_of_the_environment_are_not_used(
    server: ChatServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A proxy would carry a local model's transcript elsewhere: it is ignored.
    for name in ("HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    assert coach_for(server).phrase(QUESTION, TRANSCRIPT, OUTCOME) == server.reply


# --- failures fall back within the deadline, with a one-line notice -----------------------------


@pytest.mark.parametrize(
    ("behaviour", "reason"),
    [
        ("error", "the server answered 500: the model crashed"),
        ("garbage", "the reply is not JSON"),
        ("wrong_shape", "the reply is not a chat completion"),
    ],
)
def test_server_failures_keep_the_offline_follow_up(
    server: ChatServer, behaviour: str, reason: str
) -> None:
    server.behaviour = behaviour
    coach = coach_for(server)
    asked = phrase_followup(OUTCOME, coach, QUESTION, TRANSCRIPT)
    assert asked == OUTCOME  # the offline text, marked as the rubric's
    (notice,) = coach.notices
    assert reason in notice and "the follow-up is the offline one" in notice
    assert "\n" not in notice and coach.endpoint.host in notice


@pytest.mark.parametrize("behaviour", ["slow", "trickle"])
def test_a_server_that_does_not_answer_in_time_is_not_waited_for(
    server: ChatServer, behaviour: str
) -> None:
    server.behaviour = behaviour
    coach = coach_for(server, timeout_s=1.0)
    started = time.monotonic()
    assert coach.phrase(QUESTION, TRANSCRIPT, OUTCOME) is None
    assert coach.coaching(QUESTION, TRANSCRIPT) is None
    elapsed = time.monotonic() - started
    assert 2.0 <= elapsed < 3.5  # two calls, one second each
    assert [n.split(": ", 1)[1] for n in coach.notices] == [
        "no answer within 1 s: the follow-up is the offline one.",
        "no answer within 1 s: no coaching paragraph.",
    ]


def test_nothing_listening_falls_back_at_once() -> None:
    with running_chat_server() as server:
        url = server.url
    coach = make_coach(url, timeout_s=4.0)
    assert coach is not None
    started = time.monotonic()
    assert coach.phrase(QUESTION, TRANSCRIPT, OUTCOME) is None
    assert time.monotonic() - started < 2.0
    assert "could not connect" in coach.notices[0]


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        ("", "the reply is empty"),
        ("   \n ", "the reply is empty"),
        ("Why?", "the reply is too short"),
        ("Tell me more about that. " * 20 + "Why?", "too long for a spoken question"),
        ("That was a good answer, thank you.", "not one question"),
        ("What? Why? How? When?", "not one question"),
        ("[bold red]How did it end?[/]", "markup"),
        ("<script>alert(1)</script> How did it end?", "markup"),
        ("How did it end?\x1b]0;owned\x07", "control characters"),
        ("\x1b[2JHow did the release plan end?", "control characters"),
        (f"“{QUESTION}”", "repeats the question"),
    ],
)
def test_nonsense_follow_ups_are_not_asked(server: ChatServer, reply: str, reason: str) -> None:
    server.reply = reply
    coach = coach_for(server)
    assert phrase_followup(OUTCOME, coach, QUESTION, TRANSCRIPT) == OUTCOME
    assert reason in coach.notices[0]


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        (
            'You said "I resolved the conflict by escalating it to my manager", which is risky.',
            "quotes words that are not in the answer",
        ),
        (
            "Good structure overall. Say how the meeting ended and what changed afterwards.",
            "quotes nothing from the answer",
        ),
        ('Too short "common ground".', "too short"),
        ('You said "find common ground". ' + "Keep going. " * 100, "too long"),
        ('# Feedback\n```\nYou said "find common ground".\n```', "markup"),
    ],
)
def test_nonsense_coaching_is_dropped(server: ChatServer, reply: str, reason: str) -> None:
    server.reply = reply
    coach = coach_for(server)
    assert coach.coaching(QUESTION, TRANSCRIPT) is None
    (notice,) = coach.notices
    assert reason in notice and notice.endswith("no coaching paragraph.")


def test_quotes_are_matched_whatever_the_case_and_punctuation() -> None:
    _, quotes = check_coaching(
        "When you said “Last year, two engineers on my team disagreed” you set the scene; "
        'now say what "I set up a meeting" led to.',
        TRANSCRIPT,
    )
    assert quotes == ("Last year, two engineers on my team disagreed", "I set up a meeting")
    with pytest.raises(LanguageModelError):  # words out of order are not a quote
        check_coaching(
            'You said "a meeting I set up" and then stopped there, say more.', TRANSCRIPT
        )


def test_a_single_quoted_word_is_not_a_quote() -> None:
    with pytest.raises(LanguageModelError, match="quotes nothing"):
        check_coaching(
            'Your answer is "fine" and "okay" but it needs an ending to the story.', TRANSCRIPT
        )


def test_a_follow_up_keeps_its_words() -> None:
    assert check_followup('"So what happened after that meeting?"', QUESTION) == (
        "So what happened after that meeting?"
    )


# --- a real model -------------------------------------------------------------------------------

_NO_MODEL = model_problem()
needs_model = pytest.mark.skipif(_NO_MODEL is not None, reason=str(_NO_MODEL))


@pytest.fixture(scope="module")
def warm_model() -> None:
    if _NO_MODEL is None:
        shared_model()


@needs_model
@pytest.mark.speech
def test_a_real_model_is_asked_and_its_reply_judged(server: ChatServer, warm_model: None) -> None:
    """SmolLM2 on llama.cpp answers over HTTP; what it says is used only if it passes the checks."""
    server.behaviour = "model"
    coach = coach_for(server, timeout_s=60.0)
    asked = phrase_followup(OUTCOME, coach, QUESTION, TRANSCRIPT)
    coaching = coach.coaching(QUESTION, TRANSCRIPT, ["Say how it turned out."])
    assert len(server.requests) == 2 and len(server.replies) == 2
    follow_reply, coaching_reply = server.replies
    assert follow_reply.strip() or coaching_reply.strip(), "the model said nothing at all"
    try:
        expected = check_followup(follow_reply, QUESTION)
    except LanguageModelError as error:
        assert asked == OUTCOME
        assert str(error) in coach.notices[0]
    else:
        assert asked.text == expected and asked.source == "model"
    try:
        expected_text, _ = check_coaching(coaching_reply, TRANSCRIPT)
    except LanguageModelError as error:
        assert coaching is None
        assert str(error) in coach.notices[-1]
    else:
        assert coaching is not None and coaching.text == expected_text
    assert all("\n" not in notice for notice in coach.notices)


@needs_model
@pytest.mark.speech
def test_a_real_model_that_is_too_slow_is_not_waited_for(
    server: ChatServer, warm_model: None
) -> None:
    server.behaviour = "model"
    coach = coach_for(server, timeout_s=0.3)  # a paragraph of 220 tokens takes seconds
    started = time.monotonic()
    assert coach.coaching(QUESTION, TRANSCRIPT) is None
    assert time.monotonic() - started < 1.0
    assert "no answer within 0.3 s" in coach.notices[0]


def test_the_apps_phraser_reports_each_fallback_once(server: ChatServer) -> None:
    from voicemock.core.followups import FollowupPhraser
    from voicemock.speech.llm import ReportingPhraser

    shown: list[str] = []
    phraser = ReportingPhraser(coach_for(server), shown.append)
    assert isinstance(phraser, FollowupPhraser)
    assert phrase_followup(OUTCOME, phraser, QUESTION, TRANSCRIPT).source == "model"
    assert shown == []
    server.behaviour = "garbage"
    assert phrase_followup(OUTCOME, phraser, QUESTION, TRANSCRIPT) == OUTCOME
    server.behaviour = "error"
    assert phrase_followup(OUTCOME, phraser, QUESTION, TRANSCRIPT) == OUTCOME
    assert len(shown) == 2
    assert "not JSON" in shown[0] and "500" in shown[1]
