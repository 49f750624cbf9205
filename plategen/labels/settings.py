"""What a shard folder was rendered with (`render.json`, copied into the manifest as `settings`): the
input, the alignment, the font, the RenderConfig and the shard size. A re-run with other settings
is refused, as `plategen crop` refuses one, naming the setting: it would otherwise replace finished
shards without a word. `start_over` (`--force`) deletes what an earlier run made."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from ..align.layout import Alignment
from ..align.settings import same_input
from ..config import changed_setting
from ..data.shards import MANIFEST, read_shard_manifest
from ..errors import ConfigError, ShardError
from ..io import read_json_object, sha256_file, write_error

# the files of a shard folder besides its shards and manifest
SETTINGS = "render.json"
PROGRESS = ".progress.json"
SKIPPED = "skipped.jsonl"
PREVIEW = "preview.png"
ADVICE = "render into another folder, repeat the first run's settings, or pass --force to start over"


def layouts_sha256(layouts: dict) -> str:
    """The identity of an alignment's boxes, what the labels are drawn in (not its file's bytes)."""
    text = json.dumps(layouts, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def render_settings(
    record: dict, alignment_path: Path, alignment: Alignment, font: Path, render: dict, shard_size: int
) -> dict:
    """The settings a shard folder records, as names and hashes (they travel into model configs)."""
    return {
        "input": record,
        "alignment": {
            "file": Path(alignment_path).name,
            "sha256": layouts_sha256(alignment.to_dict()["layouts"]),
        },
        "font": {"file": Path(font).name, "sha256": sha256_file(font)},
        "render": render,
        "shard_size": shard_size,
    }


def made_settings(out: Path) -> dict | None:
    """What OUT's shards were rendered with: render.json, else what a manifest from before it
    records (alignment, font, render config), else None (a new OUT). Raises ShardError naming a
    settings file or manifest that cannot be read."""
    path = out / SETTINGS
    if path.is_file():
        return read_json_object(path, "render settings", ShardError)
    if not (out / MANIFEST).is_file():
        return None
    manifest = read_shard_manifest(out)
    if isinstance(manifest.get("settings"), dict):
        return manifest["settings"]
    made: dict = {}
    if isinstance(manifest.get("alignment"), dict) and isinstance(manifest["alignment"].get("layouts"), dict):
        made["alignment"] = {"sha256": layouts_sha256(manifest["alignment"]["layouts"])}
    if isinstance(manifest.get("font"), dict) and manifest["font"].get("sha256"):
        made["font"] = {"file": Path(str(manifest["font"].get("path", ""))).name, **manifest["font"]}
    if isinstance(manifest.get("render"), dict):
        made["render"] = manifest["render"]
    return made


def check_settings(out: Path, settings: dict) -> None:
    """Refuse to render into OUT with other settings than its shards were made with. Raises
    ConfigError naming the setting and both values."""
    made = made_settings(out)
    if not made:
        return
    before, now = made.get("input"), settings["input"]
    if not same_input(before, now):
        _refuse(out, f"from {_crops(before)}, this run reads {_crops(now)}")
    for name in ("alignment", "font"):
        before, now = made.get(name), settings[name]
        if isinstance(before, dict) and before.get("sha256") != now["sha256"]:
            _refuse(out, f"with {name} {_file(before)}, this run asks for {_file(now)}")
    recorded = made["render"] if isinstance(made.get("render"), dict) else {}
    changed = changed_setting(recorded, settings["render"])
    if changed:
        name, before, value = changed
        _refuse(out, f"with {name} {_shown(before)}, this run asks for {_shown(value)}")
    if "shard_size" in made and made["shard_size"] != settings["shard_size"]:
        _refuse(out, f"with shard_size {made['shard_size']}, this run asks for {settings['shard_size']}")


def _refuse(out: Path, what: str) -> None:
    raise ConfigError(f"{out}: its shards were made {what}; {ADVICE}")


def _crops(record: dict) -> str:
    return f"{record.get('crops')} crops of {record.get('name')} (sha256 {str(record.get('sha256'))[:12]})"


def _file(record: dict) -> str:
    name = f"{record['file']} " if record.get("file") else ""
    return f"{name}(sha256 {str(record.get('sha256'))[:12]})"


def _shown(value) -> str:
    if isinstance(value, list) and len(value) == 2:
        return "x".join(map(str, value))  # a size, as --label-size takes it
    return json.dumps(value, ensure_ascii=False)


def start_over(out: Path) -> None:
    """Delete what an earlier run made in OUT: the shards its progress file and manifest name, then
    those files, its settings, report and preview. Other files in OUT are not render-labels' to delete."""
    names = set()
    try:
        progress = json.loads((out / PROGRESS).read_text(encoding="utf-8"))
        names |= set(progress) if isinstance(progress, dict) else set()
    except (OSError, ValueError):
        pass  # no progress file, or a damaged one: the manifest may still name the shards
    try:
        manifest = read_shard_manifest(out)
        names |= {r.get("name") for e in manifest["splits"].values() for r in e.get("shards", [])}
    except (ShardError, AttributeError, TypeError):
        pass
    names = {n for n in names if isinstance(n, str) and n.endswith(".tar") and "/" not in n}
    for name in sorted(names) + [MANIFEST, PROGRESS, SKIPPED, PREVIEW, SETTINGS]:
        try:
            (out / name).unlink(missing_ok=True)
        except OSError as exc:
            raise write_error(out / name, exc) from exc


__all__ = ["SETTINGS", "render_settings", "made_settings", "check_settings", "start_over", "layouts_sha256"]
