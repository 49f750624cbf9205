"""How close are `plategen synth` plates to real ones, kind by kind? Statistics and contact sheets.

Synthesizes N photos of each plate kind (one `synthesize` call per kind), crops each plate the way
the training pipeline does (`plategen crop --mode rect`: the name's bbox, resized to 94×24) and the
way `--mode point` does (the 4 corners warped edge to edge), and measures both against the real
crops of that kind, read as training reads them (resized to 94×24):

- blue: ../shared/data/plate-crops (CCPD-like, test-only: measured here, never tuned on),
  real-crops (road crops) and the 20 blue ccpd-images photos cropped in rect mode from their own
  CCPD bbox, all against rect crops; the 7 blue gate-photos crops (rectified edge to edge) against
  point crops;
- green: the 4 green ccpd-images photos (CCPD2020, rect mode) against rect crops, and the 10 green
  gate-photos crops (8 characters, edge to edge) against point crops;
- every other kind: no real crops here, so its synthetic statistics are printed alone.

Statistics (mean ± sd over crops, less the top and bottom 10 % of each): colour, contrast and
sharpness of the whole crop; framing (the plate's share of the crop's width and height, estimated
from the plate's background colour in every set, and the true share of synthetic rect crops from
their annotations, with the estimate's error on them); and, inside the plate (the estimated plate
box resized to 94×24, so framing does not bias them), the background's mean HSV, the
glyph/background luminance ratio, ink coverage, glyph height, stroke width, sharpness and background
noise. Every kind is drawn with the same seed, so photo i of each kind shares its pose, background
and photometry: the kinds differ only in the plate. Writes one contact sheet per kind (real rows on
top, labelled, synthetic below).

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/synth_realism.py [--count 120] [--kinds blue,green]
        [--sheets bench-out/realism]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from plategen.crop.rectify import crop_bytes  # noqa: E402
from plategen.data.ccpd import parse_name  # noqa: E402
from plategen.io import read_image, resize_to  # noqa: E402
from plategen.plates.grammar import KINDS, why_not  # noqa: E402
from plategen.plates.rows import RowsNotFound, as_line, crop_size  # noqa: E402
from plategen.synth.stage import SynthConfig, synthesize  # noqa: E402

DATA = ROOT.parent / "shared" / "data"
SIZE = (94, 24)
TILE = (188, 48)  # contact-sheet tile: a crop at 2×, nearest neighbour (the model's pixels, visible)

# Plate background colours as HSV ranges (OpenCV: H 0-180), to find the plate inside a loose crop.
_HSV = {
    "blue": [((95, 70, 40), (135, 255, 255))],
    "yellow": [((10, 70, 70), (40, 255, 255))],
    "green": [((35, 25, 70), (95, 255, 255))],
    "white": [((0, 0, 140), (180, 60, 255))],
    "black": [((0, 0, 0), (180, 255, 70))],
}
BACKGROUND = {
    "blue": "blue",
    "yellow": "yellow",
    "coach": "yellow",
    "police": "white",
    "embassy": "black",
    "consulate": "black",
    "hk": "black",
    "macau": "black",
    "green": "green",
    "green-large": "yellow+green",
    "yellow-rear": "yellow",
    "trailer": "yellow",
}
DARK_INK = {name for name, plate in KINDS.items() if sum(plate.ink) < 3 * 128}  # glyphs darker than the plate
# statistics compared as a difference (hue is circular, shares are already relative), not a ratio
DIFFERENCE = {"bg hue", "plate w frac", "plate h frac", "true w frac", "true h frac", "glyph h frac"}


@dataclass
class CropSet:
    """Crops of one kind from one source, and what the table and the sheet call them."""

    label: str  # table column
    title: str  # contact-sheet section title (ASCII)
    crops: np.ndarray  # (N, 24, 94, 3) BGR
    truth: np.ndarray | None = None  # (N, 2): the plate's true share of width and height (synthetic rect)
    aspect: np.ndarray | None = None  # (N,): width / height of the crop before its resize to 94×24


# --- measuring ---------------------------------------------------------------------------------


def plate_box(crop: np.ndarray, kind: str) -> tuple[int, int, int, int] | None:
    """(x0, y0, x1, y1) of the plate in a crop, found by its background colour: the bounding box
    of the largest blob of plate-coloured pixels after closing the gaps the glyphs leave. None when
    too little of the crop has the colour."""
    hsv = cv2.cvtColor(crop, cv2.COLOR_BGR2HSV)
    mask = np.zeros(crop.shape[:2], np.uint8)
    for family in BACKGROUND[kind].split("+"):
        for lo, hi in _HSV[family]:
            mask |= cv2.inRange(hsv, np.array(lo, np.uint8), np.array(hi, np.uint8))
    mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, np.ones((5, 7), np.uint8))
    n, _, blobs, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    if n < 2:
        return None
    best = 1 + int(np.argmax(blobs[1:, cv2.CC_STAT_AREA]))
    x, y, w, h, area = blobs[best]
    if area < 0.08 * mask.size or w < 20 or h < 5:
        return None
    return int(x), int(y), int(x + w), int(y + h)


def measure(crop: np.ndarray, kind: str) -> dict[str, float]:
    """The statistics of one 94×24 BGR crop of a `kind` plate (NaN where the plate is not found)."""
    grey = cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY)
    p5, p95 = np.percentile(grey, [5, 95])
    b, g, r = crop.reshape(-1, 3).mean(0)
    out = {
        "mean B": b,
        "mean G": g,
        "mean R": r,
        "contrast p95-p5": p95 - p5,
        "sharp |lap| crop": np.abs(cv2.Laplacian(grey.astype(np.float32), cv2.CV_32F)).mean(),
    }
    box = plate_box(crop, kind)
    inner = (
        "plate w frac",
        "plate h frac",
        "bg hue",
        "bg sat",
        "bg val",
        "ink/bg luminance",
        "ink frac",
        "glyph h frac",
        "stroke px",
        "sharp |lap| plate",
        "bg noise sd",
    )
    if box is None:
        return out | dict.fromkeys(inner, np.nan)
    x0, y0, x1, y1 = box
    plate = cv2.resize(crop[y0:y1, x0:x1], SIZE, interpolation=cv2.INTER_LINEAR)
    pgrey = cv2.cvtColor(plate, cv2.COLOR_BGR2GRAY)
    core = pgrey[3:21, 3:91]  # inside the rim
    threshold, _ = cv2.threshold(core, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    dark = kind in DARK_INK
    ink_full = (pgrey <= threshold) if dark else (pgrey > threshold)
    ink = ink_full[3:21, 3:91]
    background = cv2.erode((~ink).astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
    if background.sum() < 20 or ink.sum() < 20:
        return (
            out
            | {"plate w frac": (x1 - x0) / SIZE[0], "plate h frac": (y1 - y0) / SIZE[1]}
            | dict.fromkeys(inner[2:], np.nan)
        )
    hsv = cv2.cvtColor(plate, cv2.COLOR_BGR2HSV)[3:21, 3:91]
    edges = cv2.Canny(ink.astype(np.uint8) * 255, 50, 150)
    rows = ink_full[:, 3:91].mean(1)
    glyph_rows = (rows > 0.08) & (rows < 0.75)  # a rim line fills its row; glyph rows do not
    run = best_run = 0
    for on in glyph_rows:
        run = run + 1 if on else 0
        best_run = max(best_run, run)
    residual = core.astype(np.float32) - cv2.GaussianBlur(core.astype(np.float32), (0, 0), 1.0)
    return out | {
        "plate w frac": (x1 - x0) / SIZE[0],
        "plate h frac": (y1 - y0) / SIZE[1],
        "bg hue": hsv[..., 0][background].mean(),
        "bg sat": hsv[..., 1][background].mean(),
        "bg val": hsv[..., 2][background].mean(),
        "ink/bg luminance": core[ink].mean() / max(core[background].mean(), 1.0),
        "ink frac": ink.mean(),
        "glyph h frac": best_run / SIZE[1],
        "stroke px": 2 * ink.sum() / max((edges > 0).sum(), 1),  # area / half perimeter
        "sharp |lap| plate": np.abs(cv2.Laplacian(pgrey.astype(np.float32), cv2.CV_32F)).mean(),
        "bg noise sd": residual[background].std(),
    }


def _centre(values: np.ndarray, trim: float = 0.1) -> tuple[float, float]:
    """(mean, sd) of the values less the lowest and highest `trim` of them: a few crops where Otsu
    splits the plate instead of the glyphs must not swamp a statistic; a median would, on
    whole-pixel framings and glyph heights, hide every difference under one pixel."""
    if not len(values):
        return np.nan, np.nan
    cut = int(trim * len(values))
    kept = np.sort(values)[cut : len(values) - cut]
    return float(kept.mean()), float(kept.std())


def summarise(crops: CropSet, kind: str) -> dict[str, tuple[float, float, float]]:
    """{statistic: (trimmed mean, sd, share of crops where it was measured)} over a set."""
    rows = [measure(c, kind) for c in crops.crops]
    keys = list(rows[0])
    table = {}
    for key in keys:
        values = np.array([r[key] for r in rows], np.float64)
        ok = np.isfinite(values)
        table[key] = (*_centre(values[ok]), float(ok.mean()))
    if crops.truth is not None:
        for i, key in enumerate(("true w frac", "true h frac")):
            table[key] = (*_centre(crops.truth[:, i]), 1.0)
    if crops.aspect is not None:
        table["source w/h"] = (*_centre(crops.aspect), 1.0)
    return table


# --- reading -------------------------------------------------------------------------------------


def read_real(folder: Path, keep=lambda text: True) -> tuple[np.ndarray, np.ndarray]:
    """The crops in `folder` whose text (file stem) `keep` accepts, resized to 94×24 as training
    reads them (`plategen.io.resize_to`), and their width / height as stored."""
    paths = sorted(p for p in folder.iterdir() if p.suffix.lower() in (".jpg", ".png") and keep(p.stem))
    images = [read_image(p) for p in paths]
    crops = np.stack([resize_to(i, SIZE) for i in images]) if images else np.zeros((0, 24, 94, 3), np.uint8)
    return crops, np.array([i.shape[1] / i.shape[0] for i in images])


def real_sets(kind: str) -> list[tuple[CropSet, str]]:
    """The real crop sets of `kind`, each with the synthetic crop mode it is compared against."""
    gate = DATA / "gate-photos" / "crops"
    found = []
    if kind == "blue":
        for name, title, mode in (
            ("plate-crops", "real: plate-crops (CCPD-like, test-only)", "rect"),
            ("real-crops", "real: real-crops (road)", "rect"),
        ):
            if (DATA / name).is_dir():
                crops, aspect = read_real(DATA / name)
                # plate-crops were resized to 94x24 by their source: their stored shape says nothing
                found.append(
                    (CropSet(name, title, crops, aspect=aspect if name == "real-crops" else None), mode)
                )
    photos = DATA / "ccpd-images"
    if photos.is_dir():
        names = [(p, parse_name(p)) for p in sorted(photos.glob("*.jpg"))]
        names = [(p, n) for p, n in names if n.kind == kind]
        if names:
            crops = np.stack(
                [crop_bytes(p.read_bytes(), n, SIZE, "rect", 0.0, True, p.name) for p, n in names]
            )
            aspect = np.array(
                [(n.bbox[1][0] - n.bbox[0][0]) / max(n.bbox[1][1] - n.bbox[0][1], 1) for _, n in names]
            )
            title = "real: ccpd-images photos, rect mode (CCPD's own bbox)"
            found.append((CropSet("ccpd-images", title, crops, aspect=aspect), "rect"))
    if kind in ("blue", "green") and gate.is_dir():
        crops, _ = read_real(gate, lambda text: why_not(text, KINDS[kind]) is None)
        if len(crops):
            found.append(
                (CropSet(f"gate-{kind}", f"real: gate-photos {kind} (edge to edge)", crops), "point")
            )
    return found


def synth_sets(
    kind: str, count: int, seed: int, workers: int, margin: float, tmp: Path
) -> dict[str, CropSet]:
    """`count` synthetic photos of `kind`, cropped in rect mode (as training) and point mode."""
    out = tmp / kind
    report = synthesize(out, count, seed, SynthConfig(kinds=kind), workers=workers, progress=False)
    if report.failed:
        print(f"  {kind}: {len(report.failed)} photos failed, e.g. {report.failed[0]}", file=sys.stderr)
    rect, point, truth, aspect = [], [], [], []
    for path in sorted(out.glob("*.jpg")):
        name, data = parse_name(path), path.read_bytes()
        # a two-row plate is cut 2:1 and read with its rows side by side, as training does
        size = crop_size(SIZE, kind)
        try:
            pair = [
                crop_bytes(data, name, size, mode, m, True, path.name)
                for mode, m in (("rect", 0), ("point", margin))
            ]
            if size != SIZE:
                pair = [resize_to(as_line(crop, kind, path.name), SIZE) for crop in pair]
        except RowsNotFound:  # training skips such a crop too
            continue
        rect.append(pair[0])
        point.append(pair[1])
        xs, ys = np.array(name.vertices, np.float64).T
        (bx0, by0), (bx1, by1) = name.bbox
        truth.append(((xs.max() - xs.min()) / max(bx1 - bx0, 1), (ys.max() - ys.min()) / max(by1 - by0, 1)))
        aspect.append((bx1 - bx0) / max(by1 - by0, 1))
    return {
        "rect": CropSet(
            "synth rect",
            "synthetic: rect (bbox, as training crops)",
            np.stack(rect),
            np.array(truth),
            np.array(aspect),
        ),
        "point": CropSet("synth point", "synthetic: point (corners, edge to edge)", np.stack(point)),
    }


# --- reporting -----------------------------------------------------------------------------------


def framing_error(crops: CropSet, kind: str) -> str:
    """How far the colour-based framing estimate is from the truth, on the synthetic rect crops."""
    boxes = [plate_box(c, kind) for c in crops.crops]
    found = np.array([b is not None for b in boxes])
    est = np.array([((b[2] - b[0]) / SIZE[0], (b[3] - b[1]) / SIZE[1]) for b in boxes if b is not None])
    if not len(est):
        return "framing estimate: the plate was never found by colour"
    err = est - crops.truth[found]
    return (
        f"framing estimate - truth on synth rect crops (plate found in {found.mean():.0%}): "
        f"w {err[:, 0].mean():+.3f}±{err[:, 0].std():.3f}, h {err[:, 1].mean():+.3f}±{err[:, 1].std():.3f}"
    )


def _cell(stat: tuple[float, float, float]) -> str:
    mean, sd, share = stat
    if not np.isfinite(mean):
        return "-"
    digits = 3 if abs(mean) < 10 else 1
    text = f"{mean:.{digits}f}±{sd:.{digits}f}"
    return text + ("*" if share < 0.9 else "")


def _compare(key: str, real: tuple, synth: tuple) -> str:
    a, b = real[0], synth[0]
    if not (np.isfinite(a) and np.isfinite(b)):
        return "-"
    if key in DIFFERENCE:
        return f"{b - a:+.1f}" if key == "bg hue" else f"{b - a:+.3f}"
    return f"x{b / a:.2f}" if a else "-"


def print_table(kind: str, reals: list[tuple[CropSet, str]], synth: dict[str, CropSet]) -> None:
    stats = {s.label: summarise(s, kind) for s in synth.values()}
    for real, _ in reals:
        stats[real.label] = summarise(real, kind)
    sizes = ", ".join(f"{s.label} {len(s.crops)}" for s, _ in reals) or "none"
    print(f"\n== {kind}: synthetic {len(synth['rect'].crops)} photos; real crops: {sizes}")
    keys = list(stats["synth rect"])
    if not reals:
        print("   (no real crops of this kind here: synthetic statistics only)")
        columns = ["synth rect", "synth point"]
        print(f"{'statistic':<19}" + "".join(f"{c:>16}" for c in columns))
        for key in keys:
            print(f"{key:<19}" + "".join(f"{_cell(stats[c].get(key, (np.nan,) * 3)):>16}" for c in columns))
        print(framing_error(synth["rect"], kind))
        return
    header = f"{'statistic':<19}"
    for real, mode in reals:
        header += f"{real.label:>16}{'synth ' + mode:>16}{'vs real':>9}"
    extra = all(mode != "rect" for _, mode in reals)  # show the training crops too
    print(header + (f"{'synth rect':>16}" if extra else ""))
    for key in keys:
        line = f"{key:<19}"
        for real, mode in reals:
            r = stats[real.label].get(key, (np.nan,) * 3)
            s = stats[f"synth {mode}"].get(key, (np.nan,) * 3)
            if key.startswith("true") and mode != "rect":  # only synthetic rect crops have true framing
                s = (np.nan,) * 3
            line += f"{_cell(r):>16}{_cell(s):>16}{_compare(key, r, s):>9}"
        print(line + (f"{_cell(stats['synth rect'][key]):>16}" if extra else ""))
    print(framing_error(synth["rect"], kind))


def _label(text: str, width: int) -> np.ndarray:
    bar = np.full((22, width, 3), 40, np.uint8)
    cv2.putText(bar, text, (6, 16), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (255, 255, 255), 1, cv2.LINE_AA)
    return bar


def _grid(crops: np.ndarray, cols: int, rows: int, gap: int = 2) -> np.ndarray:
    width = cols * TILE[0] + (cols - 1) * gap
    lines = []
    for r in range(rows):
        tiles = [
            cv2.resize(c, TILE, interpolation=cv2.INTER_NEAREST) for c in crops[r * cols : (r + 1) * cols]
        ]
        if not tiles:
            break
        line = np.full((TILE[1], width, 3), 128, np.uint8)
        for i, tile in enumerate(tiles):
            line[:, i * (TILE[0] + gap) : i * (TILE[0] + gap) + TILE[0]] = tile
        lines += [line, np.full((gap, width, 3), 128, np.uint8)]
    return np.vstack(lines)


def write_sheet(
    kind: str, reals: list[tuple[CropSet, str]], synth: dict[str, CropSet], path: Path, cols: int = 6
) -> None:
    """Real sets on top (up to 2 rows each, 3 when there is only one), synthetic rect (4 rows) and
    point (2 rows) below, each under a title bar."""
    rng = np.random.default_rng(0)
    width = cols * TILE[0] + (cols - 1) * 2
    parts = [_label(f"kind: {kind}" + ("" if reals else "   (no real crops of this kind)"), width)]
    for real, _ in reals:
        rows = 3 if len(reals) == 1 else 2
        pick = real.crops[rng.permutation(len(real.crops))]
        parts += [_label(f"{real.title}, {len(real.crops)} crops", width), _grid(pick, cols, rows)]
    for key, rows in (("rect", 4), ("point", 2)):
        parts += [_label(synth[key].title, width), _grid(synth[key].crops, cols, rows)]
    path.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(path), np.vstack(parts))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=120, help="synthetic photos per kind")
    parser.add_argument("--kinds", default=",".join(KINDS), help="comma-separated kinds (default: all)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument(
        "--margin", type=float, default=0.0, help="widen the point-mode crops by this fraction"
    )
    parser.add_argument("--sheets", type=Path, default=Path("bench-out/realism"), help="contact-sheet folder")
    args = parser.parse_args()
    kinds = [k.strip() for k in args.kinds.split(",") if k.strip()]
    unknown = [k for k in kinds if k not in KINDS]
    if unknown:
        sys.exit(f"unknown kinds {unknown}; known: {', '.join(KINDS)}")
    if not DATA.is_dir():
        print(f"real data not found at {DATA}: synthetic statistics only", file=sys.stderr)
    print(
        "mean±sd over crops, less the top and bottom 10% of each statistic; * = measured on < 90%\n"
        "of crops (plate not found by colour).\n"
        "vs real: synth/real ratio (x), or synth - real difference for hue and shares.\n"
        "From 'plate w frac' down: inside the plate box found by its colour, resized to 94x24.\n"
        "'true w/h frac': the synthetic rect crops' annotated framing (the colour estimate's error on\n"
        "them is printed under each table). 'source w/h': the crop's aspect before its resize to\n"
        "94x24 (real-crops as stored; ccpd-images and synthetic rect: the bbox); a blue plate itself\n"
        "is 440/140 = 3.14."
    )
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        for kind in kinds:
            reals = real_sets(kind)
            synth = synth_sets(kind, args.count, args.seed, args.workers, args.margin, Path(tmp))
            print_table(kind, reals, synth)
            path = args.sheets / f"{kind}.png"
            write_sheet(kind, reals, synth, path)
            print(f"contact sheet: {path}")
    print(f"\n{time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
