"""The image label exactly as the paper's own code draws it (its `label_image`), for `--preset paper`.

The code places glyphs at hard-coded positions on a 188×48 canvas (2× the 94×24 crop): the province
at (1, 10) in a 25-pixel font, the second character at (30, 4), and the rest at (19 + 23·i, 4) in a
40-pixel font, white on black, then a bicubic resize to 94×24. It used SimHei, which is not ours to
ship; the bundled font stands in. Our default labels instead place each glyph in the box that
`align` measured on the data's mean image, which is what the paper's text describes.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from ..config import INPUT_SIZE
from ..plates.fonts import resolve_font

CANVAS = (188, 48)  # (W, H): 2× the crop
LABEL_SIZE = INPUT_SIZE  # the paper's canvas is 2x LPRNet's input
PROVINCE_PX, GLYPH_PX = 25, 40


def glyph_origin(i: int) -> tuple[int, int]:
    """Top-left corner (x, y) of character `i` on the canvas, as the paper's code has it."""
    if i == 0:
        return 1, 10
    if i == 1:
        return 7 + 23, 4
    return 19 + 23 * i, 4


@lru_cache(maxsize=8)
def _fonts(path: str) -> tuple[ImageFont.FreeTypeFont, ImageFont.FreeTypeFont]:
    return ImageFont.truetype(path, PROVINCE_PX), ImageFont.truetype(path, GLYPH_PX)


def paper_label(text: str, font: str | Path | None = None) -> np.ndarray:
    """uint8 (24, 94): 0 background, up to 255 glyph. Raises FontError for a missing font."""
    small, large = _fonts(str(resolve_font(font)))
    canvas = Image.new("L", CANVAS, 0)
    draw = ImageDraw.Draw(canvas)
    for i, c in enumerate(text):
        draw.text(glyph_origin(i), c, font=small if i == 0 else large, fill=255)
    return np.asarray(canvas.resize(LABEL_SIZE, Image.BICUBIC), dtype=np.uint8)


__all__ = ["paper_label", "glyph_origin", "CANVAS", "LABEL_SIZE"]
