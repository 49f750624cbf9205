"""The `alignment.json` contract: where each character sits in a crop, per layout.

    {"version": 1, "layouts": {"blue7": {"width": 94, "height": 24, "top": 3, "bottom": 21,
     "chars": [[3, 13], ...], "source": "measured", "count": 24, "thresholds": {...},
     "scales": [0.85, 1, 1, 1, 1, 1, 1]}}}

`scales` is the layout's glyph-size rule: each glyph is drawn at that fraction of its box (the paper
draws the province glyph smaller). It is optional and defaults to 1 for every character.

`settings` (optional, top level) records what the file was measured with: the AlignConfig fields and
the input as a name, a crop count and a hash (`plategen.align.settings`). A re-run of `plategen align`
compares them before it replaces the file; files without them stay readable.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import AlignmentError
from ..io import write_json_atomic

VERSION = 1


@dataclass(frozen=True)
class Layout:
    """Character boxes of one layout, in pixels of a `width`×`height` crop."""

    width: int
    height: int
    top: int
    bottom: int
    chars: tuple[tuple[int, int], ...]  # [x0, x1] per character, x1 exclusive
    source: str = "measured"  # or "template"
    count: int = 0  # images averaged
    thresholds: dict = field(default_factory=dict, compare=False)
    scales: tuple[float, ...] | None = None
    extra: dict = field(default_factory=dict, compare=False)  # any further keys, kept verbatim

    @property
    def length(self) -> int:
        return len(self.chars)

    def scale(self, i: int) -> float:
        return self.scales[i] if self.scales else 1.0

    def boxes(self) -> list[tuple[int, int, int, int]]:
        """(x0, y0, x1, y1) per character."""
        return [(x0, self.top, x1, self.bottom) for x0, x1 in self.chars]

    def to_dict(self) -> dict:
        d = {
            **self.extra,
            "width": self.width,
            "height": self.height,
            "top": self.top,
            "bottom": self.bottom,
            "chars": [list(c) for c in self.chars],
            "source": self.source,
            "count": self.count,
            "thresholds": self.thresholds,
        }
        if self.scales is not None:
            d["scales"] = list(self.scales)
        return d


@dataclass(frozen=True)
class Alignment:
    """All layouts of a dataset, keyed by layout name (e.g. "blue7", "green8", "len5")."""

    layouts: dict[str, Layout]
    settings: dict | None = field(default=None, compare=False)  # what it was measured with

    def __getitem__(self, name: str) -> Layout:
        return self.layouts[name]

    def to_dict(self) -> dict:
        d = {"version": VERSION, "layouts": {k: v.to_dict() for k, v in self.layouts.items()}}
        return d if self.settings is None else {**d, "settings": self.settings}

    def save(self, path: str | Path) -> None:
        write_json_atomic(path, self.to_dict())

    @classmethod
    def from_dict(cls, d: object, source: str = "alignment") -> Alignment:
        """Validate and build. Raises AlignmentError naming the offending key."""
        if not isinstance(d, dict):
            raise AlignmentError(f"{source}: top level is not a JSON object")
        if d.get("version") != VERSION:
            raise AlignmentError(f"{source}: key 'version': expected {VERSION}, got {d.get('version')!r}")
        layouts = d.get("layouts")
        if not isinstance(layouts, dict) or not layouts:
            raise AlignmentError(f"{source}: key 'layouts': expected a non-empty object")
        settings = d.get("settings")
        if settings is not None and not isinstance(settings, dict):
            raise AlignmentError(f"{source}: key 'settings': expected an object, got {settings!r}")
        return cls({name: _layout(v, f"{source}: layouts.{name}") for name, v in layouts.items()}, settings)

    @classmethod
    def load(cls, path: str | Path) -> Alignment:
        path = Path(path)
        try:
            d = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise AlignmentError(f"{path}: alignment file not found") from None
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise AlignmentError(f"{path}: not valid JSON ({exc})") from None
        except OSError as exc:  # a folder, or no permission
            raise AlignmentError(f"{path}: cannot read alignment file ({exc.strerror or exc})") from None
        return cls.from_dict(d, str(path))


_KNOWN = {"width", "height", "top", "bottom", "chars", "source", "count", "thresholds", "scales"}


def _int_key(d: dict, key: str, where: str) -> int:
    value = d.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise AlignmentError(f"{where}: key '{key}': expected a non-negative integer, got {value!r}")
    return value


def _layout(d: object, where: str) -> Layout:
    if not isinstance(d, dict):
        raise AlignmentError(f"{where}: expected an object")
    width, height = _int_key(d, "width", where), _int_key(d, "height", where)
    top, bottom = _int_key(d, "top", where), _int_key(d, "bottom", where)
    if not 0 <= top < bottom <= height:
        raise AlignmentError(
            f"{where}: keys 'top'/'bottom': need 0 <= top < bottom <= height, got {top}, {bottom}"
        )
    chars = d.get("chars")
    ok = (
        isinstance(chars, list)
        and chars
        and all(
            isinstance(c, list)
            and len(c) == 2
            and all(isinstance(v, int) for v in c)
            and 0 <= c[0] < c[1] <= width
            for c in chars
        )
    )
    if not ok:
        raise AlignmentError(
            f"{where}: key 'chars': expected [[x0, x1], ...] with 0 <= x0 < x1 <= width, got {chars!r}"
        )
    source = d.get("source", "measured")
    if source not in ("measured", "template"):
        raise AlignmentError(f"{where}: key 'source': expected 'measured' or 'template', got {source!r}")
    scales = d.get("scales")
    if scales is not None and (
        not isinstance(scales, list)
        or len(scales) != len(chars)
        or not all(isinstance(s, (int, float)) and 0 < s <= 1 for s in scales)
    ):
        raise AlignmentError(
            f"{where}: key 'scales': expected {len(chars)} numbers in (0, 1], got {scales!r}"
        )
    return Layout(
        width,
        height,
        top,
        bottom,
        tuple(tuple(c) for c in chars),
        source,
        int(d.get("count", 0)),
        dict(d.get("thresholds") or {}),
        tuple(float(s) for s in scales) if scales else None,
        {k: v for k, v in d.items() if k not in _KNOWN},
    )
