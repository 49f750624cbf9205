"""Tiny data whose right answers are known without the code under test (issue 10, "tests that bite").

Everything is built in a session's temp folder and cached per folder, like `tests/lprtrain/tiny.py`:

- `trained_run`: 8 synthetic plates (seeded `synthesize` → `crop_dataset`) and an LPRNet whose last
  layer is fitted to them by least squares here (not by `lprtrain.train.fit`), checked with this module's
  own greedy decoder to read all 8; saved with `save_run`. The expected readings are the
  texts in the photo names, so predict/eval/export have exact answers.
- `random_run`: the same architecture, untrained (reads no plate right).
- `read_plate_chars`: reads the letters and digits of a clean, upright 376×96 plate crop by matching
  each character cell of the GA 36-2018 layout against glyphs drawn here with Pillow from the
  bundled font; used to check that synth draws the text its filename names.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import torch
from PIL import Image, ImageDraw, ImageFont

from lprtrain import LPRNet, ModelConfig, save_run
from plategen import CropConfig, SynthConfig, crop_dataset, default_font_path, parse_name, synthesize

# LPRNet_Pytorch's preprocessing, from ../shared/data/README.md: BGR, (x - 127.5) × 0.0078125, CHW.
SCALE = 0.0078125
TRAIN_PLATES = 8
RIDGE = 1e-2  # of the standardised features' scale; the readings hold from 1e-5 to 1e-2
MARGIN = 10.0  # logit of the wanted class over the others: frame probability ≈ 0.997


def to_input(images: np.ndarray) -> torch.Tensor:
    """uint8 (N, H, W, 3) BGR → float (N, 3, H, W), normalised as the README says."""
    return (torch.from_numpy(images).permute(0, 3, 1, 2).float() - 127.5) * SCALE


def greedy(logits: torch.Tensor, charset: str) -> list[str]:
    """Greedy CTC of (N, classes, T) logits, blank last: argmax, collapse repeats, drop blanks."""
    blank = len(charset)
    texts = []
    for seq in logits.argmax(1).tolist():
        chars, prev = [], None
        for k in seq:
            if k != prev and k != blank:
                chars.append(charset[k])
            prev = k
        texts.append("".join(chars))
    return texts


@dataclass(frozen=True)
class Plates:
    """Crops on disk, their texts (from the photo names) and pixels (uint8 BGR, N×24×94×3)."""

    paths: tuple[Path, ...]
    texts: tuple[str, ...]
    images: np.ndarray


@dataclass(frozen=True)
class TrainedRun:
    run: Path
    plates: Plates


def synth_crops(
    root: Path, count: int, seed: int, config: SynthConfig | None = None, size=(94, 24)
) -> Plates:
    """`count` synthetic photos cropped to `size`; texts from the photo names."""
    synthesize(root / "photos", count, seed=seed, config=config or SynthConfig(), workers=1, progress=False)
    crop_dataset(
        root / "photos", root / "crops", CropConfig(size=size, val_fraction=0.0), workers=1, progress=False
    )
    paths = tuple(sorted((root / "crops").rglob("*.png")))
    images = np.stack([cv2.imdecode(np.fromfile(str(p), np.uint8), cv2.IMREAD_COLOR) for p in paths])
    return Plates(paths, tuple(parse_name(p.name).text for p in paths), images)


def frame_targets(text: str, charset: str, frames: int) -> list[int]:
    """One class per time step that greedy CTC reads as `text`: blank, c0, blank, c1, …, blank…"""
    blank = len(charset)
    if 2 * len(text) + 1 > frames:
        raise ValueError(f"{text!r}: too long for {frames} time steps")
    out = [blank] * frames
    for k, c in enumerate(text):
        out[2 * k + 1] = charset.index(c)
    return out


@functools.cache
def trained_run(base: Path) -> TrainedRun:
    """LPRNet whose last layer (a 1x1 conv, then the mean over height) is solved by least squares so
    that its logits on the 8 plates are MARGIN × one-hot of `frame_targets`: an exact overfit with no
    training loop (a backward pass costs ~0.3 s per step on 2 cores)."""
    root = base / "bites-trained"
    plates = synth_crops(root, TRAIN_PLATES, seed=1, config=SynthConfig(kinds="blue"))
    config = ModelConfig(dropout=0.0)
    x = to_input(plates.images)
    with torch.random.fork_rng():
        torch.manual_seed(0)
        model = LPRNet(config).eval()
    with torch.no_grad():
        # Batch norm statistics of these plates (one cumulative pass) instead of the untrained 0 and 1,
        # which leave the features nearly collinear and the head ill-conditioned.
        for module in model.modules():
            if isinstance(module, torch.nn.BatchNorm2d):
                module.momentum = None
        model.train()(x)
        model.eval()
        pooled = model.features(x).mean(dim=2).double()  # (N, 448 + classes, T)
    n, channels, frames = pooled.shape
    flat = pooled.permute(0, 2, 1).reshape(-1, channels)  # (N·T, channels)
    mean, std = flat.mean(0), flat.std(0) + 1e-6
    features = (flat - mean) / std
    classes = torch.tensor([k for t in plates.texts for k in frame_targets(t, config.charset, frames)])
    wanted = MARGIN * torch.nn.functional.one_hot(classes, config.num_classes).double()  # (N·T, classes)
    target_mean = wanted.mean(0)
    # Ridge, not the exact interpolant: its huge weights turn float32 rounding into logit errors of ~1.
    gram = features.T @ features
    ridge = RIDGE * len(features) * torch.eye(channels, dtype=gram.dtype)
    weight = torch.linalg.solve(gram + ridge, features.T @ (wanted - target_mean)) / std[:, None]
    bias = target_mean - mean @ weight  # (classes,)
    conv = model.container[0]
    with torch.no_grad():
        conv.weight.copy_(weight.T.reshape(conv.weight.shape).float())
        conv.bias.copy_(bias.float())
        readings = greedy(model(x), config.charset)
    if readings != list(plates.texts):
        raise RuntimeError(f"least-squares head reads {readings}, expected {list(plates.texts)}")
    return TrainedRun(save_run(root / "run", model, {}), plates)


@functools.cache
def random_run(base: Path) -> Path:
    with torch.random.fork_rng():
        torch.manual_seed(123)
        model = LPRNet(ModelConfig())
    return save_run(base / "bites-random-run", model.eval(), {})


# --- reading synth plates back ---------------------------------------------------------------------

# GA 36-2018 blue plate, from DESIGN.md: 440 mm wide, side margins 15.5, characters 45 wide, gaps 12,
# 34 between the 2nd and 3rd.
PLATE_MM = 440.0
CHAR_MM = [(15.5 + 57 * i + (22 if i >= 2 else 0), 60.5 + 57 * i + (22 if i >= 2 else 0)) for i in range(7)]
LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"
ALNUM = LETTERS + "0123456789"
_GLYPH = (24, 48)  # (W, H) every glyph is compared at


def _unit(a: np.ndarray) -> np.ndarray:
    a = a.astype(np.float32)
    a -= a.mean()
    n = float(np.linalg.norm(a))
    return a / n if n else a


def _tight(mask: np.ndarray) -> np.ndarray | None:
    ys, xs = np.nonzero(mask)
    if not len(ys):
        return None
    return mask[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]


@functools.cache
def _references() -> dict[str, np.ndarray]:
    font = ImageFont.truetype(str(default_font_path()), 64)
    refs = {}
    for ch in ALNUM:
        image = Image.new("L", (120, 120), 0)
        ImageDraw.Draw(image).text((20, 10), ch, fill=255, font=font)
        glyph = _tight(np.array(image) > 127).astype(np.uint8) * 255
        refs[ch] = _unit(cv2.resize(glyph, _GLYPH, interpolation=cv2.INTER_AREA))
    return refs


def read_plate_chars(crop: np.ndarray) -> str:
    """The 6 characters after the province of a clean, upright blue plate crop (BGR, ~376×96)."""
    grey = cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY)
    h, w = grey.shape
    _, ink = cv2.threshold(grey, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)  # white glyphs
    refs = _references()
    out = []
    for i, (x0, x1) in enumerate(CHAR_MM[1:]):
        a, b = int(x0 / PLATE_MM * w) - 2, int(np.ceil(x1 / PLATE_MM * w)) + 2
        glyph = _tight(ink[int(0.1 * h) : int(0.92 * h), max(a, 0) : b])  # rivets sit in the top 10 %
        if glyph is None:
            out.append("?")
            continue
        if glyph.shape[1] < 0.3 * glyph.shape[0]:  # the plain-bar "1" of the plate typeface
            out.append("1")
            continue
        v = _unit(cv2.resize(glyph, _GLYPH, interpolation=cv2.INTER_AREA))
        candidates = LETTERS if i == 0 else ALNUM
        out.append(max(candidates, key=lambda c: float((v * refs[c]).sum())))
    return "".join(out)
