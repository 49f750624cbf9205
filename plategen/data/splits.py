"""The one split policy: which of train, val and test each sample belongs to, and how to ask for one.

Every reader gives every sample a split. Where the source names it (a manifest's third column, a crop
index's `split`, CCPD's split files, `train/val/test` folders and test subsets), that split is kept;
where it does not, `hash_split` holds out a `VAL_FRACTION` share of the *texts* for val. `lprtrain
fit` applies the same rule to a source that has no val samples at all. Hashing the text, not the file
name or the row number, keeps every plate with the same text (other photos of one car) in one split,
so validation never scores a text that training saw.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable

from ..errors import DatasetError

SPLITS = ("train", "val", "test")  # CCPD's own words: splits/{train,val,test}.txt, ccpd_green/{…}/
# A fifth of the texts: what the text-folder reader always held out, and so the validation fifth of
# real-crops (247 of 1,102) that the shipped reader's model card reports; 0.1 would leave a few
# dozen plates of a small set to pick the best model by.
VAL_FRACTION = 0.2


def hash_split(text: str, val_fraction: float = VAL_FRACTION) -> str:
    """ "val" for a stable `val_fraction` share of texts, else "train" (the same answer on every
    machine and run: sha1, not Python's salted `hash`)."""
    h = int.from_bytes(hashlib.sha1(text.encode("utf-8")).digest()[:8], "big") / 2**64
    return "val" if h < val_fraction else "train"


def checked_split(value: object, where: str) -> str:
    """`value` if it is one of SPLITS. Raises DatasetError naming `where` (file:line, field), the
    value and the words allowed."""
    if value not in SPLITS:
        raise DatasetError(f"{where}: unknown split {value!r} (expected one of {', '.join(SPLITS)})")
    return value  # type: ignore[return-value]


def split_counts(splits: Iterable[str]) -> dict[str, int]:
    """{split: how many}, in SPLITS order, then any other split by name."""
    counts = Counter(splits)
    order = [s for s in SPLITS if s in counts] + sorted(s for s in counts if s not in SPLITS)
    return {s: counts[s] for s in order}


def describe_counts(counts: dict[str, int]) -> str:
    """ "train: 30, val: 10, test: 10", or "none"."""
    return ", ".join(f"{s}: {n}" for s, n in counts.items()) or "none"


def of_split(samples: list, split: str, source: object) -> list:
    """The samples whose split is `split`. Raises DatasetError naming `source` and the splits it has
    when none is: a typo must not quietly read every sample (and so train or score on test)."""
    chosen = [s for s in samples if s.split == split]
    if not chosen:
        raise missing_split(source, split, split_counts(s.split for s in samples))
    return chosen


def missing_split(source: object, split: str, counts: dict[str, int]) -> DatasetError:
    """The error for asking `source` for a split none of its samples has: it names what it has."""
    return DatasetError(f"{source}: no sample has split {split!r} (it has {describe_counts(counts)})")


__all__ = [
    "SPLITS",
    "VAL_FRACTION",
    "hash_split",
    "checked_split",
    "split_counts",
    "describe_counts",
    "of_split",
    "missing_split",
]
