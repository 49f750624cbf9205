"""Plate data as in-memory tensors (`plate_data`), training batches sliced from them on the device
(`tensors`), their augmentation (`augment`), and plate-like images made from nothing (`testdata`)."""

from .plate_data import PlateData, load_data

__all__ = ["PlateData", "load_data"]
