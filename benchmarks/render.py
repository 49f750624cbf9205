"""Image-label rendering speed: LabelRenderer (glyph cache) vs the paper's per-sample approach.

Both draw 94×24 labels of random blue-plate texts in the GA 36-2018 standard layout on one core.
The naive baseline is what the paper's code does for every sample: load the TrueType font for every
character, draw on a 2× PIL canvas, resize bicubically.

    .venv/bin/python benchmarks/render.py [--labels 50000] [--naive 1000]
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from plategen.align.layout import Layout
from plategen.data.ccpd import ADS, ALPHABETS, PROVINCES
from plategen.labels.renderer import LabelRenderer, RenderConfig
from plategen.plates.fonts import default_font_path
from plategen.synth.plate import BLUE


def standard_layout(width: int = 94, height: int = 24) -> Layout:
    """The blue plate's character boxes (GA 36-2018) scaled to a width×height crop."""
    sx, sy = width / BLUE.width, height / BLUE.height
    chars = tuple((round(x * sx), round((x + BLUE.char_size[0]) * sx)) for x in BLUE.char_x)
    top = round(BLUE.char_top * sy)
    return Layout(
        width,
        height,
        top,
        round((BLUE.char_top + BLUE.char_size[1]) * sy),
        chars,
        source="template",
        scales=(0.85,) + (1.0,) * 6,
    )


def random_texts(n: int, seed: int = 0) -> list[str]:
    rng = np.random.default_rng(seed)
    prov, alpha, ads = PROVINCES[:-1], ALPHABETS[:-1], ADS[:-1]  # drop the "no character" slot
    return [
        prov[rng.integers(len(prov))]
        + alpha[rng.integers(len(alpha))]
        + "".join(ads[i] for i in rng.integers(len(ads), size=5))
        for _ in range(n)
    ]


def naive_label(text: str, layout: Layout, font_path: str, ss: int = 2) -> np.ndarray:
    """The paper's way: a fresh font per character, a 2× PIL canvas, a bicubic resize."""
    canvas = Image.new("L", (layout.width * ss, layout.height * ss), 0)
    draw = ImageDraw.Draw(canvas)
    for i, (ch, (x0, y0, _x1, y1)) in enumerate(zip(text, layout.boxes())):
        size = int((y1 - y0) * ss * layout.scale(i))
        font = ImageFont.truetype(font_path, size)
        draw.text((x0 * ss, y0 * ss), ch, font=font, fill=255)
    return np.asarray(canvas.resize((layout.width, layout.height), Image.BICUBIC))


def rate(fn, texts: list[str]) -> float:
    start = time.perf_counter()
    for t in texts:
        fn(t)
    return len(texts) / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--labels", type=int, default=50000, help="labels rendered with the cache")
    parser.add_argument("--naive", type=int, default=1000, help="labels rendered the naive way")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})  # one core
    layout, font = standard_layout(), str(default_font_path())
    texts = random_texts(args.labels)
    renderer = LabelRenderer(layout, config=RenderConfig(supersample=2, resample="bicubic"))
    warm_start = time.perf_counter()
    for t in random_texts(2000, seed=1):  # fills the glyph cache (~65 glyphs per position)
        renderer.render(t)
    warm = time.perf_counter() - warm_start
    cached = rate(renderer.render, texts)
    naive = rate(lambda t: naive_label(t, layout, font), texts[: args.naive])
    print(
        f"layout: {layout.width}x{layout.height}, chars {list(layout.chars)}; cache warm-up {warm:.2f}s "
        f"({len(renderer._cache)} glyphs)"
    )
    print(f"glyph cache : {cached:10,.0f} labels/s  ({len(texts)} labels, one core)")
    print(
        f"naive       : {naive:10,.0f} labels/s  ({args.naive} labels: font load per char, 2x PIL, bicubic)"
    )
    print(f"ratio       : {cached / naive:10.1f}x   (targets: >= 20,000 labels/s and >= 20x)")


if __name__ == "__main__":
    main()
