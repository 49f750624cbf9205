"""`AlignConfig`: how `plategen align` measures character positions (read by every align module)."""

from __future__ import annotations

from dataclasses import dataclass

from ..config import setting
from ..errors import ConfigError

BINARIZE = ("otsu", "mean")
POLARITY = ("auto", "light", "dark")  # light: light glyphs on a dark plate (blue); dark: the reverse


@dataclass(frozen=True)
class AlignConfig:
    """How to measure character positions. Fractions are of each projection curve's maximum."""

    binarize: str = "otsu"
    polarity: str = "auto"
    size: tuple[int, int] | None = None  # (width, height); default: the size of each layout's first crop
    spread: bool = setting(
        False,
        "spread: uniform boxes across the measured text band for groups too small to measure.",
        option="layout",
        choice_values={"auto": False, "spread": True},
    )
    layout_key: str | None = setting(
        None, "Index field that defines the layout (default: plate type, else text length)."
    )
    # fewer crops than this in a layout: too noisy to measure, use a template
    min_images: int = setting(10, "A layout with fewer crops falls back to a template.", range=(1, None))
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
