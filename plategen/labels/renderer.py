"""Image labels: a text drawn in a font, each glyph fitted into its character box from `align`.

A label is uint8 (H, W): 0 background, 255 glyph. Each glyph is scaled to fit its box (times the
layout's per-character scale, e.g. a smaller province glyph), keeping its aspect ratio, centred,
drawn at `supersample`× and downsampled. Glyphs are rendered once per (character, box) and cached,
so a label costs a few array copies. Nothing here is plate-specific:

    >>> from plategen import Alignment, LabelRenderer, RenderConfig
    >>> from plategen.align.layout import Layout
    >>> layout = Layout(width=100, height=32, top=4, bottom=28,
    ...                 chars=((5, 25), (30, 50), (55, 75), (80, 95)))   # or Alignment.load(...)["len4"]
    >>> renderer = LabelRenderer(layout, config=RenderConfig(supersample=2))
    >>> label = renderer.render("2024")
    >>> label.shape, label.dtype, int(label.max())
    ((32, 100), dtype('uint8'), 255)
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from ..align.layout import Layout
from ..config import setting
from ..errors import AlignmentError, ConfigError, FontError
from ..io import write_image_atomic
from ..plates.fonts import font_cmap, resolve_font

RESAMPLE = {"area": cv2.INTER_AREA, "bicubic": cv2.INTER_CUBIC}


@dataclass(frozen=True)
class RenderConfig:
    """How labels are drawn."""

    # draw at this multiple, then downsample (the paper uses 2)
    supersample: int = setting(2, "Draw at this multiple.", range=(1, 8))
    # "area", or "bicubic" (the paper's)
    resample: str = setting("area", "Downsampling filter.", choices=tuple(sorted(RESAMPLE)))
    label_size: tuple[int, int] | None = setting(
        None, "Label size WIDTHxHEIGHT [default: the crop size].", size=True
    )
    font_size: int = 96  # pixel size at which each glyph is rasterised once, before fitting
    padding: float = 0.0  # label pixels trimmed from every side of a box before fitting

    def __post_init__(self) -> None:
        if not isinstance(self.supersample, int) or not 1 <= self.supersample <= 8:
            raise ConfigError(f"supersample: expected an integer in 1..8, got {self.supersample!r}")
        if self.resample not in RESAMPLE:
            raise ConfigError(f"resample: expected one of {sorted(RESAMPLE)}, got {self.resample!r}")
        if self.label_size is not None:
            size = tuple(self.label_size)
            if len(size) != 2 or not all(isinstance(v, int) and 1 <= v <= 4096 for v in size):
                raise ConfigError(f"label_size: expected (W, H) positive integers, got {self.label_size!r}")
            object.__setattr__(self, "label_size", size)
        if not isinstance(self.font_size, int) or not 16 <= self.font_size <= 512:
            raise ConfigError(f"font_size: expected an integer in 16..512, got {self.font_size!r}")
        if not 0 <= self.padding < 16:
            raise ConfigError(f"padding: expected a number in [0, 16), got {self.padding!r}")

    def to_dict(self) -> dict:
        d = asdict(self)
        d["label_size"] = list(self.label_size) if self.label_size else None
        return d


def load_font(path: Path, size: int) -> ImageFont.FreeTypeFont:
    """Open a font with PIL. Raises FontError naming the file if it is not a font."""
    font_cmap(path)  # fontTools check first: a clear message for a file that is not a font
    try:
        return ImageFont.truetype(str(path), size)
    except OSError as exc:
        raise FontError(f"{path}: not a TrueType/OpenType font ({exc})") from None


def font_name(font: ImageFont.FreeTypeFont) -> str:
    family, style = font.getname()
    return " ".join(part for part in (family, style) if part)


class LabelRenderer:
    """Draws image labels for one layout. `render(text)` returns uint8 (H, W), 255 = glyph.

    Raises FontError if the font file is not a font, AlignmentError if a text's length does not
    match the layout, FontError if a glyph has no ink (it would draw an empty box).
    """

    def __init__(self, layout: Layout, font: str | Path | None = None, config: RenderConfig = RenderConfig()):
        self.layout, self.config = layout, config
        self.font_path = resolve_font(font)
        self.font = load_font(self.font_path, config.font_size)
        self.size = config.label_size or (layout.width, layout.height)  # (W, H)
        self.boxes = [self._box(i, box) for i, box in enumerate(layout.boxes())]
        self._ink: dict[str, np.ndarray] = {}
        self._cache: dict[tuple, tuple[tuple[slice, slice], np.ndarray]] = {}

    def _box(self, i: int, box: tuple[int, int, int, int]) -> tuple[float, float, float, float]:
        """Box i in label pixels: rescaled to the label size, padded, shrunk by the layout's scale."""
        sx, sy = self.size[0] / self.layout.width, self.size[1] / self.layout.height
        x0, y0, x1, y1 = box[0] * sx, box[1] * sy, box[2] * sx, box[3] * sy
        pad, s = self.config.padding, self.layout.scale(i)
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        w, h = max(x1 - x0 - 2 * pad, 1.0) * s, max(y1 - y0 - 2 * pad, 1.0) * s
        return (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)

    def render(self, text: str, use_cache: bool = True) -> np.ndarray:
        """The label of `text`: uint8 (H, W) with 0 background and 255 glyph."""
        if len(text) != len(self.boxes):
            raise AlignmentError(
                f"text {text!r} has {len(text)} characters but the layout has {len(self.boxes)} boxes"
            )
        canvas = np.zeros((self.size[1], self.size[0]), np.uint8)  # (H, W)
        for ch, box in zip(text, self.boxes):
            key = (ch, box)
            hit = self._cache.get(key) if use_cache else None
            if hit is None:
                hit = self.glyph(ch, box)
                if use_cache:
                    self._cache[key] = hit
            where, patch = hit
            np.maximum(canvas[where], patch, out=canvas[where])
        return canvas

    def ink(self, ch: str) -> np.ndarray:
        """The character rasterised once at `font_size`, cropped to its ink: uint8 (h, w)."""
        if ch not in self._ink:
            left, top, right, bottom = self.font.getbbox(ch)
            if right <= left or bottom <= top:
                raise FontError(
                    f"{self.font_path}: glyph {ch!r} (U+{ord(ch):04X}) has no ink; "
                    "refusing to draw an empty box"
                )
            image = Image.new("L", (right - left, bottom - top), 0)
            ImageDraw.Draw(image).text((-left, -top), ch, font=self.font, fill=255)
            ink = np.asarray(image)
            rows, cols = np.flatnonzero(ink.max(1)), np.flatnonzero(ink.max(0))
            if rows.size == 0:
                raise FontError(
                    f"{self.font_path}: glyph {ch!r} (U+{ord(ch):04X}) has no ink; "
                    "refusing to draw an empty box"
                )
            self._ink[ch] = np.ascontiguousarray(ink[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1])
        return self._ink[ch]

    def glyph(
        self, ch: str, box: tuple[float, float, float, float]
    ) -> tuple[tuple[slice, slice], np.ndarray]:
        """The glyph fitted into `box` (label pixels): (row/col slices of the label, uint8 patch)."""
        ink, ss = self.ink(ch), self.config.supersample
        W, H = self.size
        # The patch covers the whole pixels the box touches, clipped to the label.
        px0, py0 = max(int(math.floor(box[0])), 0), max(int(math.floor(box[1])), 0)
        px1, py1 = min(int(math.ceil(box[2])), W), min(int(math.ceil(box[3])), H)
        bw, bh = (box[2] - box[0]) * ss, (box[3] - box[1]) * ss
        fit = min(bw / ink.shape[1], bh / ink.shape[0])  # keep the aspect ratio
        gw, gh = max(round(ink.shape[1] * fit), 1), max(round(ink.shape[0] * fit), 1)
        interp = cv2.INTER_AREA if fit < 1 else cv2.INTER_CUBIC
        scaled = cv2.resize(ink, (gw, gh), interpolation=interp)  # (gh, gw) at supersample
        big = np.zeros(((py1 - py0) * ss, (px1 - px0) * ss), np.uint8)
        # Centre of the box, in supersampled patch coordinates.
        gx = round(((box[0] + box[2]) / 2 - px0) * ss - gw / 2)
        gy = round(((box[1] + box[3]) / 2 - py0) * ss - gh / 2)
        _paste(big, scaled, gx, gy)
        patch = cv2.resize(big, (px1 - px0, py1 - py0), interpolation=RESAMPLE[self.config.resample])
        return (slice(py0, py1), slice(px0, px1)), patch


def _paste(dst: np.ndarray, src: np.ndarray, x: int, y: int) -> None:
    """Copy `src` into `dst` at (x, y), clipping whatever falls outside."""
    x0, y0 = max(x, 0), max(y, 0)
    x1, y1 = min(x + src.shape[1], dst.shape[1]), min(y + src.shape[0], dst.shape[0])
    if x1 > x0 and y1 > y0:
        dst[y0:y1, x0:x1] = src[y0 - y : y1 - y, x0 - x : x1 - x]


def overlay(crop: np.ndarray, label: np.ndarray, colour=(0, 64, 255), alpha: float = 0.6) -> np.ndarray:
    """The crop in grey with the label tinted on top (BGR uint8, the crop's size)."""
    grey = cv2.cvtColor(cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY), cv2.COLOR_GRAY2BGR).astype(np.float32)
    if label.shape != crop.shape[:2]:
        label = cv2.resize(label, (crop.shape[1], crop.shape[0]), interpolation=cv2.INTER_AREA)
    a = (label.astype(np.float32) / 255 * alpha)[..., None]  # (H, W, 1)
    return (grey * (1 - a) + np.float32(colour) * a).round().astype(np.uint8)


def contact_sheet(
    path: str | Path, pairs: list[tuple[np.ndarray, np.ndarray]], zoom: int = 3, columns: int = 4
) -> None:
    """Write a PNG grid: for each (crop, label) pair the crop and the label overlaid on it, `zoom`× larger."""
    if not pairs:
        return
    tiles = [
        np.hstack([crop, np.full((crop.shape[0], 2, 3), 255, np.uint8), overlay(crop, label)])
        for crop, label in pairs
    ]
    h, w = max(t.shape[0] for t in tiles), max(t.shape[1] for t in tiles)
    tiles = [
        cv2.copyMakeBorder(
            t, 0, h - t.shape[0] + 3, 0, w - t.shape[1] + 6, cv2.BORDER_CONSTANT, value=(40, 40, 40)
        )
        for t in tiles
    ]
    columns = min(columns, len(tiles))
    tiles += [np.full_like(tiles[0], 40)] * (-len(tiles) % columns)
    rows = [np.hstack(tiles[i : i + columns]) for i in range(0, len(tiles), columns)]
    sheet = np.vstack(rows)
    write_image_atomic(path, cv2.resize(sheet, None, fx=zoom, fy=zoom, interpolation=cv2.INTER_NEAREST))
