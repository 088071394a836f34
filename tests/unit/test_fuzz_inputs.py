"""Property-based fuzzing of everything voicemock reads from outside: any input ends in success or
a one-line error, never a traceback or a hang.

Session archives (``sessions import``), question banks, interview-prep pages (``import``) and
typed transcripts (``score``) are generated from valid ones with parts replaced by anything
JSON or text can hold (deep nesting, huge and non-finite numbers, impossible dates, escape
sequences), or made up from nothing. Example counts stay modest so the suite stays quick.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.builders import add_attempt, make_wav
from tests.conftest import data_home
from tests.unit.test_hardening import assert_terminal_safe, run_cli
from tests.unit.test_importer import make_page
from voicemock.core.store import SessionStore


def fuzz(max_examples: int) -> Any:
    """Hypothesis settings for one fuzz test (each example runs a whole command)."""
    return settings(
        max_examples=max_examples,
        deadline=None,
        database=None,  # nothing written into the repository
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


ODD_TEXT = st.sampled_from(
    [
        "",
        "[/]",
        "[bold]x[/",
        "\x1b[2J\x1b]0;pwned\x07",
        "\x9b6n",
        "\u202eevil",
        "\x00",
        "0001-01-01T00:00:00+14:00",
        "9999-12-31T23:59:59-14:00",
        "not a date",
        "../../etc/passwd",
        "a" * 5000,
    ]
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**40), max_value=10**40),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    ODD_TEXT,
)
JSON_VALUES = st.recursive(
    SCALARS,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.one_of(st.text(max_size=8), ODD_TEXT), children, max_size=4)
    ),
    max_leaves=12,
)


def assert_success_or_one_line(code: int, out: str, err: str) -> None:
    """Exit 0, or exit 1 with one line that starts ``voicemock:``; never anything raw."""
    assert "Traceback" not in out + err
    assert_terminal_safe(out, err)
    if code == 0:
        return
    assert code == 1, (code, err)
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("voicemock: "), err


@pytest.fixture(scope="module")
def fuzz_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One data folder for a whole fuzz run (imports pile up in it; duplicates are refused)."""
    with data_home(tmp_path_factory.mktemp("fuzz-home")) as home:
        yield home


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], bytes]:
    """A real export's session.json (parsed) and its recording's bytes."""
    root = tmp_path_factory.mktemp("export-source")
    with SessionStore(root / "db.sqlite3", root / "rec") as store:
        session = store.create_session("Fuzzed")
        add_attempt(store, session.id, make_wav(root / "a.wav"))
        folder = store.export_session(session.id, root / "out")
    [wav] = folder.glob("*.wav")
    return json.loads((folder / "session.json").read_text(encoding="utf-8")), wav.read_bytes()


def replace_somewhere(document: Any, data: st.DataObject, value: Any) -> Any:
    """``document`` with one randomly chosen part (maybe the whole) replaced by ``value``."""
    if not isinstance(document, dict | list) or not document or data.draw(st.booleans()):
        return value
    if isinstance(document, dict):
        key = data.draw(st.sampled_from(sorted(document)))
        return {**document, key: replace_somewhere(document[key], data, value)}
    index = data.draw(st.integers(0, len(document) - 1))
    return [
        replace_somewhere(item, data, value) if n == index else item
        for n, item in enumerate(document)
    ]


@fuzz(80)
@given(data=st.data())
def test_any_session_archive_is_imported_or_refused_in_one_line(
    fuzz_home: Path, exported: tuple[dict[str, Any], bytes], data: st.DataObject
) -> None:
    document, audio = exported
    kind = data.draw(st.sampled_from(["mutated", "mutated", "mutated", "nested", "raw", "empty"]))
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "voicemock-session-1"
        folder.mkdir()
        audio_name = document["attempts"][0]["audio_file"]
        if kind == "mutated":
            text = json.dumps(replace_somewhere(document, data, data.draw(JSON_VALUES)))
        elif kind == "nested":
            depth = data.draw(st.integers(10, 50_000))
            text = '{"format": "voicemock-session", "session": ' + "[" * depth + "]" * depth + "}"
        elif kind == "raw":
            text = data.draw(st.text(max_size=200))
        else:
            text = ""
        (folder / "session.json").write_text(text, encoding="utf-8")
        audio_kind = data.draw(st.sampled_from(["real", "real", "noise", "missing", "empty"]))
        if audio_kind == "real":
            (folder / audio_name).write_bytes(audio)
        elif audio_kind == "noise":
            (folder / audio_name).write_bytes(data.draw(st.binary(max_size=4096)))
        elif audio_kind == "empty":
            (folder / audio_name).write_bytes(b"")
        with data_home(fuzz_home):
            code, out, err = run_cli(["sessions", "import", str(folder), "--allow-duplicate"])
    assert_success_or_one_line(code, out, err)


def bank_text(question_text: str = "Tell me about a time you disagreed.") -> str:
    return f"""bank: {{id: fuzz, title: Fuzz bank, version: 1}}
questions:
  - id: fuzz-q
    text: {json.dumps(question_text)}
    role: Any role
    level: mid
    competencies:
      - id: listening
        label: Listening
        description: Hears the other view out.
        indicators:
          - {{meaning: listening, phrases: [listened, asked]}}
        exemplars: [I asked her to walk me through her reasoning.]
"""


@fuzz(80)
@given(data=st.data())
def test_any_bank_file_loads_or_gives_one_line(tmp_path: Path, data: st.DataObject) -> None:
    from voicemock.core.rubrics import load_library

    base = bank_text(data.draw(st.one_of(st.text(max_size=40), ODD_TEXT)))
    lines = base.splitlines()
    kind = data.draw(st.sampled_from(["line", "value", "raw", "yaml-json"]))
    if kind == "line":
        index = data.draw(st.integers(0, len(lines) - 1))
        lines[index] = data.draw(st.one_of(st.text(max_size=60), ODD_TEXT))
        text = "\n".join(lines)
    elif kind == "value":
        text = base + f"  - {json.dumps(data.draw(JSON_VALUES))}\n"
    elif kind == "raw":
        text = data.draw(st.text(max_size=300))
    else:
        text = json.dumps(data.draw(JSON_VALUES))
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "bank.yaml").write_text(text, encoding="utf-8", errors="surrogatepass")
        library = load_library(shipped_dir=folder / "none", user_dir=folder)
    for error in library.errors:
        assert "\n" not in error
        assert error.startswith(str(folder / "bank.yaml")) or "bank.yaml" in error


@fuzz(15)
@given(data=st.data())
def test_any_prep_page_imports_or_gives_one_line(data: st.DataObject) -> None:
    kind = data.draw(st.sampled_from(["page", "page", "raw"]))
    if kind == "page":
        lines = make_page().splitlines()
        for _ in range(data.draw(st.integers(1, 4))):
            index = data.draw(st.integers(0, len(lines) - 1))
            lines[index] = data.draw(st.one_of(st.text(max_size=80), ODD_TEXT))
        text = "\n".join(lines)
    else:
        text = data.draw(st.text(max_size=400))
    with tempfile.TemporaryDirectory() as tmp, data_home(Path(tmp) / "home"):
        page = Path(tmp) / "page.txt"
        page.write_text(text, encoding="utf-8", errors="surrogatepass")
        code, out, err = run_cli(["import", str(page), "--force"])
    assert_success_or_one_line(code, out, err)


@fuzz(20)
@given(
    text=st.one_of(
        st.text(max_size=400),
        st.lists(st.one_of(st.text(max_size=30), ODD_TEXT), max_size=20).map(" ".join),
    ),
    suffix=st.sampled_from([".txt", ".md"]),
)
def test_any_typed_transcript_is_scored_or_refused_in_one_line(text: str, suffix: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        answer = Path(tmp) / f"answer{suffix}"
        answer.write_text(text, encoding="utf-8", errors="surrogatepass")
        code, out, err = run_cli(["score", str(answer), "-q", "beh-failure", "--no-embeddings"])
    assert_success_or_one_line(code, out, err)


def test_fuzzing_leaves_the_store_readable(fuzz_home: Path) -> None:
    """Whatever the fuzzing imported, every command that reads the store still works."""
    with data_home(fuzz_home):
        for args in (["sessions", "list"], ["sessions", "list", "--json"]):
            code, out, err = run_cli(args)
            assert code == 0, err
            assert_terminal_safe(out, err)
        with SessionStore() as store:
            sessions = store.list_sessions()
            assert store.check_health().integrity == ()
        for session in sessions[:10]:
            code, out, err = run_cli(["sessions", "show", str(session.id)])
            assert code == 0, err
            assert_terminal_safe(out, err)
