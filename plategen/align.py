"""Where characters sit in the crops: the paper's mean-image projection method, per layout.

    >>> from plategen import align_images, AlignConfig
    >>> result = align_images("crops/", AlignConfig(), workers=4)      # doctest: +SKIP
    >>> result.alignment.save("alignment.json")                        # doctest: +SKIP
    >>> result.alignment["blue7"].chars                                 # doctest: +SKIP
    ((2, 11), (15, 23), (31, 40), (43, 52), (55, 64), (68, 76), (79, 89))

1. A streaming mean image per layout (float64 sum + count; O(1) memory in the number of crops).
2. Grey, binarized with Otsu's threshold; the glyph polarity is detected per layout.
3. Row and column projections of the binary image, each with a threshold line; the text band is the
   row run above its line, and each character is a column run above its line inside the band.
4. When the projection does not resolve the layout's character count, a template replaces it
   (`plategen.spans`), marked `"source": "template"`, with a warning. Never a silent guess.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from .errors import ConfigError, DatasetError, ImageReadError
from .io import read_image
from .layout import Alignment, Layout
from .pool import pool_map
from .samples import Sample, load_samples
from .spans import STANDARDS, evenly_spread, find_runs, measure_columns, standard_chars

BINARIZE = ("otsu", "mean")
POLARITY = ("auto", "light", "dark")  # light: light glyphs on a dark plate (blue); dark: the reverse
CHUNK = (
    64,
    1024,
)  # crops per worker task: enough to amortise the partial sums' pickling, few enough to balance


@dataclass(frozen=True)
class AlignConfig:
    """How to measure character positions. Fractions are of each projection curve's maximum."""

    binarize: str = "otsu"
    polarity: str = "auto"
    size: tuple[int, int] | None = None  # (width, height); default: the size of each layout's first crop
    min_images: int = 10  # fewer crops than this in a layout: too noisy to measure, use a template
    spread: bool = False  # `--layout spread`: uniform boxes across the measured band for small groups
    layout_key: str | None = None  # index field that defines the layout (default: plate type / length)
    first_glyph_scale: float = 0.8  # plate layouts draw the province glyph smaller (the paper's rule)
    row_threshold: float = 0.5  # text band: rows whose glyph fraction exceeds this × the maximum
    col_threshold: float = 0.35  # characters: columns whose glyph fraction exceeds this × the maximum
    edge_margin: float = 0.02  # columns this close to the left/right edge hold the plate frame

    def __post_init__(self) -> None:
        if self.binarize not in BINARIZE:
            raise ConfigError(f"binarize: {self.binarize!r} is not one of {', '.join(BINARIZE)}")
        if self.polarity not in POLARITY:
            raise ConfigError(f"polarity: {self.polarity!r} is not one of {', '.join(POLARITY)}")
        if self.size is not None and (
            len(self.size) != 2
            or any(not isinstance(v, int) or isinstance(v, bool) or v < 4 for v in self.size)
        ):
            raise ConfigError(f"size: {self.size!r} must be two integers >= 4 (width, height)")
        if not isinstance(self.min_images, int) or self.min_images < 1:
            raise ConfigError(f"min_images: {self.min_images!r} must be an integer >= 1")
        if not 0 < self.first_glyph_scale <= 1:
            raise ConfigError(f"first_glyph_scale: {self.first_glyph_scale!r} must be in (0, 1]")
        for name in ("row_threshold", "col_threshold"):
            if not 0 < getattr(self, name) < 1:
                raise ConfigError(f"{name}: {getattr(self, name)!r} must be in (0, 1)")
        if not 0 <= self.edge_margin < 0.25:
            raise ConfigError(f"edge_margin: {self.edge_margin!r} must be in [0, 0.25)")


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


@dataclass
class AlignResult:
    """The alignment, the crops that could not be read, warnings, and per-layout diagnostics."""

    alignment: Alignment
    skipped: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    diagnostics: dict[str, Diagnostics] = field(default_factory=dict)

    def summary(self) -> str:
        lines = []
        for name, lay in self.alignment.layouts.items():
            boxes = " ".join(f"[{x0},{x1})" for x0, x1 in lay.chars)
            lines.append(
                f"{name}: {lay.source}, {lay.count} crops, rows [{lay.top},{lay.bottom}), boxes {boxes}"
            )
        if self.skipped:
            lines.append(f"{len(self.skipped)} crops skipped (unreadable)")
        return "\n".join(lines)


# ---- 1. streaming mean image ----------------------------------------------------------------------


def _load(path: Path, size: tuple[int, int]) -> np.ndarray:
    image = read_image(path, cv2.IMREAD_COLOR)
    if image.shape[1::-1] != size:
        image = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    return image


def _accumulate(task: tuple[list[tuple[str, str]], dict[str, tuple[int, int]]]):
    """Worker: partial sums of one chunk of (path, layout). Returns ({layout: (sum, n)}, skipped)."""
    items, sizes = task
    sums: dict[str, list] = {}
    skipped = []
    for path, layout in items:
        try:
            image = _load(Path(path), sizes[layout])
        except ImageReadError as exc:
            skipped.append((path, str(exc)))
            continue
        acc = sums.setdefault(layout, [np.zeros(image.shape, np.float64), 0])
        acc[0] += image
        acc[1] += 1
    return {k: (v[0], v[1]) for k, v in sums.items()}, skipped


def _first_sizes(samples: Sequence[Sample], config: AlignConfig) -> dict[str, tuple[int, int]]:
    """The working size of each layout: `config.size`, else its first readable crop's size.
    (An unreadable crop is reported later, with its reason, by the worker pass.)"""
    sizes: dict[str, tuple[int, int]] = {}
    for s in samples:
        if s.layout in sizes:
            continue
        if config.size is not None:
            sizes[s.layout] = config.size
            continue
        try:
            h, w = read_image(s.path, cv2.IMREAD_COLOR).shape[:2]
            sizes[s.layout] = (w, h)
        except ImageReadError:
            pass
    return sizes


def mean_images(
    samples: Sequence[Sample], config: AlignConfig = AlignConfig(), workers: int = 1, progress: bool = True
) -> tuple[dict[str, tuple[np.ndarray, int]], list[tuple[str, str]]]:
    """Mean crop per layout: ({layout: (mean (H, W, 3) float64, count)}, skipped [(path, reason)])."""
    sizes = _first_sizes(samples, config)
    items = [(str(s.path), s.layout) for s in samples if s.layout in sizes]
    orphans = [(str(s.path), "no readable crop in its layout") for s in samples if s.layout not in sizes]
    size = int(np.clip(-(-len(items) // (4 * max(workers, 1))), *CHUNK))
    chunks = [(items[i : i + size], sizes) for i in range(0, len(items), size)]
    totals: dict[str, list] = {}
    skipped = list(orphans)
    partials = pool_map(
        _accumulate,
        chunks,
        workers,
        desc="align: mean image",
        unit="crop",
        total=len(items),
        advance=lambda result: sum(n for _, n in result[0].values()) + len(result[1]),
        progress=progress,
    )
    for partial, bad in partials:
        for layout, (s, n) in partial.items():
            acc = totals.setdefault(layout, [np.zeros_like(s), 0])
            acc[0] += s
            acc[1] += n
        skipped += bad
    return {k: (v[0] / v[1], v[1]) for k, v in totals.items() if v[1]}, skipped


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


def measure(grey: np.ndarray, n: int, config: AlignConfig, polarity: str):
    """Diagnostics and (top, bottom, chars | None, reason) for `n` characters."""
    binary, t = binarize(grey, config.binarize, polarity)
    rows = binary.mean(axis=1)
    band = text_band(rows, config.row_threshold)
    h, w = grey.shape
    top, bottom, row_line = band if band else (0, h, 1.0)
    cols = binary[top:bottom].mean(axis=0)
    chars, col_line, reason = measure_columns(cols, n, config.col_threshold, config.edge_margin)
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
    )
    return diag, (top, bottom, chars, reason)


def _expected_length(name: str, samples: Sequence[Sample], warnings: list[str]) -> int:
    lengths = Counter(len(s.text) for s in samples if s.layout == name)
    n, _ = lengths.most_common(1)[0]
    others = sum(c for k, c in lengths.items() if k != n)
    if others:
        warnings.append(
            f"{name}: {others} crops have a text length other than {n}; boxes are for {n} characters"
        )
    return n


def _scales(name: str, n: int, config: AlignConfig) -> tuple[float, ...]:
    first = config.first_glyph_scale if name in STANDARDS else 1.0
    return (first,) + (1.0,) * (n - 1)


def align_layout(
    name: str, mean: np.ndarray, count: int, n: int, config: AlignConfig, pooled: tuple | None = None
) -> tuple[Layout, Diagnostics, str | None]:
    """Measure one layout; fall back to a template (with the reason as a warning) if it won't resolve."""
    grey = to_grey(mean)
    polarity = detect_polarity(grey) if config.polarity == "auto" else config.polarity
    diag, (top, bottom, chars, reason) = measure(grey, n, config, polarity)
    diag.mean = mean
    h, w = grey.shape
    if count < config.min_images:
        chars, reason = None, f"only {count} crops (min_images {config.min_images})"
    method, warning = "projection", None
    if chars is None:
        top, bottom, chars, method = _template(name, n, w, h, diag, config, pooled, (top, bottom))
        warning = f"{name}: {reason}; using the {method} template"
    thresholds = {
        "binarize": config.binarize,
        "grey": round(diag.grey_threshold, 3),
        "row": round(float(diag.row_line), 4),
        "col": round(float(diag.col_line), 4),
        "row_fraction": config.row_threshold,
        "col_fraction": config.col_threshold,
    }
    layout = Layout(
        w,
        h,
        int(top),
        int(bottom),
        tuple(chars),
        "template" if warning else "measured",
        count,
        thresholds,
        _scales(name, n, config),
        {"polarity": polarity, "method": method},
    )
    return layout, diag, warning


def _template(name, n, w, h, diag, config, pooled, band):
    """(top, bottom, chars, method): the plate standard, else evenly spread over the measured band."""
    if name in STANDARDS and not config.spread and STANDARDS[name].length == n:
        top, bottom, chars = standard_chars(STANDARDS[name], w, h)
        return top, bottom, chars, f"{STANDARDS[name].name} standard"
    top, bottom = band
    x0, x1 = _column_extent(diag.cols, diag.col_line, config.edge_margin)
    # `spread` trusts the band measured on all crops of this size pooled over a small group's own;
    # otherwise the pooled band only stands in when the group's own is unusable
    unusable = bottom - top < h // 4 or x1 - x0 < 2 * n
    if pooled is not None and pooled[2:4] == (w, h) and (config.spread or unusable):
        top, bottom, _, _, x0, x1 = pooled
    return top, bottom, evenly_spread(x0, x1, n), "spread"


def _column_extent(cols: np.ndarray, line: float, margin: float) -> tuple[int, int]:
    """First and last glyph column inside the frame margin (the whole width if there are none)."""
    w = len(cols)
    m = int(round(margin * w))
    inside = np.flatnonzero(cols[m : w - m] > line) + m
    if len(inside) < 2:
        return m, w - m
    return int(inside[0]), int(inside[-1]) + 1


def pooled_band(means: dict[str, tuple[np.ndarray, int]], config: AlignConfig) -> tuple | None:
    """(top, bottom, width, height, x0, x1) of the text band of all crops of the largest size pooled."""
    by_size: dict[tuple, list] = {}
    for mean, count in means.values():
        by_size.setdefault(mean.shape, []).append((mean, count))
    shape, group = max(by_size.items(), key=lambda kv: sum(c for _, c in kv[1]))
    mean = sum(m * c for m, c in group) / sum(c for _, c in group)
    grey = to_grey(mean)
    polarity = detect_polarity(grey) if config.polarity == "auto" else config.polarity
    binary, _ = binarize(grey, config.binarize, polarity)
    band = text_band(binary.mean(axis=1), config.row_threshold)
    if band is None:
        return None
    top, bottom, _ = band
    cols = binary[top:bottom].mean(axis=0)
    x0, x1 = _column_extent(cols, config.col_threshold * max(cols.max(), 1e-9), config.edge_margin)
    return top, bottom, shape[1], shape[0], x0, x1


def align_images(
    source: str | Path | Sequence[Sample],
    config: AlignConfig = AlignConfig(),
    workers: int | None = None,
    progress: bool = True,
    manifest: str | Path | None = None,
) -> AlignResult:
    """Measure the character boxes of every layout in `source` (a crop folder, index, manifest, or
    a list of Samples). Returns an AlignResult; unreadable crops are skipped and reported.

    Raises DatasetError if there is no input or no crop could be read, ConfigError on bad settings.
    """
    samples = (
        list(source)
        if isinstance(source, (list, tuple))
        else load_samples(source, manifest, config.layout_key)
    )
    if not samples:
        raise DatasetError("align: no samples")
    means, skipped = mean_images(samples, config, workers or os.cpu_count() or 1, progress)
    if not means:
        raise DatasetError(f"align: none of the {len(samples)} crops could be read (first: {skipped[0][1]})")
    warnings: list[str] = []
    pooled = (
        pooled_band(means, config)
        if config.spread or any(c < config.min_images for _, c in means.values())
        else None
    )
    layouts, diags = {}, {}
    for name in sorted(means):
        mean, count = means[name]
        n = _expected_length(name, samples, warnings)
        layouts[name], diags[name], warning = align_layout(name, mean, count, n, config, pooled)
        if warning:
            warnings.append(warning)
    return AlignResult(Alignment(layouts), skipped, warnings, diags)
