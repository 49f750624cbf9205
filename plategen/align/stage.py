"""Where characters sit in the crops: the paper's mean-image projection method, per layout.

    >>> from plategen import align_images, AlignConfig
    >>> result = align_images("crops/", AlignConfig(), workers=4)      # doctest: +SKIP
    >>> result.alignment.save("alignment.json")                        # doctest: +SKIP
    >>> result.alignment["blue7"].chars                                 # doctest: +SKIP
    ((2, 11), (15, 23), (31, 40), (43, 52), (55, 64), (68, 76), (79, 89))

1. A streaming mean image per layout (float64 sum + count; O(1) memory in the number of crops):
   `plategen.align.mean_image`. Steps 2 and 3 are `plategen.align.measure`; this module picks the template.
2. Grey, binarized with Otsu's threshold. The glyph polarity is the plate kind's when the layout
   names one (`yellow7`: dark glyphs, `blue7`: light), else detected per layout.
3. Row and column projections of the binary image, each with a threshold line; the text band is the
   row run above its line, and each character is a column run above its line inside the band.
4. When the projection does not resolve the layout's character count, a template replaces it
   (`plategen.align.spans`), marked `"source": "template"`, with a warning. Never a silent guess.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..data.registry import load_samples
from ..data.samples import Sample
from ..errors import ConfigError, DatasetError
from ..io import check_writable
from ..plates.grammar import layout_kind
from .config import BINARIZE, POLARITY, AlignConfig  # noqa: F401  (re-exported)
from .layout import Alignment, Layout
from .mean_image import mean_images  # noqa: F401  (re-exported)
from .measure import (  # noqa: F401  (binarize … text_band: re-exported, the measuring steps)
    Diagnostics,
    PooledBand,
    binarize,
    column_extent,
    detect_polarity,
    layout_polarity,
    measure,
    pooled_band,
    text_band,
    to_grey,
)
from .settings import align_settings, check_settings, input_record
from .spans import evenly_spread, standard_chars

FIGURE_NAME = "alignment.png"


@dataclass
class AlignResult:
    """The alignment, the crops that could not be read, warnings, per-layout diagnostics, and the
    Fig. 3 drawing when one was written."""

    alignment: Alignment
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)
    warnings: list[str] = field(default_factory=list)
    diagnostics: dict[str, Diagnostics] = field(default_factory=dict)
    figure: Path | None = None

    def summary(self) -> str:
        lines = []
        for name, lay in self.alignment.layouts.items():
            boxes = " ".join(f"[{x0},{x1})" for x0, x1 in lay.chars)
            lines.append(
                f"{name}: {lay.source}, {lay.count} crops, rows [{lay.top},{lay.bottom}), boxes {boxes}"
            )
        if self.skipped:
            lines.append(f"{len(self.skipped)} crops skipped")
        return "\n".join(lines)


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
    # every plate kind's first character is a Chinese one (a province, 使, or 粤 on Hong Kong and
    # Macau plates): the glyph the paper draws smaller
    first = config.first_glyph_scale if layout_kind(name) is not None else 1.0
    return (first,) + (1.0,) * (n - 1)


def align_layout(
    name: str, mean: np.ndarray, count: int, n: int, config: AlignConfig, pooled: tuple | None = None
) -> tuple[Layout, Diagnostics, str | None]:
    """Measure one layout; fall back to a template (with the reason as a warning) if it won't resolve."""
    grey = to_grey(mean)
    polarity = layout_polarity(name, grey, config)
    # too few crops fall back to a template anyway: keep their diagnostics the glyph mask's
    diag, (top, bottom, chars, reason) = measure(grey, n, config, polarity, count >= config.min_images)
    diag.mean = mean
    h, w = grey.shape
    if count < config.min_images:
        chars, reason = None, f"only {count} crops (min_images {config.min_images})"
    method, warning = ("projection" if diag.projection == "binary" else "grey projection"), None
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
    """(top, bottom, chars, method): the layout's plate kind's standard (police: the separator after
    the 1st character, embassy: after the 4th), else evenly spread over the measured band."""
    kind = layout_kind(name)
    if kind is not None and not config.spread and kind.line.length == n:
        top, bottom, chars = standard_chars(kind.line, w, h)
        return top, bottom, chars, f"{kind.line.name} standard"
    top, bottom = band
    x0, x1 = column_extent(diag.cols, diag.col_line, config.edge_margin)
    # `spread` trusts the band measured on all crops of this size pooled over a small group's own;
    # otherwise the pooled band only stands in when the group's own is unusable
    unusable = bottom - top < h // 4 or x1 - x0 < 2 * n
    if pooled is not None and (pooled.width, pooled.height) == (w, h) and (config.spread or unusable):
        top, bottom, x0, x1 = pooled.top, pooled.bottom, pooled.x0, pooled.x1
    return top, bottom, evenly_spread(x0, x1, n), "spread"


def align_images(
    source: str | Path | Sequence[Sample],
    config: AlignConfig = AlignConfig(),
    workers: int | None = None,
    progress: bool = True,
    manifest: str | Path | None = None,
) -> AlignResult:
    """Measure the character boxes of every layout in `source` (a crop folder, index, manifest, or
    a list of Samples). Returns an AlignResult whose alignment records its settings; unreadable
    crops are skipped and reported.

    Raises DatasetError if there is no input or no crop could be read, ConfigError on bad settings
    (a `layout_key` that no sample has).
    """
    samples, settings = _prepare(source, manifest, config)
    return _measure(samples, config, settings, workers, progress)


def align_dataset(
    source: str | Path | Sequence[Sample],
    out: str | Path,
    config: AlignConfig = AlignConfig(),
    *,
    manifest: str | Path | None = None,
    workers: int | None = None,
    force: bool = False,
    figure: bool = False,
    show: bool = False,
    progress: bool = True,
) -> AlignResult:
    """`align_images`, written to `out` (alignment.json) and, with `figure`, Fig. 3 beside it
    (alignment.png; `show` also opens a window where a display exists). Returns the AlignResult.

    `out` is written last, so a failed run leaves the one before it as it was. Raises what
    `align_images` raises; ConfigError, before measuring, when `out` was measured with other settings
    or from another input, AlignmentError when `out` is no alignment.json (unless `force`);
    WriteError when `out` cannot be written.
    """
    out = Path(out)
    check_writable(out)
    samples, settings = _prepare(source, manifest, config)
    if not force:
        check_settings(out, settings)
    result = _measure(samples, config, settings, workers, progress)
    if figure:
        from .figures import draw_alignment  # matplotlib: only for the figure

        result.figure = draw_alignment(result, out.with_name(FIGURE_NAME), show=show)
    result.alignment.save(out)
    return result


def _prepare(source, manifest, config: AlignConfig) -> tuple[list[Sample], dict]:
    """The samples of `source` and the settings their alignment will record."""
    samples = (
        list(source)
        if isinstance(source, (list, tuple))
        else load_samples(source, manifest, config.layout_key)
    )
    if not samples:
        raise DatasetError("align: no samples")
    _check_layout_key(samples, config.layout_key, manifest or source)
    return samples, align_settings(config, input_record(source, manifest, samples))


def _check_layout_key(samples: Sequence[Sample], key: str | None, where) -> None:
    """Refuse a layout field that no sample has: every crop would fall back to its text length, one
    layout for police, blue and two-row plates alike."""
    if key is None or any(s.fields.get(key) not in (None, "") for s in samples):
        return
    have = sorted({k for s in samples for k, v in s.fields.items() if v not in (None, "")})
    where = where if isinstance(where, (str, Path)) else "the samples"
    raise ConfigError(
        f"layout_key: no sample in {where} has a field {key!r}; their fields: {', '.join(have) or 'none'}"
    )


def _measure(
    samples: list[Sample], config: AlignConfig, settings: dict, workers: int | None, progress: bool
) -> AlignResult:
    means, skipped = mean_images(samples, config, workers or os.cpu_count() or 1, progress)
    if not means:
        raise DatasetError(
            f"align: none of the {len(samples)} crops could be read (first: {skipped[0][0]}: {skipped[0][1]})"
        )
    warnings: list[str] = []
    if config.layout_key is not None:
        lacking = sum(s.fields.get(config.layout_key) in (None, "") for s in samples)
        if lacking:
            warnings.append(
                f"layout_key {config.layout_key!r}: {lacking} of {len(samples)} crops lack it; "
                "they are grouped by text length"
            )
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
    return AlignResult(Alignment(layouts, settings), skipped, warnings, diags)
