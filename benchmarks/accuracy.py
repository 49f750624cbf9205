"""Reading accuracy of the shipped reader next to the published LPRNet_Pytorch weights, measured in
the same run on the two real test sets:

    plate-crops      ../shared/data/plate-crops: 200 CCPD-like crops; never trained or selected on
    real-crops:val   the validation fifth of ../shared/data/real-crops (split by text hash), which
                     the shipped reader's recipe held out of training and picked its model on

    .venv/bin/python benchmarks/accuracy.py [--model RUN ...] [--shared ../shared/data]

Targets (issue 11): plate-crops ≥ 0.92 (the published weights read 0.895), real-crops:val ≥ 0.85.
The published weights are evaluated at their code's batch of 100 (they scale context batch-wide).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from lprtrain.data.plate_data import load_data  # noqa: E402
from lprtrain.evaluation.scoring import evaluate  # noqa: E402
from lprtrain.model.run import SHIPPED_MODEL, load_model  # noqa: E402

TARGETS = {"plate-crops": 0.92, "real-crops:val": 0.85}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--model", action="append", default=[], help="Another run to measure (repeatable).")
    parser.add_argument("--shared", default=str(REPO.parent / "shared" / "data"))
    args = parser.parse_args()
    shared = Path(args.shared)
    sets = {
        "plate-crops": (shared / "plate-crops", None),
        "real-crops:val": (shared / "real-crops", "val"),
    }
    models = {"published LPRNet_Pytorch (baseline)": shared / "lprnet-pretrained" / "Final_LPRNet_model.pth"}
    models["shipped (lprtrain/models/default)"] = SHIPPED_MODEL
    models.update({m: Path(m) for m in args.model})
    rows = {}
    for name, path in models.items():
        model = load_model(path)
        batch = 100 if model.config.context_norm == "batch" else 32
        for set_name, (folder, split) in sets.items():
            data = load_data(folder, split, model.config.input_size)
            report = evaluate(model, data, batch)
            c = report.metrics.counts
            rows[name, set_name] = (c.tp, c.total, c.accuracy, c.lcr)
    base = "published LPRNet_Pytorch (baseline)"
    head = f"{'model':42} {'test set':16} {'read':>9} {'accuracy':>9} {'LCR':>6}"
    print(f"{head} {'vs baseline':>12} {'target':>7}")
    for (name, set_name), (tp, n, acc, lcr) in rows.items():
        delta = acc - rows[base, set_name][2]
        target = TARGETS[set_name]
        mark = "" if name == base else ("met" if acc >= target else "missed")
        print(f"{name:42} {set_name:16} {tp:>4}/{n:<4} {acc:>9.3f} {lcr:>6.3f} {delta:>+12.3f} {mark:>7}")


if __name__ == "__main__":
    main()
