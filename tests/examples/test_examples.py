"""The runnable examples stay runnable."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from plategen.data.shards import read_shard_manifest, read_shard_split

REPO = Path(__file__).resolve().parents[2]


def test_ocr_labels_example_builds_shards_for_a_non_plate_dataset(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, str(REPO / "examples" / "ocr_labels.py"), str(tmp_path)],
        check=True,
        capture_output=True,
        timeout=300,
        cwd=REPO,
    )
    shards = next(p.parent for p in tmp_path.rglob("manifest.json"))
    manifest = read_shard_manifest(shards)
    split = next(iter(manifest["splits"]))
    arrays = read_shard_split(shards, split)
    assert {len(t) for t in arrays.texts} >= {4, 6}  # words and digit strings, each its own layout
    assert arrays.labels.max() == 255 and arrays.labels.shape[1:] == arrays.crops.shape[1:3]
    assert set(manifest["alignment"]["layouts"]) >= {"len4", "len6"}
