"""Stage 1, `plategen crop`: a plate's annotated corners → an upright crop, decoding no more of the
photo than the plate needs (`rectify`), over a whole dataset (`stage`)."""

from .stage import CropConfig, CropReport, crop_dataset

__all__ = ["CropConfig", "CropReport", "crop_dataset"]
