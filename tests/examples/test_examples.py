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


def test_ocr_labels_example_has_help_and_refuses_what_it_cannot_use(tmp_path: Path) -> None:
    """Before, `--help` made a folder named `--help` and ran the whole example into it."""
    script = str(REPO / "examples" / "ocr_labels.py")

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, script, *args], capture_output=True, text=True, cwd=tmp_path, timeout=60
        )

    shown = run("--help")
    assert shown.returncode == 0 and shown.stdout.startswith("usage: ocr_labels.py [-h] [--seed SEED] [out]")
    (tmp_path / "a-file").write_text("")
    for args, error in [
        (["--bogus"], "error: unrecognized arguments: --bogus"),
        (["a-file"], "error: OUT 'a-file' is a file, not a folder"),
        (["--seed", "-1"], "error: --seed -1 must be >= 0"),
    ]:
        refused = run(*args)
        assert refused.returncode == 2 and refused.stderr.strip().endswith(error), refused.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file"]
