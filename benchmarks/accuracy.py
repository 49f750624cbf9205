"""Reading accuracy of the shipped reader next to two published readers, measured in the same run on
the real crop sets:

    plate-crops      ../shared/data/plate-crops: 200 CCPD-like crops; never trained or selected on
    real-crops       all 1,102 of ../shared/data/real-crops: the shipped reader trained on four fifths
                     of them, so its figure here is no held-out one (the baselines never saw them)
    real-crops:val   the validation fifth of real-crops (split by text hash), which the shipped
                     reader's recipe held out of training and picked its model on
    gate-photos      ../shared/data/gate-photos/crops: 17 plates rectified edge to edge from
                     parking-gate photos (10 green 8-character, 7 blue); never trained on

    .venv/bin/python benchmarks/accuracy.py [--model RUN ...] [--shared ../shared/data]
                                            [--no-hyperlpr] [--hyperlpr-env DIR]

Baselines: the published LPRNet_Pytorch weights, evaluated at their code's batch of 100 (they scale
context batch-wide), and HyperLPR v2's published recognizer (PyPI hyperlpr2 2.0.0). HyperLPR's models
are Caffe files that need OpenCV 4, so it runs in a separate environment that benchmarks/
hyperlpr_baseline.py builds once in bench-out/hyperlpr-env and reuses (no model conversion). It reads
each crop two ways, both without its detector: as its recognizer's input (what its pipeline hands the
recognizer after alignment: an edge-to-edge plate), and through its refine net first (`finetune`, the
corner-regressing alignment its pipeline applies to the detector's loose crop).

Targets (issue 11): plate-crops ≥ 0.92 (the published weights read 0.895), real-crops:val ≥ 0.85.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.hyperlpr_baseline import DEFAULT_ENV, read_plates  # noqa: E402
from lprtrain.data.plate_data import load_data  # noqa: E402
from lprtrain.evaluation.scoring import evaluate  # noqa: E402
from lprtrain.metrics import compute  # noqa: E402
from lprtrain.model.run import SHIPPED_MODEL, load_model  # noqa: E402

TARGETS = {"plate-crops": 0.92, "real-crops:val": 0.85}
BASE = "published LPRNet_Pytorch (baseline)"
HYPERLPR = {
    "recognizer": "HyperLPR v2 recognizer (baseline)",
    "refine": "HyperLPR v2 refine net + recognizer",
}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--model", action="append", default=[], help="Another run to measure (repeatable).")
    parser.add_argument("--shared", default=str(REPO.parent / "shared" / "data"))
    parser.add_argument("--no-hyperlpr", action="store_true", help="Leave the HyperLPR v2 baseline out.")
    parser.add_argument("--hyperlpr-env", default=str(DEFAULT_ENV), help="Where its environment lives.")
    args = parser.parse_args()
    shared = Path(args.shared)
    sets = {
        "plate-crops": (shared / "plate-crops", None),
        "real-crops": (shared / "real-crops", None),
        "real-crops:val": (shared / "real-crops", "val"),
        "gate-photos": (shared / "gate-photos" / "crops", None),
    }
    models = {BASE: shared / "lprnet-pretrained" / "Final_LPRNet_model.pth"}
    models["shipped (lprtrain/models/default)"] = SHIPPED_MODEL
    models.update({m: Path(m) for m in args.model})
    rows = {}
    read = {}  # set name: its data as the first model read it (the same crops, texts and order for all)
    for name, path in models.items():
        model = load_model(path)
        batch = 100 if model.config.context_norm == "batch" else 32
        for set_name, (folder, split) in sets.items():
            data = load_data(folder, split, model.config.input_size)
            read.setdefault(set_name, data)
            report = evaluate(model, data, batch)
            c = report.metrics.counts
            rows[name, set_name] = (c.tp, c.total, c.accuracy, c.lcr)
    if not args.no_hyperlpr:
        for set_name, data in read.items():
            readings = read_plates(data.paths, Path(args.hyperlpr_env))
            for variant, name in HYPERLPR.items():
                preds = [text for text, _ in readings[variant]]
                c = compute(preds, data.texts, data.subsets, data.kinds).counts
                rows[name, set_name] = (c.tp, c.total, c.accuracy, c.lcr)
    baselines = {BASE, *HYPERLPR.values()}
    head = f"{'model':42} {'test set':16} {'read':>9} {'accuracy':>9} {'LCR':>6}"
    print(f"{head} {'vs LPRNet':>10} {'target':>7}")
    for (name, set_name), (tp, n, acc, lcr) in sorted(rows.items(), key=lambda r: list(sets).index(r[0][1])):
        delta = acc - rows[BASE, set_name][2]
        target = TARGETS.get(set_name)
        mark = "" if name in baselines or target is None else ("met" if acc >= target else "missed")
        print(f"{name:42} {set_name:16} {tp:>4}/{n:<4} {acc:>9.3f} {lcr:>6.3f} {delta:>+10.3f} {mark:>7}")


if __name__ == "__main__":
    main()
