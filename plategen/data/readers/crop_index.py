"""A `plategen crop` index: JSON Lines, one crop a line with its text, split, subset and CCPD fields."""

from __future__ import annotations

from pathlib import Path

from ...errors import DatasetError
from ...io import jsonl_rows
from ...plates.grammar import sample_kind
from ..registry import Dataset, ReadOptions, register
from ..samples import INDEX_NAME, Sample, length_layout
from ..splits import checked_split, hash_split


def is_crop_index(source: Path) -> bool:
    if source.is_file():
        return source.suffix == ".jsonl"
    return (source / INDEX_NAME).is_file()


@register("crop-index", detect=is_crop_index, order=10)
def read_crop_index(source: Path, options: ReadOptions) -> Dataset:
    """Crops are relative to the index's folder; the layout is `options.layout_key`'s field
    (default `plate_type`), else the text length; the split is the row's `split`, else `hash_split`
    of its text; the kind is `sample_kind`'s. Raises DatasetError naming the line and field, KindError
    naming the crop for a kind field that names no kind (unless `options.check_kinds` is off)."""
    path = source / INDEX_NAME if source.is_dir() else source
    samples = []
    for lineno, row in jsonl_rows(path, "crop index"):
        _check_row(row, path, lineno)
        layout = str(row.get(options.layout_key or "plate_type") or length_layout(row["text"]))
        if row.get("split") in (None, ""):
            split = hash_split(row["text"], options.held_out())
        else:
            split = checked_split(row["split"], f"{path}:{lineno}: field 'split'")
        crop = path.parent / row["crop"]
        kind = sample_kind(row, layout, crop, options.check_kinds)
        samples.append(Sample(crop, row["text"], layout, split, row.get("subset"), row, kind=kind))
    if not samples:
        raise DatasetError(f"{path}: crop index is empty")
    return Dataset(samples)


def _check_row(row: dict, path: Path, lineno: int) -> None:
    for key in ("crop", "text"):
        if not isinstance(row.get(key), str) or not row[key]:
            raise DatasetError(
                f"{path}:{lineno}: field {key!r}: expected a non-empty string, got {row.get(key)!r}"
            )
