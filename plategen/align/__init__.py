"""Stage 2, `plategen align`: the mean crop of each layout (`mean_image`), binarized and projected
(`measure`, `spans`) into character boxes, written as `alignment.json` (`layout`), drawn by `figures`."""

from .config import AlignConfig
from .layout import Alignment, Layout
from .stage import AlignResult, align_dataset, align_images

__all__ = ["AlignConfig", "Alignment", "Layout", "AlignResult", "align_images", "align_dataset"]
