"""Several data sources in one fit: `--data synth=shards/:1 --data real=realshards/:3`.

Every batch draws from the sources in proportion to their weights (the same count from each source
in every batch, so a batch of 64 at 1:3 holds 16 synthetic and 48 real plates). Each source walks
its own shuffled order, epoch after epoch, independently of the others: a small real set is seen
many times while a large synthetic one is seen once. Where each source stands is a pure function of
the step, so a resumed fit draws exactly the batches an uninterrupted one would have.

`prepare` makes a fit's data ready before its first step: every source opened and read once
(`load_sources`), what config.json records of it (`provenance`), the run folder checked (`resume`),
and the samples on the device (`lprtrain.data.tensors`).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import torch

from plategen.data.shards import ShardSet
from plategen.data.splits import hash_split

from ..data.plate_data import PlateData, load_data, open_data, splits_of
from ..data.tensors import TensorOptions, TrainTensors, training_tensors
from ..errors import ConfigError, TrainingError
from . import distributed
from .provenance import run_record
from .resume import run_plan

if TYPE_CHECKING:
    from ..model.lprnet import ModelConfig
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


def train_and_val(
    source: Path | ShardSet, config: FitConfig, d: distributed.Dist
) -> tuple[PlateData, PlateData | None]:
    """This rank's training samples, and the validation samples (rank 0 only): the source's `train`
    and `config.val_split` samples, whatever kind of source it is (`_read_train_and_val`). Shards
    may come opened (`plate_data.open_data`), so their manifest is read once."""
    if _loaded is None:
        return _read_train_and_val(source, config, d)
    where = source.path if isinstance(source, ShardSet) else source
    key = (str(Path(where).resolve()), config.input_size, config.val_split, d.rank, d.world, d.main)
    if key not in _loaded:
        _loaded[key] = _read_train_and_val(source, config, d)
    return _loaded[key]


def _read_train_and_val(
    source: Path | ShardSet, config: FitConfig, d: distributed.Dist
) -> tuple[PlateData, PlateData | None]:
    """Train on `train`, validate on `config.val_split`; never read `test`. A source without any
    validation sample holds out by plategen's one rule, `hash_split` of the text (the same plates on
    every rank), so plates with the same text never sit on both sides. Raises DatasetError naming
    the source and its splits when it has no `train` sample."""
    source = open_data(source)
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


@dataclass
class Loaded:
    """What `load_sources` read."""

    train: PlateData  # every source's training samples (this rank's), concatenated
    vals: dict[str, PlateData]  # each source's validation samples (rank 0), by source name
    sizes: list[int]  # each source's training count
    opened: list[Path | ShardSet] = field(default_factory=list)  # each source as opened, once
    mix: MixedBatches | None = None  # the rows of each batch, with several sources


def load_sources(sources: tuple[Source, ...], config: FitConfig, d: distributed.Dist) -> Loaded:
    """Every source read once (`Loaded`), and with several, the batches mixed from them. Image labels
    come from the shards, resized to the first source's label size, or are drawn from the texts
    (`labels="paper"`). Raises ConfigError for a source without training samples among several."""
    trains, vals, opened = [], {}, []
    for source in sources:
        opened.append(_open(source, config))
        train, val = train_and_val(opened[-1], config, d)
        trains.append(train)
        if val is not None and val.texts:
            vals[source.name] = val
    if config.aux != "off" and config.labels == "paper":
        trains = [_with_paper_labels(t) for t in trains]
    elif all(t.labels is not None for t in trains):
        size = trains[0].labels.shape[1:]
        trains = [_labels_resized(t, size) for t in trains]
    has_labels = all(t.labels is not None for t in trains)
    labels = torch.cat([t.labels for t in trains]) if has_labels else None
    merged = PlateData(torch.cat([t.images for t in trains]), [x for t in trains for x in t.texts], labels)
    sizes = [len(t.texts) for t in trains]
    per_rank = max(1, config.batch_size // d.world)
    weights = [s.weight for s in sources]
    mix = MixedBatches(sizes, weights, per_rank, config.seed) if len(sources) > 1 else None
    return Loaded(merged, vals, sizes, opened, mix)


def _open(source: Source, config: FitConfig) -> Path | ShardSet:
    """The source opened (`open_data`); TrainingError when it is missing, or holds no image labels
    that this fit needs."""
    path = Path(source.path)
    if not path.exists():
        raise TrainingError(f"{path}: data source {source.name!r} not found")
    data = open_data(path)
    if config.aux != "off" and config.labels == "shards" and not isinstance(data, ShardSet):
        raise TrainingError(
            f"{path}: --aux {config.aux} needs image labels: pass shards from "
            "`plategen render-labels`, or --labels paper, or use --aux off"
        )
    return data


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


@dataclass
class Prepared:
    """The data of one fit, made ready before its first step, and what its run records; `fit`'s
    trainer runs the loop on it."""

    train: TrainTensors  # this rank's training samples
    vals: dict[str, tuple[TrainTensors, list[str]]]  # each source's validation samples (rank 0), texts
    mix: MixedBatches | None  # the rows of each batch, with several sources
    label_size: tuple[int, int] | None  # (w, h) of the image labels (None: none loaded)
    meta: dict  # what config.json records: names and hashes, never local paths (provenance)
    plan: FitConfig  # the settings the schedule follows: a resumed run's own
    notes: list[str]  # what a resume followed or could not replay
    select_on: str  # the source whose validation accuracy picks the best model
    samples: int  # training samples per rank in an epoch: the fewest any rank holds
    steps_per_epoch: int  # the same on every rank: a rank that ran one more would wait forever


def prepare(
    data,
    out: Path,
    config: FitConfig,
    mc: ModelConfig,
    d: distributed.Dist,
    device: torch.device,
) -> Prepared:
    """Read every source of `data` (what `fit` takes) once, check the run folder and the texts, and
    put the samples on `device`.

    Raises ConfigError (bad sources), ShardError (bad shards), RunError (the run folder), CharsetError
    and TrainingError (texts the model cannot learn), as `fit` documents."""
    sources = as_sources(data)
    check_sources(sources, config.select_on)
    loaded = load_sources(sources, config, d)
    labels = loaded.train.labels
    label_size = (labels.shape[2], labels.shape[1]) if labels is not None else None
    meta = run_record(mc, label_size, sources, loaded.opened, config, d.world)
    notes, plan = run_plan(out, config, meta)
    options = TensorOptions(
        config.aux != "off", config.channels_last, config.augment, config.degrade, config.augment_frame
    )
    train, vals = training_tensors(loaded.train, loaded.vals, mc, device, options)
    samples = distributed.all_min(len(train), d)  # a collective: every rank calls it, in this order
    per_rank = max(1, config.batch_size // d.world)
    steps = loaded.mix.steps_per_epoch(d) if loaded.mix else -(-samples // per_rank)
    select_on = config.select_on or sources[0].name
    return Prepared(train, vals, loaded.mix, label_size, meta, plan, notes, select_on, samples, steps)


__all__ = [
    "Source",
    "check_sources",
    "batch_counts",
    "MixedBatches",
    "as_sources",
    "train_and_val",
    "load_sources",
    "Loaded",
    "Prepared",
    "prepare",
]
