"""The record every dataset reader yields (`Sample`), and `load_samples`, the way every stage after
`crop` reads its input. Readers live in `plategen.data.readers`; `plategen.data.registry` picks one."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..plates.grammar import PlateKind

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp", ".webp")
INDEX_NAME = "index.jsonl"

Point = tuple[int, int]


@dataclass(frozen=True)
class Sample:
    """One image and its text. `layout` groups crops that share character positions.

    `corners` is the plate's quad in the image (TL, TR, BR, BL) when the source annotates one (CCPD
    photos), else None; `bbox` its annotated axis-aligned box ((x1, y1), (x2, y2)), if any.
    `kind` is its plate kind, or None when the source does not say: every reader sets it by the one
    rule, `plategen.plates.grammar.sample_kind`, and every stage reads it here.
    """

    path: Path
    text: str
    layout: str
    split: str = "train"
    subset: str | None = None
    fields: dict = field(default_factory=dict, compare=False, hash=False)  # the source's own fields
    corners: tuple[Point, Point, Point, Point] | None = None
    bbox: tuple[Point, Point] | None = None
    kind: PlateKind | None = None

    @property
    def key(self) -> str:
        """A stable, tar-safe sample key (the WebDataset `__key__`)."""
        return self.fields.get("key") or self.path.stem.replace(".", "_")


def length_layout(text: str) -> str:
    """The default layout key of generic data: the text length."""
    return f"len{len(text)}"


__all__ = ["Sample", "length_layout", "IMAGE_EXTENSIONS", "INDEX_NAME"]
