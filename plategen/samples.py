"""Where crops come from: a `plategen crop` index, a `path<TAB>text` manifest, or a folder of crops
named after their text (`皖A12345.jpg`). Every stage after `crop` reads its input through here."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from .errors import DatasetError

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp", ".webp")
INDEX_NAME = "index.jsonl"


@dataclass(frozen=True)
class Sample:
    """One text-line crop and its text. `layout` groups crops that share character positions."""

    path: Path
    text: str
    layout: str
    split: str = "train"
    subset: str | None = None
    fields: dict = field(default_factory=dict, compare=False, hash=False)  # every index field

    @property
    def key(self) -> str:
        """A stable, tar-safe sample key (the WebDataset `__key__`)."""
        return self.fields.get("key") or self.path.stem.replace(".", "_")


def length_layout(text: str) -> str:
    """The default layout key of generic data: the text length."""
    return f"len{len(text)}"


def load_samples(
    source: str | Path, manifest: str | Path | None = None, layout_key: str | None = None
) -> list[Sample]:
    """Read the samples of a crop folder or index, a folder plus a manifest, or a manifest alone.

    `layout_key` names the index field that defines the layout (default: `plate_type` for a crop
    index, text length otherwise). Raises DatasetError if the source is missing, empty or malformed.
    """
    source = Path(source)
    if manifest is not None:
        return _from_manifest(Path(manifest), source if source.is_dir() else Path(manifest).parent)
    if source.is_file() and source.suffix == ".jsonl":
        return _from_index(source, layout_key)
    if source.is_file():
        return _from_manifest(source, source.parent)
    if not source.is_dir():
        raise DatasetError(f"{source}: no such folder or file")
    if (source / INDEX_NAME).is_file():
        return _from_index(source / INDEX_NAME, layout_key)
    return _from_folder(source)


def _from_index(path: Path, layout_key: str | None) -> list[Sample]:
    samples = []
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                crop, text = row["crop"], row["text"]
            except (json.JSONDecodeError, KeyError, TypeError) as exc:
                raise DatasetError(f"{path}:{lineno}: not a crop index row ({exc!r})") from None
            layout = str(row.get(layout_key or "plate_type") or length_layout(text))
            samples.append(
                Sample(path.parent / crop, text, layout, row.get("split") or "train", row.get("subset"), row)
            )
    if not samples:
        raise DatasetError(f"{path}: crop index is empty")
    return samples


def _from_manifest(path: Path, root: Path) -> list[Sample]:
    if not path.is_file():
        raise DatasetError(f"{path}: manifest not found")
    samples = []
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            line = line.rstrip("\n\r")
            if not line.strip():
                continue
            parts = line.split("\t")
            if len(parts) < 2 or not parts[1]:
                raise DatasetError(f"{path}:{lineno}: expected 'path<TAB>text', got {line!r}")
            rel, text = parts[0], parts[1]
            split = parts[2] if len(parts) > 2 and parts[2] else "train"
            samples.append(
                Sample(root / rel, text, length_layout(text), split, None, {"crop": rel, "text": text})
            )
    if not samples:
        raise DatasetError(f"{path}: manifest is empty")
    return samples


def _from_folder(folder: Path) -> list[Sample]:
    files = sorted(p for p in folder.rglob("*") if p.suffix.lower() in IMAGE_EXTENSIONS and p.is_file())
    if not files:
        raise DatasetError(f"{folder}: no images found")
    samples = []
    for p in files:
        # "皖A12345.jpg" or "皖A12345_2.jpg" (a suffix tells duplicates apart)
        text = p.stem.split("_")[0]
        samples.append(
            Sample(
                p, text, length_layout(text), "test", None, {"crop": str(p.relative_to(folder)), "text": text}
            )
        )
    return samples
