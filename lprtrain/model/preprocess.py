"""The one way an image becomes LPRNet's input, for training, eval, predict (torch and ONNX), the
export check and the benchmarks.

    uint8 BGR (h, w, 3), any size
      → plategen.plates.rows.as_line(image, kind)      a two-row plate's rows side by side
      → resize_input(image, (W, H))                   area when shrinking, bilinear when enlarging
      → (x − 127.5) × 0.0078125, laid out (3, H, W)    LPRNet_Pytorch's normalisation

The two halves are separate functions because data is held in memory as resized uint8 (4× smaller
than float) and normalised a batch at a time; `preprocess` is the two together.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import cv2
import numpy as np
import torch

from plategen.errors import PlategenError
from plategen.io import read_image
from plategen.plates.rows import as_line, candidate_line

SCALE = 0.0078125  # LPRNet_Pytorch preprocessing: (x - 127.5) / 128


def resize_input(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """`image` at the model's input `size` (W, H).

    Shrinking averages the source pixels (INTER_AREA), so a 560-pixel-wide crop does not alias into
    the model's 94; enlarging interpolates bilinearly (INTER_LINEAR, what LPRNet_Pytorch's cv2.resize
    does). An image already at `size` comes back as it is, which keeps 94×24 crops bit-exact. plategen
    brings crops to a layout's size by the same rule (`plategen.io.resize_to`, which cannot import
    this module); tests/lprtrain/test_preprocess.py holds the two equal.
    """
    h, w = image.shape[:2]
    if (w, h) == tuple(size):
        return image
    shrinking = size[0] < w or size[1] < h
    return cv2.resize(image, tuple(size), interpolation=cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR)


def _stacked(images: list[np.ndarray], size: tuple[int, int]) -> np.ndarray:
    """uint8 (N, H, W, 3) BGR from images already at `size` (W, H)."""
    w, h = size
    return np.ascontiguousarray(np.stack(images)) if images else np.zeros((0, h, w, 3), np.uint8)


def resize_all(images: Iterable[np.ndarray], size: tuple[int, int]) -> np.ndarray:
    """uint8 (N, H, W, 3) BGR: every image brought to `size` (W, H) by `resize_input`."""
    return _stacked([resize_input(im, size) for im in images], size)


def to_input(images: torch.Tensor) -> torch.Tensor:
    """uint8 (B, H, W, 3) BGR → float (B, 3, H, W), normalised as LPRNet_Pytorch does."""
    return (images.permute(0, 3, 1, 2).float() - 127.5) * SCALE


def to_pixels(x: torch.Tensor) -> torch.Tensor:
    """The inverse of `to_input`: float (B, 3, H, W) → uint8 (B, H, W, 3) BGR, rounded and clipped."""
    return (x / SCALE + 127.5).round().clamp(0, 255).to(torch.uint8).permute(0, 2, 3, 1).contiguous()


def preprocess(images: Sequence[np.ndarray], size: tuple[int, int]) -> torch.Tensor:
    """uint8 BGR images of any size → the model's input, float (N, 3, H, W) at `size` (W, H)."""
    return to_input(torch.from_numpy(resize_all(images, size)))


def read_crops(
    paths: Sequence[str | Path],
    size: tuple[int, int],
    skipped: list[tuple[str, str]] | None = None,
    kinds: Sequence[str | None] | None = None,
    rows: int | None = None,
    unfolded: dict[int, np.ndarray] | None = None,
) -> tuple[list[int], torch.Tensor]:
    """(indices of the readable `paths`, their uint8 (N, H, W, 3) BGR at `size`), each brought to one
    line by its kind (`kinds`, None: unknown) or by `rows` (`plategen.plates.rows.as_line`).

    With an `unfolded` dict, each crop that may be a two-row plate (`rows.candidate_line`) also gets
    its rows side by side at `size` there, keyed by its place in the returned batch (one decode).

    With a `skipped` list, an unreadable image (or a two-row crop whose rows cannot be found) is
    appended to it as (path, reason) and left out; without one, the ImageReadError or RowsNotFound
    (PlategenErrors naming the file) propagates."""
    kept, images = [], []
    for i, p in enumerate(paths):
        try:
            image = read_image(p, cv2.IMREAD_COLOR)
            kind = kinds[i] if kinds is not None else None
            images.append(resize_input(as_line(image, kind, p, rows), size))
            if unfolded is not None and (line := candidate_line(image)) is not None:
                unfolded[len(kept)] = resize_input(line, size)
        except PlategenError as exc:
            if skipped is None:
                raise
            skipped.append((str(p), str(exc)))
            continue
        kept.append(i)
    return kept, torch.from_numpy(_stacked(images, size))  # each resized once, above


__all__ = ["SCALE", "resize_input", "resize_all", "to_input", "to_pixels", "preprocess", "read_crops"]
