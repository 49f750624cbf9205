"""Two ways to read a two-row plate with a one-line reader, measured on synthetic two-row plates.

- **side by side** (what `plategen.plates.rows.as_line` does): cut between the rows, set the top
  row left of the bottom one, read the one line;
- **row by row** (HyperLPR3's way): cut between the rows, read the top row and the bottom row each
  resized to the reader's input on its own, and join the two texts.

Both use the same cut (`rows.find_cut`, from the kind). The photos come from `plategen synth` at a
seed the recipe never trains on, cropped as the recipe crops (`--mode rect`).

A reader trained on lines cannot read lone rows, so by default this measures a given reader both ways
(`--run`, default the shipped one). `--train INIT` makes the comparison fair: from the same model
INIT, it fine-tunes one reader on two-row plates set side by side and another on the same plates'
rows cut apart (each row a sample with its own text), the same steps, data and settings, and reads
the test plates each reader's way.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/two_row.py [--run RUN] [--count 400]
    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/two_row.py --train recipe-out/pre --steps 300
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
from lprtrain.model.preprocess import preprocess  # noqa: E402
from lprtrain.model.run import load_model, shipped_model  # noqa: E402
from lprtrain.train.config import FitConfig  # noqa: E402
from lprtrain.train.fit import fit  # noqa: E402
from plategen.align.stage import AlignConfig, align_images  # noqa: E402
from plategen.crop.stage import CropConfig, crop_dataset  # noqa: E402
from plategen.io import read_image, write_image_atomic  # noqa: E402
from plategen.labels.stage import render_labels  # noqa: E402
from plategen.plates.geometry import TWO_ROW  # noqa: E402
from plategen.plates.grammar import KINDS  # noqa: E402
from plategen.plates.rows import find_cut, level, unfold  # noqa: E402
from plategen.synth.stage import SynthConfig, synthesize  # noqa: E402

SEED = 9_021  # not a seed the recipe trains on


def read(model, images: list[np.ndarray]) -> list[tuple[str, float]]:
    x = preprocess(images, model.config.input_size)
    with torch.inference_mode():
        return greedy_decode(reader(model, 256)(x), model.config.charset)


def two_row_crops(root: Path, count: int, seed: int) -> list[dict]:
    """`count` synthetic two-row photos cut as the recipe cuts them; each crop's index row, with its
    line (rows side by side) and its two rows apart, or None where the rows were not found."""
    photos, crops = root / "photos", root / "crops"
    synthesize(photos, count, seed, SynthConfig(kinds="yellow-rear:0.7,trailer:0.3"), progress=False)
    crop_dataset(photos, crops, CropConfig(mode="rect"), progress=False)
    rows = [json.loads(line) for line in (crops / "index.jsonl").read_text("utf-8").splitlines()]
    for row in rows:
        image = read_image(crops / row["crop"], cv2.IMREAD_COLOR)
        found = find_cut(image, KINDS[row["kind"]])
        row["parts"] = None
        if found is not None:
            cut, slope = found
            w = image.shape[1]
            x0, x1 = (round(f * w) for f in TWO_ROW.top_span)
            levelled = level(image, slope)
            row["parts"] = (unfold(image, cut, slope), levelled[:cut, x0:x1], levelled[cut:])
    return rows


def shards(root: Path, items: list[tuple[np.ndarray, str, str]]) -> Path:
    """Shards of (image, text, split) items, through plategen's own align and render-labels."""
    folder = root / "crops"
    lines = []
    for i, (image, text, split) in enumerate(items):
        write_image_atomic(folder / f"{i:05d}.png", image)
        lines.append(json.dumps({"crop": f"{i:05d}.png", "text": text, "split": split}, ensure_ascii=False))
    (folder / "index.jsonl").write_text("\n".join(lines) + "\n", "utf-8")
    align_images(folder, AlignConfig(), progress=False).alignment.save(root / "alignment.json")
    render_labels(folder, root / "alignment.json", root / "shards", progress=False)
    return root / "shards"


def train_both(tmp: Path, init: str, steps: int, count: int) -> tuple[object, object]:
    """(reader fine-tuned on lines, reader fine-tuned on rows apart) from `init`, same everything."""
    rows = [r for r in two_row_crops(tmp / "train", count, SEED + 1) if r["parts"] is not None]
    split = ["val" if i % 10 == 0 else "train" for i in range(len(rows))]
    line_items = [(r["parts"][0], r["text"], s) for r, s in zip(rows, split)]
    row_items = [(r["parts"][1], r["text"][:2], s) for r, s in zip(rows, split)]
    row_items += [(r["parts"][2], r["text"][2:], s) for r, s in zip(rows, split)]
    models = []
    for name, items in (("lines", line_items), ("rows", row_items)):
        data = shards(tmp / name, items)
        config = FitConfig(
            aux="off",
            augment=True,
            batch_size=64,
            max_steps=steps,
            schedule="cosine",
            warmup=20,
            lr=5e-4,
            init=init,
        )
        fit(data, tmp / f"run-{name}", config, progress=False)
        models.append(load_model(tmp / f"run-{name}").eval())
    return models[0], models[1]


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", default=None, help="a run folder (default: the shipped reader)")
    parser.add_argument("--train", default=None, metavar="INIT", help="fine-tune both ways from INIT first")
    parser.add_argument("--steps", type=int, default=300, help="fine-tuning steps of --train")
    parser.add_argument("--train-count", type=int, default=3000, help="two-row photos --train trains on")
    parser.add_argument("--count", type=int, default=400)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    print(describe())
    with tempfile.TemporaryDirectory() as tmp:
        if args.train:
            line_model, row_model = train_both(Path(tmp), args.train, args.steps, args.train_count)
        else:
            line_model = row_model = load_model(args.run or shipped_model()).eval()
        rows = two_row_crops(Path(tmp) / "test", args.count, SEED)
    found = [r for r in rows if r["parts"] is not None]
    missed = len(rows) - len(found)
    texts = [r["text"] for r in found]
    side = read(line_model, [r["parts"][0] for r in found])
    top, bottom = (
        read(row_model, [r["parts"][1] for r in found]),
        read(row_model, [r["parts"][2] for r in found]),
    )
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
