"""Speed of `plategen synth` on one core, against the floor of writing a photo at all.

The baseline is encoding an already-drawn 720×1160 photo to JPEG and writing it, which every
synthetic image must pay; the ratio says how many such writes one synthetic image costs.

    .venv/bin/python benchmarks/synth.py --count 300
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from plategen.io import write_bytes_atomic  # noqa: E402
from plategen.synth.stage import SynthConfig, synthesize  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=300)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    config = SynthConfig()
    with tempfile.TemporaryDirectory() as tmp:
        synthesize(Path(tmp) / "warm", 4, 1, config, progress=False)  # font and glyph caches
        start = time.perf_counter()
        report = synthesize(Path(tmp) / "synth", args.count, 0, config, workers=args.workers, progress=False)
        synth_rate = report.written / (time.perf_counter() - start)
        w, h = config.image_size
        photo = cv2.GaussianBlur(np.random.default_rng(0).integers(0, 255, (h, w, 3), np.uint8), (0, 0), 3)
        start = time.perf_counter()
        for i in range(args.count):
            ok, buf = cv2.imencode(".jpg", photo, [cv2.IMWRITE_JPEG_QUALITY, 75])
            write_bytes_atomic(Path(tmp) / "base" / f"{i}.jpg", buf.tobytes())
        base_rate = args.count / (time.perf_counter() - start)
    print(f"synth: {synth_rate:.1f} images/s with {args.workers} worker(s) ({w}x{h})")
    print(f"baseline (JPEG encode + atomic write only): {base_rate:.1f} images/s")
    print(f"ratio synth/baseline: {synth_rate / base_rate:.2f}")


if __name__ == "__main__":
    main()
