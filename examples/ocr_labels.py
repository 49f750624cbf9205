"""Image labels for a non-plate OCR dataset, start to finish, in a few seconds.

1. Make a tiny text-line dataset: 40 digit strings (meter readings, 6 characters) and 12 words
   (4 characters) drawn with PIL onto noisy 120×32 backgrounds, plus a `path<TAB>text` manifest
   (the PaddleOCR / deep-text-recognition-benchmark convention).
2. `align_images`: one layout per text length, measured from each group's mean image; the small
   word group gets uniform boxes across the measured text band (`spread`).
3. `render_labels`: training shards with an image label per crop, and a preview contact sheet.

    .venv/bin/python examples/ocr_labels.py [OUT] [--seed N]     (--help for the options)
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from plategen import Alignment, RenderConfig, default_font_path, render_labels
from plategen.align.stage import AlignConfig, align_images
from plategen.data.shards import read_shard_split

WORDS = ["DATA", "TEXT", "LINE", "WORD", "CODE", "READ", "FONT", "KEYS", "MEAN", "NOTE", "PAGE", "SCAN"]


def make_dataset(root: Path, seed: int = 0) -> Path:
    """Write the crops and `labels.txt`; return the manifest path."""
    rng = np.random.default_rng(seed)
    font = ImageFont.truetype(str(default_font_path()), 22)
    texts = ["".join(map(str, rng.integers(0, 10, 6))) for _ in range(40)] + WORDS
    lines = []
    for i, text in enumerate(texts):
        background = rng.normal(70, 12, (32, 120)).clip(0, 255).astype(np.uint8)
        image = Image.fromarray(background).convert("RGB")
        draw = ImageDraw.Draw(image)
        pitch = 108 / len(text)  # a fixed-pitch display, slightly jittered per crop
        dx, dy = rng.uniform(-1, 1, 2)
        for j, ch in enumerate(text):
            left, _, right, _ = font.getbbox(ch)
            x = 6 + dx + (j + 0.5) * pitch - (right - left) / 2 - left
            draw.text((x, -4 + dy), ch, font=font, fill=(235, 235, 200))
        name = f"line{i:03d}.png"
        image.save(root / name)
        lines.append(f"{name}\t{text}\t{'val' if i % 10 == 0 else 'train'}")
    manifest = root / "labels.txt"
    manifest.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return manifest


def main(out: Path, seed: int = 0) -> None:
    crops = out / "crops"
    crops.mkdir(parents=True, exist_ok=True)
    manifest = make_dataset(crops, seed)
    result = align_images(crops, AlignConfig(spread=True), workers=1, progress=False, manifest=manifest)
    for warning in result.warnings:
        print("warning:", warning)
    alignment_path = out / "alignment.json"
    result.alignment.save(alignment_path)
    for name, layout in Alignment.load(alignment_path).layouts.items():
        print(
            f"layout {name}: {layout.source}, band {layout.top}..{layout.bottom}, chars {list(layout.chars)}"
        )
    report = render_labels(
        crops,
        alignment_path,
        out / "shards",
        RenderConfig(supersample=2),
        manifest=manifest,
        preview=16,
        workers=1,
        progress=False,
    )
    print(report.summary())
    train = read_shard_split(out / "shards", "train")
    print(f"train: crops {train.crops.shape}, labels {train.labels.shape}, first text {train.texts[0]!r}")
    print(f"alignment: {alignment_path}\nshards:    {out / 'shards'}")
    print(f"preview:   {out / 'shards' / 'preview.png'}")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Image labels for a non-plate OCR dataset: make 52 text-line crops, align them, "
        "render training shards with an image label per crop.",
        epilog="Example: python examples/ocr_labels.py out/ocr --seed 1",
    )
    parser.add_argument(
        "out",
        nargs="?",
        type=Path,
        help="Folder for crops/, alignment.json and shards/ (default: a new temporary one).",
    )
    parser.add_argument("--seed", type=int, default=0, help="Seed of the made-up dataset (default: 0).")
    args = parser.parse_args(argv)
    if args.out is not None and args.out.exists() and not args.out.is_dir():
        parser.error(f"OUT {str(args.out)!r} is a file, not a folder")
    if args.seed < 0:
        parser.error(f"--seed {args.seed} must be >= 0")
    return args


if __name__ == "__main__":
    args = parse_args()
    main(args.out or Path(tempfile.mkdtemp(prefix="ocr_labels_")), args.seed)
