"""--augment's ranges hold in the crop's pixels: a vertical stroke slants by the stated angle, not by
the angle stretched by the input's aspect ratio (the shipped reader's "normalised" frame)."""

from __future__ import annotations

import math

import pytest
import torch

from lprtrain.data import augment
from lprtrain.data.augment import Jitter, augment_batch


def stroke_slants(x: torch.Tensor) -> torch.Tensor:
    """Degrees from vertical of the bright stroke in each (1, H, W) image, from the per-row centroid."""
    img = x[:, 0].clamp(min=0)  # (B, H, W)
    cols = torch.arange(img.shape[-1], dtype=img.dtype)
    centroid = (img * cols).sum(-1) / img.sum(-1).clamp(min=1e-6)  # (B, H)
    rows = torch.arange(img.shape[1], dtype=img.dtype)[4:-4]  # away from the border's padding
    c = centroid[:, 4:-4]
    r = rows - rows.mean()
    slope = ((c - c.mean(1, keepdim=True)) * r).sum(1) / (r * r).sum()
    return torch.rad2deg(torch.atan(slope)).abs()


def vertical_strokes(b: int, h: int = 24, w: int = 94) -> torch.Tensor:
    x = -torch.ones(b, 3, h, w)
    x[..., w // 2 - 1 : w // 2 + 1] = 1.0
    return x


@pytest.mark.parametrize(
    "field, value, frame, low, high",
    [
        ("rotation_deg", 4.0, "pixels", 3.5, 4.3),
        ("rotation_deg", 4.0, "normalised", 12.0, 16.0),  # ±4° stretched by 94/24
        ("shear", 0.12, "pixels", 6.0, 7.2),  # atan(0.12) = 6.8°
        ("shear", 0.12, "normalised", 22.0, 26.5),  # the documented mistake: atan(0.47) = 25°
    ],
)
def test_slants_are_in_pixels(monkeypatch, field, value, frame, low, high) -> None:
    still = dict(
        scale_x=0, scale_y=0, shift_x=0, shift_y=0, contrast=0, brightness=0, rotation_deg=0, shear=0
    )
    monkeypatch.setattr(augment, "JITTER", Jitter(**{**still, field: value}))
    torch.manual_seed(0)
    out, _ = augment_batch(vertical_strokes(400), None, frame=frame)
    biggest = float(stroke_slants(out).max())
    assert low <= biggest <= high, biggest


def test_shift_is_the_stated_fraction_of_the_width(monkeypatch) -> None:
    still = dict(scale_x=0, scale_y=0, shift_y=0, contrast=0, brightness=0, rotation_deg=0, shear=0)
    monkeypatch.setattr(augment, "JITTER", Jitter(**still, shift_x=0.04))
    torch.manual_seed(0)
    out, _ = augment_batch(vertical_strokes(400), None)
    img = out[:, 0].clamp(min=0)
    cols = torch.arange(94, dtype=img.dtype)
    moved = ((img * cols).sum(-1) / img.sum(-1)).mean(1) - 46.5  # the stroke's centre column
    assert 0.035 * 94 <= float(moved.abs().max()) <= 0.042 * 94


def test_the_label_moves_with_the_crop() -> None:
    torch.manual_seed(0)
    x = vertical_strokes(64)
    label = (x[:, :1] + 1) / 2  # the same stroke as a (B, 1, H, W) label
    out, moved = augment_batch(x, label)
    crop_slant, label_slant = stroke_slants(out), stroke_slants(moved * 2 - 1)
    # the crop pads with its border and gets brightness jitter, the label pads with zeros: close, not equal
    diff = (crop_slant - label_slant).abs()
    assert float(diff.max()) < 1.0 and float(diff.mean()) < 0.25
    assert float(crop_slant.max()) > 1.0  # it did move


def test_an_unknown_frame_is_refused() -> None:
    with pytest.raises(ValueError, match="frame"):
        augment_batch(vertical_strokes(2), None, frame="degrees")
    assert math.isclose(augment.JITTER.rotation_deg, 4.0)
