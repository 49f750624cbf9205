"""Draw a flat, front-facing licence plate of any kind of `plategen.plates.grammar`, one row or two.

Layout and nominal colours come from the kind (GA 36, in millimetres); this module only varies
them the way paint, film, dirt and age do on real plates.
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

from ..plates.geometry import PlateLayout
from ..plates.grammar import KINDS, PlateKind

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

    background: tuple[tuple[float, float, float], tuple[float, float, float]]  # BGR (top|left, bottom|right)
    ink: tuple[float, float, float]  # glyph colour, BGR
    weight: float  # stroke thickening in mm (negative thins)
    emboss: float  # strength of the glyphs' drop shadow, 0..1
    dirt: float  # strength of the low-frequency stain, 0..1
    rivets: tuple[tuple[float, float], ...]  # centres in mm
    frame: bool  # whether the inset border line is drawn
    bar_one: bool = False  # draw "1" as the plate typeface does: a plain stroke (see draw_style)
    special: tuple[float, float, float] | None = None  # the special character's colour (red 警…)
    frame_colour: tuple[float, float, float] | None = None  # default: the ink
    sheen: float = 0.0  # strength of the reflective film's diagonal highlight, 0..1


def _jitter(rng: np.random.Generator, bgr, spread: float) -> tuple[float, float, float]:
    return tuple(float(np.clip(c + rng.normal(0, spread), 0, 255)) for c in bgr)


def _paint_colour(rng: np.random.Generator, nominal) -> tuple[float, float, float]:
    """A painted colour around the kind's nominal one, as cameras see it: hue a little off, saturation
    and brightness widely off (fading, exposure, white balance)."""
    h, s, v = (float(c) for c in cv2.cvtColor(np.array([[nominal]], np.uint8), cv2.COLOR_BGR2HSV)[0, 0])
    if s < 40:  # white, black, grey: vary brightness and a faint tint only
        return _jitter(rng, np.array(nominal, np.float32) * rng.uniform(0.8, 1.05), 6)
    return _hsv(
        (h + rng.uniform(-9, 9)) % 180,
        np.clip(s * rng.uniform(0.65, 1.15), 0, 255),
        np.clip(v * rng.uniform(0.6, 1.08), 0, 255),
    )


def draw_style(rng: np.random.Generator, kind: PlateKind | bool) -> PlateStyle:
    """Sample colours, stroke weight, dirt, sheen and rivets for a plate of `kind`.

    (`kind` may still be the old `green` flag: True for green, False for blue.)"""
    if isinstance(kind, bool):
        kind = KINDS["green" if kind else "blue"]
    if kind.name == "blue":  # the range CCPD's and real-crops' blue plates span, cyan-blue to navy
        blue = _hsv(rng.uniform(97, 117), rng.uniform(170, 255), rng.uniform(150, 255))
        background = (blue, blue)
    elif kind.shading == "gradient":  # white-to-green film of the small new-energy plate
        top = _hsv(rng.uniform(45, 70), rng.uniform(20, 90), rng.uniform(200, 250))
        # hue 55-85: CCPD2020's grass green to the teal the gate camera sees (hue 78, synth_realism.py)
        bottom = _hsv(rng.uniform(55, 85), rng.uniform(150, 240), rng.uniform(150, 230))
        background = (top, bottom)
    else:
        first = _paint_colour(rng, kind.background[0])
        background = (
            first,
            first if kind.background[1] == kind.background[0] else _paint_colour(rng, kind.background[1]),
        )
    if sum(kind.ink) > 382:  # light glyphs: near-neutral white
        ink = tuple(float(v) for v in rng.uniform(215, 250) + rng.uniform(-6, 6, 3))
    else:
        ink = tuple(float(v) for v in rng.uniform(10, 45, 3))
    special = None
    if kind.special_colour is not None:
        special = _hsv(
            rng.choice([rng.uniform(0, 7), rng.uniform(173, 180)]),
            rng.uniform(170, 255),
            rng.uniform(140, 230),
        )
    geometry = kind.plate
    n_rivets = rng.choice([0, 2, 2, 4])
    xs = (geometry.width * rng.uniform(0.12, 0.3), geometry.width * rng.uniform(0.7, 0.88))
    rivets = [(x, rng.uniform(9, 14)) for x in xs][: n_rivets // 2 * 2]
    if n_rivets == 4:
        rivets += [(x, geometry.height - rng.uniform(9, 14)) for x in xs]
    return PlateStyle(
        background=background,
        ink=ink,
        # strokes measured 1.2× real ones' width (synth_realism.py) at (-1.5, 1.2)
        weight=float(rng.uniform(-2.0, 0.6)),
        emboss=float(rng.uniform(0, 0.6)),
        dirt=float(rng.uniform(0, 0.5)),
        rivets=tuple(rivets),
        frame=bool(rng.random() < (0.5 if kind.shading != "flat" else 0.85)),
        # GA 36's "1" is a plain vertical stroke with no flag or foot, unlike a text font's 1; a sans
        # capital I is that stroke (plates never use the letter I). Some plates keep the font's 1.
        bar_one=bool(rng.random() < 0.8),
        special=special,
        frame_colour=ink if kind.frame == kind.ink else _jitter(rng, kind.frame, 8),
        sheen=float(rng.uniform(0, 0.35)) if rng.random() < 0.4 else 0.0,
    )


def _hsv(h: float, s: float, v: float) -> tuple[float, float, float]:
    pixel = np.array([[[h, s, v]]], np.uint8)
    return tuple(float(c) for c in cv2.cvtColor(pixel, cv2.COLOR_HSV2BGR)[0, 0])


def _background(
    geometry: PlateLayout, style: PlateStyle, ppm: float, rng, shading: str = "flat"
) -> np.ndarray:
    h, w = round(geometry.height * ppm), round(geometry.width * ppm)
    top, bottom = (np.array(c, np.float32) for c in style.background)
    if shading == "split":  # the large new-energy plate: first colour up to the separator
        split = min(max(round(geometry.dot_x * ppm), 1), w - 1)
        plate = np.empty((h, w, 3), np.float32)
        plate[:, :split], plate[:, split:] = top, bottom
    else:
        t = np.linspace(0, 1, h, dtype=np.float32)[:, None, None]
        plate = np.broadcast_to(top * (1 - t) + bottom * t, (h, w, 3)).copy()
    if style.sheen > 0:  # the reflective film catches light along a diagonal band
        ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
        centre = rng.uniform(0.1, 0.9) * w
        band = np.exp(
            -(((xs - centre + (ys - h / 2) * rng.uniform(-1.5, 1.5)) / (w * rng.uniform(0.05, 0.2))) ** 2)
        )
        plate += (255 - plate) * (style.sheen * band)[..., None]
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
    geometry: PlateLayout,
    text: str,
    font: Path,
    style: PlateStyle,
    ppm: float,
    latin_font: Path | None = None,
    only: int | None = None,
    skip: int | None = None,
) -> np.ndarray:
    """The glyphs' ink (and the separator dot); `only` draws character `only` alone, `skip` leaves
    character `skip` (and the dot, when `only` is set) out."""
    h, w = round(geometry.height * ppm), round(geometry.width * ppm)
    mask = np.zeros((h, w), np.float32)
    for i, (ch, (left, top, box_w, box_h)) in enumerate(zip(text, geometry.boxes())):
        if i == skip or (only is not None and i != only):
            continue
        shape = "I" if ch == "1" and style.bar_one else ch
        ink = glyph_mask(latin_font if latin_font is not None and ch.isascii() else font, shape)
        box_w, box_h = box_w * ppm, box_h * ppm
        gh = max(round(box_h), 2)
        if box_w > box_h:  # a two-row plate's top row: its glyphs fill a box wider than tall
            gw = max(round(box_w), 1)
        else:
            gw = min(max(round(ink.shape[1] * gh / ink.shape[0]), 1), max(round(box_w), 1))
        glyph = cv2.resize(ink, (gw, gh), interpolation=cv2.INTER_AREA)
        x0, y0 = round(left * ppm + (box_w - gw) / 2), round(top * ppm)
        np.maximum(mask[y0 : y0 + gh, x0 : x0 + gw], glyph, out=mask[y0 : y0 + gh, x0 : x0 + gw])
    if only is None:
        x, y = geometry.dot
        cv2.circle(mask, (round(x * ppm), round(y * ppm)), max(round(5 * ppm), 1), 1.0, -1, cv2.LINE_AA)
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
    kind: PlateKind | bool,
    font: Path,
    ppm: float,
    rng: np.random.Generator,
    style: PlateStyle | None = None,
    latin_font: Path | None = None,
) -> np.ndarray:
    """A plate of `kind` (a `grammar.PlateKind`; True/False still mean green/blue) reading `text`,
    BGRA float32 in [0, 255], `ppm` pixels per millimetre.

    Alpha is the plate outline (rounded corners); colours come from `style` or are sampled.
    """
    if isinstance(kind, bool):
        kind = KINDS["green" if kind else "blue"]
    geometry = kind.plate
    style = style or draw_style(rng, kind)
    plate = _background(geometry, style, ppm, rng, kind.shading)
    h, w = plate.shape[:2]
    special = kind.special_index if style.special is not None else None
    text_mask = _text_mask(geometry, text, font, style, ppm, latin_font, skip=special)
    special_mask = None
    if special is not None:
        special_mask = _text_mask(geometry, text, font, style, ppm, latin_font, only=special)
    if style.emboss > 0:
        # Raised glyphs lit from above cast a thin shadow below-right.
        shift = max(round(ppm * 1.5), 1)
        shadow = np.zeros_like(text_mask)
        raised = text_mask if special_mask is None else np.maximum(text_mask, special_mask)
        shadow[shift:, shift:] = raised[:-shift, :-shift]
        _paint(plate, shadow, (0, 0, 0), style.emboss * 0.5)
    _paint(plate, text_mask, style.ink)
    if special_mask is not None:
        _paint(plate, special_mask, style.special)
    frame = np.zeros((h, w), np.float32)
    if style.frame:
        inset, thick = 2.5 * ppm, max(round(1.5 * ppm), 1)
        _rounded_rect(frame, inset, inset, w - 1 - inset, h - 1 - inset, 5 * ppm, 1.0, thick)
    for cx, cy in style.rivets:
        cv2.circle(frame, (round(cx * ppm), round(cy * ppm)), max(round(3.5 * ppm), 1), 0.7, -1, cv2.LINE_AA)
    _paint(plate, frame, style.frame_colour or style.ink, 0.95)
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
