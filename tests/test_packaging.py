"""What a plain ``pip install clientflow`` user gets: imports that need no test extras,
and package metadata ready for an index."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_WITHOUT_PYTEST = """
import sys

class NoPytest:
    def find_spec(self, name, path=None, target=None):
        if name == "pytest" or name.startswith("_pytest"):
            raise ImportError("pytest is not installed")

sys.meta_path.insert(0, NoPytest())
from clientflow.testing import sample_codec
sample_codec()
try:
    from clientflow.testing import StoreContract
except ImportError as error:
    print("contract:", error)
"""


def test_testing_samples_import_without_pytest() -> None:
    """Scripts and benchmarks use the samples; only the contracts need pytest."""
    done = subprocess.run(
        [sys.executable, "-c", _WITHOUT_PYTEST], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "contract: pytest is not installed"


def test_the_package_declares_its_license_and_ships_the_text() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["license"] == "MIT"
    assert project["license-files"] == ["LICENSE"]
    assert "MIT License" in (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert project["readme"] == "README.md"
    assert project["requires-python"] == ">=3.11"


def test_every_public_name_resolves_and_star_import_works() -> None:
    """``from clientflow import *`` gives every name in ``__all__`` (the workspace too),
    so a host can rely on the documented front page of the API."""
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import clientflow\n"
            "from clientflow import *\n"
            "missing = [n for n in clientflow.__all__ if n not in globals()]\n"
            "assert not missing, missing\n"
            "assert Workspace.__module__.startswith('clientflow.workspace')\n"
            "assert TransactionConflict.__mro__[1] is ConcurrencyError\n",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
