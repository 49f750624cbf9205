"""Training shards: uncompressed tar files in the WebDataset layout, plus a manifest.

    shards/manifest.json
    shards/train-00000.tar   <key>.crop.png  <key>.label.png  <key>.json   (about 10k samples each)
    shards/val-00000.tar ...

Any tar or webdataset reader opens them. The manifest records the counts, the charset, the alignment,
the font, and a sha256 per shard; `verify_shards` and `read_shard_split` check them. A reader that
asks several things of one folder opens it once (`ShardSet.open`) and hands the set on.
"""

from __future__ import annotations

import io
import json
import tarfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from ..errors import ShardError
from ..io import atomic_path, decode_image, sha256_file, write_json_atomic

MANIFEST = "manifest.json"
MEMBERS = ("crop.png", "label.png", "json")
MANIFEST_VERSION = 1


def shard_name(split: str, index: int) -> str:
    return f"{split}-{index:05d}.tar"


def write_shard(path: Path, samples: Iterable[tuple[str, dict[str, bytes]]]) -> dict:
    """Write one tar atomically from (key, {member suffix: bytes}) pairs; return its manifest record."""
    count = 0
    with atomic_path(path) as tmp:
        with tarfile.open(tmp, "w", format=tarfile.PAX_FORMAT) as tar:
            for key, members in samples:
                if "." in key or "/" in key:
                    raise ShardError(f"{path}: sample key {key!r} must not contain '.' or '/'")
                for suffix, data in members.items():
                    info = tarfile.TarInfo(f"{key}.{suffix}")
                    info.size, info.mtime, info.mode = len(data), 0, 0o644  # mtime 0: reproducible bytes
                    tar.addfile(info, io.BytesIO(data))
                count += 1
        record = {"name": path.name, "count": count, "sha256": sha256_file(tmp), "bytes": tmp.stat().st_size}
    return record


def write_manifest(out: Path, manifest: dict) -> None:
    write_json_atomic(out / MANIFEST, {"version": MANIFEST_VERSION, **manifest})


def read_shard_manifest(shards: str | Path) -> dict:
    """The manifest of a shard folder. Raises ShardError if it is missing or malformed."""
    shards = Path(shards)
    path = shards / MANIFEST if shards.is_dir() else shards
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ShardError(f"{path}: shard manifest not found") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ShardError(f"{path}: manifest is not valid JSON ({exc})") from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("splits"), dict):
        raise ShardError(f"{path}: key 'splits': missing or not an object")
    return manifest


def verify_shards(shards: str | Path, splits: Iterable[str] | None = None) -> None:
    """Check each shard's size and sha256 against the manifest. Raises ShardError naming the shard."""
    ShardSet.open(shards).verify(splits)


@dataclass(frozen=True)
class ShardSet:
    """A shard folder with its manifest read once: what every reader of the folder is handed."""

    path: Path
    manifest: dict

    @classmethod
    def open(cls, shards: str | Path) -> ShardSet:
        """Raises ShardError if the manifest is missing or malformed (`read_shard_manifest`)."""
        return cls(Path(shards), read_shard_manifest(shards))

    def counts(self) -> dict[str, int]:
        """{split: samples}, as the manifest lists them."""
        return {s: int(entry.get("count", 0)) for s, entry in self.manifest["splits"].items()}

    def records(self, split: str) -> list[dict]:
        """The manifest's record of each shard of `split`. Raises ShardError naming the split."""
        if split not in self.manifest["splits"]:
            raise ShardError(
                f"{self.path / MANIFEST}: no split {split!r} (has {sorted(self.manifest['splits'])})"
            )
        return self.manifest["splits"][split]["shards"]

    def verify(self, splits: Iterable[str] | None = None) -> None:
        """Check each shard's size and sha256 against the manifest. Raises ShardError naming the shard."""
        for split in splits or self.manifest["splits"]:
            for record in self.records(split):
                path = self.path / record["name"]
                if not path.is_file():
                    raise ShardError(f"{path}: shard listed in the manifest is missing")
                if (
                    path.stat().st_size != record.get("bytes", path.stat().st_size)
                    or sha256_file(path) != record["sha256"]
                ):
                    raise ShardError(f"{path}: checksum mismatch (truncated or modified shard)")


def iter_shard(path: str | Path) -> Iterator[tuple[str, dict[str, bytes]]]:
    """Yield (key, {suffix: bytes}) per sample. Raises ShardError on a truncated tar or missing member."""
    path = Path(path)
    key, members = None, {}
    try:
        with tarfile.open(path, "r:") as tar:
            for info in tar:
                if not info.isfile():
                    continue
                k, _, suffix = info.name.rpartition("/")[2].partition(".")
                if k != key:
                    if key is not None:
                        yield key, _complete(path, key, members)
                    key, members = k, {}
                members[suffix] = tar.extractfile(info).read()
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise ShardError(f"{path}: unreadable or truncated shard ({exc})") from None
    if key is not None:
        yield key, _complete(path, key, members)


def _complete(path: Path, key: str, members: dict[str, bytes]) -> dict[str, bytes]:
    missing = [m for m in MEMBERS if m not in members]
    if missing:
        raise ShardError(f"{path}: sample {key!r} is missing member(s) {', '.join(missing)}")
    return members


@dataclass
class SplitArrays:
    """One split held in memory as compact uint8 arrays (what `lprtrain` trains from)."""

    crops: np.ndarray  # (N, H, W, 3) uint8 BGR
    labels: np.ndarray  # (N, h, w) uint8, 255 = glyph
    texts: list[str]
    meta: list[dict]


def read_shard_split(
    shards: str | Path | ShardSet, split: str, verify: bool = True, rank: int = 0, world: int = 1
) -> SplitArrays:
    """Decode a split's shards into arrays. With `world` > 1, keep every `world`-th sample from `rank`.

    Raises ShardError on a missing, truncated or mismatching shard, or an undecodable member.
    """
    shards = shards if isinstance(shards, ShardSet) else ShardSet.open(shards)
    if verify:
        shards.verify([split])
    crops, labels, texts, meta = [], [], [], []
    i = 0
    for record in shards.records(split):
        path = shards.path / record["name"]
        for key, m in iter_shard(path):
            if i % world == rank:
                crops.append(decode_image(m["crop.png"], f"{path}:{key}.crop.png", cv2.IMREAD_COLOR))
                labels.append(decode_image(m["label.png"], f"{path}:{key}.label.png", cv2.IMREAD_GRAYSCALE))
                info = json.loads(m["json"])
                texts.append(info["text"])
                meta.append(info)
            i += 1
    if not crops:
        raise ShardError(f"{shards.path}: split {split!r} holds no samples for rank {rank} of {world}")
    return SplitArrays(np.stack(crops), np.stack(labels), texts, meta)
