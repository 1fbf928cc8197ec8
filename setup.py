"""Build hook: every wheel carries the study folders, so `psyai simulate` and `psyai analyze` work installed.

pyproject.toml holds the project's metadata; this file only adds one step to
build_py. The experiment scripts, analysis scripts and stimuli stay where a
researcher finds them in the checkout (experiments/, analysis/, stimuli/); a
wheel gets a copy of them under psyai/_study/, which psyai.study finds when
psyai is installed outside the checkout. An editable install needs no copy.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
STUDY_FOLDERS = ("experiments", "analysis", "stimuli")
# what a run or a build leaves beside the sources (see .gitignore): never shipped
GENERATED = shutil.ignore_patterns("__pycache__", "*.pyc", "_model", "_model_*", "*.safetensors")


class BuildWithStudy(build_py):
    """build_py, then a copy of experiments/, analysis/ and stimuli/ into psyai/_study/."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        target = Path(self.build_lib) / "psyai" / "_study"
        for folder in STUDY_FOLDERS:
            shutil.copytree(ROOT / folder, target / folder, ignore=GENERATED, dirs_exist_ok=True)


setup(cmdclass={"build_py": BuildWithStudy})
