"""Plate geometry: modes, reduced decoding, bad inputs, and orientation on real CCPD photos."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from plategen.crop.rectify import (
    MODES,
    crop_bytes,
    decode_scaled,
    plate_matrix,
    plate_quad,
    rectify,
    reduction_factor,
    rows_read,
    warp,
)
from plategen.data.ccpd import PlateName, parse_name
from plategen.errors import GeometryError, ImageReadError
from plategen.plates.fonts import default_font_path

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "ccpd-images"
W, H = 94, 24


def real_photos() -> list[tuple[PlateName, bytes]]:
    if not DATA.is_dir():
        pytest.skip(f"{DATA} not present")
    return [(parse_name(p), p.read_bytes()) for p in sorted(DATA.glob("*.jpg"))]


def make_plate(vertices, bbox=None) -> PlateName:
    xs, ys = [v[0] for v in vertices], [v[1] for v in vertices]
    bbox = bbox or ((min(xs), min(ys)), (max(xs), max(ys)))
    return PlateName("01", (90, 90), bbox, tuple(vertices), (0, 0, 1, 2, 3, 4, 5), 100, 10)


def quadrant_image(tl, tr, br, bl, size=(400, 300)) -> np.ndarray:
    """A grey image with a quad split into 4 coloured quarters: red TL, green TR, blue BR, white BL."""
    img = np.full((size[1], size[0], 3), 128, np.uint8)
    quad = np.array([tl, tr, br, bl], np.float32)
    inv = cv2.getPerspectiveTransform(np.float32([(0, 0), (2, 0), (2, 2), (0, 2)]), quad)
    colours = {(0, 0): (0, 0, 255), (1, 0): (0, 255, 0), (1, 1): (255, 0, 0), (0, 1): (255, 255, 255)}
    for (cx, cy), colour in colours.items():
        cell = np.float32([[(cx, cy), (cx + 1, cy), (cx + 1, cy + 1), (cx, cy + 1)]])
        cv2.fillPoly(img, [cv2.perspectiveTransform(cell, inv)[0].round().astype(np.int32)], colour)
    return img


# ---------------------------------------------------------------- synthetic geometry


@pytest.mark.parametrize("mode", ["point", "affine"])
def test_quarters_land_in_place(mode):
    tl, tr, br, bl = (60, 80), (340, 100), (330, 190), (70, 170)  # a tilted plate
    plate = make_plate([br, bl, tl, tr])  # the name's order
    crop = rectify(quadrant_image(tl, tr, br, bl), plate, (W, H), mode)
    assert crop.shape == (H, W, 3)
    expect = {(0, 0): (0, 0, 255), (1, 0): (0, 255, 0), (1, 1): (255, 0, 0), (0, 1): (255, 255, 255)}
    for (cx, cy), colour in expect.items():
        y, x = (H // 4) * (1 + 2 * cy), (W // 4) * (1 + 2 * cx)
        assert np.abs(crop[y - 2 : y + 3, x - 5 : x + 6].astype(int) - colour).max() < 40, (cx, cy)


def test_point_mode_maps_corners_onto_output_edges():
    plate = make_plate([(330, 190), (70, 170), (60, 80), (340, 100)])
    m = plate_matrix(plate_quad(plate), (W, H), "point")
    pts = cv2.perspectiveTransform(plate_quad(plate).reshape(1, 4, 2), m)[0]
    np.testing.assert_allclose(
        pts, [(-0.5, -0.5), (W - 0.5, -0.5), (W - 0.5, H - 0.5), (-0.5, H - 0.5)], atol=1e-6
    )


def test_affine_mode_is_least_squares_and_exact_for_parallelograms():
    para = make_plate([(310, 190), (50, 170), (60, 80), (320, 100)])  # TL+BR == TR+BL
    m = plate_matrix(plate_quad(para), (W, H), "affine")
    np.testing.assert_allclose(m[2], (0, 0, 1))
    pts = plate_quad(para) @ m[:2, :2].T + m[:2, 2]
    np.testing.assert_allclose(
        pts, [(-0.5, -0.5), (W - 0.5, -0.5), (W - 0.5, H - 0.5), (-0.5, H - 0.5)], atol=1e-6
    )
    trapezoid = make_plate([(330, 190), (70, 170), (60, 80), (340, 100)])
    m = plate_matrix(plate_quad(trapezoid), (W, H), "affine")
    residual = plate_quad(trapezoid) @ m[:2, :2].T + m[:2, 2]
    assert np.abs(residual.mean(axis=0) - (W / 2 - 0.5, H / 2 - 0.5)).max() < 1e-6  # LSQ: residuals sum to 0


def test_rect_mode_resizes_the_bbox():
    small = np.random.default_rng(0).integers(0, 256, (30, 40, 3), np.uint8)
    img = cv2.resize(small, (400, 300), interpolation=cv2.INTER_CUBIC)  # smooth, so resamplers agree
    plate = make_plate([(330, 190), (70, 170), (60, 80), (340, 100)], bbox=((100, 50), (287, 97)))
    crop = rectify(img, plate, (W, H), "rect")
    expected = cv2.resize(img[50:98, 100:288], (W, H), interpolation=cv2.INTER_AREA)
    assert np.abs(crop.astype(int) - expected).mean() < 5
    assert np.abs(crop.astype(int) - expected[::-1]).mean() > 10


@pytest.mark.parametrize(
    "width, height, factor",
    [
        (90, 30, 1),
        (188, 48, 2),
        (187, 48, 1),
        (188, 47, 1),
        (376, 96, 4),
        (752, 192, 8),
        (2000, 100, 4),
    ],
)
def test_reduction_factor_keeps_plate_at_least_output_size(width, height, factor):
    quad = np.array([(0, 0), (width, 0), (width, height), (0, height)], float)
    assert reduction_factor(quad, (W, H)) == factor


@pytest.mark.parametrize(
    "vertices, message",
    [
        ([(900, 190), (70, 170), (60, 80), (340, 100)], "outside the 400x300 image"),
        ([(330, 190), (70, 170), (60, -5), (340, 100)], "outside"),
        ([(70, 170), (330, 190), (340, 100), (60, 80)], "not a convex quad"),  # mirrored order
        ([(100, 100), (100, 100), (100, 100), (100, 100)], "not a convex quad"),
    ],
)
def test_bad_corners_raise_geometry_error(vertices, message):
    with pytest.raises(GeometryError, match=message):
        rectify(np.zeros((300, 400, 3), np.uint8), make_plate(vertices), (W, H), "point", source="x.jpg")
    # and the same from JPEG bytes, whose fast path plans the warp before it decodes
    ok, buf = cv2.imencode(".jpg", np.zeros((300, 400, 3), np.uint8))
    with pytest.raises(GeometryError, match=message):
        crop_bytes(buf.tobytes(), make_plate(vertices), (W, H), "point", source="x.jpg")


def test_truncated_and_corrupt_jpegs_raise_image_read_error():
    ok, buf = cv2.imencode(".jpg", np.random.default_rng(1).integers(0, 256, (200, 300, 3), np.uint8))
    data = buf.tobytes()
    assert decode_scaled(data, 2, "a.jpg").shape == (100, 150, 3)
    with pytest.raises(ImageReadError, match="a.jpg: truncated JPEG"):
        decode_scaled(data[: len(data) // 2], 1, "a.jpg")
    with pytest.raises(ImageReadError, match="b.jpg: failed to decode"):
        decode_scaled(b"\x00garbage" * 100, 1, "b.jpg")
    with pytest.raises(ImageReadError, match="c.jpg: empty file"):
        decode_scaled(b"", 1, "c.jpg")


# ---------------------------------------------------------------- real photos


@pytest.mark.parametrize("mode", MODES)
def test_fast_decode_matches_full_resolution(mode):
    diffs, reduced = [], 0
    for plate, data in real_photos():
        fast = crop_bytes(data, plate, (W, H), mode, fast=True)
        full = crop_bytes(data, plate, (W, H), mode, fast=False)
        assert fast.shape == full.shape == (H, W, 3)
        diffs.append(np.abs(fast.astype(int) - full).mean())
        reduced += reduction_factor(plate_quad(plate, mode), (W, H)) > 1
    assert reduced >= 15  # most real plates are large enough for a reduced decode
    assert np.mean(diffs) <= 4 and max(diffs) <= 8


@pytest.mark.parametrize("margin", [0.0, 0.15])
@pytest.mark.parametrize("mode", MODES)
def test_fast_path_decodes_only_the_top_rows_and_crops_the_same_pixels(mode, margin):
    shortened = 0
    for plate, data in real_photos():
        quad = plate_quad(plate, mode)
        factor = reduction_factor(quad, (W, H), margin)
        whole = decode_scaled(data, factor, "x")
        rows = rows_read(quad, (W, H), mode, factor, margin)
        top = decode_scaled(data, factor, "x", rows)
        shortened += top.shape[0] < whole.shape[0]
        assert top.shape[0] * factor >= rows
        np.testing.assert_array_equal(top, whole[: top.shape[0]])
        fast = crop_bytes(data, plate, (W, H), mode, margin)
        np.testing.assert_array_equal(fast, rectify(whole, plate, (W, H), mode, factor, margin))
    assert shortened >= 20  # CCPD plates sit mid-photo: most decodes stop well before the bottom


def test_rows_read_cover_the_samples_the_warp_takes():
    # a plate low in a 400×300 image, decoded whole: rows past the bound must not change the crop
    rng = np.random.default_rng(3)
    image = rng.integers(0, 256, (300, 400, 3), np.uint8)
    plate = make_plate([(330, 250), (70, 240), (60, 180), (340, 190)])
    for mode in MODES:
        for margin in (0.0, 0.2):
            rows = rows_read(plate_quad(plate, mode), (W, H), mode, 1, margin)
            assert 250 < rows <= 300 + 40
            scrambled = image.copy()
            scrambled[rows:] = 255 - scrambled[rows:]
            np.testing.assert_array_equal(
                rectify(scrambled, plate, (W, H), mode, margin=margin),
                rectify(image, plate, (W, H), mode, margin=margin),
            )


@pytest.mark.parametrize(
    "vertices",
    [
        [(330, 390), (70, 370), (60, 280), (340, 300)],  # below the photo
        [(450, 90), (70, 70), (60, 20), (440, 30)],  # off its right edge, high up: a short decode
    ],
)
def test_bad_corners_name_the_whole_photo_size_after_a_short_decode(vertices):
    ok, buf = cv2.imencode(".jpg", np.random.default_rng(1).integers(0, 256, (300, 400, 3), np.uint8))
    with pytest.raises(GeometryError, match="outside the 400x300 image"):
        crop_bytes(buf.tobytes(), make_plate(vertices), (W, H), "point", source="x.jpg")


# Character boxes [x0, x1] in mm (GA 36-2018): blue 440 mm, 45 mm glyphs, 12 mm gaps, 34 mm after the
# 2nd; green 480 mm with 43 mm glyphs. An independent reference: nothing here comes from the crops.
BLUE = (440, [(15.5 + 57 * i + 22 * (i >= 2), 60.5 + 57 * i + 22 * (i >= 2)) for i in range(7)])
GREEN = (480, [(15.5 + 52 * i + 31 * (i >= 2), 58.5 + 52 * i + 31 * (i >= 2)) for i in range(8)])
_FONT = ImageFont.truetype(str(default_font_path()), 80)


def text_template(text: str) -> np.ndarray:
    """The plate text drawn with the bundled font in the standard character boxes: (H, W) in [0, 1]."""
    width, boxes = BLUE if len(text) == 7 else GREEN
    s = 4
    img = Image.new("L", (W * s, H * s), 0)
    for ch, (a, b) in zip(text, boxes):
        glyph = Image.new("L", (100, 100), 0)
        ImageDraw.Draw(glyph).text((50, 50), ch, font=_FONT, fill=255, anchor="mm")
        glyph = glyph.crop(glyph.getbbox())
        x0, x1 = a / width * W * s, b / width * W * s
        img.paste(
            glyph.resize((round(x1 - x0), round(H * s * 90 / 140))), (round(x0), round(H * s * 25 / 140))
        )
    return np.asarray(img.resize((W, H), Image.BOX), np.float32) / 255


def _similarity(a: np.ndarray, b: np.ndarray) -> float:
    a, b = (cv2.GaussianBlur(x, (0, 0), 1.0)[3:21, 3:91] for x in (a, b))  # skip the plate frame
    a, b = ((x - x.mean()) / (x.std() + 1e-6) for x in (a, b))
    return float((a * b).mean())


def orientation_scores(crop: np.ndarray, plate: PlateName) -> np.ndarray:
    """Similarity to the text template of the crop as is, mirrored, upside down, rotated 180°."""
    # blue plates: white glyphs (all channels high); green plates: dark glyphs
    ink = crop.min(axis=2) if plate.plate_type == "blue7" else 255 - crop.mean(axis=2)
    ink = ink.astype(np.float32)
    t = text_template(plate.text)
    return np.array([_similarity(x, t) for x in (ink, ink[:, ::-1], ink[::-1], ink[::-1, ::-1])])


def assert_upright(crops: list[tuple[np.ndarray, PlateName]]) -> None:
    scores = np.array([orientation_scores(c, p) for c, p in crops])  # (N, 4)
    upright = scores[:, 0] > scores[:, 1:].max(axis=1)
    assert upright.mean() >= 0.75, f"only {upright.sum()}/{len(crops)} crops read upright"
    mean = scores.mean(axis=0)
    assert mean[0] > mean[1:].max() + 0.05, mean


@pytest.mark.parametrize("mode", ["point", "affine"])
def test_real_plates_land_upright_not_mirrored(mode):
    assert_upright([(crop_bytes(data, plate, (W, H), mode), plate) for plate, data in real_photos()])


@pytest.mark.parametrize(
    "order",
    [
        (1, 0, 3, 2),  # BL, BR, TR, TL: mirrored left-right
        (3, 2, 1, 0),  # TR, TL, BL, BR: upside down
        (2, 3, 0, 1),  # TL, TR, BR, BL: rotated 180°
    ],
)
def test_orientation_check_fails_when_vertex_order_is_swapped(order):
    crops = []
    for plate, data in real_photos():
        swapped = dataclasses.replace(plate, vertices=tuple(plate.vertices[i] for i in order))
        image = decode_scaled(data, 1, "x")
        # warp directly: rectify() itself rejects the mirrored orders as non-clockwise
        crops.append((warp(image, plate_matrix(plate_quad(swapped), (W, H), "point"), (W, H), (2, 2)), plate))
    with pytest.raises(AssertionError):
        assert_upright(crops)
