"""Reading and averaging for `plategen align`: the streaming mean crop of each layout.

A float64 sum and a count per layout, O(1) memory in the number of crops, summed over chunks in
worker processes. Every crop is resized to its layout's size with the one resize rule
(`plategen.io.resize_to`), so crops of any size average together.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image, UnidentifiedImageError

from ..config import INPUT_SIZE
from ..data.samples import Sample
from ..errors import ImageReadError, reason
from ..plates.grammar import layout_kind
from ..plates.rows import RowsNotFound, read_line
from ..pool import pool_map

if TYPE_CHECKING:
    from .config import AlignConfig

# crops per worker task: enough to amortise the partial sums' pickling, few enough to balance
CHUNK = (64, 1024)
DEFAULT_SIZE = INPUT_SIZE  # (W, H) of a layout whose crops differ in size: LPRNet's input
SIZE_PROBE = 16  # crops per layout whose sizes are compared


def _load(path: Path, size: tuple[int, int], kind: str | None = None) -> np.ndarray:
    """The crop at `size`; a two-row plate's (by its kind, `Sample.kind`) with its rows side by side."""
    return read_line(path, size, kind)


def _accumulate(task: tuple[list[tuple[str, str, str | None]], dict[str, tuple[int, int]]]):
    """Worker: partial sums of one chunk of (path, layout, kind name). Returns ({layout: (sum, n)},
    skipped)."""
    items, sizes = task
    sums: dict[str, list] = {}
    skipped = []
    for path, layout, kind in items:
        try:
            image = _load(Path(path), sizes[layout], kind)
        except (ImageReadError, RowsNotFound) as exc:
            skipped.append((path, reason(exc, path)))
            continue
        acc = sums.setdefault(layout, [np.zeros(image.shape, np.float64), 0])
        acc[0] += image
        acc[1] += 1
    return {k: (v[0], v[1]) for k, v in sums.items()}, skipped


def layout_sizes(samples: Sequence[Sample], config: AlignConfig) -> dict[str, tuple[int, int]]:
    """The working size (W, H) of each layout: `config.size`; else the size its first `SIZE_PROBE`
    readable crops share (crops from `plategen crop`); else, when they differ (crops cut from
    photos), DEFAULT_SIZE. Only image headers are read; an unreadable crop is reported later, with
    its reason, by the worker pass."""
    if config.size is not None:
        return {s.layout: config.size for s in samples}
    seen: dict[str, list[tuple[int, int]]] = {}
    for s in samples:
        sizes = seen.setdefault(s.layout, [])
        if len(sizes) < SIZE_PROBE and (size := _header_size(s.path)) is not None:
            sizes.append(size)
    # a two-row kind's crops are 2:1 plates, averaged as the one line a reader sees (plates.rows)
    return {k: v[0] if len(set(v)) == 1 and _rows(k) == 1 else DEFAULT_SIZE for k, v in seen.items() if v}


def _rows(layout: str) -> int:
    kind = layout_kind(layout)  # a layout's size is the layout's: by its name, as its template
    return kind.rows if kind is not None else 1


def _header_size(path: Path) -> tuple[int, int] | None:
    try:
        with Image.open(path) as image:
            return image.size
    except (OSError, UnidentifiedImageError, ValueError):
        return None


def mean_images(
    samples: Sequence[Sample], config: AlignConfig, workers: int = 1, progress: bool = True
) -> tuple[dict[str, tuple[np.ndarray, int]], list[tuple[str, str]]]:
    """Mean crop per layout: ({layout: (mean (H, W, 3) float64, count)}, skipped [(path, reason)])."""
    sizes = layout_sizes(samples, config)
    # a kind travels by name: a worker looks it up in the grammar
    items = [(str(s.path), s.layout, s.kind and s.kind.name) for s in samples if s.layout in sizes]
    orphans = [(str(s.path), "no readable crop in its layout") for s in samples if s.layout not in sizes]
    size = int(np.clip(-(-len(items) // (4 * max(workers, 1))), *CHUNK))
    chunks = [(items[i : i + size], sizes) for i in range(0, len(items), size)]
    totals: dict[str, list] = {}
    skipped = list(orphans)
    partials = pool_map(
        _accumulate,
        chunks,
        workers,
        desc="align: mean image",
        unit="crop",
        total=len(items),
        advance=lambda result: sum(n for _, n in result[0].values()) + len(result[1]),
        progress=progress,
    )
    for partial, bad in partials:
        for layout, (s, n) in partial.items():
            acc = totals.setdefault(layout, [np.zeros_like(s), 0])
            acc[0] += s
            acc[1] += n
        skipped += bad
    return {k: (v[0] / v[1], v[1]) for k, v in totals.items() if v[1]}, skipped
