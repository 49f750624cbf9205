"""What an `alignment.json` was measured with (its `settings`: the AlignConfig and the input), and
the refusal to replace it with one measured with other settings or from another input, as
`plategen crop` refuses to resume with other settings: a folder of non-plates aligned by mistake
must not overwrite a good alignment. `force` is the way to replace it."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

from ..data.samples import Sample
from ..errors import AlignmentError, ConfigError, reason
from .config import AlignConfig
from .layout import Alignment

ADVICE = "write to another path, repeat the first run's settings, or pass --force to replace it"


def input_record(source: str | Path | Sequence[Sample], manifest: str | Path | None, samples) -> dict:
    """The input as names, a count and a hash of its (crop path, text) pairs, paths relative to the
    input's folder: no machine path, as the record travels on into shard manifests and model configs.
    The name is the input's folder's (and the manifest's), however the input was given."""
    if isinstance(source, (str, Path)):
        base = Path(source) if Path(source).is_dir() else Path(manifest or source).parent
        name = base.resolve().name + (f"/{Path(manifest).name}" if manifest else "")
    else:
        name, base = "samples", None
    digest = hashlib.sha256()
    for s in samples:
        path = os.path.relpath(s.path, base) if base is not None else str(s.path)
        digest.update(f"{Path(path).as_posix()}\t{s.text}\n".encode())
    return {"name": name, "crops": len(samples), "sha256": digest.hexdigest()}


def same_input(before: object, now: dict) -> bool:
    """Whether a recorded input is `now`'s: the same folder name and crops (a record that is not an
    object has nothing to compare with)."""
    if not isinstance(before, dict):
        return True
    return (before.get("name"), before.get("sha256")) == (now["name"], now["sha256"])


def align_settings(config: AlignConfig, record: dict) -> dict:
    """The settings an alignment.json records: every AlignConfig field, as JSON holds it, and the input."""
    return {**json.loads(json.dumps(asdict(config))), "input": record}


def check_settings(out: Path, settings: dict) -> None:
    """Refuse to replace OUT unless it is an alignment.json measured with `settings` from the same
    input. Raises ConfigError naming the setting (or the input) and both values, AlignmentError when
    OUT is not an alignment.json at all (a crop index given as --out would be lost). An alignment.json
    from before settings were recorded has nothing to compare with and is replaced."""
    if not out.exists():
        return
    try:
        made = Alignment.load(out).settings
    except AlignmentError as exc:
        why = reason(exc, out)
        raise AlignmentError(
            f"{out}: not replaced: it is not an alignment file ({why}); write to another path, "
            "or pass --force to replace it"
        ) from None
    if made is None:
        return
    before, now = made.get("input"), settings["input"]
    if not same_input(before, now):
        raise ConfigError(
            f"{out}: was measured from {_crops(before)}, this run reads {_crops(now)}; {ADVICE}"
        )
    for name, value in settings.items():
        if name != "input" and name in made and made[name] != value:
            raise ConfigError(
                f"{out}: was measured with {name} {_shown(made[name])}, this run asks for "
                f"{_shown(value)}; {ADVICE}"
            )


def _crops(record: dict) -> str:
    return f"{record.get('crops')} crops of {record.get('name')} (sha256 {str(record.get('sha256'))[:12]})"


def _shown(value) -> str:
    if isinstance(value, list) and len(value) == 2:
        return "x".join(map(str, value))  # a size, as --size takes it
    return json.dumps(value, ensure_ascii=False)


__all__ = ["input_record", "same_input", "align_settings", "check_settings"]
