"""Shared fixtures. Real third-party data lives in ../shared/data beside the repo; tests that need it
skip cleanly when it is absent."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"


def shared(sub: str) -> Path:
    path = SHARED_DATA / sub
    if not path.exists():
        pytest.skip(f"real data not available: {path}")
    return path


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
