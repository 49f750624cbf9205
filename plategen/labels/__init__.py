"""Stage 3, `plategen render-labels`: the image label of each crop, its text drawn in a font into the
boxes of `alignment.json` (`renderer`), or as the paper's code draws it (`paper`), written as shards
(`stage`)."""

from .renderer import LabelRenderer, RenderConfig
from .stage import LabelReport, render_labels

__all__ = ["LabelRenderer", "RenderConfig", "LabelReport", "render_labels"]
