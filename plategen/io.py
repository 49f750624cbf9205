"""Small I/O helpers shared by the stages: atomic writes, image decoding, JSON Lines."""

from __future__ import annotations

import errno
import hashlib
import itertools
import json
import os
import struct
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import simplejpeg

from .errors import DatasetError, ImageReadError, WriteError

_counter = itertools.count()


def _temp_of(path: Path) -> Path:
    # hidden, unique to this process and call, and still matched by the stages' `.*.part*` sweeps
    return path.with_name(f".{path.name}.{os.getpid()}-{next(_counter)}.part{path.suffix}")


def _create(tmp: Path) -> int:
    """Create `tmp` exclusively (mode 0644 less the umask), making its folder on first need."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL
    try:
        return os.open(tmp, flags, 0o644)
    except FileNotFoundError:
        tmp.parent.mkdir(parents=True, exist_ok=True)
        return os.open(tmp, flags, 0o644)


def blocking_file(path: str | Path) -> Path | None:
    """The file that stands where a folder of `path` must be (`out` in `out/x.json`), or None."""
    for parent in Path(path).parents:
        if parent.exists():
            return None if parent.is_dir() else parent
    return None


def check_writable(path: str | Path) -> None:
    """Raise WriteError if `path` cannot be written because a file stands where one of its folders
    must be, or `path` is a folder: checked before a long run, not found at its end."""
    path = Path(path)
    if path.is_dir():
        raise WriteError(f"{path}: cannot write: it is a folder")
    if (blocker := blocking_file(path)) is not None:
        raise WriteError(f"{path}: cannot write: {blocker} is a file, not a folder")


def write_error(path: str | Path, exc: OSError) -> WriteError:
    """`exc`, raised while writing `path`, as a WriteError naming `path` and the OS's reason (for a
    file that stands where a folder must be, which file: "Not a directory" names none)."""
    if isinstance(exc, WriteError):
        return exc
    blocker = blocking_file(path) if exc.errno in (errno.ENOTDIR, errno.EEXIST) else None
    reason = f"{blocker} is a file, not a folder" if blocker else exc.strerror or str(exc)
    # the message alone: an OSError given errno and strerror would print "[Errno 28] …" instead of it
    return WriteError(f"{path}: cannot write: {reason}")


def _about(exc: OSError, tmp: Path) -> bool:
    # an error of the block's own writes to `tmp` (a write() names no file), not of a file it reads;
    # a WriteError of a write inside the block already names its own path
    if isinstance(exc, WriteError):
        return False
    return exc.filename is None or os.fspath(exc.filename) == os.fspath(tmp)


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path next to `path`; rename it onto `path` only if the block succeeds.

    A crash or Ctrl-C inside the block leaves no half-written `path`. Raises WriteError naming
    `path` when it cannot be written (a full disk, a parent that is a file), the block's own writes
    to the temporary path included.
    """
    path = Path(path)
    tmp = _temp_of(path)
    try:
        os.close(_create(tmp))
    except OSError as exc:
        raise write_error(path, exc) from exc
    try:
        yield tmp
        os.replace(tmp, path)
    except OSError as exc:
        if not _about(exc, tmp):
            raise
        raise write_error(path, exc) from exc
    finally:
        with suppress(OSError):
            os.unlink(tmp)


def write_bytes_atomic(path: str | Path, data: bytes) -> None:
    """Write `data` to `path` through a temporary file and a rename. The lean form of `atomic_path`
    (one open, no reopen): batch stages write one small crop per image through it. Raises
    WriteError naming `path` when it cannot be written; no temporary file is left behind."""
    path = Path(path)
    tmp = _temp_of(path)
    try:
        fd = _create(tmp)
    except OSError as exc:
        raise write_error(path, exc) from exc
    try:
        with open(fd, "wb", closefd=True) as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException as exc:
        with suppress(OSError):
            tmp.unlink()
        if isinstance(exc, OSError):
            raise write_error(path, exc) from exc
        raise


def write_text_atomic(path: str | Path, text: str) -> None:
    write_bytes_atomic(path, text.encode("utf-8"))


def write_json_atomic(path: str | Path, obj) -> None:
    write_text_atomic(path, json.dumps(obj, ensure_ascii=False, indent=2) + "\n")


def write_jsonl_atomic(path: str | Path, rows: Iterable[dict]) -> None:
    write_text_atomic(path, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))


def read_json_object(path: str | Path, what: str, error: type[Exception]) -> dict:
    """A JSON object from a UTF-8 file (a stage's settings record). Raises `error` naming the file and
    `what` it should be when it is unreadable, not JSON, or JSON but not an object."""
    try:
        value = json.loads(read_text(path, what, error))
    except json.JSONDecodeError as exc:
        raise error(f"{path}: {what} are not valid JSON ({exc.msg})") from None
    if not isinstance(value, dict):
        raise error(f"{path}: {what} must be a JSON object, got {type(value).__name__}")
    return value


def read_text(path: str | Path, what: str = "text file", error: type[Exception] = DatasetError) -> str:
    """A UTF-8 text file's contents (a leading BOM dropped). Raises `error` naming the file and what
    it should be when it is missing, unreadable or not UTF-8 (with the line and byte at fault)."""
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise error(f"{path}: {what} not found") from None
    except OSError as exc:
        raise error(f"{path}: cannot read {what} ({exc.strerror or exc})") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise error(
            f"{path}: line {line}: {what} is not UTF-8 text (byte {data[exc.start : exc.start + 1]!r} "
            f"at offset {exc.start})"
        ) from None


def jsonl_rows(
    path: str | Path, what: str = "JSON Lines file", error: type[Exception] = DatasetError
) -> Iterator[tuple[int, dict]]:
    """(line number, row) for each non-blank line of a JSON Lines file. Raises `error` naming the
    file (and the line) when it is missing, unreadable or not UTF-8, or a line is not a JSON object."""
    for lineno, line in enumerate(read_text(path, what, error).split("\n"), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise error(f"{path}:{lineno}: not a {what} row (invalid JSON: {exc.msg})") from None
        if not isinstance(row, dict):
            raise error(f"{path}:{lineno}: not a {what} row (a JSON {type(row).__name__}, not an object)")
        yield lineno, row


def read_jsonl(
    path: str | Path, what: str = "JSON Lines file", error: type[Exception] = DatasetError
) -> list[dict]:
    """The rows of a JSON Lines file (blank lines skipped); raises what `jsonl_rows` raises."""
    return [row for _, row in jsonl_rows(path, what, error)]


def encode_image(image: np.ndarray, ext: str = ".png") -> bytes:
    ok, buf = cv2.imencode(ext, image)
    if not ok:
        raise ImageReadError(f"could not encode a {image.shape} image as {ext}")
    return buf.tobytes()


def write_image_atomic(path: str | Path, image: np.ndarray) -> None:
    """Encode `image` by the path's extension and write it atomically."""
    write_bytes_atomic(path, encode_image(image, Path(path).suffix or ".png"))


_EXIF_WINDOW = 1 << 16  # EXIF sits in an APP1 segment before the image data
_EXIF_APP1 = b"Exif\x00"
_SEQUENTIAL_SOF = (0xC0, 0xC1)  # baseline and extended sequential, Huffman-coded
_STANDALONE = {0x01, *range(0xD0, 0xD8)}  # markers with no length field (TEM, RST0-7)


@dataclass(frozen=True)
class JpegFrame:
    """Where a JPEG's frame header sits, whether its rows can be decoded top rows only, and whether
    it carries EXIF."""

    height: int
    width: int
    sof_offset: int  # the SOF marker's first byte; the height field is 5 bytes on
    block_rows: int  # full-resolution rows per MCU row (8 × the largest vertical sampling factor)
    top_down: bool  # sequential, one interleaved scan: MCU rows arrive top to bottom, each once
    exif: bool  # an APP1 EXIF segment, whose orientation tag OpenCV applies


def jpeg_frame(data: bytes) -> JpegFrame | None:
    """The frame header of JPEG `data`, read from the markers before the first scan; None where the
    markers are not what a well-formed JPEG has there (the caller then decodes as usual)."""
    if data[:2] != b"\xff\xd8":
        return None
    frame, exif, i = None, False, 2
    while i + 4 <= len(data):
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte before a marker
            i += 1
            continue
        if marker in _STANDALONE:
            i += 2
            continue
        (length,) = struct.unpack_from(">H", data, i + 2)
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):  # a start-of-frame
            if i + 10 > len(data):
                return None
            height, width = struct.unpack_from(">HH", data, i + 5)
            components = data[i + 9]
            sampling = data[i + 11 : i + 10 + 3 * components : 3]
            if len(sampling) != components or not components:
                return None
            block_rows = 8 * max(b & 0x0F for b in sampling)
            frame = (height, width, i, block_rows, marker in _SEQUENTIAL_SOF, components)
        elif marker == 0xE1:
            exif = exif or data.startswith(_EXIF_APP1, i + 4)
        elif marker == 0xDA:  # start of scan: the header ends here
            if frame is None or i + 4 >= len(data):
                return None
            height, width, offset, block_rows, sequential, components = frame
            # a sequential file whose first scan carries every component is one interleaved scan
            interleaved = data[i + 4] == components
            top_down = sequential and interleaved and height > 0
            return JpegFrame(height, width, offset, block_rows, top_down, exif)
        i += 2 + length
    return None


def decode_jpeg(data: bytes, factor: int = 1, rows: int | None = None) -> np.ndarray | None:
    """BGR pixels of JPEG `data` at 1/`factor` scale (1, 2, 4 or 8) through libjpeg-turbo's SIMD
    decoder (simplejpeg), or None where OpenCV must decode instead.

    OpenCV's wheel decodes JPEG without libjpeg-turbo's SIMD: the same pixels (bit-identical at every
    scale, tested) cost 2.1x the time at full size, and full-size decodes are what cropping spends
    most on. None for data that is not a JPEG, carries EXIF (OpenCV applies its orientation tag; this
    decoder would not), or that libjpeg-turbo's fast path refuses (CMYK, corrupt): OpenCV then
    decodes it, or reports it, exactly as before.

    `rows`: only the top `rows` full-resolution rows are wanted. A sequential JPEG then decodes no
    further than the MCU row after them, and the image stops at the end of their own MCU row; every
    row it holds is the full decode's, bit for bit (tested). Progressive files decode whole.
    """
    if data[:2] != b"\xff\xd8":
        return None
    frame = jpeg_frame(data)
    # The marker walk finds EXIF where it lives; searching the first 64 KiB for it costs 28 us a photo.
    if frame.exif if frame is not None else _EXIF_APP1 in data[:_EXIF_WINDOW]:
        return None
    try:
        height, width = simplejpeg.decode_jpeg_header(data)[:2]
        exact = None  # where a shortened decode is cut: the rows that match a full decode
        if rows is not None and rows < height and frame is not None and frame.top_down:
            # One MCU row more than asked: libjpeg smooths chroma with the rows below, so the last
            # MCU row of a shortened frame is the only one that differs from a full decode.
            keep = (-(-rows // frame.block_rows) + 1) * frame.block_rows
            if keep < height and (frame.height, frame.width) == (height, width):
                # A shorter frame header makes libjpeg stop after `keep` rows: it never reads the
                # rest of the scan. It warns about those bytes as it skips them to the end marker,
                # hence strict=False; OpenCV, the fallback, decodes through the same warnings anyway.
                at = frame.sof_offset + 5
                data, height = data[:at] + struct.pack(">H", keep) + data[at + 2 :], keep
                exact = -(-(keep - frame.block_rows) // factor)
        want = (-(-height // factor), -(-width // factor))  # a reduced decode rounds up, like OpenCV's
        image = simplejpeg.decode_jpeg(
            data, "BGR", min_height=want[0], min_width=want[1], strict=exact is None
        )
    except ValueError:
        return None
    if image.shape[:2] != want:
        return None
    return image if exact is None else image[:exact]  # the extra MCU row goes


def decode_image(data: bytes, source: str | Path, flags: int = cv2.IMREAD_COLOR) -> np.ndarray:
    """Decode image bytes; raise ImageReadError naming `source` if they are not a full image."""
    image = decode_jpeg(data) if data and flags == cv2.IMREAD_COLOR else None
    if image is None and data:
        image = cv2.imdecode(np.frombuffer(data, np.uint8), flags)
    if image is None:
        raise ImageReadError(f"{source}: failed to decode image")
    return image


def read_image(path: str | Path, flags: int = cv2.IMREAD_COLOR) -> np.ndarray:
    """Read an image (works with non-ASCII paths, unlike cv2.imread). Raises ImageReadError."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise ImageReadError(f"{path}: cannot read file ({exc.strerror})") from None
    return decode_image(data, path, flags)


def resize_to(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """`image` at `size` (W, H): plategen's resize rule, from crops on disk to a layout's size. The
    model's input contract holds the same rule (`lprtrain.model.preprocess.resize_input`: plategen
    cannot import it); tests/lprtrain/test_preprocess.py holds the two equal.

    Shrinking averages the source pixels (INTER_AREA), so a 560-pixel-wide crop does not alias into
    the model's 94; enlarging interpolates bilinearly (INTER_LINEAR, what LPRNet_Pytorch's cv2.resize
    does). An image already at `size` comes back as it is, which keeps 94×24 crops bit-exact.
    """
    h, w = image.shape[:2]
    if (w, h) == tuple(size):
        return image
    shrinking = size[0] < w or size[1] < h
    return cv2.resize(image, tuple(size), interpolation=cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR)


def sha256_file(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
