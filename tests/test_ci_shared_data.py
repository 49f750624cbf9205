"""Issue 10 item 11: under CI, tests that need ../shared/data fail (with a clear message) when it is
absent; elsewhere they skip. Checked by running tests/conftest.py in a throwaway project."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

CONFTEST = Path(__file__).with_name("conftest.py")
TESTS = """
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "ccpd-images"


def test_via_fixture(plate_crops):
    assert plate_crops.is_dir()


def test_own_path():
    if not DATA.is_dir():
        pytest.skip(f"{DATA} not present")


def test_other_skip():
    pytest.skip("needs a GPU")


def test_plain():
    assert True
"""


def run(tmp_path: Path, ci: bool, data: str | None) -> subprocess.CompletedProcess:
    project = tmp_path / "project"
    if not project.exists():
        (project / "tests").mkdir(parents=True)
        shutil.copy(CONFTEST, project / "tests" / "conftest.py")
        (project / "tests" / "__init__.py").write_text("")
        (project / "tests" / "test_data.py").write_text(TESTS)
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "PLATEGEN_SHARED_DATA", "PYTEST_ADDOPTS")}
    if ci:
        env["CI"] = "true"
    if data is not None:
        env["PLATEGEN_SHARED_DATA"] = data
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rfEs", "-p", "no:cacheprovider", "tests"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("data", [None, "/nonexistent"])
def test_missing_shared_data_fails_under_ci(tmp_path, data):
    result = run(tmp_path, ci=True, data=data)
    assert result.returncode == 1, result.stdout
    # a fixture that fails is reported as an error at setup; either way the run fails
    assert "1 failed, 1 passed, 1 skipped, 1 error" in result.stdout, result.stdout
    for outcome, test in (("ERROR", "test_via_fixture"), ("FAILED", "test_own_path")):
        prefix = f"{outcome} tests/test_data.py::{test}"
        (line,) = [x for x in result.stdout.splitlines() if x.startswith(prefix)]
        assert "real data missing under CI" in line and "../shared/data must be present" in line
    assert "SKIPPED [1] tests/test_data.py:" in result.stdout and "needs a GPU" in result.stdout


def test_missing_shared_data_skips_outside_ci(tmp_path):
    result = run(tmp_path, ci=False, data="/nonexistent")
    assert result.returncode == 0, result.stdout
    assert "1 passed, 3 skipped" in result.stdout, result.stdout
    assert "real data not available: /nonexistent/plate-crops" in result.stdout


def test_present_shared_data_is_used_under_ci(tmp_path):
    data = tmp_path / "data"
    (data / "plate-crops").mkdir(parents=True)
    result = run(tmp_path, ci=True, data=str(data))
    # the fixture finds it; the test with its own path still lacks ../shared/data in the throwaway project
    assert "1 failed, 2 passed, 1 skipped" in result.stdout, result.stdout
    assert "FAILED tests/test_data.py::test_own_path" in result.stdout
