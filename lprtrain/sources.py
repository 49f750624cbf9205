"""Several data sources in one fit: `--data synth=shards/:1 --data real=realshards/:3`.

Every batch draws from the sources in proportion to their weights (the same count from each source
in every batch, so a batch of 64 at 1:3 holds 16 synthetic and 48 real plates). Each source walks
its own shuffled order, epoch after epoch, independently of the others: a small real set is seen
many times while a large synthetic one is seen once. Where each source stands is a pure function of
the step, so a resumed fit draws exactly the batches an uninterrupted one would have.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import torch

from .errors import ConfigError

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

    def spec(self) -> str:
        return f"{self.name}={self.path}:{self.weight:g}"


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

    def steps_per_epoch(self) -> int:
        """One epoch = as many samples as all sources hold together."""
        return -(-sum(self.sizes) // sum(self.counts))

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


__all__ = ["Source", "check_sources", "batch_counts", "MixedBatches"]
