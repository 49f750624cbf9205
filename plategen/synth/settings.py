"""What a `synth` run's photos were made with (OUT/synth.json), and the refusal to resume into OUT with
other settings, as `plategen crop` refuses: one folder holding photos of two kind mixes or seeds is a
data set nobody asked for. `force` starts over."""

from __future__ import annotations

import json
from pathlib import Path

from ..config import changed_setting
from ..data.ccpd import parse_name
from ..errors import ConfigError, FilenameError
from ..io import read_json_object
from ..plates.grammar import format_mix

SETTINGS_NAME = "synth.json"


def check_settings(out: Path, settings: dict) -> None:
    """Refuse to resume into OUT with other settings than its photos were made with (OUT/synth.json):
    the folder would mix two runs' kinds or seeds. Raises ConfigError naming the setting and both
    values, or naming synth.json when it is not a settings record."""
    path = out / SETTINGS_NAME
    if not path.is_file():
        return  # a new OUT (or one made before synth.json existed: nothing to compare with)
    made = _read_settings(path)
    changed = changed_setting(made, settings)
    if changed:
        name, before, value = changed
        raise ConfigError(
            f"{out}: its photos were made with {name} {_shown(before)}, this run asks for "
            f"{_shown(value)}; synth into another folder, repeat the first run's settings, or pass "
            "--force to start over"
        )


def _read_settings(path: Path) -> dict:
    return read_json_object(path, "synth settings", ConfigError)


def _shown(value) -> str:
    if isinstance(value, list) and value and all(isinstance(v, list) and len(v) == 2 for v in value):
        return format_mix(dict(value))  # the kinds, as --kinds takes them
    return json.dumps(value, ensure_ascii=False)


def start_over(out: Path) -> None:
    """Delete what an earlier run wrote in OUT: its photos (CCPD-named JPEGs) and OUT/synth.json.
    Only a folder with a synth.json is synth's: any other is left alone."""
    path = out / SETTINGS_NAME
    if not path.is_file():
        return
    _read_settings(path)  # a synth.json that is not one is no proof that OUT is synth's
    for photo in out.glob("*.jpg"):
        try:
            parse_name(photo.name)
        except FilenameError:
            continue
        photo.unlink(missing_ok=True)
    path.unlink()


__all__ = ["SETTINGS_NAME", "check_settings", "start_over"]
