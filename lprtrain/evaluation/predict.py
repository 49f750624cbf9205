"""Read plate crops: text + confidence per image, with torch or ONNX Runtime, and the label preview.

The label preview is the paper's Fig. 12(b): each input crop next to the image label the auxiliary
decoder redraws from it. It needs a run that kept its decoder (`decoder.safetensors`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
import torch

from plategen.data.samples import IMAGE_EXTENSIONS
from plategen.io import write_image_atomic
from plategen.pool import progress_bar

from ..errors import NothingToRead, RunError
from ..model.decode import greedy_decode
from ..model.inference import ort_session, reader
from ..model.preprocess import read_crops, to_input
from ..model.run import load_decoder, load_model, read_config, refuse_model, shipped_model
from .reading import PLATE_MIN_CONFIDENCE, Reading, check_min_confidence
from .scoring import DEFAULT_BATCH

PREVIEW_SCALE = 4  # previews are tiny otherwise (94×24)
ROWS = ("auto", "1", "2")  # predict's --rows: guess per crop, or every crop one-row / two-row


@dataclass
class PredictReport:
    """One row per readable image, plus the images skipped and why."""

    rows: list[dict] = field(default_factory=list)  # {path, text, confidence, valid, kind, plate, rows}
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)
    previews: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        """`path<TAB>text<TAB>confidence<TAB>valid|invalid` per row."""
        return [
            f"{r['path']}\t{r['text']}\t{r['confidence']:.4f}\t{'valid' if r['valid'] else 'invalid'}"
            for r in self.rows
        ]


def collect_images(inputs: list[str | Path]) -> list[Path]:
    """Files as given, folders expanded (recursively, sorted) to their images.

    Raises RunError for a path that does not exist, and for a model (a run folder, one holding the
    images found, or a weights file) given where images belong: its curves.png is no plate. Raises
    NothingToRead when the inputs hold no image at all."""
    found: list[Path] = []
    for item in map(Path, inputs):
        refuse_model(item, "images", f"to read images with it: lprtrain predict {item} IMAGES")
        if item.is_dir():
            images = sorted(
                p for p in item.rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_EXTENSIONS
            )
            for folder in sorted({p.parent for p in images}):  # a folder of runs, say
                refuse_model(folder, "images", f"to read images with it: lprtrain predict {folder} IMAGES")
            found += images
        elif item.is_file():
            found.append(item)
        else:
            raise RunError(f"{item}: no such image or folder")
    if not found:
        raise NothingToRead(
            f"{_named(inputs)}: no images to read (no {', '.join(IMAGE_EXTENSIONS)} file in "
            f"{'it' if len(inputs) == 1 else 'them'} or below)"
        )
    return found


def _named(inputs: list[str | Path], most: int = 3) -> str:
    """The inputs as given, for a message: the first `most`, then how many more."""
    names = ", ".join(map(str, inputs[:most]))
    return names + (f" and {len(inputs) - most} more" if len(inputs) > most else "")


def check_preview_folder(folder: str | Path) -> Path:
    """`folder` as a Path. Raises RunError naming it when a file stands where it, or one of its
    parents, must be a folder: found before any crop is read, not at the first preview."""
    folder = Path(folder)
    for place in (folder, *folder.parents):
        if place.exists():
            if not place.is_dir():
                what = "it is a file" if place == folder else f"{place} is a file"
                raise RunError(f"{folder}: cannot write label previews there: {what}, not a folder")
            break
    return folder


def predict(
    run: str | Path | None,
    inputs: list[str | Path],
    onnx: str | Path | None = None,
    batch_size: int = DEFAULT_BATCH,
    label_preview: str | Path | None = None,
    progress: bool = False,
    min_confidence: float = PLATE_MIN_CONFIDENCE,
    rows: str = "auto",
) -> PredictReport:
    """Read every crop in `inputs` (files or folders) with RUN's model (None: the shipped model), or
    the ONNX file `onnx`.

    Each row is a `Reading.to_dict`: the text, its confidence, whether the plate grammar accepts it
    (`valid`) and the kind it implies, and `plate`: valid and read with at least `min_confidence`.
    `rows` says how many rows of characters the crops hold: "1", "2" (each crop's rows are found and
    set side by side, `plategen.plates.rows`; a crop without two rows is skipped and reported), or
    "auto": a crop that may be a two-row plate (tall enough, with a gap between two rows) is read as
    it is and unfolded, and the reading the grammar takes for a plate at the higher confidence wins.
    Each row's `rows` says which was read.
    Unreadable images are skipped and reported. `label_preview` = a folder receiving one PNG per
    image: the crop beside the decoder's predicted image label. Raises RunError/WeightsError for a
    bad run (including one without a decoder when a preview is asked for) or a model given as
    images, RunError naming the path where a preview cannot be written, ConfigError for a
    `min_confidence` outside [0, 1], and NothingToRead when nothing was read: no image among the
    inputs, or every one skipped (the message gives the first reason).
    """
    check_min_confidence(min_confidence)
    if rows not in ROWS:
        raise RunError(f"rows: {rows!r} is not one of {', '.join(ROWS)}")
    found = collect_images(inputs)
    if label_preview is not None:
        label_preview = check_preview_folder(label_preview)
    run = shipped_model() if run is None else run
    model = load_model(run)
    decoder = None
    if label_preview is not None:
        label_size = tuple(read_config(_run_dir(run)).get("label_size") or ()) or model.config.input_size
        decoder = load_decoder(_run_dir(run), model, label_size)
    session = ort_session(onnx, config=model.config) if onnx is not None else None
    report = PredictReport()
    size = model.config.input_size
    unfolded: dict[int, np.ndarray] | None = {} if rows == "auto" else None
    kept, images = read_crops(
        found, size, report.skipped, rows=None if rows == "auto" else int(rows), unfolded=unfolded
    )
    if not kept:
        raise _nothing_read(inputs, report.skipped)
    paths = [found[i] for i in kept]
    read = reader(model, batch_size, session)
    steps = range(0, len(paths), batch_size)
    with torch.inference_mode(), progress_bar(len(steps), "predict", "batch", enabled=progress) as bar:
        for i in steps:
            bar.update(1)
            x = to_input(images[i : i + batch_size])
            for p, (text, conf) in zip(
                paths[i : i + batch_size], greedy_decode(read(x), model.config.charset)
            ):
                reading = Reading(text, conf).to_dict(min_confidence)
                report.rows.append({"path": str(p), **reading, "rows": 1})
            if decoder is not None:
                drawn = decoder(model.features(x))[:, 0].clamp(0, 1)  # (B, h, w); the paper's is unbounded
                for k, p in enumerate(paths[i : i + batch_size]):
                    out = label_preview / f"{i + k:05d}_{p.stem}.png"
                    _write_preview(out, preview_image(images[i + k].numpy(), drawn[k].numpy()))
                    report.previews.append(str(out))
        if rows == "2":  # every crop was read with its rows side by side: only two-row kinds take it
            for row in report.rows:
                row.update(Reading(row["text"], row["confidence"], rows=2).to_dict(min_confidence), rows=2)
        if unfolded:
            _read_unfolded(unfolded, report.rows, read, model.config.charset, batch_size, min_confidence)
    return report


def _read_unfolded(unfolded: dict[int, np.ndarray], rows, read, charset, batch_size, min_confidence) -> None:
    """`predict --rows auto`: read the crops that may be two-row plates unfolded too (`unfolded`, by
    their place in `rows`), and keep that reading where it is the better plate reading (valid and
    confident first)."""
    alternatives = list(unfolded.items())
    for i in range(0, len(alternatives), batch_size):
        chunk = alternatives[i : i + batch_size]
        x = to_input(torch.from_numpy(np.stack([image for _, image in chunk])))
        for (k, _), (text, conf) in zip(chunk, greedy_decode(read(x), charset)):
            unfolded = Reading(text, conf, rows=2).to_dict(min_confidence)
            if _rank(unfolded) > _rank(rows[k]):
                rows[k].update(unfolded, rows=2)


def _nothing_read(inputs: list[str | Path], skipped: list[tuple[str, str]]) -> NothingToRead:
    """The error for inputs whose every image was skipped; the first reason names its file."""
    why = f"its one image was skipped: {skipped[0][1]}"
    if len(skipped) > 1:
        why = f"all {len(skipped)} images were skipped; the first: {skipped[0][1]}"
    return NothingToRead(f"nothing read from {_named(inputs)}: {why}")


def _write_preview(path: Path, image: np.ndarray) -> None:
    """Write one preview atomically (never half a file). Raises plategen's WriteError naming `path`
    and the OS's reason (a full disk, no permission), as every other write does."""
    write_image_atomic(path, image)


def _rank(row: dict) -> tuple:
    return row["plate"], row["valid"], row["confidence"]


def _run_dir(run: str | Path) -> Path:
    run = Path(run)
    return run if run.is_dir() else run.parent


def preview_image(crop: np.ndarray, label: np.ndarray, gap: int = 4) -> np.ndarray:
    """BGR crop (H, W, 3) and predicted label (h, w) in [0, 1] side by side, scaled up."""
    h, w = crop.shape[:2]
    size = (w * PREVIEW_SCALE, h * PREVIEW_SCALE)
    left = cv2.resize(crop, size, interpolation=cv2.INTER_NEAREST)
    gray = (np.clip(label, 0, 1) * 255).astype(np.uint8)
    right = cv2.cvtColor(cv2.resize(gray, size, interpolation=cv2.INTER_LINEAR), cv2.COLOR_GRAY2BGR)
    spacer = np.full((size[1], gap, 3), 255, np.uint8)
    return np.concatenate([left, spacer, right], axis=1)
