"""`--llm-url` on `score` and `practice --no-tui`, against a real chat-completions server on
localhost: the model's parts are labelled as the model's, its failures fall back to the offline
text with a one-line notice, and an endpoint elsewhere is used only when the user said so."""

from __future__ import annotations

import argparse
import io
import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.fixtures.chat_server import ChatServer, running_chat_server
from voicemock.cli import main
from voicemock.config import Settings, save_settings

pytest.importorskip("httpx", reason="the llm extra (httpx) is not installed")

QUESTION_ID = "sac-client-resistance"
ANSWER = (
    "When a client pushes back, I slow down and listen first. I ask what matters to them and "
    "we agree on one goal that they choose."
)
WORDED = "When that client pushed back, what exactly did you say to them?"
COACHING = (
    'You start well with "I slow down and listen first". Now tell one real story: when a '
    'client pushed back and what happened after "we agree on one goal".'
)


@pytest.fixture
def server() -> Iterator[ChatServer]:
    with running_chat_server() as running:
        running.replies_by_prompt = {"interviewer": WORDED, "coach": COACHING}
        yield running


@pytest.fixture
def answer_file(tmp_path: Path) -> Path:
    path = tmp_path / "answer.txt"
    path.write_text(ANSWER, encoding="utf-8")
    return path


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_score_json_labels_what_the_model_wrote(
    server: ChatServer, answer_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run_cli(
        capsys, "score", str(answer_file), "-q", QUESTION_ID, "--json",
        "--llm-url", server.url, "--llm-model", "coach-model",
    )  # fmt: skip
    assert code == 0
    document = json.loads(out)
    coaching = document["coaching"]
    assert coaching["text"] == COACHING and coaching["source"] == "model"
    assert coaching["quotes"] == ["I slow down and listen first", "we agree on one goal"]
    assert coaching["model"] == "coach-model" and coaching["host"].startswith("127.0.0.1:")
    first, *others = document["followups"]
    assert first["text"] == WORDED and first["source"] == "model"
    assert all(f["source"] == "rubric" for f in others)
    assert document["model_notices"] == []
    # The rubric's levels and score are the same with and without the model.
    code, offline, _ = run_cli(capsys, "score", str(answer_file), "-q", QUESTION_ID, "--json")
    plain = json.loads(offline)
    assert plain["score"] == document["score"] and "coaching" not in plain
    assert plain["followups"][0]["source"] == "rubric"
    assert [r["model"] for r in server.requests] == ["coach-model", "coach-model"]
    assert all(ANSWER in r["messages"][1]["content"] for r in server.requests)


def test_score_text_and_markdown_name_the_model(
    server: ChatServer, answer_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = ("score", str(answer_file), "-q", QUESTION_ID, "--llm-url", server.url)
    code, out, _ = run_cli(capsys, *base)
    assert code == 0
    text = " ".join(out.split())
    assert "Coaching from your language model" in text and "I slow down and listen first" in text
    assert "every score above is the rubric's" in text
    assert f"“{WORDED}” (worded by your language model)" in text
    code, out, _ = run_cli(capsys, *base, "--markdown")
    assert code == 0
    assert "## Coaching from your language model" in out
    assert "(worded by your language model)" in out


def test_score_falls_back_with_one_line_notices(
    server: ChatServer, answer_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    server.behaviour = "error"
    code, out, err = run_cli(
        capsys, "score", str(answer_file), "-q", QUESTION_ID, "--json", "--llm-url", server.url
    )
    assert code == 0 and "Traceback" not in err
    document = json.loads(out)
    assert document["coaching"] is None
    assert document["followups"][0]["source"] == "rubric"
    notices = document["model_notices"]
    assert len(notices) == 2
    assert all("the server answered 500" in n and "\n" not in n for n in notices)


def test_a_bad_url_is_refused_before_anything_else(
    answer_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_cli(
        capsys, "score", str(answer_file), "-q", QUESTION_ID, "--llm-url", "localhost:11434"
    )
    assert code == 2 and out == ""
    assert err.strip().count("\n") == 0 and "not an http(s) URL" in err


def test_an_unconfirmed_endpoint_elsewhere_from_settings_is_not_used(
    answer_file: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from voicemock.speech import llm

    def no_request(*args: object, **kwargs: object) -> str:
        raise AssertionError("a transcript was sent to an unconfirmed endpoint")

    monkeypatch.setattr(llm.ChatClient, "complete", no_request)
    save_settings(Settings(llm_url="https://llm.example.com/v1"))
    code, out, err = run_cli(capsys, "score", str(answer_file), "-q", QUESTION_ID, "--json")
    assert code == 0
    assert "coaching" not in json.loads(out)
    assert "llm.example.com is not on this machine" in err and "confirm it" in err


def test_llm_url_off_ignores_the_one_in_settings(
    server: ChatServer, answer_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    save_settings(Settings(llm_url=server.url))
    code, out, _ = run_cli(
        capsys, "score", str(answer_file), "-q", QUESTION_ID, "--json", "--llm-url", "off"
    )
    assert code == 0 and "coaching" not in json.loads(out)
    assert server.requests == []
    code, out, _ = run_cli(capsys, "score", str(answer_file), "-q", QUESTION_ID, "--json")
    assert json.loads(out)["coaching"]["text"] == COACHING  # the saved one, local: used


def test_an_endpoint_elsewhere_given_on_the_command_line_is_warned_about() -> None:
    from rich.console import Console

    from voicemock.commands.llm_options import command_coach

    console = Console(file=io.StringIO(), width=200)
    args = argparse.Namespace(llm_url="https://llm.example.com/v1", llm_model="big")
    coach = command_coach(args, Settings(), console)  # nothing is sent here
    assert coach is not None and not coach.endpoint.is_local
    shown = console.file.getvalue()  # type: ignore[attr-defined]
    assert "llm.example.com is not on this machine: your transcripts will be sent there" in shown


def test_doctor_names_the_language_model(capsys: pytest.CaptureFixture[str]) -> None:
    from voicemock.commands.doctor import check_language_model

    assert check_language_model().status == "ok"  # off
    save_settings(Settings(llm_url="http://127.0.0.1:8080", llm_model="tiny"))
    check = check_language_model()
    assert check.status == "ok" and "tiny at 127.0.0.1:8080 (on this machine)" in check.detail
    save_settings(Settings(llm_url="http://10.1.2.3:8080/v1"))
    check = check_language_model()
    assert check.status == "warn" and "10.1.2.3:8080 is not on this machine" in check.detail
    assert "Not used until you confirm it" in check.detail
    confirmed = "http://10.1.2.3:8080/v1"
    save_settings(Settings(llm_url=confirmed, llm_confirmed_url=confirmed))
    check = check_language_model()
    assert check.status == "warn" and "Not used" not in check.detail


@pytest.mark.speech
def test_practice_asks_the_follow_up_the_model_worded_and_adds_its_coaching(
    server: ChatServer,
    virtual_audio: object,
    make_speech: Callable[..., Path],
    tmp_path: Path,
) -> None:
    from tests.speech.test_followup_flow import EXAMPLE, GENERAL, wait_for_count
    from tests.speech.test_practice_flow import start_practice, stored_attempts

    quote = "what matters to them"
    server.replies_by_prompt["coach"] = (
        f'You named the right move with "{quote}". Now tell one story from start to end, '
        "with what changed for the client."
    )
    general_wav = make_speech(GENERAL, rate_wpm=170)
    example_wav = make_speech(EXAMPLE, rate_wpm=170)
    home = tmp_path / "home"
    practice = start_practice(
        virtual_audio,  # type: ignore[arg-type]
        home,
        "--follow-ups", "1", "--silence-stop", "1.5", "--max-seconds", "60", "--json",
        "--llm-url", server.url, "--llm-model", "coach-model",
    )  # fmt: skip
    with practice:
        wait_for_count(practice, "Recording to", 1, 90)
        virtual_audio.feed_mic(general_wav, block=True)  # type: ignore[attr-defined]
        wait_for_count(practice, "Recording to", 2, 120)
        virtual_audio.feed_mic(example_wav, block=True)  # type: ignore[attr-defined]
        code, stdout, stderr = practice.finish()
    assert code == 0, stderr
    assert WORDED in stderr  # the follow-up asked is the model's wording
    main_attempt, follow = sorted(stored_attempts(home), key=lambda a: a.id)
    assert follow.question_text == WORDED and follow.parent_id == main_attempt.id
    # The reason stays the rubric's, and says who worded the question.
    assert "general" in (follow.followup_reason or "")
    assert (follow.followup_reason or "").endswith("(Worded by your language model.)")
    document = json.loads(stdout)
    assert document["model_notices"] == [] or document["coaching"] is None
    if document["coaching"] is not None:
        assert document["coaching"]["quotes"] == [quote]
    else:  # the transcription did not keep those words: the notice says so
        assert "not in the answer" in document["model_notices"][0]
    kinds = [r["messages"][0]["content"].split(".")[0] for r in server.requests]
    assert len(kinds) == 2 and "interviewer" in kinds[0] and "coach" in kinds[1]


def test_practice_in_the_app_takes_the_options_over_the_saved_settings() -> None:
    from voicemock.commands.tui import _llm_settings
    from voicemock.speech.llm import EndpointError

    save_settings(Settings(llm_url="http://localhost:11434/v1", llm_model="saved", rate_wpm=150))
    given = _llm_settings(argparse.Namespace(llm_url="http://127.0.0.1:8080", llm_model=None), None)
    assert given is not None
    assert (given.llm_url, given.llm_model, given.rate_wpm) == (
        "http://127.0.0.1:8080",
        "saved",
        150,
    )
    assert given.llm_confirmed_url is None  # the app still asks before sending elsewhere
    off = _llm_settings(argparse.Namespace(llm_url="off", llm_model=None), None)
    assert off is not None and off.llm_url is None
    assert _llm_settings(argparse.Namespace(), None) is None  # `voicemock app`: the saved settings
    with pytest.raises(EndpointError):
        _llm_settings(argparse.Namespace(llm_url="ftp://x", llm_model=None), None)


def test_practice_in_the_app_takes_its_other_options_too(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    import voicemock.commands.tui as tui
    from voicemock import cli

    save_settings(Settings(speak_questions=True, followups=2, llm_url="http://localhost:11434/v1"))
    given: list[Settings | None] = []

    def fake_run_app(args: argparse.Namespace, settings: Settings | None = None) -> int:
        given.append(tui._llm_settings(args, settings))
        return 0

    monkeypatch.setattr(tui, "run_app", fake_run_app)
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True)
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    assert cli.main(["practice", "--no-speak", "--follow-ups", "0", "--max-seconds", "90"]) == 0
    run = given[0]
    assert run is not None
    assert (run.speak_questions, run.followups, run.max_answer_s) == (False, 0, 90)
    assert run.llm_url == "http://localhost:11434/v1"  # the saved settings under the options
    assert cli.main(["practice", "--llm-url", "off", "--follow-ups", "1"]) == 0
    assert given[1] is not None and (given[1].llm_url, given[1].followups) == (None, 1)
    assert cli.main(["practice", "--llm-model", "other"]) == 0
    assert given[2] is not None
    assert (given[2].llm_url, given[2].llm_model) == ("http://localhost:11434/v1", "other")


def test_options_given_for_one_run_are_not_saved_with_the_settings_form() -> None:
    from voicemock.config import load_settings
    from voicemock.ui.app import make_app

    save_settings(Settings(speak_questions=True, followups=2, rate_wpm=150))
    run = load_settings().model_copy(update={"speak_questions": False, "followups": 0})
    app = make_app(settings=run)
    app.save_user_settings(run.model_copy(update={"rate_wpm": 170}))
    saved = load_settings()
    assert (saved.speak_questions, saved.followups, saved.rate_wpm) == (True, 2, 170)
    assert (app.settings.speak_questions, app.settings.rate_wpm) == (False, 170)
