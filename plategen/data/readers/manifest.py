"""A `path<TAB>text[<TAB>split]` manifest (the PaddleOCR / deep-text-recognition-benchmark form)."""

from __future__ import annotations

from pathlib import Path

from ...errors import DatasetError
from ...io import read_text
from ..registry import Dataset, ReadOptions, register
from ..samples import Sample, length_layout


def is_manifest(source: Path) -> bool:
    return source.is_file() and source.suffix != ".jsonl"


@register("manifest", detect=is_manifest, order=20)
def read_manifest(source: Path, options: ReadOptions) -> Dataset:
    """Paths are relative to `options.root` (default: the manifest's folder); the split defaults to
    train. Raises DatasetError naming the line when one is not `path<TAB>text`."""
    root = options.root or source.parent
    samples = []
    for lineno, line in enumerate(read_text(source, "manifest").split("\n"), 1):
        line = line.rstrip("\r")
        if not line.strip():
            continue
        parts = line.split("\t")
        if len(parts) < 2 or not parts[1]:
            raise DatasetError(f"{source}:{lineno}: expected 'path<TAB>text', got {line!r}")
        rel, text = parts[0], parts[1]
        split = parts[2] if len(parts) > 2 and parts[2] else "train"
        samples.append(
            Sample(root / rel, text, length_layout(text), split, None, {"crop": rel, "text": text})
        )
    if not samples:
        raise DatasetError(f"{source}: manifest is empty")
    return Dataset(samples)
