"""Plate-like images made from nothing: the export check's input when no real crops are at hand, and
data for the benchmarks and tests."""

from __future__ import annotations

import numpy as np
import torch


def synthetic_plates(n: int, size: tuple[int, int], seed: int = 0) -> torch.Tensor:
    """uint8 (n, H, W, 3) plate-like images: a blue field with bright vertical strokes, plus noise."""
    w, h = size
    rng = np.random.default_rng(seed)
    img = np.zeros((n, h, w, 3), np.float32)
    img[..., 0], img[..., 1], img[..., 2] = 160, 60, 20  # BGR blue plate
    for k in range(n):
        for x0 in rng.integers(2, w - 4, size=7):
            img[k, h // 5 : h - h // 5, x0 : x0 + 2] = 230
    img += rng.normal(0, 12, img.shape)
    return torch.from_numpy(np.clip(img, 0, 255).astype(np.uint8))
