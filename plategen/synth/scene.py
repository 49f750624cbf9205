"""Scene composition for `plategen synth`: a street-like background with a car around the plate,
the plate warped into it, and the camera's defects (lighting, blur, noise, colour cast).

Speed matters (synth is the embedded training data): the background is drawn at 1/8 resolution and
upsampled, which also gives the smooth out-of-focus look of CCPD backgrounds, and the expensive
per-pixel work (blur, noise, shadows) is done only in a region around the plate.
"""

from __future__ import annotations

import cv2
import numpy as np

# BGR colours of car bodies (white and silver dominate in CCPD), road and surroundings.
_CAR = np.array(
    [
        [235, 235, 235],
        [200, 200, 205],
        [170, 170, 175],
        [40, 40, 40],
        [25, 25, 30],
        [40, 40, 160],
        [140, 80, 30],
        [90, 90, 95],
        [200, 215, 225],
        [60, 90, 60],
    ],
    np.float32,
)
_ROAD = np.array([[110, 110, 110], [80, 85, 85], [150, 150, 145], [60, 70, 60], [120, 130, 140]], np.float32)
_HOLDER = np.array([[20, 20, 20], [45, 45, 50], [170, 170, 175], [210, 210, 210], [90, 90, 90]], np.float32)
_LOW = 8  # background resolution divisor


class Tone:
    """The camera's exposure: contrast about mid-grey, then a per-channel gain (colour cast).

    It is applied to each ingredient before composition (the low-resolution background, line and
    holder colours, the plate), not to the finished photo: the map is per-pixel and affine, so this
    gives the same result up to clipping, at a fraction of a full-frame pass.
    """

    def __init__(self, contrast: float, gains: np.ndarray) -> None:
        self.contrast, self.gains = contrast, np.asarray(gains, np.float32)

    def __call__(self, bgr):
        return ((np.asarray(bgr, np.float32) - 127.5) * self.contrast + 127.5) * self.gains


def background(
    rng: np.random.Generator, size: tuple[int, int], corners: np.ndarray, tone: Tone
) -> np.ndarray:
    """A (H, W, 3) uint8 street scene with a car body around the plate at `corners` (TL, TR, BR, BL)."""
    w, h = size
    sw, sh = max(w // _LOW, 4), max(h // _LOW, 4)
    top, bottom = _ROAD[rng.integers(len(_ROAD), size=2)] + rng.normal(0, 15, (2, 3))
    t = np.linspace(0, 1, sh, dtype=np.float32)[:, None, None]
    small = np.ascontiguousarray(np.broadcast_to(top * (1 - t) + bottom * t, (sh, sw, 3)), np.float32)
    for _ in range(rng.integers(2, 7)):  # buildings, other cars, markings
        x, y = rng.integers(0, sw), rng.integers(0, sh)
        dx, dy = rng.integers(2, sw // 2 + 3), rng.integers(2, sh // 3 + 3)
        palette = _CAR if rng.random() < 0.5 else _ROAD
        colour = (palette[rng.integers(len(palette))] + rng.normal(0, 25, 3)).tolist()
        cv2.rectangle(small, (int(x), int(y)), (int(x + dx), int(y + dy)), colour, -1)
    _car(small, rng, corners / _LOW)
    small += rng.normal(0, rng.uniform(2, 10), small.shape).astype(np.float32)
    image = cv2.resize(np.clip(tone(small), 0, 255).astype(np.uint8), (w, h), interpolation=cv2.INTER_LINEAR)
    for _ in range(rng.integers(2, 6)):  # a few sharp edges: bumpers, kerbs, lane lines
        p0 = rng.integers(0, (w, h)).tolist()
        p1 = rng.integers(0, (w, h)).tolist()
        cv2.line(
            image,
            p0,
            p1,
            np.clip(tone(rng.uniform(0, 255) + rng.normal(0, 20, 3)), 0, 255).tolist(),
            int(rng.integers(1, 6)),
            cv2.LINE_AA,
        )
    return image


def _car(small: np.ndarray, rng: np.random.Generator, quad: np.ndarray) -> None:
    """Paint a car body, a dark grille and a bumper line around the plate (in low-res pixels)."""
    cx, cy = quad.mean(0)
    pw = max(float(np.ptp(quad[:, 0])), 1.0)
    ph = max(float(np.ptp(quad[:, 1])), 1.0)
    body = _CAR[rng.integers(len(_CAR))] + rng.normal(0, 10, 3)
    half_w = pw * rng.uniform(1.5, 3.5)
    y0, y1 = cy - ph * rng.uniform(3, 9), cy + ph * rng.uniform(1.5, 4)
    cv2.rectangle(small, (int(cx - half_w), int(y0)), (int(cx + half_w), int(y1)), body.tolist(), -1)
    if rng.random() < 0.7:
        grille_y = cy - ph * rng.uniform(1.2, 2.5)
        cv2.rectangle(
            small,
            (int(cx - pw * 0.8), int(grille_y - ph)),
            (int(cx + pw * 0.8), int(grille_y)),
            (body * rng.uniform(0.1, 0.4)).tolist(),
            -1,
        )
    if rng.random() < 0.5:
        y = int(cy + ph * rng.uniform(0.7, 1.5))
        cv2.line(small, (int(cx - half_w), y), (int(cx + half_w), y), (body * 0.5).tolist(), 1)


def paste_plate(
    image: np.ndarray,
    plate: np.ndarray,
    corners: np.ndarray,
    holder: float,
    rng: np.random.Generator,
    tone: Tone,
) -> tuple[int, int, int, int]:
    """Warp the BGRA `plate` so its outline lands on `corners` (TL, TR, BR, BL), in place.

    A plate holder `holder` plate-heights wide is drawn first. Returns the region (x0, y0, x1, y1)
    around plate and holder where the camera effects are applied.
    """
    ph, pw = plate.shape[:2]
    # Pixel centres sit at integers, so the plate's outer edges are at -0.5 and size - 0.5.
    src = np.array([[-0.5, -0.5], [pw - 0.5, -0.5], [pw - 0.5, ph - 0.5], [-0.5, ph - 0.5]], np.float32)
    warp = cv2.getPerspectiveTransform(src, corners.astype(np.float32))
    m = holder * ph
    outer = src + np.array([[-m, -m], [m, -m], [m, m * 1.5], [-m, m * 1.5]], np.float32)
    outer = cv2.perspectiveTransform(outer[None], warp)[0]
    h, w = image.shape[:2]
    span = outer.max(0) - outer.min(0)
    x0, y0 = np.maximum(np.floor(outer.min(0) - span * 0.25), 0).astype(int)
    x1, y1 = np.minimum(np.ceil(outer.max(0) + span * 0.25), (w, h)).astype(int)
    if rng.random() < 0.75:
        colour = np.clip(tone(_HOLDER[rng.integers(len(_HOLDER))] + rng.normal(0, 8, 3)), 0, 255).tolist()
        cv2.fillConvexPoly(image, np.rint(outer).astype(np.int32), colour, cv2.LINE_AA)
    shift = np.array([[1, 0, -x0], [0, 1, -y0], [0, 0, 1]], np.float64)
    warped = cv2.warpPerspective(
        plate,
        shift @ warp,
        (int(x1 - x0), int(y1 - y0)),
        flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=0,
    )
    alpha = warped[..., 3:] / 255
    region = image[y0:y1, x0:x1].astype(np.float32)
    image[y0:y1, x0:x1] = np.clip(region * (1 - alpha) + tone(warped[..., :3]) * alpha, 0, 255).astype(
        np.uint8
    )
    return int(x0), int(y0), int(x1), int(y1)


def _lighting(region: np.ndarray, rng: np.random.Generator) -> None:
    """A soft shadow edge or a glare gradient across the plate, sometimes."""
    h, w = region.shape[:2]
    u = rng.random()
    if u > 0.45:
        return
    angle = rng.uniform(0, 2 * np.pi)
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    d = (xs - w * rng.uniform(0.2, 0.8)) * np.cos(angle) + (ys - h * rng.uniform(0.2, 0.8)) * np.sin(angle)
    ramp = np.clip(d / (max(w, h) * rng.uniform(0.02, 0.3)) + 0.5, 0, 1)
    if u < 0.3:  # shadow: darken one side
        factor = 1 - rng.uniform(0.3, 0.65) * ramp
    else:  # glare: brighten one side
        factor = 1 + rng.uniform(0.2, 0.8) * ramp
    region *= factor[..., None]


def degrade(image: np.ndarray, roi: tuple[int, int, int, int], plan, rng: np.random.Generator) -> None:
    """Apply lighting, blur and noise around the plate, in place."""
    x0, y0, x1, y1 = roi
    region = image[y0:y1, x0:x1].astype(np.float32)
    _lighting(region, rng)
    if plan.motion >= 1.5:
        k = int(np.ceil(plan.motion)) | 1
        kernel = np.zeros((k, k), np.float32)
        kernel[k // 2, :] = 1
        rot = cv2.getRotationMatrix2D(((k - 1) / 2, (k - 1) / 2), plan.motion_angle, 1.0)
        kernel = cv2.warpAffine(kernel, rot, (k, k))
        region = cv2.filter2D(region, -1, kernel / max(kernel.sum(), 1e-6))
    if plan.blur >= 0.3:
        region = cv2.GaussianBlur(region, (0, 0), plan.blur)
    if plan.noise > 0:
        region += rng.normal(0, plan.noise, region.shape).astype(np.float32)
    image[y0:y1, x0:x1] = np.clip(region, 0, 255).astype(np.uint8)
