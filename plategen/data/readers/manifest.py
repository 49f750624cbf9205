"""A `path<TAB>text[<TAB>split]` manifest (the PaddleOCR / deep-text-recognition-benchmark form)."""

from __future__ import annotations

from pathlib import Path

from ...errors import DatasetError
from ...io import read_text
from ...plates.grammar import sample_kind
from ..registry import Dataset, ReadOptions, register
from ..samples import Sample, length_layout
from ..splits import checked_split, hash_split


def is_manifest(source: Path) -> bool:
    return source.is_file() and source.suffix != ".jsonl"


@register("manifest", detect=is_manifest, order=20)
def read_manifest(source: Path, options: ReadOptions) -> Dataset:
    """Paths are relative to `options.root` (default: the manifest's folder). A row's split is its
    third column (train, val or test), else `hash_split` of its text. Raises DatasetError naming the
    line when one is not `path<TAB>text`, or its split is another word."""
    root, val_fraction = options.root or source.parent, options.held_out()
    samples = []
    for lineno, line in enumerate(read_text(source, "manifest").split("\n"), 1):
        line = line.rstrip("\r")
        if not line.strip():
            continue
        parts = line.split("\t")
        if len(parts) < 2 or not parts[1]:
            raise DatasetError(f"{source}:{lineno}: expected 'path<TAB>text', got {line!r}")
        rel, text = parts[0], parts[1]
        if len(parts) > 2 and parts[2]:
            split = checked_split(parts[2], f"{source}:{lineno}: column 3 (split)")
        else:
            split = hash_split(text, val_fraction)
        fields, layout = {"crop": rel, "text": text}, length_layout(text)
        kind = sample_kind(fields, layout, root / rel)  # none: a manifest states no kind
        samples.append(Sample(root / rel, text, layout, split, None, fields, kind=kind))
    if not samples:
        raise DatasetError(f"{source}: manifest is empty")
    return Dataset(samples)
