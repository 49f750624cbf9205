"""Shared fixtures. Real third-party data lives in ../shared/data beside the repo; tests that need it
skip cleanly when it is absent, except under CI (the environment variable CI set), where the data
must be present and a test that needs it fails instead, saying so.

PLATEGEN_SHARED_DATA overrides where the data is looked for (e.g. `/nonexistent` runs the suite as a
fresh clone elsewhere would; tests/mutations.py --no-data does that).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("PLATEGEN_SHARED_DATA") or REPO.parent / "shared" / "data")
# How the tests that skip for missing real data say so (some build their own path to it).
_MISSING_DATA = ("real data not available", "real CCPD photos not available", "shared/data")


def missing_data_message(what: object) -> str:
    return (
        f"real data missing under CI: {what}. CI is set, so ../shared/data must be present "
        "(tests that need it fail instead of skipping); unset CI to skip them locally."
    )


def shared(sub: str) -> Path:
    path = SHARED_DATA / sub
    if not path.exists():
        if os.environ.get("CI"):
            pytest.fail(missing_data_message(path), pytrace=False)
        pytest.skip(f"real data not available: {path}")
    return path


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Under CI, a skip for missing real data (from any test, whatever path it built) is a failure."""
    outcome = yield
    report = outcome.get_result()
    if not (report.skipped and os.environ.get("CI")) or hasattr(report, "wasxfail"):
        return
    reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
    if any(marker in reason for marker in _MISSING_DATA) or str(SHARED_DATA) in reason:
        report.outcome = "failed"
        report.longrepr = missing_data_message(reason.removeprefix("Skipped: "))


@pytest.fixture
def ccpd_images() -> Path:
    return shared("ccpd-images")


@pytest.fixture
def plate_crops() -> Path:
    return shared("plate-crops")


@pytest.fixture
def ccpd_splits() -> Path:
    return shared("ccpd-splits")


@pytest.fixture
def pretrained_pth() -> Path:
    return shared("lprnet-pretrained/Final_LPRNet_model.pth")


@pytest.fixture
def real_crops() -> Path:
    return shared("real-crops")
