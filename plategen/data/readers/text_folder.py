"""A folder of crops named by their text: `皖A12345.jpg`, `皖A12345_2.jpg` (a suffix tells apart
plates that share a text). The catch-all reader: it accepts any folder."""

from __future__ import annotations

from pathlib import Path

from ...errors import DatasetError
from ...plates.grammar import sample_kind
from ..registry import Dataset, ReadOptions, register
from ..samples import IMAGE_EXTENSIONS, Sample, length_layout
from ..splits import hash_split


@register("text-folder", detect=Path.is_dir, order=90)
def read_text_folder(source: Path, options: ReadOptions) -> Dataset:
    """Every image under `source`; split train/val by a hash of the text (`splits.hash_split`), so
    plates with the same text stay together. Raises DatasetError if there are no images."""
    val_fraction = options.held_out()
    files = sorted(p for p in source.rglob("*") if p.suffix.lower() in IMAGE_EXTENSIONS and p.is_file())
    if options.exclude is not None:
        files = [p for p in files if not p.is_relative_to(options.exclude)]
    if not files:
        raise DatasetError(f"{source}: no images found")
    samples, skipped = [], []
    for p in files:
        text, rel = p.stem.split("_")[0], p.relative_to(source).as_posix()
        if not text:
            skipped.append((rel, "the file name holds no text before '_'"))
            continue
        fields, layout = {"crop": rel, "text": text}, length_layout(text)
        kind = sample_kind(fields, layout, p)  # none: a file name states no kind
        samples.append(Sample(p, text, layout, hash_split(text, val_fraction), None, fields, kind=kind))
    return Dataset(samples, skipped)
