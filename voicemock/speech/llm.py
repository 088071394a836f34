"""The user's own language model (optional, off by default): follow-ups and a coaching paragraph.

Any OpenAI-compatible chat-completions endpoint works: a local Ollama
(``http://localhost:11434/v1``), a llama.cpp server (``http://127.0.0.1:8080``), LM Studio
(``http://localhost:1234/v1``), or a llama.cpp server on a unix socket (``unix:/path/to.sock``).
The HTTP client (httpx) is the optional ``llm`` extra: ``pip install 'voicemock[llm]'``.

Nothing here runs unless the user set an endpoint: with none, no socket is ever opened. An
endpoint that is not on this machine (anything but localhost, 127.0.0.0/8, ::1 or a unix socket)
receives the transcript, so the app asks once before sending, and ``voicemock doctor`` warns.

The model only words things; it never scores. :class:`LanguageModelCoach` does two jobs:

- :meth:`~LanguageModelCoach.phrase` rewords a chosen follow-up from the actual transcript (the
  :class:`~voicemock.core.followups.FollowupPhraser` interface);
- :meth:`~LanguageModelCoach.coaching` writes a short coaching paragraph that quotes the answer.

Every call has a hard overall deadline (:data:`DEFAULT_TIMEOUT_S`): the interview never waits
longer. An error, a timeout or a nonsense reply (empty, too long, markup or control characters,
a follow-up that is not a question, a quote that is not in the transcript) gives ``None``, so
the offline text is used, and leaves a one-line notice in :attr:`LanguageModelCoach.notices`.
"""

from __future__ import annotations

import ipaddress
import json
import re
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from voicemock.core.safe_text import has_unsafe, one_line
from voicemock.errors import EngineNotAvailableError, VoicemockError

if TYPE_CHECKING:
    from voicemock.core.followups import Followup
    from voicemock.core.models import DeliveryMetrics, ScoreReport
    from voicemock.core.rubric_schema import Question

DEFAULT_TIMEOUT_S = 4.0
"""The longest one request may take, connection to last byte; then the offline text is used."""
MAX_REPLY_BYTES = 64_000
"""A longer HTTP reply is not read to the end: no short answer is that long."""
MAX_TRANSCRIPT_CHARS = 6_000
"""The part of a long transcript sent to the model (about six minutes of speech)."""
MAX_FOLLOWUP_CHARS = 300
MIN_FOLLOWUP_CHARS = 10
MAX_COACHING_CHARS = 900
MIN_COACHING_CHARS = 40
MIN_QUOTE_WORDS = 2
INSTALL_HINT = "the language-model client is not installed: pip install 'voicemock[llm]'"

_LOCAL_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})
# Reasoning models write their thinking first; it is not part of the answer.
_THINKING = re.compile(r"<think>.*?(?:</think>|$)", re.DOTALL | re.IGNORECASE)
# Markup the reply must not carry: HTML tags, Rich/BBCode tags, code fences, links.
_MARKUP = re.compile(r"</?[A-Za-z][^>]*>|\[/?[a-z#@][^\]]*\]|```|\]\(")
_HEADING = re.compile(r"^\s*(?:#{1,6}\s|[-*]\s|\d+\.\s)", re.MULTILINE)
_EMPHASIS = re.compile(r"\*\*|__|(?<!\w)[*_`]|[*_`](?!\w)")
_LABEL = re.compile(
    r"^(?:follow[- ]?up(?: question)?|question|interviewer|q|coach(?:ing)?|feedback)\s*[:\-–]\s*",
    re.IGNORECASE,
)
_QUOTE = re.compile(r"\"([^\"]+)\"|“([^”]+)”")
_WORDS = re.compile(r"[\w']+")


class EndpointError(VoicemockError):
    """A language-model endpoint URL that cannot be used (the message says why)."""

    exit_code = 2


class LanguageModelError(Exception):
    """One request to the model failed; ``str(error)`` is a short reason for a notice."""


@dataclass(frozen=True)
class Endpoint:
    """Where the chat-completions requests go, and which model answers them."""

    url: str
    """The URL as the user gave it (shown in messages)."""
    chat_url: str
    """The chat-completions URL requested (for a unix socket, the path on that socket)."""
    model: str
    socket_path: str | None = None
    """A unix socket to connect to instead of a TCP host."""

    @property
    def host(self) -> str:
        """The host (and port) the transcript goes to, or the socket path, for messages."""
        if self.socket_path is not None:
            return f"unix:{self.socket_path}"
        return urlsplit(self.chat_url).netloc

    @property
    def is_local(self) -> bool:
        """True when the endpoint is on this machine (loopback or a unix socket)."""
        return self.socket_path is not None or is_local_host(urlsplit(self.chat_url).hostname)

    def remote_warning(self) -> str | None:
        """The warning for an endpoint that is not on this machine, or None for a local one."""
        if self.is_local:
            return None
        return (
            f"The language model at {one_line(self.host)} is not on this machine: "
            "your transcripts will be sent there."
        )


def is_local_host(host: str | None) -> bool:
    """True for localhost, a 127.0.0.0/8 address and ::1 (no name is looked up)."""
    if not host:
        return False
    name = host.strip("[]").rstrip(".").lower()
    if name in _LOCAL_NAMES:
        return True
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback


def parse_endpoint(url: str, model: str | None = None) -> Endpoint:
    """The endpoint for a user's URL; raises :class:`EndpointError` with a one-line reason.

    ``http(s)://host[:port]`` gets ``/v1/chat/completions``, a URL ending in ``/v1`` gets
    ``/chat/completions``, a full ``.../chat/completions`` URL is used as it is;
    ``unix:/path/to.sock`` talks HTTP over that socket.
    """
    text = url.strip()
    if not text:
        raise EndpointError("the language-model URL is empty")
    if has_unsafe(text) or any(c.isspace() for c in text):
        raise EndpointError(f"not a URL: {one_line(text)!r}")
    name = (model or "").strip() or "default"
    if text.startswith("unix:"):
        path = text[len("unix:") :]
        path = "/" + path.lstrip("/") if path.startswith("//") else path
        if not path.startswith("/"):
            raise EndpointError(f"a unix socket needs an absolute path: {one_line(text)!r}")
        return Endpoint(text, "http://localhost/v1/chat/completions", name, socket_path=path)
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise EndpointError(
            f"not an http(s) URL: {one_line(text)!r} (for example http://localhost:11434/v1)"
        )
    try:
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError:
        raise EndpointError(f"bad port in {one_line(text)!r}") from None
    if parts.username or parts.password:
        raise EndpointError("put no user name or password in the language-model URL")
    path = parts.path.rstrip("/")
    if path.endswith("/chat/completions"):
        chat_path = path
    elif path.endswith("/v1"):
        chat_path = path + "/chat/completions"
    else:
        chat_path = path + "/v1/chat/completions"
    chat_url = f"{parts.scheme}://{parts.netloc}{chat_path}"
    return Endpoint(text, chat_url, name)


def client_installed() -> bool:
    """True when the optional HTTP client (httpx, the ``llm`` extra) can be imported."""
    import importlib.util

    return importlib.util.find_spec("httpx") is not None


class ChatClient:
    """Sends chat-completions requests to one endpoint, each under a hard overall deadline."""

    def __init__(self, endpoint: Endpoint, *, timeout_s: float = DEFAULT_TIMEOUT_S) -> None:
        """Prepare requests to ``endpoint``; raises EngineNotAvailableError without httpx."""
        if not client_installed():
            raise EngineNotAvailableError(INSTALL_HINT)
        self.endpoint = endpoint
        self.timeout_s = timeout_s

    def complete(
        self, messages: Sequence[dict[str, str]], *, max_tokens: int, temperature: float = 0.2
    ) -> str:
        """The model's reply text; raises :class:`LanguageModelError` on any failure.

        The request runs on a worker thread: whatever the server does (accept and never answer,
        trickle bytes), this returns or raises within ``timeout_s``.
        """
        body = {
            "model": self.endpoint.model,
            "messages": list(messages),
            "max_tokens": max_tokens,
            "temperature": temperature,
            "stream": False,
        }
        outcome: dict[str, Any] = {}

        def run() -> None:
            try:
                outcome["reply"] = self._post(body)
            except LanguageModelError as error:
                outcome["error"] = error
            except Exception as error:  # a client library error: one line for the notice
                # The client's own timeout and the wait below end together: one wording.
                timed_out = "Timeout" in type(error).__name__
                outcome["error"] = LanguageModelError(
                    f"no answer within {self.timeout_s:g} s" if timed_out else _describe(error)
                )

        worker = threading.Thread(target=run, name="voicemock-llm", daemon=True)
        worker.start()
        worker.join(self.timeout_s)
        if worker.is_alive():
            raise LanguageModelError(f"no answer within {self.timeout_s:g} s")
        if "error" in outcome:
            raise outcome["error"]
        return str(outcome["reply"])

    def _post(self, body: dict[str, Any]) -> str:
        """One HTTP request; the reply's text (choices[0].message.content)."""
        import httpx

        deadline = time.monotonic() + self.timeout_s
        transport = (
            httpx.HTTPTransport(uds=self.endpoint.socket_path)
            if self.endpoint.socket_path is not None
            else None
        )
        # trust_env=False: no proxy from the environment (a local model's traffic stays local),
        # no .netrc credentials.
        with (
            httpx.Client(
                timeout=httpx.Timeout(self.timeout_s),
                transport=transport,
                trust_env=False,
                follow_redirects=False,
            ) as client,
            client.stream("POST", self.endpoint.chat_url, json=body) as response,
        ):
            data = bytearray()
            for chunk in response.iter_bytes():
                data += chunk
                if len(data) > MAX_REPLY_BYTES:
                    raise LanguageModelError("the reply is too long")
                if time.monotonic() > deadline:  # a trickle: nobody waits for it any more
                    raise LanguageModelError(f"no answer within {self.timeout_s:g} s")
            if response.status_code != 200:
                detail = _error_detail(bytes(data))
                raise LanguageModelError(
                    f"the server answered {response.status_code}"
                    + (f": {detail}" if detail else "")
                )
        return _reply_text(bytes(data))


def _describe(error: Exception) -> str:
    """A client error other than a timeout as a short phrase (connection refused ...)."""
    name = type(error).__name__
    if "Connect" in name:
        return "could not connect" + (f" ({one_line(str(error))[:80]})" if str(error) else "")
    return one_line(f"{name}: {error}")[:120]


def _error_detail(data: bytes) -> str:
    """The error message an OpenAI-style error body carries, shortened, or ''."""
    try:
        parsed = json.loads(data)
    except ValueError:
        return ""
    error = parsed.get("error") if isinstance(parsed, dict) else None
    message = error.get("message") if isinstance(error, dict) else error
    return one_line(str(message))[:120] if isinstance(message, str) else ""


def _reply_text(data: bytes) -> str:
    """``choices[0].message.content`` of a chat-completions reply; anything else is an error."""
    try:
        parsed = json.loads(data)
    except ValueError:
        raise LanguageModelError("the reply is not JSON") from None
    try:
        content = parsed["choices"][0]["message"]["content"]
    except (KeyError, IndexError, TypeError):
        raise LanguageModelError("the reply is not a chat completion") from None
    if not isinstance(content, str):
        raise LanguageModelError("the reply has no text")
    return content


# --- what the model's text must be --------------------------------------------------------------


def _clean(raw: str) -> str:
    """The reply as one line: no thinking, no emphasis marks, no leading label or quotes.

    Raises LanguageModelError for control characters or markup (tags, fences, headings, links).
    """
    if has_unsafe(raw):
        raise LanguageModelError("the reply holds control characters")
    text = _THINKING.sub("", raw)
    if _MARKUP.search(text) or _HEADING.search(text):
        raise LanguageModelError("the reply holds markup")
    text = " ".join(_EMPHASIS.sub("", text).split())
    text = _LABEL.sub("", text).strip()
    if len(text) >= 2 and text[0] + text[-1] in ('""', "“”", "''"):
        text = text[1:-1].strip()
    return text


def check_followup(raw: str, question_text: str) -> str:
    """The reply as a follow-up question, or raises LanguageModelError saying what is wrong."""
    text = _clean(raw)
    if len(text) < MIN_FOLLOWUP_CHARS:
        raise LanguageModelError("the reply is empty" if not text else "the reply is too short")
    if len(text) > MAX_FOLLOWUP_CHARS:
        raise LanguageModelError("the reply is too long for a spoken question")
    if _words(text) == _words(question_text):
        raise LanguageModelError("the reply repeats the question")
    if not text.endswith("?") or text.count("?") > 2:
        raise LanguageModelError("the reply is not one question")
    return text


def check_coaching(raw: str, transcript_text: str) -> tuple[str, tuple[str, ...]]:
    """The reply as a coaching paragraph and the quotes it makes, or raises LanguageModelError.

    Each quote ("..." or “...”) of two words or more must be words of the transcript, in order
    (case, punctuation and spacing aside); at least one such quote is needed.
    """
    text = _clean(raw)
    if len(text) < MIN_COACHING_CHARS:
        raise LanguageModelError("the reply is empty" if not text else "the reply is too short")
    if len(text) > MAX_COACHING_CHARS:
        raise LanguageModelError("the reply is too long")
    spoken = f" {' '.join(_words(transcript_text))} "
    quotes: list[str] = []
    for match in _QUOTE.finditer(text):
        quote = (match.group(1) or match.group(2)).strip()
        words = _words(quote)
        if len(words) < MIN_QUOTE_WORDS:
            continue  # a single quoted word is emphasis, not a quote
        if f" {' '.join(words)} " not in spoken:
            raise LanguageModelError("the reply quotes words that are not in the answer")
        quotes.append(quote)
    if not quotes:
        raise LanguageModelError("the reply quotes nothing from the answer")
    return text, tuple(quotes)


def _words(text: str) -> list[str]:
    """Lower-case words of ``text`` (curly apostrophes as straight ones)."""
    return _WORDS.findall(text.casefold().replace("’", "'"))


# --- the two jobs -------------------------------------------------------------------------------

_FOLLOWUP_SYSTEM = (
    "You are the interviewer in a practice job interview. You ask one short follow-up question "
    "in plain spoken English. Reply with the question only."
)
_COACHING_SYSTEM = (
    "You are an interview coach. You write one short paragraph of advice, in the second person, "
    "for a candidate's spoken answer. Quote the candidate's exact words in double quotes. "
    "Give no score. Reply with the paragraph only, no lists, no headings."
)


@dataclass(frozen=True)
class Coaching:
    """A coaching paragraph written by the model, with the transcript quotes it makes."""

    text: str
    quotes: tuple[str, ...]
    model: str
    host: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-able: the paragraph, its quotes and which model wrote it."""
        return {
            "text": self.text,
            "quotes": list(self.quotes),
            "source": "model",
            "model": self.model,
            "host": self.host,
        }


@dataclass
class LanguageModelCoach:
    """Follow-up wording and coaching from the user's model, falling back with a notice."""

    client: ChatClient
    notices: list[str] = field(default_factory=list)

    @property
    def endpoint(self) -> Endpoint:
        """The endpoint the requests go to."""
        return self.client.endpoint

    def phrase(self, question_text: str, transcript_text: str, followup: Followup) -> str | None:
        """The follow-up worded from the transcript, or None (keep the offline text)."""
        task = (
            f"Why a follow-up is needed: {followup.reason}\n"
            f"A plain way to ask it: {followup.text}\n\n"
            "Ask that follow-up in your own words, in one sentence, referring to something the "
            "candidate actually said. End with a question mark."
        )
        try:
            reply = self._ask(_FOLLOWUP_SYSTEM, question_text, transcript_text, task, max_tokens=80)
            return check_followup(reply, question_text)
        except LanguageModelError as error:
            self._notice(f"{error}: the follow-up is the offline one")
            return None

    def coaching(
        self, question_text: str, transcript_text: str, findings: Sequence[str] = ()
    ) -> Coaching | None:
        """A short coaching paragraph that quotes the transcript, or None with a notice.

        ``findings`` are the offline scorer's conclusions (next steps, weak competencies): the
        model turns them into advice about this answer, it does not judge the answer itself.
        """
        if not transcript_text.strip():
            return None
        points = "\n".join(f"- {one_line(f)}" for f in findings[:5]) or "- (none)"
        task = (
            f"What the scoring found to work on:\n{points}\n\n"
            "Write 2 to 4 sentences of coaching for this answer. Quote at least one phrase the "
            'candidate said, exactly, in double quotes ("like this").'
        )
        try:
            reply = self._ask(
                _COACHING_SYSTEM, question_text, transcript_text, task, max_tokens=220
            )
            text, quotes = check_coaching(reply, transcript_text)
        except LanguageModelError as error:
            self._notice(f"{error}: no coaching paragraph")
            return None
        return Coaching(text, quotes, self.endpoint.model, self.endpoint.host)

    def coach_answer(
        self,
        question: Question,
        transcript_text: str,
        score: ScoreReport | None,
        metrics: DeliveryMetrics | None,
    ) -> Coaching | None:
        """:meth:`coaching` for a scored answer, built on the rubric's next steps."""
        if score is None:
            return None
        from voicemock.core.advice import next_steps

        findings = [step.text for step in next_steps(score, metrics, question)]
        return self.coaching(question.text, transcript_text, findings)

    def _ask(
        self, system: str, question_text: str, transcript_text: str, task: str, *, max_tokens: int
    ) -> str:
        """The model's reply to the question and the answer's transcript, followed by ``task``.

        Raises :class:`LanguageModelError` when the request fails.
        """
        prompt = (
            f"Interview question: {question_text}\n\n"
            f"The candidate's answer (transcript):\n{_excerpt(transcript_text)}\n\n{task}"
        )
        return self.client.complete(
            [{"role": "system", "content": system}, {"role": "user", "content": prompt}],
            max_tokens=max_tokens,
        )

    def _notice(self, what: str) -> None:
        notice = one_line(f"Language model at {self.endpoint.host}: {what}.")
        if notice not in self.notices:  # one line per failure, however often it was asked
            self.notices.append(notice)


def _excerpt(transcript_text: str) -> str:
    """The transcript, cut at a word boundary when it is very long."""
    text = " ".join(transcript_text.split())
    if len(text) <= MAX_TRANSCRIPT_CHARS:
        return text
    return text[:MAX_TRANSCRIPT_CHARS].rsplit(" ", 1)[0] + " ..."


def make_coach(
    url: str | None, model: str | None = None, *, timeout_s: float = DEFAULT_TIMEOUT_S
) -> LanguageModelCoach | None:
    """The coach for a configured endpoint, or None when no URL is set (the default).

    Raises :class:`EndpointError` for a URL that cannot be used and EngineNotAvailableError
    when the ``llm`` extra is not installed. Nothing is sent until a method is called.
    """
    if url is None or not url.strip():
        return None
    endpoint = parse_endpoint(url, model)
    return LanguageModelCoach(ChatClient(endpoint, timeout_s=timeout_s))


def coach_from_settings(
    url: str | None,
    model: str | None,
    confirmed_url: str | None,
    *,
    timeout_s: float = DEFAULT_TIMEOUT_S,
) -> tuple[LanguageModelCoach | None, str | None]:
    """The coach for the endpoint saved in Settings, and why there is none when it is set.

    ``(None, None)``: no endpoint (the default). ``(None, reason)``: the URL is unusable, the
    ``llm`` extra is missing, or the endpoint is not on this machine and ``confirmed_url`` is
    not this URL (the user has not agreed to send transcripts there): nothing is sent.
    """
    if url is None or not url.strip():
        return None, None
    try:
        coach = make_coach(url, model, timeout_s=timeout_s)
    except (EndpointError, EngineNotAvailableError) as error:
        return None, f"Language model not used: {error}."
    if coach is None:
        return None, None
    warning = coach.endpoint.remote_warning()
    if warning is not None and confirmed_url != url:
        return None, f"{warning} Not used until you confirm it in Settings."
    return coach, None


class ReportingPhraser:
    """A coach as a follow-up phraser that hands each new notice to ``on_notice`` (the app
    shows it as a notification; called on the thread that asked)."""

    def __init__(self, coach: LanguageModelCoach, on_notice: Callable[[str], None]) -> None:
        self.coach = coach
        self._on_notice = on_notice

    def phrase(self, question_text: str, transcript_text: str, followup: Followup) -> str | None:
        """The coach's wording (see :meth:`LanguageModelCoach.phrase`), reporting its notices."""
        seen = len(self.coach.notices)
        text = self.coach.phrase(question_text, transcript_text, followup)
        for notice in self.coach.notices[seen:]:
            self._on_notice(notice)
        return text
