"""Two ways to read a two-row plate with a one-line reader, measured on synthetic two-row plates.

- **side by side** (what `plategen.plates.rows.as_line` does): cut between the rows, set the top
  row left of the bottom one, read the one line;
- **row by row** (HyperLPR3's way): cut between the rows, read the top row and the bottom row each
  resized to the reader's input on its own, and join the two texts.

Both use the same cut (`rows.find_cut`, from the kind). The photos come from `plategen synth` at a
seed the recipe never trains on, cropped as the recipe crops (`--mode rect`).

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/two_row.py [--run RUN] [--count 400]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import cv2  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402

from benchmarks.machine import describe  # noqa: E402
from lprtrain.model.decode import greedy_decode  # noqa: E402
from lprtrain.model.inference import reader  # noqa: E402
from lprtrain.model.preprocess import to_input  # noqa: E402
from lprtrain.model.run import load_model, shipped_model  # noqa: E402
from plategen.crop.stage import CropConfig, crop_dataset  # noqa: E402
from plategen.io import read_image, resize_to  # noqa: E402
from plategen.plates.geometry import TWO_ROW  # noqa: E402
from plategen.plates.grammar import KINDS  # noqa: E402
from plategen.plates.rows import find_cut, unfold  # noqa: E402
from plategen.synth.stage import SynthConfig, synthesize  # noqa: E402

SEED = 9_021  # not a seed the recipe trains on


def read(model, images: list[np.ndarray]) -> list[tuple[str, float]]:
    size = model.config.input_size
    x = to_input(torch.from_numpy(np.stack([resize_to(im, size) for im in images])))
    with torch.inference_mode():
        return greedy_decode(reader(model, 256)(x), model.config.charset)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", default=None, help="a run folder (default: the shipped reader)")
    parser.add_argument("--count", type=int, default=400)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    print(describe())
    model = load_model(args.run or shipped_model()).eval()
    with tempfile.TemporaryDirectory() as tmp:
        photos, crops = Path(tmp) / "photos", Path(tmp) / "crops"
        synthesize(photos, args.count, SEED, SynthConfig(kinds="yellow-rear:0.7,trailer:0.3"), progress=False)
        crop_dataset(photos, crops, CropConfig(mode="rect"), progress=False)
        rows = [json.loads(line) for line in (crops / "index.jsonl").read_text("utf-8").splitlines()]
        texts, lines, tops, bottoms, missed = [], [], [], [], 0
        for row in rows:
            image = read_image(crops / row["crop"], cv2.IMREAD_COLOR)
            found = find_cut(image, KINDS[row["kind"]])
            if found is None:
                missed += 1
                continue
            cut, slope = found
            lines.append(unfold(image, cut, slope))
            w = image.shape[1]
            x0, x1 = (round(f * w) for f in TWO_ROW.top_span)
            tops.append(image[:cut, x0:x1])
            bottoms.append(image[cut:])
            texts.append(row["text"])
        side = read(model, lines)
        top, bottom = read(model, tops), read(model, bottoms)
    n = len(rows)
    result = {
        "plates": n,
        "rows_not_found": missed,
        "side_by_side": sum(t == r for t, (r, _) in zip(texts, side)) / n,
        "row_by_row": sum(t == a + b for t, (a, _), (b, _) in zip(texts, top, bottom)) / n,
        "row_by_row_top_row": sum(t[:2] == a for t, (a, _) in zip(texts, top)) / n,
        "row_by_row_bottom_row": sum(t[2:] == b for t, (b, _) in zip(texts, bottom)) / n,
    }
    for key, value in result.items():
        print(f"{key:>24}: {value:.3f}" if isinstance(value, float) else f"{key:>24}: {value}")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    main()
