"""What a run's config.json records about what it was made from: names and hashes, never paths.

A path says where the data lay on the machine that trained the run: it is wrong on every other
machine, and it writes that machine's folders into a model we commit and ship. A name and a sha256
say what the data was, and let another machine check that its own copy is the same:

    shards folder   its name, and the sha256 of the per-shard sha256s its manifest lists ("of": "shards")
    crop folder     its name, and the sha256 of its index.jsonl
    run folder      its name, and the sha256 of its model.safetensors (what `--init` starts from)
    file            its name and sha256 (a manifest, a .safetensors, a .pth)
    other folder    its name, and the sha256 of its files' relative paths and sizes ("of": "file list")
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from plategen.data.samples import INDEX_NAME
from plategen.data.shards import MANIFEST, ShardSet
from plategen.io import sha256_file

from ..model.run import MODEL_FILE

if TYPE_CHECKING:
    from ..model.lprnet import ModelConfig
    from .config import FitConfig


class Named(Protocol):
    """A data source as recorded: a `sources.Source` (not imported: `sources` imports this module)."""

    name: str
    weight: float


def identity(path: str | Path | ShardSet) -> dict:
    """{"name", "of", "sha256"} of a file or folder, or of shards already opened (see the module's
    table); sha256 is None where nothing is there any more (a resumed run's `--init`). Raises
    ShardError for a malformed manifest."""
    if isinstance(path, ShardSet):
        return {"name": path.path.resolve().name, "of": "shards", "sha256": _digest(_shard_hashes(path))}
    path = Path(path)
    name = path.resolve().name
    if path.is_file():
        return {"name": name, "of": "file", "sha256": sha256_file(path)}
    if (path / MANIFEST).is_file():
        return identity(ShardSet.open(path))
    for member in (INDEX_NAME, MODEL_FILE):
        if (path / member).is_file():
            return {"name": name, "of": member, "sha256": sha256_file(path / member)}
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.is_file())
        listing = [[p.relative_to(path).as_posix(), p.stat().st_size] for p in files]
        return {"name": name, "of": "file list", "sha256": _digest(listing)}
    return {"name": name, "of": None, "sha256": None}


def _shard_hashes(shards: ShardSet) -> dict:
    # the shards' own checksums, not manifest.json's bytes: those also hold the font's local path
    splits = shards.manifest["splits"]
    return {
        split: [[r.get("name"), r.get("sha256")] for r in s.get("shards", [])] for split, s in splits.items()
    }


def _digest(obj) -> str:
    text = json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def font_identity(font: dict | None) -> dict | None:
    """A shard manifest's font record with its file name in place of its path."""
    if not isinstance(font, dict):
        return font
    rest = {k: v for k, v in font.items() if k != "path"}
    return {"file": Path(font["path"]).name, **rest} if font.get("path") else rest


def provenance(sources: Sequence[Named], opened: list[Path | ShardSet]) -> dict:
    """What config.json records about the training data: every source by name, weight and identity
    (`opened`: each source as `load_sources` opened it); the first one's identity again as `shards`,
    with the alignment and font its labels were drawn at."""
    recorded = [{"name": s.name, "weight": s.weight, "data": identity(o)} for s, o in zip(sources, opened)]
    manifest = opened[0].manifest if isinstance(opened[0], ShardSet) else {}
    return {
        "shards": recorded[0]["data"],
        "alignment": manifest.get("alignment"),
        "font": font_identity(manifest.get("font")),
        "sources": recorded,
    }


def run_record(
    mc: ModelConfig,
    label_size: tuple[int, int] | None,
    sources: Sequence[Named],
    opened: list[Path | ShardSet],
    config: FitConfig,
    world: int,
) -> dict:
    """What a fit's config.json records beside the model: the charset and sizes, the data
    (`provenance`), the settings (`recorded_settings`) and how many processes trained it."""
    return {
        "charset": mc.charset,
        "input_size": list(mc.input_size),
        "label_size": list(label_size) if label_size else None,
        **provenance(sources, opened),
        "fit": recorded_settings(config),
        "world_size": world,
    }


def recorded_settings(config: FitConfig) -> dict:
    """The settings as config.json records them: `init`, the model a fit started from, by identity."""
    settings = config.to_dict()
    if config.init:
        settings["init"] = identity(config.init)
    return settings


# Settings older runs recorded that FitConfig no longer has; a resume drops them rather than refusing
# the run. `val_fraction` went with issue 19: what fit holds out is plategen.data.splits' one rule.
RETIRED_SETTINGS = ("val_fraction",)


def replayable_settings(recorded: dict) -> dict:
    """Recorded settings `FitConfig.from_dict` can rebuild (the schedule a resume goes on with):
    `init` is an identity, not a setting a resumed run applies again; retired settings are dropped."""
    settings = {k: v for k, v in recorded.items() if k not in RETIRED_SETTINGS}
    return {**settings, "init": None} if "init" in settings else settings


__all__ = [
    "identity",
    "font_identity",
    "provenance",
    "run_record",
    "recorded_settings",
    "replayable_settings",
]
