"""How close are `plategen synth` plates to real ones? Statistics and a contact sheet.

Synthesizes N photos, rectifies each plate from its annotated corners to 94×24 (as `plategen crop`
point mode does), and compares colour, contrast, sharpness and glyph stroke width with the real
crops in ../shared/data/plate-crops (the baseline, measured in the same run). Writes a contact sheet
(real rows on top, synthetic below).

    .venv/bin/python benchmarks/synth_realism.py --count 200 --sheet /tmp/synth_vs_real.png
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from plategen.data.ccpd import parse_name  # noqa: E402
from plategen.io import read_image  # noqa: E402
from plategen.synth.stage import SynthConfig, synthesize  # noqa: E402

REAL = ROOT.parent / "shared" / "data" / "plate-crops"


def rectify(path: Path, margin: float = 0.0) -> np.ndarray:
    """94×24 crop from the name's corners (BR, BL, TL, TR), optionally widened by `margin`."""
    name = parse_name(path)
    br, bl, tl, tr = (np.array(v, np.float32) for v in name.vertices)
    src = np.array([tl, tr, br, bl], np.float32)
    centre = src.mean(0)
    src = centre + (src - centre) * (1 + margin)
    dst = np.array([[0, 0], [94, 0], [94, 24], [0, 24]], np.float32)
    return cv2.warpPerspective(
        read_image(path), cv2.getPerspectiveTransform(src, dst), (94, 24), flags=cv2.INTER_AREA
    )


def stats(crops: np.ndarray) -> dict[str, float]:
    """Mean colour, contrast, sharpness and glyph stroke width of a stack of (N, 24, 94, 3) crops."""
    grey = np.stack([cv2.cvtColor(c, cv2.COLOR_BGR2GRAY) for c in crops])
    widths, sharp = [], []
    for g in grey:
        _, ink = cv2.threshold(g, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
        if ink[4:20].mean() > 127:  # dark glyphs (green plates): the ink is the dark class
            ink = 255 - ink
        ink = ink[3:21, 3:91]
        edges = cv2.Canny(ink, 50, 150)
        widths.append(2 * (ink > 0).sum() / max((edges > 0).sum(), 1))  # area / half perimeter
        sharp.append(np.abs(cv2.Laplacian(g.astype(np.float32), cv2.CV_32F)).mean())
    p5, p95 = np.percentile(grey.reshape(len(grey), -1), [5, 95], axis=1)
    b, g_, r = crops.reshape(-1, 3).mean(0)
    return {
        "mean B": b,
        "mean G": g_,
        "mean R": r,
        "contrast p95-p5": float((p95 - p5).mean()),
        "sharpness |lap|": float(np.mean(sharp)),
        "stroke px": float(np.median(widths)),
    }


def sheet(real: np.ndarray, synth: np.ndarray, path: Path, cols: int = 6, rows: int = 6) -> None:
    def grid(crops):
        crops = [cv2.resize(c, (188, 48), interpolation=cv2.INTER_NEAREST) for c in crops[: cols * rows]]
        return np.vstack([np.hstack(crops[i : i + cols]) for i in range(0, len(crops), cols)])

    bar = np.full((8, 188 * cols, 3), 255, np.uint8)
    cv2.imwrite(str(path), np.vstack([grid(real), bar, grid(synth)]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--margin", type=float, default=0.0, help="widen the rectified crop by this fraction")
    parser.add_argument("--sheet", type=Path, default=Path("/tmp/synth_vs_real.png"))
    args = parser.parse_args()
    if not REAL.is_dir():
        sys.exit(f"real crops not found at {REAL}")
    real = np.stack([read_image(p) for p in sorted(REAL.glob("*.jpg"))])
    with tempfile.TemporaryDirectory() as tmp:
        synthesize(tmp, args.count, args.seed, SynthConfig(green_fraction=0.0), progress=False)
        synth = np.stack([rectify(p, args.margin) for p in sorted(Path(tmp).glob("*.jpg"))])
    s_real, s_synth = stats(real), stats(synth)
    print(f"{'statistic':<18}{'real':>9}{'synth':>9}{'ratio':>8}")
    for key in s_real:
        print(f"{key:<18}{s_real[key]:9.2f}{s_synth[key]:9.2f}{s_synth[key] / s_real[key]:8.2f}")
    rng = np.random.default_rng(0)
    sheet(real[rng.permutation(len(real))], synth, args.sheet)
    print(f"contact sheet (real top, synthetic bottom): {args.sheet}")


if __name__ == "__main__":
    main()
