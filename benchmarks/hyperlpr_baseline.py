"""HyperLPR v2's published recognizer as a baseline for benchmarks/accuracy.py, read on our crops.

The PyPI wheel `hyperlpr2` 2.0.0 bundles HyperLPR's models as Caffe files, which it loads with
`cv2.dnn.readNetFromCaffe`; OpenCV 5 (this project's) dropped the Caffe importer. So the baseline runs
in a separate environment (approach (a); the models are not converted): `ensure_env` builds it once
from benchmarks/hyperlpr-requirements.txt in bench-out/hyperlpr-env (git-ignored) and reuses it while
the requirements are unchanged; `read_plates` runs this file in it as a worker (`--worker`: crop paths
as JSON on stdin, readings as JSON on stdout). This file imports only the standard library at the top,
so both interpreters can load it. HyperLPR is never a dependency of plategen or lprtrain.

How HyperLPR v2 reads a plate (hyperlpr2/hyperlpr.py, `LPR.plate_recognition`): the SSD detector's
box is widened 1.7× to 120:48 (`loose_crop`), `finetune` regresses the plate's four corners twice with
its refine net and warps the plate edge to edge onto 136×36 BGR, and `segmentation_free_recognition`
resizes that to 160×40, transposes it and reads it with the CTC model (greedy decoding over 84
characters). Detection is left out here; every crop is read two ways:

    recognizer   the crop as the recognizer's input (what `finetune` hands it: an edge-to-edge plate)
    refine       the crop through `finetune` first, as its loose detector crop would be (our crops are
                 cut around the plate: loosely in real-crops, edge to edge in gate-photos)

    .venv/bin/python benchmarks/hyperlpr_baseline.py [--env DIR] CROP ...   # print both readings
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REQUIREMENTS = HERE / "hyperlpr-requirements.txt"
DEFAULT_ENV = HERE.parent / "bench-out" / "hyperlpr-env"
VARIANTS = ("recognizer", "refine")
STAMP = "hyperlpr-requirements.txt"  # the requirements an environment was built from, kept inside it


def env_python(env: Path) -> Path:
    return env / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def ensure_env(env: Path = DEFAULT_ENV) -> Path:
    """The Python of the HyperLPR environment at `env`, built there first (python -m venv, then pip
    install --no-deps of the pinned requirements) unless it was built from the current requirements.
    Raises RuntimeError with pip's output when the build fails."""
    wanted = REQUIREMENTS.read_text(encoding="utf-8")
    stamp = env / STAMP
    python = env_python(env)
    if python.is_file() and stamp.is_file() and stamp.read_text(encoding="utf-8") == wanted:
        return python
    print(f"building the HyperLPR environment in {env} (once)", file=sys.stderr)
    steps = [
        [sys.executable, "-m", "venv", "--clear", str(env)],
        [str(python), "-m", "pip", "install", "--quiet", "--no-deps", "-r", str(REQUIREMENTS)],
    ]
    for step in steps:
        done = subprocess.run(step, capture_output=True, text=True)
        if done.returncode:
            raise RuntimeError(f"{' '.join(step)} failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    stamp.write_text(wanted, encoding="utf-8")
    return python


def read_plates(paths: list[str], env: Path = DEFAULT_ENV) -> dict[str, list[tuple[str, float]]]:
    """{variant: [(text, confidence) per path]} of HyperLPR v2 for every crop in `paths`, read in its
    environment (built first if need be). Raises RuntimeError with the worker's error output."""
    python = ensure_env(env)
    done = subprocess.run(
        [str(python), str(Path(__file__).resolve()), "--worker"],
        input=json.dumps(paths),
        capture_output=True,
        text=True,
        encoding="utf-8",
    )
    if done.returncode:
        raise RuntimeError(f"the HyperLPR worker failed ({done.returncode}):\n{done.stderr}")
    readings = json.loads(done.stdout)
    return {v: [(t, c) for t, c in readings[v]] for v in VARIANTS}


def worker() -> None:
    """In the HyperLPR environment: read the JSON list of crop paths on stdin, write {variant:
    [[text, confidence], ...]} on stdout."""
    import cv2
    import numpy as np

    threads = os.environ.get("OMP_NUM_THREADS")
    if threads:
        cv2.setNumThreads(int(threads))
    from hyperlpr2 import PR  # builds the models on import

    def recognize(plate) -> list:
        try:
            text, confidence = PR.segmentation_free_recognition(plate)
        except ZeroDivisionError:  # its decoder divides by the length: nothing read
            return ["", 0.0]
        return [text, float(confidence)]

    out: dict[str, list] = {v: [] for v in VARIANTS}
    for path in json.load(sys.stdin):
        image = cv2.imdecode(np.fromfile(path, np.uint8), cv2.IMREAD_COLOR)  # BGR, as cv2.imread
        if image is None:
            sys.exit(f"{path}: cannot be read as an image")
        out["recognizer"].append(recognize(image))
        out["refine"].append(recognize(PR.finetune(image)))
    json.dump(out, sys.stdout, ensure_ascii=False)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("crops", nargs="*", help="Crops named after their text, to read and print.")
    parser.add_argument("--env", default=str(DEFAULT_ENV), help="The HyperLPR environment's folder.")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker()
        return
    readings = read_plates(args.crops, Path(args.env))
    for i, crop in enumerate(args.crops):
        text = Path(crop).stem
        preds = {v: readings[v][i][0] for v in VARIANTS}
        cells = [f"{v} {p or '-'}{'' if p == text else ' ✗'}" for v, p in preds.items()]
        print(f"{text:10} " + "   ".join(f"{c:24}" for c in cells))


if __name__ == "__main__":
    main()
