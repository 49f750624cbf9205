"""Draw a flat, front-facing licence plate (blue 7-character or green 8-character) with a font.

Geometry follows GA 36-2018, in millimetres, from the one table in `plategen.plates.geometry`.
`render_plate` draws at `ppm` pixels per millimetre and returns a BGRA image whose
alpha is the plate's rounded outline; the scene composer warps it into a photo.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from ..plates.geometry import BLUE, GREEN, PlateGeometry

_GLYPH_PX = 160  # height of the cached high-resolution glyph masks


@lru_cache(maxsize=4)
def _font(path: Path) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(path), int(_GLYPH_PX * 1.3))


@lru_cache(maxsize=512)
def glyph_mask(path: Path, char: str) -> np.ndarray:
    """The character's ink, cropped tight, as a float32 mask in [0, 1], _GLYPH_PX tall.

    Plate fonts are narrow and tall, unlike a text font: the ink is scaled to fill the character
    box's height and squeezed (never widened beyond its own proportions) to fit the 1:2 box.
    """
    font = _font(path)
    left, top, right, bottom = font.getbbox(char)
    canvas = Image.new("L", (right - left + 4, bottom - top + 4), 0)
    ImageDraw.Draw(canvas).text((2 - left, 2 - top), char, font=font, fill=255)
    ink = np.asarray(canvas)
    ys, xs = np.nonzero(ink > 8)
    ink = ink[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1].astype(np.float32) / 255
    h, w = ink.shape
    width = min(round(w * _GLYPH_PX / h), _GLYPH_PX // 2)
    return cv2.resize(ink, (max(width, 1), _GLYPH_PX), interpolation=cv2.INTER_AREA)


@dataclass(frozen=True)
class PlateStyle:
    """Random appearance of one plate; `draw_style` samples it."""

    background: tuple[tuple[float, float, float], tuple[float, float, float]]  # BGR top, bottom
    ink: tuple[float, float, float]  # glyph/frame colour, BGR
    weight: float  # stroke thickening in mm (negative thins)
    emboss: float  # strength of the glyphs' drop shadow, 0..1
    dirt: float  # strength of the low-frequency stain, 0..1
    rivets: tuple[tuple[float, float], ...]  # centres in mm
    frame: bool  # whether the inset border line is drawn
    bar_one: bool = False  # draw "1" as the plate typeface does: a plain stroke (see draw_style)


def draw_style(rng: np.random.Generator, green: bool) -> PlateStyle:
    """Sample colours, stroke weight, dirt and rivets like those seen on CCPD plates."""
    if green:
        top = _hsv(rng.uniform(45, 70), rng.uniform(20, 90), rng.uniform(200, 250))
        bottom = _hsv(rng.uniform(55, 75), rng.uniform(150, 240), rng.uniform(150, 230))
        ink = tuple(float(v) for v in rng.uniform(10, 45, 3))
    else:
        blue = _hsv(rng.uniform(97, 117), rng.uniform(170, 255), rng.uniform(150, 255))
        top = bottom = blue
        ink = tuple(float(v) for v in rng.uniform(215, 250) + rng.uniform(-6, 6, 3))  # near-neutral white
    geometry = GREEN if green else BLUE
    n_rivets = rng.choice([0, 2, 2, 4])
    xs = (geometry.width * rng.uniform(0.12, 0.3), geometry.width * rng.uniform(0.7, 0.88))
    rivets = [(x, rng.uniform(9, 14)) for x in xs][: n_rivets // 2 * 2]
    if n_rivets == 4:
        rivets += [(x, geometry.height - rng.uniform(9, 14)) for x in xs]
    return PlateStyle(
        background=(top, bottom),
        ink=ink,
        weight=float(rng.uniform(-1.5, 1.2)),
        emboss=float(rng.uniform(0, 0.6)),
        dirt=float(rng.uniform(0, 0.5)),
        rivets=tuple(rivets),
        frame=bool(rng.random() < 0.85),
        # GA 36's "1" is a plain vertical stroke with no flag or foot, unlike a text font's 1; a sans
        # capital I is that stroke (plates never use the letter I). Some plates keep the font's 1.
        bar_one=bool(rng.random() < 0.8),
    )


def _hsv(h: float, s: float, v: float) -> tuple[float, float, float]:
    pixel = np.array([[[h, s, v]]], np.uint8)
    return tuple(float(c) for c in cv2.cvtColor(pixel, cv2.COLOR_HSV2BGR)[0, 0])


def _background(geometry: PlateGeometry, style: PlateStyle, ppm: float, rng) -> np.ndarray:
    h, w = round(geometry.height * ppm), round(geometry.width * ppm)
    top, bottom = (np.array(c, np.float32) for c in style.background)
    t = np.linspace(0, 1, h, dtype=np.float32)[:, None, None]
    plate = np.broadcast_to(top * (1 - t) + bottom * t, (h, w, 3)).copy()
    # Dirt and uneven paint: a smooth multiplicative stain.
    stain = cv2.resize(
        rng.uniform(1 - style.dirt * 0.5, 1.04, (3, 8)).astype(np.float32),
        (w, h),
        interpolation=cv2.INTER_CUBIC,
    )
    return plate * stain[..., None]


def _paint(plate: np.ndarray, mask: np.ndarray, colour, alpha: float = 1.0) -> None:
    a = (mask * alpha)[..., None]
    plate *= 1 - a
    plate += a * np.asarray(colour, np.float32)


def _text_mask(
    geometry: PlateGeometry,
    text: str,
    font: Path,
    style: PlateStyle,
    ppm: float,
    latin_font: Path | None = None,
) -> np.ndarray:
    h, w = round(geometry.height * ppm), round(geometry.width * ppm)
    mask = np.zeros((h, w), np.float32)
    box_w, box_h = geometry.char_size[0] * ppm, geometry.char_size[1] * ppm
    y0 = round(geometry.char_top * ppm)
    gh = max(round(box_h), 2)
    for ch, left in zip(text, geometry.char_x):
        shape = "I" if ch == "1" and style.bar_one else ch
        ink = glyph_mask(latin_font if latin_font is not None and ch.isascii() else font, shape)
        gw = max(round(ink.shape[1] * gh / ink.shape[0]), 1)
        gw = min(gw, max(round(box_w), 1))
        glyph = cv2.resize(ink, (gw, gh), interpolation=cv2.INTER_AREA)
        x0 = round(left * ppm + (box_w - gw) / 2)
        np.maximum(mask[y0 : y0 + gh, x0 : x0 + gw], glyph, out=mask[y0 : y0 + gh, x0 : x0 + gw])
    r = geometry.dot_x * ppm, geometry.height / 2 * ppm
    cv2.circle(mask, (round(r[0]), round(r[1])), max(round(5 * ppm), 1), 1.0, -1, cv2.LINE_AA)
    return _weight(mask, style.weight * ppm)


def _weight(mask: np.ndarray, px: float) -> np.ndarray:
    """Thicken (px > 0) or thin strokes by about `px` pixels in total."""
    k = int(round(abs(px)))
    if k < 1:
        return mask
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k + 1, k + 1))
    op = cv2.dilate if px > 0 else cv2.erode
    return op(mask, kernel)


def render_plate(
    text: str,
    green: bool,
    font: Path,
    ppm: float,
    rng: np.random.Generator,
    style: PlateStyle | None = None,
    latin_font: Path | None = None,
) -> np.ndarray:
    """A plate image, BGRA float32 in [0, 255], `ppm` pixels per millimetre.

    Alpha is the plate outline (rounded corners); colours come from `style` or are sampled.
    """
    geometry = GREEN if green else BLUE
    style = style or draw_style(rng, green)
    plate = _background(geometry, style, ppm, rng)
    h, w = plate.shape[:2]
    text_mask = _text_mask(geometry, text, font, style, ppm, latin_font)
    if style.emboss > 0:
        # Raised glyphs lit from above cast a thin shadow below-right.
        shift = max(round(ppm * 1.5), 1)
        shadow = np.zeros_like(text_mask)
        shadow[shift:, shift:] = text_mask[:-shift, :-shift]
        _paint(plate, shadow, (0, 0, 0), style.emboss * 0.5)
    _paint(plate, text_mask, style.ink)
    frame = np.zeros((h, w), np.float32)
    if style.frame:
        inset, thick = 2.5 * ppm, max(round(1.5 * ppm), 1)
        _rounded_rect(frame, inset, inset, w - 1 - inset, h - 1 - inset, 5 * ppm, 1.0, thick)
    for cx, cy in style.rivets:
        cv2.circle(frame, (round(cx * ppm), round(cy * ppm)), max(round(3.5 * ppm), 1), 0.7, -1, cv2.LINE_AA)
    _paint(plate, frame, style.ink, 0.95)
    for cx, cy in style.rivets:  # the screw head's dark rim
        cv2.circle(
            plate,
            (round(cx * ppm), round(cy * ppm)),
            max(round(3.5 * ppm), 1),
            (60, 60, 60),
            max(round(ppm), 1),
            cv2.LINE_AA,
        )
    alpha = np.zeros((h, w), np.float32)
    _rounded_rect(alpha, 0, 0, w - 1, h - 1, 6 * ppm, 1.0, -1)
    return np.dstack([np.clip(plate, 0, 255), alpha * 255])


def _rounded_rect(img, x0, y0, x1, y1, radius, colour, thickness) -> None:
    """Draw a rounded rectangle outline (thickness > 0) or a filled one (thickness < 0)."""
    r = max(int(round(radius)), 1)
    x0, y0, x1, y1 = (int(round(v)) for v in (x0, y0, x1, y1))
    if thickness < 0:
        cv2.rectangle(img, (x0 + r, y0), (x1 - r, y1), colour, -1)
        cv2.rectangle(img, (x0, y0 + r), (x1, y1 - r), colour, -1)
    else:
        for a, b in (
            ((x0 + r, y0), (x1 - r, y0)),
            ((x0 + r, y1), (x1 - r, y1)),
            ((x0, y0 + r), (x0, y1 - r)),
            ((x1, y0 + r), (x1, y1 - r)),
        ):
            cv2.line(img, a, b, colour, thickness, cv2.LINE_AA)
    for (cx, cy), start in (
        ((x0 + r, y0 + r), 180),
        ((x1 - r, y0 + r), 270),
        ((x1 - r, y1 - r), 0),
        ((x0 + r, y1 - r), 90),
    ):
        cv2.ellipse(img, (cx, cy), (r, r), 0, start, start + 90, colour, thickness, cv2.LINE_AA)
