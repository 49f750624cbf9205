"""Plate geometry: annotated corners → an upright W×H crop, decoding the JPEG no larger than needed.

Three modes:
- `point`: a perspective warp taking the 4 annotated corners exactly onto the output's corners;
- `affine`: the paper's affine correction, the least-squares affine map of the 4 corners onto the
  output's corners (exact for a parallelogram, a best fit otherwise);
- `rect`: the annotated axis-aligned bbox, resized (the paper's "no affine transformation" set).

Coordinates follow the pixel-centre convention (pixel i covers [i - 0.5, i + 0.5]); the plate's
corners land on the output's outer edges, so the crop covers exactly the annotated quad.
"""

from __future__ import annotations

import cv2
import numpy as np

from ..config import INPUT_SIZE
from ..data.ccpd import PlateName
from ..errors import GeometryError, ImageReadError
from ..io import decode_jpeg

MODES = ("point", "affine", "rect")
# libjpeg decodes at 1/2, 1/4 or 1/8 scale in the DCT domain, much faster than a full decode.
REDUCED_FLAGS = {
    1: cv2.IMREAD_COLOR,
    2: cv2.IMREAD_REDUCED_COLOR_2,
    4: cv2.IMREAD_REDUCED_COLOR_4,
    8: cv2.IMREAD_REDUCED_COLOR_8,
}
_JPEG_SOI, _JPEG_EOI = b"\xff\xd8", b"\xff\xd9"
_NEXT = [1, 2, 3, 0]  # the next corner around a TL, TR, BR, BL quad
_EOI_WINDOW = 1024  # some encoders pad after the end-of-image marker; a cut file has no marker at all


def plate_quad(plate: PlateName, mode: str = "point") -> np.ndarray:
    """The source quad in full-image pixels, ordered TL, TR, BR, BL: (4, 2) float64.

    `rect` mode uses the annotated bbox; the others the 4 vertices (named BR, BL, TL, TR in the name).
    """
    br, bl, tl, tr = plate.vertices
    return corner_quad((tl, tr, br, bl), plate.bbox, mode)


def corner_quad(corners, bbox=None, mode: str = "point") -> np.ndarray:
    """The source quad, TL, TR, BR, BL, of annotated `corners` (TL, TR, BR, BL): (4, 2) float64.

    `rect` mode takes the axis-aligned `bbox` ((x1, y1), (x2, y2)), else the corners' bounds.
    """
    if mode == "rect":
        xs, ys = zip(*corners)
        (x1, y1), (x2, y2) = bbox if bbox is not None else ((min(xs), min(ys)), (max(xs), max(ys)))
        return np.array([(x1, y1), (x2, y1), (x2, y2), (x1, y2)], np.float64)
    return np.array(corners, np.float64)


def plate_extent(quad: np.ndarray) -> tuple[float, float]:
    """(width, height) of a TL, TR, BR, BL quad: the shorter of each pair of opposite edges."""
    edges = np.linalg.norm(quad[_NEXT] - quad, axis=1)  # top, right, bottom, left
    return float(min(edges[0], edges[2])), float(min(edges[1], edges[3]))


def _footprint(size: tuple[int, int], margin: float) -> tuple[float, float]:
    """(width, height) of the plate inside a `size` output that adds `margin` on each side."""
    return size[0] / (1 + 2 * margin), size[1] / (1 + 2 * margin)


def reduction_factor(quad: np.ndarray, size: tuple[int, int], margin: float = 0.0) -> int:
    """The largest decode reduction (1, 2, 4 or 8) that keeps the plate at least as large as its
    footprint in the output, in both dimensions."""
    width, height = plate_extent(quad)
    need_w, need_h = _footprint(size, margin)
    for factor in (8, 4, 2):
        if width / factor >= need_w and height / factor >= need_h:
            return factor
    return 1


def check_jpeg_complete(data: bytes, source: str) -> None:
    """Raise ImageReadError if `data` is a JPEG cut short: libjpeg would fill the rest with grey."""
    if data[:2] == _JPEG_SOI and _JPEG_EOI not in data[-_EOI_WINDOW:]:
        raise ImageReadError(f"{source}: truncated JPEG (no end-of-image marker)")


def decode_scaled(data: bytes, factor: int, source: str, rows: int | None = None) -> np.ndarray:
    """Decode image bytes at 1/`factor` scale (BGR). Raises ImageReadError on empty, corrupt or
    truncated data. With `rows`, the image may stop soon after the top `rows` full-resolution rows
    (see `decode_jpeg`)."""
    if factor not in REDUCED_FLAGS:
        raise ValueError(f"reduction factor {factor} is not one of {sorted(REDUCED_FLAGS)}")
    if not data:
        raise ImageReadError(f"{source}: empty file")
    check_jpeg_complete(data, source)
    image = decode_jpeg(data, factor, rows)
    if image is None:
        image = cv2.imdecode(np.frombuffer(data, np.uint8), REDUCED_FLAGS[factor])
    if image is None:
        raise ImageReadError(f"{source}: failed to decode image")
    return image


def check_quad(quad: np.ndarray, image_size: tuple[int, int], source: str) -> None:
    """Raise GeometryError if the quad leaves the image (width, height) or is degenerate."""
    width, height = image_size
    outside = (quad[:, 0] < 0) | (quad[:, 0] > width) | (quad[:, 1] < 0) | (quad[:, 1] > height)
    if outside.any():
        x, y = quad[int(np.argmax(outside))]
        raise GeometryError(f"{source}: corner ({x:g}, {y:g}) outside the {width}x{height} image")
    edges = quad[_NEXT] - quad
    turns = edges[:, 0] * edges[_NEXT, 1] - edges[:, 1] * edges[_NEXT, 0]
    # TL→TR→BR→BL turns clockwise on screen (y down): every cross product is positive.
    if (turns <= 0).any():
        raise GeometryError(
            f"{source}: corners {quad.astype(int).tolist()} are not a convex quad in BR, BL, TL, TR order"
        )


def plate_matrix(quad: np.ndarray, size: tuple[int, int], mode: str, margin: float = 0.0) -> np.ndarray:
    """The 3×3 matrix taking source pixels to output pixels (the quad onto the output's edges)."""
    w, h = size
    mx, my = w * margin / (1 + 2 * margin), h * margin / (1 + 2 * margin)
    x0, y0, x1, y1 = mx - 0.5, my - 0.5, w - mx - 0.5, h - my - 0.5
    dst = np.array([(x0, y0), (x1, y0), (x1, y1), (x0, y1)], np.float64)
    if mode == "point":
        return cv2.getPerspectiveTransform(quad.astype(np.float32), dst.astype(np.float32)).astype(np.float64)
    if mode in ("affine", "rect"):
        # least squares over the 4 correspondences: [x y 1] @ A.T = dst (exact for the bbox)
        design = np.hstack([quad, np.ones((4, 1))])
        affine, *_ = np.linalg.lstsq(design, dst, rcond=None)
        return np.vstack([affine.T, (0.0, 0.0, 1.0)])
    raise ValueError(f"mode {mode!r} is not one of {MODES}")


def _scale_matrix(sx: float, sy: float) -> np.ndarray:
    """Pixel-centre scaling: x' = (x + 0.5) * s - 0.5."""
    return np.array([[sx, 0, 0.5 * sx - 0.5], [0, sy, 0.5 * sy - 0.5], [0, 0, 1]], np.float64)


def warp(
    image: np.ndarray, matrix: np.ndarray, size: tuple[int, int], supersample: tuple[int, int]
) -> np.ndarray:
    """Warp with `matrix` (image pixels → output pixels) into `size`.

    Bilinear sampling aliases when it shrinks by more than ~1.5×, so the warp first renders at an
    integer multiple of the output size and then area-averages down.
    """
    kx, ky = supersample
    w, h = size
    big = _scale_matrix(kx, ky) @ matrix
    big = big / big[2, 2]
    flags = cv2.INTER_LINEAR
    if abs(big[2, 0]) < 1e-12 and abs(big[2, 1]) < 1e-12:  # a parallelogram: the cheaper affine warp
        out = cv2.warpAffine(image, big[:2], (w * kx, h * ky), flags=flags, borderMode=cv2.BORDER_REPLICATE)
    else:
        out = cv2.warpPerspective(image, big, (w * kx, h * ky), flags=flags, borderMode=cv2.BORDER_REPLICATE)
    if (kx, ky) != (1, 1):
        out = cv2.resize(out, (w, h), interpolation=cv2.INTER_AREA)
    return out


def _warp_plan(
    quad: np.ndarray, size: tuple[int, int], mode: str, factor: int, margin: float
) -> tuple[np.ndarray, tuple[int, int]]:
    """The matrix (pixels of a 1/`factor` decode → output pixels) and the supersampling `warp` uses."""
    # reduced pixel x_r = (x + 0.5) / factor - 0.5, so full-image x = _scale_matrix(factor) @ x_r
    matrix = plate_matrix(quad, size, mode, margin) @ _scale_matrix(factor, factor)
    width, height = plate_extent(quad)
    need_w, need_h = _footprint(size, margin)
    supersample = (
        int(np.clip(width / factor // need_w, 1, 8)),
        int(np.clip(height / factor // need_h, 1, 8)),
    )
    return matrix, supersample


def rows_read(
    quad: np.ndarray, size: tuple[int, int], mode: str = "point", factor: int = 1, margin: float = 0.0
) -> int | None:
    """How many full-resolution rows, from the top, the warp of this plate reads (a 1/`factor`
    decode), or None where the bound is not clear and the whole image should be decoded."""
    return _rows_of(quad, factor, size, *_warp_plan(quad, size, mode, factor, margin))


def _rows_of(
    quad: np.ndarray, factor: int, size: tuple[int, int], matrix: np.ndarray, supersample: tuple[int, int]
) -> int | None:
    kx, ky = supersample
    try:
        back = np.linalg.inv(_scale_matrix(kx, ky) @ matrix)  # output pixels → decoded pixels
    except np.linalg.LinAlgError:  # a degenerate quad: the whole decode, and check_quad reports it
        return None
    w, h = size[0] * kx - 1, size[1] * ky - 1
    corners = back @ np.array([(0, w, w, 0), (0, 0, h, h), (1, 1, 1, 1)], np.float64)
    # the horizon crosses the output (no finite bound from its corners), or the map is not finite
    if not np.isfinite(corners).all() or (corners[2] <= 0).any():
        return None
    # A projective map takes the output rectangle to a convex quad, so its lowest point is a
    # corner. Bilinear sampling reads the row below that point too; one more row absorbs OpenCV's
    # fixed-point (1/32 px) coordinates.
    bottom = float((corners[1] / corners[2]).max())
    # ...and never less than the quad itself, which check_quad measures against the image
    return max((int(np.floor(bottom)) + 3) * factor, int(np.ceil(quad[:, 1].max())) + 1)


def rectify(
    image: np.ndarray,
    plate: PlateName | np.ndarray,
    size: tuple[int, int] = INPUT_SIZE,
    mode: str = "point",
    factor: int = 1,
    margin: float = 0.0,
    source: str = "<image>",
) -> np.ndarray:
    """Crop the plate of `image` (decoded at 1/`factor` scale) into an upright (H, W, 3) array.

    `plate` is a CCPD annotation or a source quad (`corner_quad`). Raises GeometryError if the
    corners fall outside the image or are degenerate.
    """
    quad = plate if isinstance(plate, np.ndarray) else plate_quad(plate, mode)
    return _rectify(image, quad, size, factor, source, *_warp_plan(quad, size, mode, factor, margin))


def _rectify(
    image: np.ndarray,
    quad: np.ndarray,
    size: tuple[int, int],
    factor: int,
    source: str,
    matrix: np.ndarray,
    supersample: tuple[int, int],
) -> np.ndarray:
    """`rectify` with its warp plan already made (crop_bytes makes it once for two uses)."""
    img_h, img_w = image.shape[:2]
    # a reduced decode holds ceil(full / factor) pixels, so full size is known to within factor - 1
    check_quad(quad, (img_w * factor, img_h * factor), source)
    return warp(image, matrix, size, supersample)


def crop_bytes(
    data: bytes,
    plate: PlateName | np.ndarray,
    size: tuple[int, int] = INPUT_SIZE,
    mode: str = "point",
    margin: float = 0.0,
    fast: bool = True,
    source: str = "<image>",
) -> np.ndarray:
    """Decode JPEG bytes (when `fast`: at reduced resolution where the plate is large enough, and
    only down to the rows the plate needs) and rectify the plate (a CCPD annotation or a
    `corner_quad`). Raises ImageReadError or GeometryError.

    The fast path gives the pixels of a full decode at the same reduction, bit for bit (tested).
    """
    quad = plate if isinstance(plate, np.ndarray) else plate_quad(plate, mode)
    factor = reduction_factor(quad, size, margin) if fast else 1
    plan = _warp_plan(quad, size, mode, factor, margin)
    rows = _rows_of(quad, factor, size, *plan) if fast else None
    image = decode_scaled(data, factor, source, rows)
    try:
        return _rectify(image, quad, size, factor, source, *plan)
    except GeometryError:
        if rows is None:
            raise
        # the decode may have stopped below the plate: report the quad against the whole photo
        return _rectify(decode_scaled(data, factor, source), quad, size, factor, source, *plan)


__all__ = [
    "MODES",
    "plate_quad",
    "corner_quad",
    "plate_extent",
    "reduction_factor",
    "check_jpeg_complete",
    "decode_scaled",
    "check_quad",
    "rows_read",
    "plate_matrix",
    "warp",
    "rectify",
    "crop_bytes",
]
