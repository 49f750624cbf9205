"""The `fresh_clone` marker is complete: a test module that finds ../shared/data by its own path
either takes another path without it (and carries the marker, so tests/fresh_clone.py runs that path
in CI) or only skips without it (and is listed here, with what it skips)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import SHARED_DATA

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
# Modules that look for the data themselves only to skip when it is absent (or name it, never read).
SKIP_ONLY = {
    "test_ci_shared_data.py": "tests conftest.py's skip-or-fail rule in a throwaway project",
    "plategen/test_render.py": "skips the real-photo comparisons",
    "plategen/test_crop.py": "skips the real CCPD photos",
    "plategen/test_rectify.py": "skips the real CCPD photos",
    "lprtrain/test_model.py": "skips the published LPRNet weights",
    "lprtrain/test_quantize.py": "skips the published LPRNet weights",
    "test_readme.py": "never reads the data: exempts the README's ../shared paths from its check",
}
FINDS_DATA = re.compile(r'SHARED_DATA|"shared"|LEARNING_SYNTHETIC')
MARKED = re.compile(r"pytest\.mark\.fresh_clone")


def test_every_module_that_finds_the_data_itself_is_marked_or_only_skips() -> None:
    unmarked = []
    for path in sorted(TESTS.rglob("test_*.py")):
        name = path.relative_to(TESTS).as_posix()
        text = path.read_text(encoding="utf-8")
        if path == Path(__file__) or not FINDS_DATA.search(text):
            continue
        if not MARKED.search(text) and name not in SKIP_ONLY:
            unmarked.append(name)
    assert not unmarked, f"mark these pytest.mark.fresh_clone or list them in SKIP_ONLY: {unmarked}"


def test_the_learning_tests_are_marked() -> None:
    # the three tests a fresh clone failed before issue 26 (synth drew 澳, which CCPD's charset lacks)
    assert MARKED.search((TESTS / "lprtrain" / "test_learning.py").read_text(encoding="utf-8"))


def test_probe_sees_no_data() -> None:
    """Run by the next test inside tests/fresh_clone.py's copy: no data, no CI, the copy's own code."""
    if not os.environ.get("FRESH_CLONE_PROBE"):
        pytest.skip("runs inside tests/fresh_clone.py")
    assert not (REPO.parent / "shared").exists() and not SHARED_DATA.exists()
    assert "CI" not in os.environ
    assert Path(pytest.__file__).exists() and Path(__file__).resolve().is_relative_to(REPO)


@pytest.mark.slow
def test_fresh_clone_runs_the_tests_without_the_data() -> None:
    env = {**os.environ, "FRESH_CLONE_PROBE": "1"}
    args = ["-q", "tests/test_fresh_clone.py", "-k", "probe"]
    result = subprocess.run(
        [sys.executable, str(TESTS / "fresh_clone.py"), *args], env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout[-2000:]
    assert "1 passed" in result.stdout and "(no ../shared)" in result.stdout, result.stdout[-2000:]
