"""Measuring for `plategen align`: a mean crop → grey → glyph mask → row and column projections →
the text band and the character boxes (the paper's Fig. 3), and the band of all crops pooled.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

import cv2
import numpy as np

from ..plates.grammar import layout_kind
from .spans import find_runs, measure_columns

if TYPE_CHECKING:
    from .config import AlignConfig


@dataclass
class Diagnostics:
    """Everything the Fig. 3 drawing needs for one layout."""

    mean: np.ndarray  # (H, W, 3) float64, BGR
    grey: np.ndarray  # (H, W) float64
    binary: np.ndarray  # (H, W) bool, True = glyph
    grey_threshold: float
    polarity: str
    rows: np.ndarray  # (H,) glyph fraction per row
    cols: np.ndarray  # (W,) glyph fraction per column, inside the text band
    row_line: float  # threshold line on `rows`
    col_line: float  # threshold line on `cols`
    margin: int = 0  # columns at each side ignored as plate frame
    projection: str = "binary"  # which column curve resolved the boxes: "binary" or "grey"


# ---- 2. grey, polarity, binarize ------------------------------------------------------------------


def to_grey(mean: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(mean.astype(np.float32), cv2.COLOR_BGR2GRAY).astype(np.float64)


def detect_polarity(grey: np.ndarray) -> str:
    """ "light" if glyphs are lighter than the plate, else "dark".

    The central rows hold the glyphs and the top and bottom eighths hold plate only, so glyphs pull
    the centre's mean toward their own tone. (Counting projection gaps per polarity was tried and
    fails on blurred mean images.)
    """
    h = grey.shape[0]
    edge = max(1, h // 8)
    centre = grey[h // 4 : h - h // 4].mean()
    border = np.concatenate([grey[:edge], grey[-edge:]]).mean()
    return "light" if centre >= border else "dark"


def layout_polarity(name: str, grey: np.ndarray, config: AlignConfig) -> str:
    """The glyph polarity of layout `name`: the config's when set; else its plate kind's, when the name
    names one (a yellow plate's glyphs are dark whatever its crops' surroundings); else detected."""
    if config.polarity != "auto":
        return config.polarity
    kind = layout_kind(name)
    if kind is not None:
        return "dark" if kind.dark_on_light else "light"
    return detect_polarity(grey)


def binarize(grey: np.ndarray, method: str, polarity: str) -> tuple[np.ndarray, float]:
    """(glyph mask, grey threshold)."""
    if method == "otsu" and np.ptp(grey) > 1e-6:
        from skimage.filters import threshold_otsu

        t = float(threshold_otsu(grey))
    else:
        t = float(grey.mean())
    return (grey > t) if polarity == "light" else (grey <= t), t


# ---- 3. projections and boundaries ---------------------------------------------------------------


def text_band(rows: np.ndarray, fraction: float) -> tuple[int, int, float] | None:
    """(top, bottom, line): the heaviest run of rows above the line that does not touch an edge.

    The line is `fraction` × the curve's maximum over the central half of the rows, where text always
    is: the plate frame's horizontal bars can be denser than any text row. Runs touching the first or
    last row are those bars.
    """
    h = len(rows)
    peak = float(rows[h // 4 : h - h // 4].max()) if h >= 4 else float(rows.max())
    line = fraction * peak if peak > 0 else 1.0
    runs = [r for r in find_runs(rows > line) if r[0] > 0 and r[1] < h] or find_runs(rows > line)
    if not runs:
        return None
    top, bottom = max(runs, key=lambda r: rows[r[0] : r[1]].sum())
    return top, bottom, line


def measure(grey: np.ndarray, n: int, config: AlignConfig, polarity: str, grey_fallback: bool = True):
    """Diagnostics and (top, bottom, chars | None, reason) for `n` characters. When the glyph mask's
    column projection does not resolve them, the grey level's does (`grey_fallback`)."""
    binary, t = binarize(grey, config.binarize, polarity)
    rows = binary.mean(axis=1)
    band = text_band(rows, config.row_threshold)
    h, w = grey.shape
    top, bottom, row_line = band if band else (0, h, 1.0)
    cols = binary[top:bottom].mean(axis=0)
    chars, col_line, reason = measure_columns(cols, n, config.col_threshold, config.edge_margin)
    projection = "binary"
    if chars is None and band is not None and grey_fallback:
        # Crops cut loosely from photos blur into a mean image whose glyph mask is one slab; the
        # grey level still dips between characters.
        tone = glyph_tone(grey[top:bottom], polarity)
        soft, soft_line, _ = measure_columns(tone, n, config.col_threshold, config.edge_margin)
        if soft is not None:
            chars, col_line, cols, projection = soft, soft_line, tone, "grey"
    if band is None:
        chars, reason = None, "no text band above the row threshold"
    elif bottom - top < max(2, h // 4):
        chars, reason = None, f"text band rows [{top},{bottom}) is implausibly thin"
    diag = Diagnostics(
        np.zeros((h, w, 3)),
        grey,
        binary,
        t,
        polarity,
        rows,
        cols,
        row_line,
        col_line,
        int(round(config.edge_margin * w)),
        projection,
    )
    return diag, (top, bottom, chars, reason)


def glyph_tone(band: np.ndarray, polarity: str) -> np.ndarray:
    """(W,) the band's mean grey per column, scaled to [0, 1] with 1 the most glyph-like."""
    cols = band.mean(axis=0)
    cols = cols if polarity == "light" else -cols
    span = float(np.ptp(cols))
    return (cols - cols.min()) / span if span > 1e-9 else np.zeros_like(cols)


def column_extent(cols: np.ndarray, line: float, margin: float) -> tuple[int, int]:
    """First and last glyph column inside the frame margin (the whole width if there are none)."""
    w = len(cols)
    m = int(round(margin * w))
    inside = np.flatnonzero(cols[m : w - m] > line) + m
    if len(inside) < 2:
        return m, w - m
    return int(inside[0]), int(inside[-1]) + 1


class PooledBand(NamedTuple):
    """The text band of all crops of one size pooled, and its glyph columns' extent."""

    top: int
    bottom: int
    width: int
    height: int
    x0: int
    x1: int


def pooled_band(means: dict[str, tuple[np.ndarray, int]], config: AlignConfig) -> PooledBand | None:
    """The band of all crops of the most common size pooled (None if no band resolves)."""
    by_size: dict[tuple, list] = {}
    for name, (mean, count) in means.items():
        grey = to_grey(mean)
        # every layout's glyphs turned light before pooling: a yellow plate's dark glyphs averaged
        # with a blue plate's light ones would cancel out
        if layout_polarity(name, grey, config) == "dark":
            grey = 255.0 - grey
        by_size.setdefault(mean.shape, []).append((grey, count))
    shape, group = max(by_size.items(), key=lambda kv: sum(c for _, c in kv[1]))
    grey = sum(g * c for g, c in group) / sum(c for _, c in group)
    binary, _ = binarize(grey, config.binarize, "light")
    band = text_band(binary.mean(axis=1), config.row_threshold)
    if band is None:
        return None
    top, bottom, _ = band
    cols = binary[top:bottom].mean(axis=0)
    x0, x1 = column_extent(cols, config.col_threshold * max(cols.max(), 1e-9), config.edge_margin)
    return PooledBand(top, bottom, shape[1], shape[0], x0, x1)
