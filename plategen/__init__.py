"""plategen: CCPD parsing, plate cropping, and graphical supervision labels. Never imports torch."""

from .align.layout import Alignment, Layout
from .align.stage import AlignConfig, AlignResult, align_images
from .crop.stage import CropConfig, CropReport, crop_dataset
from .data.ccpd import CCPD_CHARSET, PlateName, encode_text, format_name, parse_name
from .data.registry import load_samples
from .data.samples import Sample
from .data.validate import ValidateConfig, ValidationReport, validate_dataset
from .errors import PlategenError
from .labels.renderer import LabelRenderer, RenderConfig
from .labels.stage import LabelReport, render_labels
from .plates.fonts import check_coverage, default_font_path
from .synth.stage import SynthConfig, SynthReport, synthesize

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
    "ValidateConfig",
    "ValidationReport",
    "validate_dataset",
]
