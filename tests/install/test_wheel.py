"""The built wheel is the whole product: installed outside the checkout, it finds everything.

The wheel is built from a copy of the sources, installed into a fresh virtual environment in a
temporary folder and run from there: question banks, the tokenizer and the clips must come
from the installed package, never from this checkout. The environment sees the packages already
installed for the tests (a ``.pth`` line), so nothing is downloaded: ``pip install --no-index``
fails if the wheel asks for anything that is not there.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
QUESTION_ID = "sac-client-resistance"
ANSWER = (
    "Last spring a client told me the sessions were a waste of his time. I listened first and "
    "asked what he wanted from treatment. We agreed on one goal he chose himself, and I kept "
    "what he told me private. By the end of the month he came to every session."
)

pytestmark = pytest.mark.install


def _run(args: list[str | Path], **kwargs: object) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [str(a) for a in args], capture_output=True, text=True, timeout=300, **kwargs
    )
    assert result.returncode == 0, f"{args}\n{result.stdout}\n{result.stderr}"
    return result


def _copy_sources(target: Path) -> None:
    """The files git knows or would add (what a clean clone plus local edits holds)."""
    listed = _run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT
    ).stdout
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bin/ folder of a fresh virtual environment with the built wheel installed."""
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("needs a git checkout to build from")
    work = tmp_path_factory.mktemp("wheel")
    sources, dist, venv = work / "src", work / "dist", work / "venv"
    _copy_sources(sources)
    _run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
         "--no-index", "-w", dist, sources]
    )  # fmt: skip
    wheel = next(dist.glob("voicemock-*.whl"))
    _run([sys.executable, "-m", "venv", "--without-pip", venv])
    venv_python = venv / "bin" / "python"
    site = _run(
        [venv_python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]
    ).stdout.strip()
    # The test environment's packages (pip among them) are visible, not installed again.
    Path(site, "test-environment.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    _run(
        [venv_python, "-m", "pip", "install", "-q", "--no-index", "--no-cache-dir", wheel],
        cwd=work,
    )
    return venv / "bin"


def _voicemock(bin_dir: Path, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "PWD")}
    env.update(VOICEMOCK_HOME=str(home), HF_HUB_OFFLINE="1")
    return _run([bin_dir / "voicemock", *args], cwd=home, env=env)


def test_the_package_and_its_files_come_from_the_wheel(installed: Path, tmp_path: Path) -> None:
    code = (
        "import voicemock, voicemock.paths as p; "
        "from voicemock.core.embeddings import find_model_files as f; "
        "print(voicemock.__file__, p.SHIPPED_RUBRICS_DIR, p.SHIPPED_AUDIO_DIR, "
        "f().tokenizer_path, sep='\\n')"
    )
    result = _run([installed / "python", "-c", code], cwd=tmp_path)
    venv = installed.parent.resolve()
    for line in result.stdout.splitlines():
        assert Path(line).resolve().is_relative_to(venv), line
        assert Path(line).exists(), line
    licence = Path(result.stdout.splitlines()[-1]).parent
    assert (licence / "LICENSE").is_file() and (licence / "NOTICE").is_file()


def test_questions_are_listed(installed: Path, tmp_path: Path) -> None:
    questions = json.loads(_voicemock(installed, tmp_path, "questions", "--json").stdout)
    ids = {q["id"] for q in questions}
    assert QUESTION_ID in ids and len(ids) > 10


def test_a_text_answer_is_scored_with_embeddings(installed: Path, tmp_path: Path) -> None:
    answer = tmp_path / "answer.txt"
    answer.write_text(ANSWER)
    result = _voicemock(
        installed, tmp_path, "score", str(answer), "--question", QUESTION_ID, "--json"
    )
    score = json.loads(result.stdout)["score"]
    assert score["used_embeddings"] is True
    assert score["overall"] > 0
    # The whole-answer reading's weights ship with the model (0 is a reading; None is none).
    assert score["reading"] is not None


def test_a_shipped_clip_is_analysed(installed: Path, tmp_path: Path) -> None:
    clip = _run(
        [installed / "python", "-c", "import voicemock.paths as p; print(p.SHIPPED_AUDIO_DIR)"]
    ).stdout.strip()
    result = _voicemock(
        installed, tmp_path, "analyze", str(Path(clip, "short-answer.wav")), "--json"
    )
    words = " ".join(w["text"] for w in json.loads(result.stdout)["transcript"]["words"]).lower()
    assert "client" in words and "goal" in words
