"""The dataset seam: one registry of readers, each turning one input format into `Sample`s.

    @register("my-format", detect=lambda path: path.suffix == ".csv")
    def read_my_format(source: Path, options: ReadOptions) -> Dataset: ...

`read_dataset` asks each reader's `detect` in registration order and uses the first that accepts
the source (or the one named by `format`); `load_samples` is the same for the stages that need at
least one sample. The built-in readers (`plategen.data.readers`): a `plategen crop` index, a
`path<TAB>text` manifest, a CCPD tree, a folder of crops named by their text (the fallback). Every
reader gives every sample a split, by the one policy of `plategen.data.splits`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import DatasetError
from .splits import VAL_FRACTION, hash_split

if TYPE_CHECKING:
    from .samples import Sample


@dataclass(frozen=True)
class ReadOptions:
    """What a caller may ask of any reader; a reader ignores what does not apply to it."""

    layout_key: str | None = None  # the field that names the layout (default: each reader's own)
    # share of texts `hash_split` holds out for val where the source names no split (default:
    # splits.VAL_FRACTION, the one fraction every reader and `fit` use)
    val_fraction: float | None = None
    exclude: Path | None = None  # a folder inside the source not to read (an output folder)
    root: Path | None = None  # what relative paths in a manifest are relative to
    # False: a kind field that names no kind leaves the sample's kind None instead of raising
    # KindError (`plategen validate`, which reports it as a finding)
    check_kinds: bool = True

    def held_out(self) -> float:
        """The share of texts `hash_split` sends to val: `val_fraction`, else the one default."""
        return VAL_FRACTION if self.val_fraction is None else self.val_fraction


@dataclass
class Dataset:
    """A reader's result: the samples, and the inputs it passed over as (path, reason)."""

    samples: list[Sample]
    skipped: list[tuple[str, str]] = field(default_factory=list)
    reader: str = ""


Read = Callable[[Path, ReadOptions], Dataset]


@dataclass(frozen=True)
class Reader:
    name: str
    detect: Callable[[Path], bool]
    read: Read
    order: int  # detection order: lower asks first


READERS: dict[str, Reader] = {}


def register(name: str, detect: Callable[[Path], bool], order: int = 50) -> Callable[[Read], Read]:
    """Decorator: add a reader under `name`; `detect(source)` says whether it reads that source.
    Readers are asked in `order` (lower first), so a catch-all reader takes a high one."""

    def add(read: Read) -> Read:
        READERS[name] = Reader(name, detect, read, order)
        return read

    return add


def read_dataset(
    source: str | Path,
    manifest: str | Path | None = None,
    options: ReadOptions = ReadOptions(),
    format: str | None = None,
) -> Dataset:
    """Read `source` with the reader named `format`, else the first whose `detect` accepts it; with a
    `manifest`, read that manifest with paths relative to `source` (a folder) or to the manifest.

    Raises DatasetError if the source is missing, no reader accepts it, or it is malformed.
    """
    source = Path(source)
    if manifest is not None:
        root = source if source.is_dir() else Path(manifest).parent
        source, format, options = Path(manifest), "manifest", replace(options, root=root)
    elif not source.exists():
        raise DatasetError(f"{source}: no such folder or file")
    if format is not None:
        if format not in READERS:
            raise DatasetError(f"{source}: unknown dataset format {format!r} (have {', '.join(READERS)})")
        reader = READERS[format]
    else:
        ordered = sorted(READERS.values(), key=lambda r: r.order)
        reader = next((r for r in ordered if r.detect(source)), None)
        if reader is None:
            raise DatasetError(f"{source}: no reader for this input (formats: {', '.join(READERS)})")
    dataset = reader.read(source, options)
    dataset.reader = reader.name
    return dataset


def load_samples(
    source: str | Path, manifest: str | Path | None = None, layout_key: str | None = None
) -> list[Sample]:
    """The samples of a crop folder or index, a CCPD tree, a folder plus a manifest, or a manifest.

    `layout_key` names the field that defines the layout (default: `plate_type` for a crop index or
    CCPD tree, text length otherwise). Raises DatasetError if the source is missing, empty or
    malformed, or yields no sample.
    """
    dataset = read_dataset(source, manifest, ReadOptions(layout_key=layout_key))
    if not dataset.samples:
        first = (
            f"; first skipped: {dataset.skipped[0][0]}: {dataset.skipped[0][1]}" if dataset.skipped else ""
        )
        raise DatasetError(f"{manifest or source}: no samples ({dataset.reader}){first}")
    return dataset.samples


__all__ = [
    "Dataset",
    "ReadOptions",
    "Reader",
    "READERS",
    "register",
    "read_dataset",
    "load_samples",
    "hash_split",
]
