"""Samples and where they come from: the `Sample` record, the reader registry and the built-in readers,
the one split policy (`splits`), CCPD names, and the training shards that `render-labels` writes and
`lprtrain` reads."""

# The built-in readers register themselves on import, in detection order.
from . import readers  # noqa: F401
from .ccpd import CCPD_CHARSET, PlateName, encode_text, format_name, parse_name
from .registry import READERS, Dataset, ReadOptions, load_samples, read_dataset, register
from .samples import IMAGE_EXTENSIONS, INDEX_NAME, Sample, length_layout
from .splits import SPLITS, VAL_FRACTION, hash_split
from .validate import ValidateConfig, ValidationReport, validate_dataset

__all__ = [
    "Sample",
    "length_layout",
    "IMAGE_EXTENSIONS",
    "INDEX_NAME",
    "Dataset",
    "ReadOptions",
    "READERS",
    "register",
    "read_dataset",
    "load_samples",
    "hash_split",
    "SPLITS",
    "VAL_FRACTION",
    "CCPD_CHARSET",
    "PlateName",
    "encode_text",
    "format_name",
    "parse_name",
    "ValidateConfig",
    "ValidationReport",
    "validate_dataset",
]
