"""The paper's Fig. 3, one row per layout: mean image, binarized image, the column and row projections
with their threshold lines, and the resulting boxes over the mean image.

matplotlib is imported lazily, on the Agg backend unless a display exists, so this never fails headless.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np

from ..io import atomic_path

if TYPE_CHECKING:
    from .layout import Alignment
    from .measure import Diagnostics


class Measured(Protocol):
    """What a drawing needs of an AlignResult (named so, not imported: the stage imports this module)."""

    alignment: Alignment
    diagnostics: dict[str, Diagnostics]


PANELS = ("mean image", "binarized", "column projection", "row projection", "boxes")


def _pyplot(interactive: bool):
    import matplotlib

    if not (interactive and os.environ.get("DISPLAY")):
        matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def _rgb(mean: np.ndarray) -> np.ndarray:
    return np.clip(mean[..., ::-1], 0, 255).astype(np.uint8)  # BGR float → RGB uint8


def _draw_row(axes, name: str, layout, diag) -> None:
    h, w = diag.grey.shape
    a_mean, a_bin, a_col, a_row, a_box = axes
    a_mean.imshow(_rgb(diag.mean), interpolation="nearest")
    a_mean.set_ylabel(f"{name}\n{layout.count} crops", rotation=0, ha="right", va="center", fontsize=10)
    a_bin.imshow(diag.binary, cmap="gray", interpolation="nearest")
    a_bin.set_xlabel(f"Otsu {diag.grey_threshold:.0f}, {diag.polarity} glyphs", fontsize=8)
    x = np.arange(w) + 0.5
    a_col.fill_between(x, diag.cols, step="mid", color="tab:blue", alpha=0.35)
    a_col.plot(x, diag.cols, drawstyle="steps-mid", color="tab:blue", lw=1)
    a_col.axhline(diag.col_line, color="tab:red", lw=1, ls="--")
    for x0, x1 in ((0, diag.margin), (w - diag.margin, w)):
        a_col.axvspan(x0, x1, color="0.5", alpha=0.35, hatch="//", lw=0)  # ignored: plate frame
    for x0, x1 in layout.chars:
        a_col.axvspan(x0, x1, color="tab:green", alpha=0.12)
    a_col.set_xlim(0, w)
    a_col.set_ylim(0, 1.05)
    a_col.set_xlabel("column (rows of the text band)", fontsize=8)
    y = np.arange(h) + 0.5
    a_row.plot(diag.rows, y, drawstyle="steps-mid", color="tab:blue", lw=1)
    a_row.axvline(diag.row_line, color="tab:red", lw=1, ls="--")
    a_row.axhspan(layout.top, layout.bottom, color="tab:green", alpha=0.12)
    a_row.set_ylim(h, 0)
    a_row.set_xlim(0, 1.05)
    a_row.set_xlabel("glyph fraction per row", fontsize=8)
    a_box.imshow(_rgb(diag.mean), interpolation="nearest", extent=(0, w, h, 0))
    colour = "lime" if layout.source == "measured" else "orange"
    for x0, y0, x1, y1 in layout.boxes():
        a_box.add_patch(_rect(x0, y0, x1 - x0, y1 - y0, colour))
    a_box.set_xlabel(f"{layout.source} ({layout.extra.get('method', '')})", fontsize=8, color="black")
    for ax in (a_mean, a_bin, a_box):
        ax.set_xticks([])
        ax.set_yticks([])
    for ax in (a_col, a_row):
        ax.tick_params(labelsize=7)


def _rect(x, y, w, h, colour):
    from matplotlib.patches import Rectangle

    return Rectangle((x, y), w, h, fill=False, edgecolor=colour, lw=1.2)


def draw_alignment(result: Measured, path: str | Path, show: bool = False) -> Path:
    """Save Fig. 3 for every layout of `result` to `path` (PNG); open a window too when `show` and a
    display exists. Returns the path written."""
    plt = _pyplot(show)
    names = [n for n in result.alignment.layouts if n in result.diagnostics]
    fig, axes = plt.subplots(
        len(names),
        len(PANELS),
        figsize=(17, 1.9 * len(names) + 0.6),
        squeeze=False,
        gridspec_kw={"width_ratios": [4, 4, 4, 1.4, 4]},
    )
    for row, name in zip(axes, names):
        _draw_row(row, name, result.alignment[name], result.diagnostics[name])
    for ax, title in zip(axes[0], PANELS):
        ax.set_title(title, fontsize=10)
    fig.suptitle("Character alignment from the mean image (dashed: threshold lines)", fontsize=11)
    fig.tight_layout()
    path = Path(path)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=110, format="png")
    if show and os.environ.get("DISPLAY") and plt.get_backend().lower() != "agg":
        plt.show()
    plt.close(fig)
    return path
