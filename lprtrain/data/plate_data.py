"""Plate data as compact in-memory tensors: uint8 crops (and image labels) with their texts.

Sources: a shard folder from `plategen render-labels`, a crop folder/index, a folder of crops named
after their text, or a `path<TAB>text` manifest. Per-sample Python stays out of the training loop:
images are decoded once here, then batches are tensor slices. Every sample of every source has a
split (train, val or test: `plategen.data.splits`); asking for one that no sample has is an error.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import torch

from plategen.config import INPUT_SIZE
from plategen.data.registry import load_samples
from plategen.data.samples import INDEX_NAME
from plategen.data.shards import MANIFEST, ShardSet, read_shard_split
from plategen.data.splits import describe_counts, missing_split, of_split, split_counts
from plategen.errors import DatasetError
from plategen.plates.grammar import sample_kind

from ..errors import CharsetError
from ..model.preprocess import read_crops, resize_all, to_input


@dataclass
class PlateData:
    images: torch.Tensor  # (N, H, W, 3) uint8 BGR
    texts: list[str]
    labels: torch.Tensor | None = None  # (N, h, w) uint8 image labels, 255 = glyph
    subsets: list[str | None] | None = None
    paths: list[str] | None = None
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (path, reason): crops left out
    split: str | None = None  # the split read (None: every sample)
    source: str | None = None  # what it was read from
    kinds: list[str | None] | None = None  # each plate's kind as its source gives it (None: not given)

    def __len__(self) -> int:
        return len(self.texts)

    def origin(self) -> str:
        """ "split: val (247 plates) of ../shared/data/real-crops": what an evaluation scored."""
        return f"split: {self.split or 'all'} ({len(self)} plates) of {self.source}"


def is_shards(source: str | Path | ShardSet) -> bool:
    return isinstance(source, ShardSet) or (Path(source) / MANIFEST).is_file()


def open_data(source: str | Path | ShardSet) -> Path | ShardSet:
    """`source` as what its readers are handed: shards opened once (their manifest read and checked:
    ShardError when malformed), any other source as its path."""
    if isinstance(source, ShardSet):
        return source
    return ShardSet.open(source) if is_shards(source) else Path(source)


def splits_of(source: str | Path | ShardSet) -> dict[str, int]:
    """{split: samples} of shards (from their manifest) or of any dataset plategen reads.
    Raises what `load_data` raises for a missing or malformed source."""
    if is_shards(source):
        return open_data(source).counts()
    return split_counts(s.split for s in _samples(Path(source)))


def default_split(
    source: str | Path | ShardSet, preferred: tuple[str, ...] = ("test", "val", "train")
) -> str:
    """The first of `preferred` that `source` has. Raises DatasetError naming the source and the
    splits it has when it has none of them (never another split: a train set is no test set)."""
    where = source.path if isinstance(source, ShardSet) else source
    return _preferred_split(splits_of(source), where, preferred)


def _preferred_split(counts: dict[str, int], source: str | Path, preferred: tuple[str, ...]) -> str:
    found = next((s for s in preferred if counts.get(s)), None)
    if found is None:
        wanted = " or ".join(repr(s) for s in preferred)
        raise DatasetError(f"{source}: no sample has split {wanted} (it has {describe_counts(counts)})")
    return found


def load_data(
    source: str | Path | ShardSet,
    split: str | None = None,
    input_size: tuple[int, int] = INPUT_SIZE,
    rank: int = 0,
    world: int = 1,
    verify: bool = True,
    skip_unreadable: bool = False,
) -> PlateData:
    """Load one split of shards or crops into memory, resized to `input_size` (W, H) by `preprocess`.

    `split` None reads every sample of crops, and shards' `default_split` (test, else val, else
    train). With `skip_unreadable`, a crop that cannot be read is left out and listed in `.skipped`
    with the reason (a batch stage's way); without it, its ImageReadError (naming the file)
    propagates. Raises plategen's ShardError/DatasetError (bad shards, index or manifest, naming the
    file), and DatasetError naming the source and the splits it has when no sample has `split`.
    """
    if is_shards(source):
        shards = open_data(source)  # one manifest read for the split, its counts and its shards
        source = source.path if isinstance(source, ShardSet) else source
        counts = shards.counts()
        split = split or _preferred_split(counts, source, ("test", "val", "train"))
        if split not in counts:
            raise missing_split(source, split, counts)
        arrays = read_shard_split(shards, split, verify=verify, rank=rank, world=world)
        images = resize_all(arrays.crops, input_size)
        return PlateData(
            torch.from_numpy(images),
            arrays.texts,
            torch.from_numpy(arrays.labels),
            [m.get("subset") for m in arrays.meta],
            [m.get("source") or m.get("crop") for m in arrays.meta],
            split=split,
            source=str(source),
            kinds=_kinds(arrays.meta, [f"{source}: {m.get('source') or m.get('crop')}" for m in arrays.meta]),
        )
    samples = _samples(Path(source))
    if split is not None:
        samples = of_split(samples, split, source)
    samples = samples[rank::world]
    skipped: list[tuple[str, str]] = []
    kinds = [s.kind and s.kind.name for s in samples]  # the reader's, `Sample.kind`
    kept, images = read_crops(
        [s.path for s in samples], input_size, skipped if skip_unreadable else None, kinds=kinds
    )
    if samples and not kept:  # skipping every crop leaves nothing to report on: say why instead
        raise DatasetError(
            f"{source}: none of its {len(samples)} crops could be read; first: {skipped[0][1]}"
        )
    samples, kinds = [samples[i] for i in kept], [kinds[i] for i in kept]
    return PlateData(
        images,
        [s.text for s in samples],
        None,
        [s.subset for s in samples],
        [str(s.path) for s in samples],
        skipped,
        split,
        str(source),
        kinds,
    )


def _kinds(fields: list[dict], where: list[str]) -> list[str | None]:
    """The kind of each shard sample, by plategen's one rule (`sample_kind`; a shard's `layout` is
    the alignment's, not the sample's, so only its kind field says), None where not given. Raises
    plategen's KindError naming the sample and the known kinds for a kind the grammar does not know."""
    kinds = [sample_kind(f, None, place) for f, place in zip(fields, where)]
    return [k and k.name for k in kinds]


def _samples(source: Path) -> list:
    """plategen's samples of `source`; a manifest or index that is not UTF-8 is a DatasetError
    naming the file (plategen raises its own for this too; this guard keeps lprtrain's paths safe)."""
    try:
        return load_samples(source)
    except UnicodeDecodeError as exc:
        path = source / INDEX_NAME if source.is_dir() else source
        raise DatasetError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None


def encode_texts(texts: list[str], charset: str) -> tuple[torch.Tensor, torch.Tensor]:
    """CTC targets: concatenated class indices and per-text lengths.

    Raises CharsetError naming the characters the charset lacks and how many texts use them.
    """
    index = {c: i for i, c in enumerate(charset)}
    missing: dict[str, int] = {}
    for t in texts:
        for c in set(t) - index.keys():
            missing[c] = missing.get(c, 0) + 1
    if missing:
        detail = ", ".join(
            f"{c!r} ({n} texts)" for c, n in sorted(missing.items(), key=lambda kv: (-kv[1], kv[0]))
        )
        raise CharsetError(f"the model's charset lacks {len(missing)} characters used by the data: {detail}")
    targets = torch.tensor([index[c] for t in texts for c in t], dtype=torch.long)
    lengths = torch.tensor([len(t) for t in texts], dtype=torch.long)
    return targets, lengths


__all__ = [
    "PlateData",
    "load_data",
    "to_input",
    "encode_texts",
    "is_shards",
    "splits_of",
    "default_split",
]
