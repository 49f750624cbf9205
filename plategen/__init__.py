"""plategen: CCPD parsing, plate cropping, and graphical supervision labels. Never imports torch."""
from .ccpd import CCPD_CHARSET, PlateName, encode_text, format_name, parse_name
from .errors import PlategenError
from .fonts import check_coverage, default_font_path
from .layout import Alignment, Layout
from .samples import Sample, load_samples

__all__ = [
    "CCPD_CHARSET", "PlateName", "encode_text", "format_name", "parse_name", "PlategenError",
    "check_coverage", "default_font_path", "Alignment", "Layout", "Sample", "load_samples",
]
