"""Build hook: the question banks and clips at the top of the repository go into the wheel.

``rubrics/`` and ``audio/`` stay at the repository's top level; a built wheel carries them in
``voicemock/_data/`` where ``voicemock.paths.shipped_data_dir`` finds them. Everything else is
configured in pyproject.toml.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
# Folder -> the files of it that ship (the clips' generator script stays in the repository).
SHIPPED_DATA = {
    "rubrics": ("*.yaml", "*.yml", "library/*.yaml"),
    "audio": ("*.wav", "*.ogg", "*.md"),
}


class BuildPyWithData(build_py):
    """``build_py`` that also copies the shipped data folders into the package."""

    def run(self) -> None:
        super().run()
        for folder, patterns in SHIPPED_DATA.items():
            target = Path(self.build_lib) / "voicemock" / "_data" / folder
            shutil.rmtree(target, ignore_errors=True)
            target.mkdir(parents=True)
            for pattern in patterns:
                for source in sorted((ROOT / folder).glob(pattern)):
                    dest = target / source.relative_to(ROOT / folder)
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(source, dest)


setup(cmdclass={"build_py": BuildPyWithData})
