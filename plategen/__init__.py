"""plategen: CCPD parsing, plate cropping, and graphical supervision labels. Never imports torch."""

from .align import AlignConfig, AlignResult, align_images
from .ccpd import CCPD_CHARSET, PlateName, encode_text, format_name, parse_name
from .crop import CropConfig, CropReport, crop_dataset
from .errors import PlategenError
from .fonts import check_coverage, default_font_path
from .labels import LabelReport, render_labels
from .layout import Alignment, Layout
from .render import LabelRenderer, RenderConfig
from .samples import Sample, load_samples
from .synth import SynthConfig, SynthReport, synthesize

__all__ = [
    "CCPD_CHARSET",
    "PlateName",
    "encode_text",
    "format_name",
    "parse_name",
    "PlategenError",
    "check_coverage",
    "default_font_path",
    "Alignment",
    "Layout",
    "Sample",
    "load_samples",
    "LabelRenderer",
    "RenderConfig",
    "render_labels",
    "LabelReport",
    "AlignConfig",
    "AlignResult",
    "align_images",
    "CropConfig",
    "CropReport",
    "crop_dataset",
    "SynthConfig",
    "SynthReport",
    "synthesize",
]
