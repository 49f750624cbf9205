"""What a plate is: its geometry (GA 36, in millimetres) and the fonts its characters are drawn in."""

from .fonts import check_coverage, default_font_path

__all__ = ["check_coverage", "default_font_path"]
