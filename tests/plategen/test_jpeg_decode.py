"""The SIMD JPEG path (`plategen.io.decode_jpeg`): the same pixels as OpenCV at every scale, the top
rows only when asked (bit for bit the full decode's), and OpenCV wherever the fast path must not
decide (EXIF orientation, non-JPEG, corrupt data)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from plategen.crop.rectify import REDUCED_FLAGS, decode_scaled
from plategen.errors import ImageReadError
from plategen.io import decode_image, decode_jpeg, jpeg_frame

from ..conftest import shared


def opencv(data: bytes, factor: int) -> np.ndarray:
    return cv2.imdecode(np.frombuffer(data, np.uint8), REDUCED_FLAGS[factor])


def jpeg(height: int = 157, width: int = 243, subsample: bool = True, progressive: bool = False) -> bytes:
    # a smooth gradient plus noise: every DCT band carries energy, so a wrong IDCT shows
    rng = np.random.default_rng(height * width)
    yy, xx = np.mgrid[0:height, 0:width]
    image = np.stack([xx * 255 // width, yy * 255 // height, (xx + yy) % 256], axis=2)
    image = np.clip(image + rng.integers(-40, 40, image.shape), 0, 255).astype(np.uint8)
    sampling = cv2.IMWRITE_JPEG_SAMPLING_FACTOR_420 if subsample else cv2.IMWRITE_JPEG_SAMPLING_FACTOR_444
    flags = [cv2.IMWRITE_JPEG_SAMPLING_FACTOR, sampling, cv2.IMWRITE_JPEG_PROGRESSIVE, int(progressive)]
    ok, buf = cv2.imencode(".jpg", image, flags)
    assert ok
    return buf.tobytes()


@pytest.mark.parametrize("subsample", [True, False])
@pytest.mark.parametrize("factor", sorted(REDUCED_FLAGS))
def test_same_pixels_as_opencv_at_every_scale(factor, subsample):
    data = jpeg(subsample=subsample)
    fast = decode_jpeg(data, factor)
    assert fast is not None and fast.dtype == np.uint8
    np.testing.assert_array_equal(fast, opencv(data, factor))


def test_same_pixels_as_opencv_on_real_photos_and_crops():
    photos = sorted(shared("ccpd-images").glob("*.jpg"))[:6] + sorted(shared("real-crops").glob("*.jpg"))[:6]
    for path in photos:
        data = path.read_bytes()
        for factor in REDUCED_FLAGS:
            fast = decode_jpeg(data, factor)
            assert fast is not None, path
            np.testing.assert_array_equal(fast, opencv(data, factor), err_msg=f"{path} at 1/{factor}")


def test_frame_header_is_read_from_the_markers():
    frame = jpeg_frame(jpeg(157, 243))
    assert (frame.height, frame.width, frame.block_rows, frame.top_down) == (157, 243, 16, True)
    assert jpeg_frame(jpeg(40, 50, subsample=False)).block_rows == 8  # 4:4:4: 8-row MCUs
    assert not jpeg_frame(jpeg(40, 50, progressive=True)).top_down
    assert jpeg_frame(b"\xff\xd8" + b"not a jpeg" * 50 + b"\xff\xd9") is None
    assert jpeg_frame(b"\x89PNG\r\n") is None


# (encoder flags, MCU height): chroma halved both ways, halved across only, full; restart markers
# every 3 MCUs (a stream a shortened frame must stop inside); one grey channel
LAYOUTS = {
    "4:2:0": ([cv2.IMWRITE_JPEG_SAMPLING_FACTOR, cv2.IMWRITE_JPEG_SAMPLING_FACTOR_420], 16),
    "4:2:2": ([cv2.IMWRITE_JPEG_SAMPLING_FACTOR, cv2.IMWRITE_JPEG_SAMPLING_FACTOR_422], 8),
    "4:4:4": ([cv2.IMWRITE_JPEG_SAMPLING_FACTOR, cv2.IMWRITE_JPEG_SAMPLING_FACTOR_444], 8),
    "restarts": ([cv2.IMWRITE_JPEG_RST_INTERVAL, 3], 16),
    "grey": ([], 8),
}


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
@pytest.mark.parametrize("factor", sorted(REDUCED_FLAGS))
def test_top_rows_only_are_the_full_decode_bit_for_bit(factor, layout):
    flags, block = LAYOUTS[layout]
    image = cv2.imdecode(np.frombuffer(jpeg(301, 243, subsample=False), np.uint8), cv2.IMREAD_COLOR)
    ok, buf = cv2.imencode(".jpg", image[:, :, 1] if layout == "grey" else image, flags)
    data = buf.tobytes()
    assert jpeg_frame(data).block_rows == block
    full = decode_jpeg(data, factor)
    for rows in (1, 37, 128, 200, 280):
        top = decode_jpeg(data, factor, rows)
        assert top is not None and top.shape[1:] == full.shape[1:]
        assert top.shape[0] * factor >= rows, (rows, top.shape[0])
        # it stops at the end of the asked rows' MCU row, or decodes whole where the next is the last
        mcu_end = -(-rows // block) * block
        expect = full.shape[0] if mcu_end + block >= 301 else -(-mcu_end // factor)
        assert top.shape[0] == expect, (rows, top.shape[0])
        np.testing.assert_array_equal(top, full[: top.shape[0]], err_msg=f"rows {rows} at 1/{factor}")


def test_progressive_jpegs_decode_whole_when_top_rows_are_asked():
    data = jpeg(301, 243, progressive=True)
    np.testing.assert_array_equal(decode_jpeg(data, 2, rows=20), opencv(data, 2))


def with_exif(data: bytes) -> bytes:
    """`data` with an APP1 EXIF segment (orientation 6: rotate 90°) right after the SOI marker."""
    tiff = b"MM\x00\x2a\x00\x00\x00\x08" + b"\x00\x01" + b"\x01\x12\x00\x03\x00\x00\x00\x01\x00\x06\x00\x00"
    tiff += b"\x00\x00\x00\x00"
    body = b"Exif\x00\x00" + tiff
    return data[:2] + b"\xff\xe1" + (len(body) + 2).to_bytes(2, "big") + body + data[2:]


def test_exif_goes_to_opencv_which_applies_the_orientation():
    data = with_exif(jpeg(60, 100))
    assert decode_jpeg(data) is None
    image = decode_image(data, "rotated.jpg")
    assert image.shape[:2] == (100, 60)  # OpenCV turned it upright, as it always has here
    np.testing.assert_array_equal(decode_scaled(data, 2, "rotated.jpg"), opencv(data, 2))


def test_not_a_jpeg_or_corrupt_is_left_to_opencv():
    ok, png = cv2.imencode(".png", np.zeros((10, 20, 3), np.uint8))
    assert decode_jpeg(png.tobytes()) is None
    assert decode_image(png.tobytes(), "a.png").shape == (10, 20, 3)
    corrupt = b"\xff\xd8" + b"not a jpeg" * 50 + b"\xff\xd9"
    assert decode_jpeg(corrupt) is None
    with pytest.raises(ImageReadError, match="bad.jpg: failed to decode"):
        decode_scaled(corrupt, 1, "bad.jpg")
