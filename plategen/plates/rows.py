"""Two-row plates on a one-line reader: find the rows of a crop and set them side by side.

LPRNet reads one line of 94×24. A two-row plate (GA 36 Figure 5: yellow-rear, trailer) squeezed
into that loses both rows, so every stage that reads a crop (align, render-labels, predict, eval)
first brings it to one line with `as_line`:

1. **Is it two rows?** The kind says so when the stage knows it (`Sample.kind.rows`: the crop
   index's or the CCPD name's kind field), or the user does (`predict --rows 2`). Without either,
   `predict` reads a crop at least `MIN_ASPECT` tall for its width whose projection shows a cut both
   as it is and unfolded, and keeps the reading the plate grammar accepts with the higher confidence:
   real one-row crops come up to 0.8 tall for their width (plate and car body) and often show a gap
   under the plate, so neither the aspect nor the projection alone can decide (measured on the 277
   such crops of `real-crops`).
2. **Where is the cut?** The horizontal projection `align` uses, on the binarized crop: the row of
   least ink between `SEARCH` (fractions of the height) around the standard's cut (82.5 of 220 mm),
   which must hold at most `GAP_RATIO` of the ink of the rows above and below it. A crop of a
   two-row kind without such a row raises `RowsNotFound` (a batch stage skips it and says so).
3. **Side by side** (`unfold`): the top row, trimmed to the middle of its width (where the province
   and letter sit), scaled to the bottom row's height and squeezed to the bottom glyphs' proportions,
   then the bottom row to its right, by the kind's own plate (`PlateKind.plate`; the standard's
   `geometry.TWO_ROW` for a crop of unknown kind). A plate cropped to its outline comes out in the
   layout `PlateKind.line` (the layout align and labels use); the reader resizes it to 94×24.

We measured reading the rows this way against reading each row on its own (HyperLPR3's way):
`benchmarks/two_row.py`.

The ONNX export takes the one-line 94×24 input; `as_line` is the step before it, in numpy and OpenCV
only, for deployments that read two-row plates (docs in the README's "Two-row plates").
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from ..errors import PlategenError
from ..io import read_image, resize_to
from .geometry import TWO_ROW, TwoRowGeometry
from .grammar import KINDS, PlateKind, unknown_kind

MIN_ASPECT = 0.4  # height / width: a one-row plate is 0.32 (440×140), a two-row one 0.5 (440×220)
SEARCH = (0.25, 0.55)  # where the cut may be, as fractions of the crop height
GAP_RATIO = 0.35  # the cut's ink, at most this share of the weaker row's


class RowsNotFound(PlategenError, ValueError):
    """A crop of a two-row kind whose two rows could not be found."""


def _kind(kind: PlateKind | str | None, where: object = "") -> PlateKind | None:
    """`kind`, a kind's name looked up. Raises KindError naming `where` for a name of no kind."""
    if not isinstance(kind, str):
        return kind
    if kind not in KINDS:
        raise unknown_kind(kind, str(where))
    return KINDS[kind]


def _ink(image: np.ndarray, dark_on_light: bool | None) -> np.ndarray:
    """Glyph strokes (bool): pixels darker (or, for light glyphs, brighter) than their neighbourhood,
    an adaptive threshold, so a dark car body or a bright sky around the plate is no ink. Polarity
    from the kind; without one, the polarity whose strokes are rarer in the crop's middle."""
    grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY) if image.ndim == 3 else image
    h, w = grey.shape
    block = max(3, (h // 3) | 1)
    dark = cv2.adaptiveThreshold(grey, 1, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, block, 8) > 0
    if dark_on_light is True:
        return dark
    light = cv2.adaptiveThreshold(grey, 1, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY, block, -8) > 0
    if dark_on_light is False:
        return light
    middle = np.s_[h // 4 : 3 * h // 4, w // 10 : 9 * w // 10]
    return dark if dark[middle].mean() < light[middle].mean() else light


def _profile(ink: np.ndarray) -> np.ndarray:
    """Ink share of each row over the middle 80 % of the width (frame edges left out), smoothed."""
    h, w = ink.shape
    rows = ink[:, round(0.1 * w) : round(0.9 * w)].mean(axis=1).astype(np.float32)
    k = max(3, (h // 30) | 1)
    return cv2.blur(rows[:, None], (1, k)).ravel()


# Rolled plates slant their rows past the gap between them: the projection is taken on the crop
# sheared by each of these slopes (rise over run), and the deepest gap wins.
SLOPES = np.tan(np.radians(np.linspace(-8, 8, 9)))


def level(image: np.ndarray, slope: float) -> np.ndarray:
    """`image` with row y at column x moved to y - slope·(x - w/2): a slope-`slope` line made level."""
    if slope == 0:
        return image
    h, w = image.shape[:2]
    m = np.float32([[1, 0, 0], [-slope, 1, slope * w / 2]])
    return cv2.warpAffine(image, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def find_cut(image: np.ndarray, kind: PlateKind | None = None) -> tuple[int, float] | None:
    """(row, slope): where a two-row crop's rows part once its rows are levelled by `level(slope)`,
    or None when the crop shows no two text rows. `kind` gives the glyph polarity; without one, the
    rarer stroke polarity is ink."""
    h, w = image.shape[:2]
    if h < 8 or w < 8:
        return None
    ink = _ink(image, kind.dark_on_light if kind is not None else None).astype(np.uint8)
    lo, hi = round(SEARCH[0] * h), round(SEARCH[1] * h)
    best = None
    for slope in SLOPES:
        profile = _profile(level(ink, float(slope)) > 0)
        cut = lo + int(np.argmin(profile[lo:hi]))
        top = profile[round(0.05 * h) : cut].max(initial=0)
        bottom = profile[cut + 1 : round(0.95 * h)].max(initial=0)
        if min(top, bottom) < 0.08:
            continue
        ratio = profile[cut] / min(top, bottom)
        if ratio <= GAP_RATIO and (best is None or ratio < best[0]):
            best = (ratio, cut, float(slope))
    return None if best is None else (best[1], best[2])


def unfold(image: np.ndarray, cut: int, slope: float = 0.0, plate: TwoRowGeometry = TWO_ROW) -> np.ndarray:
    """The two rows of `image`, levelled by `slope` and cut at row `cut`, side by side as `plate`
    sets them (see the module's step 3)."""
    image = level(image, slope)
    h, w = image.shape[:2]
    x0, x1 = (round(f * w) for f in plate.top_span)
    top, bottom = image[:cut, x0:x1], image[cut:]
    band = h - cut
    # the top part's width follows the standard's row heights, not the cut found, so the characters
    # of every unfolded plate sit where `plate.line()` puts them
    width = max(round((x1 - x0) * plate.top_scale[0]), 1)
    top = cv2.resize(top, (width, band), interpolation=cv2.INTER_AREA if band < cut else cv2.INTER_LINEAR)
    return np.ascontiguousarray(np.hstack([top, bottom]))


def as_line(
    image: np.ndarray,
    kind: PlateKind | str | None = None,
    source: str | Path = "crop",
    rows: int | None = None,
) -> np.ndarray:
    """The crop as the one line a reader reads: a two-row plate's rows side by side, any other crop
    unchanged. Two rows when `rows` is 2 or `kind` is a two-row kind; a crop of neither is returned as
    it is (see `candidate_line` for crops of unknown kind). Raises RowsNotFound naming `source` when
    the two rows cannot be found."""
    kind = _kind(kind, source)
    if rows is None:
        rows = kind.rows if kind is not None else 1
    if rows == 1:
        return image
    cut = find_cut(image, kind)
    if cut is None:
        h, w = image.shape[:2]
        what = f"a {kind.name} plate has two rows" if kind is not None else "two rows were asked for"
        raise RowsNotFound(
            f"{source}: {what}, but no gap between two rows of characters was found in its {w}×{h} "
            f"crop (searched {SEARCH[0]:.0%}-{SEARCH[1]:.0%} of its height)"
        )
    # the kind's own plate; the standard's for `rows=2` without a two-row kind
    plate = kind.plate if kind is not None and isinstance(kind.plate, TwoRowGeometry) else TWO_ROW
    return unfold(image, *cut, plate)


def candidate_line(image: np.ndarray) -> np.ndarray | None:
    """For a crop of unknown kind: its rows side by side when it may be a two-row plate (at least
    `MIN_ASPECT` tall for its width, with a cut between two rows), else None. A reader reads both
    this and the crop and keeps the better reading."""
    h, w = image.shape[:2]
    if h < MIN_ASPECT * w:
        return None
    cut = find_cut(image)
    return None if cut is None else unfold(image, *cut)


def read_line(
    path: str | Path, size: tuple[int, int], kind: PlateKind | str | None = None, rows: int | None = None
) -> np.ndarray:
    """Read a crop, bring it to one line (`as_line`) and resize it to `size` (W, H) by the one resize
    rule. Raises ImageReadError or RowsNotFound naming `path`."""
    return resize_to(as_line(read_image(path, cv2.IMREAD_COLOR), kind, path, rows), size)


def crop_size(size: tuple[int, int], kind: PlateKind | str | None) -> tuple[int, int]:
    """The size `plategen crop` writes a plate of `kind` at, for a one-line `size` (W, H): a two-row
    plate keeps its 2:1 outline, twice the line's width, so each row keeps its detail."""
    kind = _kind(kind)
    if kind is None or kind.rows == 1:
        return size
    w = 2 * size[0]
    return w, round(w * kind.plate.height / kind.plate.width)


__all__ = [
    "RowsNotFound",
    "find_cut",
    "level",
    "unfold",
    "as_line",
    "candidate_line",
    "read_line",
    "crop_size",
    "MIN_ASPECT",
]
