"""Training-time augmentation of whole batches, on the model's normalised input.

`augment_batch` is the geometric jitter (`--augment`): crop and image label move together.
`degrade_batch` (`--degrade`) adds what cameras and crop tools do to a plate and leave the text
alone: looser or tighter framing, blur, low resolution, colour casts, sensor noise and JPEG at the
model's input size. Both draw from torch's global RNG, which `fit` seeds and checkpoints, so a
resumed run draws what an uninterrupted one would.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np
import torch
import torch.nn.functional as F

from ..model.preprocess import to_input, to_pixels


@dataclass(frozen=True)
class Jitter:
    """--augment's ranges, each drawn uniformly in ±range per sample (see `augment_batch`)."""

    rotation_deg: float = 4.0  # in-plane rotation, degrees
    shear: float = 0.12  # x shifts by shear × y: vertical strokes slant by up to atan(0.12) = 6.8°
    scale_x: float = 0.10  # width scale ±10 %
    scale_y: float = 0.12  # height scale ±12 %
    shift_x: float = 0.04  # shift, fraction of the width
    shift_y: float = 0.10  # shift, fraction of the height
    contrast: float = 0.3  # gain 1 ± 0.3 on the normalised input
    brightness: float = 0.25  # offset ± 0.25 on the normalised input (which spans [-1, 1])


JITTER = Jitter()
AUGMENT_FRAMES = ("pixels", "normalised")

# --degrade's ranges, in the 94x24 input's pixels where a size is meant
ZOOM = (0.9, 1.25)  # >1 samples a larger region: a looser crop (real crops are cut loose, CCPD tight)
BLUR_SIGMA = (0.3, 1.1)  # Gaussian blur, applied to a third of the batch
LOW_RES = (0.45, 0.85)  # down- then up-sampling factor, applied to another quarter
CHANNEL_GAIN = 0.15  # per-channel gain ±15 %: white balance and plate-paint casts
NOISE_SIGMA = 0.06  # additive noise up to this s.d. (the input spans [-1, 1])
JPEG_QUALITY = (30, 90)  # re-encoded at the input size, applied to a third of the batch


def _uniform(b: int, lo: float, hi: float, device: torch.device) -> torch.Tensor:
    return lo + torch.rand(b, device=device) * (hi - lo)


def augment_batch(
    x: torch.Tensor, label: torch.Tensor | None, degrade: bool = False, frame: str = "pixels"
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """A random affine jitter per sample, applied to the crop and its image label alike so they stay
    aligned, plus contrast and brightness jitter on the crop. Real crops are looser and less square
    than rectified ones; this bridges it. With `degrade`, the framing also zooms by `ZOOM` and
    `degrade_batch` follows.

    frame "pixels" (the default): the ranges of `JITTER` hold in the crop's pixels, whatever its
    aspect. frame "normalised": the same numbers in `affine_grid`'s [-1, 1] coordinates, as the
    shipped reader was trained: on a 94×24 input the off-diagonal terms grow by W/H ≈ 3.9 (±4° reads
    as a ±15° slant, shear 0.12 as ±25°) and the shifts are half the stated fraction.
    """
    b, (h, w) = x.shape[0], x.shape[-2:]

    def u(scale: float) -> torch.Tensor:
        return (torch.rand(b, device=x.device) * 2 - 1) * scale

    j = JITTER
    angle, shear = u(math.radians(j.rotation_deg)), u(j.shear)
    sx, sy = 1 + u(j.scale_x), 1 + u(j.scale_y)
    if degrade:
        zoom = _uniform(b, *ZOOM, x.device)
        sx, sy = sx * zoom, sy * zoom
    # (B, 2, 2): output → input, x right and y down, before the change to affine_grid's frame
    a = torch.stack(
        [
            torch.stack([sx * angle.cos(), -sy * angle.sin() + shear], dim=1),
            torch.stack([sx * angle.sin(), sy * angle.cos()], dim=1),
        ],
        dim=1,
    )
    shift = torch.stack([u(j.shift_x), u(j.shift_y)], dim=1)  # fractions of the width and height
    if frame == "pixels":
        # affine_grid's frame is pixels scaled by (W/2, H/2): A_n = D⁻¹ A D, t_n = 2 · fraction
        d = torch.tensor([w / 2, h / 2], device=x.device, dtype=x.dtype)
        a = a * d[None, None, :] / d[None, :, None]
        shift = shift * 2
    elif frame != "normalised":
        raise ValueError(f"frame: expected 'pixels' or 'normalised', got {frame!r}")
    theta = torch.cat([a, shift[:, :, None]], dim=2)  # (B, 2, 3)
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    x = F.grid_sample(x, grid, padding_mode="border", align_corners=False)
    x = x * (1 + u(j.contrast))[:, None, None, None] + u(j.brightness)[:, None, None, None]
    if label is not None:
        grid = F.affine_grid(theta, list(label.shape), align_corners=False)
        label = F.grid_sample(label, grid, padding_mode="zeros", align_corners=False)
    if degrade:
        x = degrade_batch(x)
    return x, label


def degrade_batch(x: torch.Tensor) -> torch.Tensor:
    """Photometric degradations of normalised crops (B, 3, H, W); the geometry is left as it is, so
    image labels need no change."""
    b, c, h, w = x.shape
    dev = x.device
    # colour cast: a gain per channel on the [0, 2] pixel scale, so black stays black
    gain = 1 + (torch.rand(b, c, 1, 1, device=dev) * 2 - 1) * CHANNEL_GAIN
    x = (x + 1) * gain - 1
    soften = torch.rand(b, device=dev)  # blur or low resolution, never both: both together erase text
    x = _blur(x, soften < 1 / 3)
    x = _low_res(x, soften > 3 / 4)
    x = x + torch.randn_like(x) * _uniform(b, 0.0, NOISE_SIGMA, dev)[:, None, None, None]
    x = x.clamp(-1, 1)
    return _jpeg(x, torch.rand(b, device=dev) < 1 / 3)


def _blur(x: torch.Tensor, which: torch.Tensor) -> torch.Tensor:
    """Blur the samples in `which` (B,) bool. Every sample is blurred and `which` picks: no host
    wait on the device for a count (a GPU step would stall on it)."""
    b, c, h, w = x.shape
    sigma = _uniform(b, *BLUR_SIGMA, x.device)
    r = 3  # a 7-tap kernel covers 2.3 s.d. of the widest blur
    taps = torch.arange(-r, r + 1, device=x.device, dtype=x.dtype)
    k = torch.exp(-(taps[None] ** 2) / (2 * sigma[:, None] ** 2))
    k = (k / k.sum(dim=1, keepdim=True)).repeat_interleave(c, dim=0)  # (b*c, 7): one kernel per plane
    sub = x.reshape(1, b * c, h, w)
    sub = F.conv2d(F.pad(sub, (r, r, 0, 0), mode="replicate"), k[:, None, None, :], groups=b * c)
    sub = F.conv2d(F.pad(sub, (0, 0, r, r), mode="replicate"), k[:, None, :, None], groups=b * c)
    return torch.where(which[:, None, None, None], sub.reshape(b, c, h, w), x)


def _low_res(x: torch.Tensor, which: torch.Tensor) -> torch.Tensor:
    """Down- then up-sample the samples in `which`, by one factor for the batch (a batch op). The
    factor is drawn on the CPU so a GPU step never waits for it."""
    h, w = x.shape[2:]
    f = float(_uniform(1, *LOW_RES, torch.device("cpu")))
    small = F.interpolate(x, size=(max(4, round(h * f)), max(8, round(w * f))), mode="area")
    big = F.interpolate(small, size=(h, w), mode="bilinear", align_corners=False)
    return torch.where(which[:, None, None, None], big, x)


def _jpeg(x: torch.Tensor, which: torch.Tensor) -> torch.Tensor:
    """JPEG round trip at the input size, as crops stored small (94x24 JPEGs) have been.

    CPU-bound by design: libjpeg encodes and decodes on the host, so on a GPU this step copies a third
    of the batch to the host and back (and waits for it). `--degrade` costs that on a GPU; plain
    `--augment` does not."""
    idx = which.nonzero().flatten().tolist()
    if not idx:
        return x
    quality = torch.randint(JPEG_QUALITY[0], JPEG_QUALITY[1] + 1, (len(idx),)).tolist()
    pixels = to_pixels(x[idx]).cpu().numpy()  # (n, H, W, 3) BGR
    out = np.empty_like(pixels)
    for i, (img, q) in enumerate(zip(pixels, quality, strict=True)):
        ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, int(q)])
        out[i] = cv2.imdecode(buf, cv2.IMREAD_COLOR) if ok else img
    x = x.clone()
    x[idx] = to_input(torch.from_numpy(out).to(x.device))
    return x
