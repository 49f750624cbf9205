"""How often a reader takes a non-plate for a plate, and how often the plate rule keeps real plates.

A reader emits a text for any crop. This feeds the shipped reader (and each --model) crops that hold
no plate, and real plate crops, and prints per group: the count, the share whose text the GA 36
grammar accepts (`valid`), confidence quantiles, and the share the plate rule `valid and confidence
>= T` accepts for a few T. On plate groups it adds the accuracy and the share of right readings the
rule keeps. The non-plate groups:

    uniform noise    94×24 pixels uniform in 0-255
    gaussian noise   94×24, mean 128, sd 50
    flat             flat fields: 9 greys and 8 colours (the plate paints among them)
    black            black frames at crop sizes from 94×24 to 560×186
    1x1              single pixels of random colour (resized to 94×24 like any crop)
    ccpd patches     crops cut at random from the 24 CCPD photos, away from the plate (its corners
                     are in the file names), plate-like in size and aspect
    gate patches     the same from the 17 gate-camera photos (corners in gate-photos/corners.tsv)

Every crop is resized to the model's input as `predict` resizes crops (`resize_to`).

    .venv/bin/python benchmarks/nonplate.py [--model RUN ...] [--shared ../shared/data]
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from lprtrain.data.plate_data import load_data  # noqa: E402
from lprtrain.evaluation.reading import PLATE_MIN_CONFIDENCE, Reading  # noqa: E402
from lprtrain.evaluation.scoring import predict_texts  # noqa: E402
from lprtrain.model.preprocess import resize_all  # noqa: E402
from lprtrain.model.run import SHIPPED_MODEL, load_model  # noqa: E402
from plategen.data.ccpd import parse_name  # noqa: E402
from plategen.io import read_image  # noqa: E402

THRESHOLDS = (0.0, 0.1, 0.3, PLATE_MIN_CONFIDENCE, 0.7, 0.9)
TARGET = 1 / 20  # at most 1 non-plate in 20 taken for a plate, in every group
PATCHES_PER_PHOTO = 20
Box = tuple[float, float, float, float]  # x1, y1, x2, y2


def synthetic_groups(rng: np.random.Generator) -> dict[str, list[np.ndarray]]:
    """The non-plates made from nothing: noise, flat fields, black frames, single pixels (BGR)."""
    greys = [0, 32, 64, 96, 128, 160, 192, 224, 255]
    colours = [(170, 70, 10), (20, 190, 240), (100, 200, 60), (225, 245, 225), (40, 30, 200), (245, 245, 245)]
    colours += [(0, 0, 255), (255, 0, 255)]
    sizes = [(94, 24), (140, 40), (223, 79), (560, 186)]
    return {
        "uniform noise": [rng.integers(0, 256, (24, 94, 3), dtype=np.uint8) for _ in range(200)],
        "gaussian noise": [
            np.clip(rng.normal(128, 50, (24, 94, 3)), 0, 255).astype(np.uint8) for _ in range(200)
        ],
        "flat": [np.full((24, 94, 3), g, np.uint8) for g in greys]
        + [np.full((24, 94, 3), c, np.uint8) for c in colours],
        "black": [np.zeros((h, w, 3), np.uint8) for w, h in sizes],
        "1x1": [rng.integers(0, 256, (1, 1, 3), dtype=np.uint8) for _ in range(50)],
    }


def overlaps(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def patches_away(image: np.ndarray, plate: Box, count: int, rng: np.random.Generator) -> list[np.ndarray]:
    """`count` plate-like crops of `image` (width 0.6-1.6× the plate's, aspect 2.5-4.5) that stay
    clear of the plate's box grown by half its size on every side (no glyph edge may leak in)."""
    h, w = image.shape[:2]
    pw, ph = plate[2] - plate[0], plate[3] - plate[1]
    keep_out = (plate[0] - pw / 2, plate[1] - ph / 2, plate[2] + pw / 2, plate[3] + ph / 2)
    out: list[np.ndarray] = []
    for _ in range(count * 50):
        if len(out) == count:
            break
        cw = int(pw * rng.uniform(0.6, 1.6))
        ch = max(int(cw / rng.uniform(2.5, 4.5)), 2)
        if cw >= w or ch >= h:
            continue
        x, y = int(rng.integers(0, w - cw)), int(rng.integers(0, h - ch))
        if not overlaps((x, y, x + cw, y + ch), keep_out):
            out.append(image[y : y + ch, x : x + cw].copy())
    return out


def quad_box(points) -> Box:
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    return min(xs), min(ys), max(xs), max(ys)


def photo_groups(shared: Path, rng: np.random.Generator) -> dict[str, list[np.ndarray]]:
    ccpd = []
    for path in sorted((shared / "ccpd-images").glob("*.jpg")):
        ccpd += patches_away(read_image(path), quad_box(parse_name(path).vertices), PATCHES_PER_PHOTO, rng)
    gate = []
    with open(shared / "gate-photos" / "corners.tsv", encoding="utf-8") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            corners = [tuple(map(float, row[k].split(","))) for k in ("x_tl,y_tl", "x_tr,y_tr", "x_br,y_br", "x_bl,y_bl")]
            image = read_image(shared / "gate-photos" / "photos" / row["filename"])
            gate += patches_away(image, quad_box(corners), PATCHES_PER_PHOTO, rng)
    return {"ccpd patches": ccpd, "gate patches": gate}


def describe(name: str, readings: list[Reading], truths: list[str] | None) -> str:
    conf = np.array([r.confidence for r in readings])
    q = np.quantile(conf, [0.5, 0.9, 0.99]) if len(conf) else np.zeros(3)
    valid = np.mean([r.valid for r in readings])
    line = f"{name:16} {len(readings):>5} {valid:>6.3f} {q[0]:>7.3f} {q[1]:>7.3f} {q[2]:>7.3f} {conf.max():>7.3f}"
    if truths is None:  # the share taken for a plate: should be small
        shares = [np.mean([r.is_plate(t) for r in readings]) for t in THRESHOLDS]
        return line + "".join(f" {s:>7.3f}" for s in shares) + f"   (accepted; target <= {TARGET:.3f})"
    right = [r for r, t in zip(readings, truths) if r.text == t]
    kept = [np.mean([r.is_plate(t) for r in right]) if right else 0.0 for t in THRESHOLDS]
    acc = len(right) / len(readings)
    return line + "".join(f" {s:>7.3f}" for s in kept) + f"   (right readings kept; accuracy {acc:.3f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", action="append", default=[], help="Another run to measure (repeatable).")
    parser.add_argument("--shared", default=str(REPO.parent / "shared" / "data"))
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    shared = Path(args.shared)
    rng = np.random.default_rng(args.seed)
    groups = {**synthetic_groups(rng), **photo_groups(shared, rng)}
    for path in [SHIPPED_MODEL, *map(Path, args.model)]:
        model = load_model(path)
        size = model.config.input_size
        batch = 100 if model.config.context_norm == "batch" else 32
        print(f"\n{path}   plate rule: valid and confidence >= T (the library's T = {PLATE_MIN_CONFIDENCE})")
        head = f"{'group':16} {'count':>5} {'valid':>6} {'conf50':>7} {'conf90':>7} {'conf99':>7} {'max':>7}"
        print(head + "".join(f" {'T=' + format(t, 'g'):>7}" for t in THRESHOLDS))
        for name, images in groups.items():
            readings = [Reading(*r) for r in predict_texts(model, torch_images(images, size), batch)]
            print(describe(name, readings, None))
        for name, folder in (("plate-crops", "plate-crops"), ("gate crops", "gate-photos/crops")):
            data = load_data(shared / folder, None, size)
            readings = [Reading(*r) for r in predict_texts(model, data.images, batch)]
            print(describe(name, readings, data.texts))


def torch_images(images: list[np.ndarray], size: tuple[int, int]):
    import torch

    return torch.from_numpy(resize_all(images, size))


if __name__ == "__main__":
    main()
