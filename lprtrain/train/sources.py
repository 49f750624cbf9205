"""Several data sources in one fit: `--data synth=shards/:1 --data real=realshards/:3`.

Every batch draws from the sources in proportion to their weights (the same count from each source
in every batch, so a batch of 64 at 1:3 holds 16 synthetic and 48 real plates). Each source walks
its own shuffled order, epoch after epoch, independently of the others: a small real set is seen
many times while a large synthetic one is seen once. Where each source stands is a pure function of
the step, so a resumed fit draws exactly the batches an uninterrupted one would have.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import torch

from plategen.data.splits import hash_split

from ..data.plate_data import PlateData, is_shards, load_data, splits_of
from ..errors import ConfigError, TrainingError
from . import distributed

if TYPE_CHECKING:
    from .config import FitConfig

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


@dataclass(frozen=True)
class Source:
    """One named data source and its share of every batch."""

    name: str
    path: str
    weight: float = 1.0

    def __post_init__(self) -> None:
        if not _NAME.match(self.name):
            raise ConfigError(f"data: source name {self.name!r} must be a word (letters, digits, _ or -)")
        if not self.weight > 0:
            raise ConfigError(f"data: source {self.name!r}: weight must be > 0, got {self.weight}")

    @classmethod
    def parse(cls, text: str) -> Source:
        """`NAME=PATH[:WEIGHT]` or `PATH[:WEIGHT]` (the name is then the folder's name)."""
        name, sep, rest = text.partition("=")
        if not sep:
            name, rest = "", text
        path, weight = rest, 1.0
        head, colon, tail = rest.rpartition(":")
        if colon and head:
            try:
                path, weight = head, float(tail)
            except ValueError:
                pass  # a ':' inside the path itself
        if not path:
            raise ConfigError(f"data: {text!r}: expected NAME=PATH[:WEIGHT]")
        name = name or Path(path.rstrip("/")).name.replace(".", "_") or "data"
        return cls(name, path, weight)


def check_sources(sources: tuple[Source, ...], select_on: str | None) -> None:
    """Raise ConfigError for no sources, a repeated name, or `select_on` naming no source."""
    if not sources:
        raise ConfigError("data: give at least one source")
    names = [s.name for s in sources]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise ConfigError(f"data: source name {repeated[0]!r} is used twice; name them NAME=PATH")
    if select_on is not None and select_on not in names:
        raise ConfigError(f"select_on: {select_on!r} names no source (sources: {', '.join(names)})")


def batch_counts(weights: list[float], batch_size: int) -> list[int]:
    """Samples per source in each batch: proportional to the weights, largest remainders rounded up,
    at least one per source so no source is starved by rounding."""
    total = sum(weights)
    exact = [batch_size * w / total for w in weights]
    counts = [max(1, int(e)) for e in exact]
    by_remainder = sorted(range(len(weights)), key=lambda i: exact[i] - int(exact[i]), reverse=True)
    for i in by_remainder:
        if sum(counts) >= batch_size:
            break
        counts[i] += 1
    return counts


class MixedBatches:
    """The rows of each step's batch in the concatenation of the sources' training samples."""

    def __init__(self, sizes: list[int], weights: list[float], batch_size: int, seed: int) -> None:
        if any(n < 1 for n in sizes):
            raise ConfigError(f"data: every source needs training samples, got sizes {sizes}")
        self.sizes, self.seed = sizes, seed
        self.counts = batch_counts(weights, batch_size) if len(sizes) > 1 else [batch_size]
        self.offsets = [sum(sizes[:i]) for i in range(len(sizes))]
        self._orders: dict[tuple[int, int], torch.Tensor] = {}

    def steps_per_epoch(self, d: distributed.Dist = distributed.Dist()) -> int:
        """One epoch = as many samples as all sources hold together; under torchrun, as the
        fewest of any rank holds (ranks' shares differ by a sample): a rank that ran one step more
        would wait for the others in its all-reduce forever. A collective: every rank calls it."""
        return distributed.all_min(-(-sum(self.sizes) // sum(self.counts)), d)

    def _order(self, source: int, epoch: int) -> torch.Tensor:
        key = (source, epoch)
        if key not in self._orders:
            if len(self._orders) > 64:
                self._orders.clear()
            gen = torch.Generator().manual_seed(self.seed * 1_000_003 + source * 7919 + epoch)
            self._orders[key] = torch.randperm(self.sizes[source], generator=gen)
        return self._orders[key]

    def rows(self, step: int) -> torch.Tensor:
        """Rows for step `step` (0-based): each source's next `count` samples of its own order."""
        parts = []
        for i, (n, count) in enumerate(zip(self.sizes, self.counts)):
            taken = []
            pos = step * min(count, n)
            need = min(count, n)  # a source smaller than its share gives each sample once per batch
            while need:
                epoch, at = divmod(pos, n)
                chunk = self._order(i, epoch)[at : at + need]
                taken.append(chunk)
                need -= len(chunk)
                pos += len(chunk)
            parts.append(torch.cat(taken) + self.offsets[i])
        return torch.cat(parts)


_loaded: dict | None = None  # (what train_and_val read) → its result, inside `reuse_loaded_data` only


@contextlib.contextmanager
def reuse_loaded_data() -> Iterator[None]:
    """Within the block, `train_and_val` reads each source once and hands later fits the same tensors
    (`compare` trains many runs on the same data; reading 26,000 crops took ~30 s per run). Training
    never writes into them: batches are copies made by index_select."""
    global _loaded
    outer, _loaded = _loaded, {} if _loaded is None else _loaded
    try:
        yield
    finally:
        _loaded = outer


def train_and_val(source: Path, config: FitConfig, d: distributed.Dist) -> tuple[PlateData, PlateData | None]:
    """This rank's training samples, and the validation samples (rank 0 only): the source's `train`
    and `config.val_split` samples, whatever kind of source it is (`_read_train_and_val`)."""
    if _loaded is None:
        return _read_train_and_val(source, config, d)
    key = (str(Path(source).resolve()), config.input_size, config.val_split, d.rank, d.world, d.main)
    if key not in _loaded:
        _loaded[key] = _read_train_and_val(source, config, d)
    return _loaded[key]


def _read_train_and_val(
    source: Path, config: FitConfig, d: distributed.Dist
) -> tuple[PlateData, PlateData | None]:
    """Train on `train`, validate on `config.val_split`; never read `test`. A source without any
    validation sample holds out by plategen's one rule, `hash_split` of the text (the same plates on
    every rank), so plates with the same text never sit on both sides. Raises DatasetError naming
    the source and its splits when it has no `train` sample."""
    counts = splits_of(source)
    if config.val_split != "train" and counts.get(config.val_split):
        train = load_data(source, "train", config.input_size, d.rank, d.world)
        val = load_data(source, config.val_split, config.input_size) if d.main else None
        return train, val
    data = load_data(source, "train", config.input_size)
    held = torch.tensor([hash_split(t) == "val" for t in data.texts], dtype=torch.bool)
    keep = torch.nonzero(~held).flatten()[d.rank :: d.world]
    return _subset(data, keep), (_subset(data, torch.nonzero(held).flatten()) if d.main else None)


def as_sources(data) -> tuple[Source, ...]:
    """DATA as named sources: a path, a Source, a `NAME=PATH:WEIGHT` string, or a sequence of them."""
    items = [data] if isinstance(data, (str, Path, Source)) else list(data)
    return tuple(s if isinstance(s, Source) else Source.parse(str(s)) for s in items)


def _subset(data: PlateData, idx: torch.Tensor) -> PlateData:
    """The rows `idx` of `data`, with their kinds: a held-out val set is scored per kind."""
    labels = data.labels[idx] if data.labels is not None else None
    rows = idx.tolist()
    kinds = [data.kinds[i] for i in rows] if data.kinds is not None else None
    return PlateData(data.images[idx], [data.texts[i] for i in rows], labels, kinds=kinds)


def load_sources(
    sources: tuple[Source, ...], config: FitConfig, d: distributed.Dist
) -> tuple[PlateData, dict[str, PlateData], list[int]]:
    """Every source's training samples (this rank's) concatenated, each source's validation samples
    (rank 0), and each source's training count. Image labels come from the shards, resized to the
    first source's label size, or are drawn from the texts (`labels="paper"`)."""
    trains, vals = [], {}
    for source in sources:
        path = Path(source.path)
        if not path.exists():
            raise TrainingError(f"{path}: data source {source.name!r} not found")
        if config.aux != "off" and config.labels == "shards" and not is_shards(path):
            raise TrainingError(
                f"{path}: --aux {config.aux} needs image labels: pass shards from "
                "`plategen render-labels`, or --labels paper, or use --aux off"
            )
        train, val = train_and_val(path, config, d)
        trains.append(train)
        if val is not None and len(val):
            vals[source.name] = val
    if config.aux != "off" and config.labels == "paper":
        trains = [_with_paper_labels(t) for t in trains]
    elif all(t.labels is not None for t in trains):
        size = trains[0].labels.shape[1:]
        trains = [_labels_resized(t, size) for t in trains]
    has_labels = all(t.labels is not None for t in trains)
    labels = torch.cat([t.labels for t in trains]) if has_labels else None
    merged = PlateData(torch.cat([t.images for t in trains]), [x for t in trains for x in t.texts], labels)
    return merged, vals, [len(t) for t in trains]


def _with_paper_labels(data: PlateData) -> PlateData:
    from plategen.labels.paper import paper_label

    drawn: dict[str, torch.Tensor] = {}
    for text in set(data.texts):
        drawn[text] = torch.from_numpy(paper_label(text).copy())
    labels = torch.stack([drawn[t] for t in data.texts]) if data.texts else None
    return PlateData(data.images, data.texts, labels)


def _labels_resized(data: PlateData, size: torch.Size) -> PlateData:
    if data.labels.shape[1:] == size:
        return data
    import torch.nn.functional as F

    labels = F.interpolate(data.labels[:, None].float(), size=tuple(size), mode="area")
    return PlateData(data.images, data.texts, labels[:, 0].round().clamp(0, 255).to(torch.uint8))


__all__ = [
    "Source",
    "check_sources",
    "batch_counts",
    "MixedBatches",
    "as_sources",
    "train_and_val",
    "load_sources",
]
