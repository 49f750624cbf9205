from __future__ import annotations

from pathlib import Path

import pytest

from .tiny import tiny_shards


@pytest.fixture(scope="session")
def shards(tmp_path_factory) -> Path:
    """Tiny shards (34 train, 6 val) from synth → crop → align → render-labels; read-only."""
    return tiny_shards(tmp_path_factory.getbasetemp())
