"""Fixtures of the CLI tests."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def crops(tmp_path) -> Path:
    """A folder of two synthetic 94×24 crops named by their texts (皖A12340, 皖A12341)."""
    from lprtrain.data.testdata import synthetic_plates  # torch: only the tests that ask for crops
    from plategen.io import write_image_atomic

    folder = tmp_path / "crops"
    for i, image in enumerate(synthetic_plates(2, (94, 24)).numpy()):
        write_image_atomic(folder / f"皖A1234{i}.png", image)
    return folder
