"""Character column spans: read off a projection curve, or laid out by a template.

All spans are `(x0, x1)` pixel columns with `x1` exclusive, in a crop `w` pixels wide.
"""

from __future__ import annotations

import numpy as np

from ..plates.geometry import PlateGeometry
from ..plates.grammar import STANDARDS  # noqa: F401  (re-exported)

DOT_WIDTH = 0.5  # a run narrower than this × the median run is a dot, a rivet or frame, not a glyph
MIN_WIDTH, MAX_WIDTH = 0.7, 1.4  # a plausible glyph run is this × the median run; wider is a merged pair
SCAN = tuple(np.round(np.arange(0.1, 0.901, 0.025), 3))  # threshold fractions tried when the first fails


def find_runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """[(start, end)] of the True runs of a 1-D mask, end exclusive."""
    padded = np.concatenate([[False], np.asarray(mask, bool), [False]])
    edges = np.flatnonzero(padded[1:] != padded[:-1])
    return [(int(a), int(b)) for a, b in zip(edges[::2], edges[1::2])]


def standard_chars(std: PlateGeometry, w: int, h: int) -> tuple[int, int, list[tuple[int, int]]]:
    """(top, bottom, spans) of a plate standard scaled to a w×h crop."""
    sx, sy = w / std.width, h / std.height
    cw = std.char_size[0]
    spans = [(int(round(x * sx)), int(round((x + cw) * sx))) for x in std.char_x]
    return int(round(std.char_top * sy)), int(round((std.char_top + std.char_size[1]) * sy)), spans


def evenly_spread(x0: int, x1: int, n: int) -> list[tuple[int, int]]:
    """`n` equal, touching cells across [x0, x1) (widened to n pixels if narrower)."""
    if x1 - x0 < n:
        x1 = x0 + n
    edges = np.round(np.linspace(x0, x1, n + 1)).astype(int)
    return [(int(a), int(b)) for a, b in zip(edges[:-1], edges[1:])]


def _clean(runs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    if not runs:
        return runs
    median = float(np.median([b - a for a, b in runs]))
    return [r for r in runs if r[1] - r[0] >= DOT_WIDTH * median]


def _merge_split_glyphs(runs: list[tuple[int, int]], n: int) -> list[tuple[int, int]]:
    """Merge close neighbours while there are too many runs and the merge still looks like one glyph
    (CJK glyphs such as 川 or 小 project as several runs). Stray dots stay apart for `_clean`."""
    runs = list(runs)
    ref = float(np.median(sorted(b - a for a, b in runs)[-n:]))  # the glyph-sized runs
    while len(runs) > n:
        pairs = sorted((runs[i + 1][0] - runs[i][1], i) for i in range(len(runs) - 1))
        mergeable = [
            i for gap, i in pairs if gap <= 0.5 * ref and runs[i + 1][1] - runs[i][0] <= MAX_WIDTH * ref
        ]
        if not mergeable:
            break
        i = mergeable[0]
        runs[i : i + 2] = [(runs[i][0], runs[i + 1][1])]
    return runs


def _split_merged(runs: list[tuple[int, int]], n: int, profile: np.ndarray) -> list[tuple[int, int]]:
    """Split the widest run at its deepest interior minimum while there are too few runs and it is
    about twice as wide as the others (two glyphs touching in the mean image)."""
    runs = list(runs)
    while 1 < len(runs) < n:
        widths = [b - a for a, b in runs]
        i = int(np.argmax(widths))
        rest = float(np.median(widths[:i] + widths[i + 1 :])) if len(runs) > 1 else widths[i] / 2
        a, b = runs[i]
        if widths[i] < MAX_WIDTH * rest or b - a < 4:
            break
        cut = a + 1 + int(np.argmin(profile[a + 1 : b - 1]))
        runs[i : i + 1] = (
            [(a, cut), (cut + 1, b)] if profile[cut] > 0 and cut + 1 < b else [(a, cut), (cut, b)]
        )
    return runs


def plausible(runs: list[tuple[int, int]], n: int) -> bool:
    """Exactly n runs of similar width (no merged pair, no stray dot)."""
    if len(runs) != n or n == 0:
        return False
    widths = np.array([b - a for a, b in runs], float)
    median = float(np.median(widths))
    return bool(widths.min() >= MIN_WIDTH * median and widths.max() <= MAX_WIDTH * median)


def spans_at(profile: np.ndarray, line: float, n: int) -> list[tuple[int, int]]:
    runs = find_runs(profile > line)
    if len(runs) > n:
        runs = _merge_split_glyphs(runs, n)
    runs = _clean(runs)
    if len(runs) < n:
        runs = _split_merged(runs, n, profile)
    return runs


def measure_columns(
    cols: np.ndarray, n: int, fraction: float, edge_margin: float
) -> tuple[list[tuple[int, int]] | None, float, str | None]:
    """(spans or None, threshold line used, reason when None) for `n` characters.

    The outer `edge_margin` of the columns holds the plate frame and is ignored. The line is tried at
    `fraction` × the curve's maximum first, then at the nearest fractions that resolve exactly `n`
    plausible spans.
    """
    w = len(cols)
    m = int(round(edge_margin * w))
    profile = np.array(cols, float)
    profile[:m] = 0
    profile[w - m :] = 0
    peak = float(profile.max())
    if peak <= 0:
        return None, 1.0, "no glyph columns in the text band"
    for f in sorted({fraction, *SCAN}, key=lambda f: (abs(f - fraction), f)):
        runs = spans_at(profile, f * peak, n)
        if plausible(runs, n):
            return runs, f * peak, None
    line = fraction * peak
    found = len(_clean(find_runs(profile > line)))
    return None, line, f"the column projection resolves {found} spans, not {n}, at any threshold"
