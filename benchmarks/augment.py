"""--augment's frame, measured: "normalised" (the shipped reader's training, whose ranges stretch
with the input's aspect) against "pixels" (the documented ranges), on one fixed short recipe.

The recipe, the same for both frames and every seed:
  - start from the shipped reader (lprtrain/models/default), the same init for both frames (it was
    trained with the normalised frame, so "pixels" starts from a model used to the other one);
  - fine-tune on the train split of real-crops, as shards (align + render-labels; the text-folder
    reader's split, so the validation fifth, chosen by a hash of the text, never trains),
    --aux off --augment, batch 64, cosine schedule with 30 warm-up steps, STEPS steps (default 300),
    lr 3e-4 (the recipe's gentle second cycle), seeds 0, 1, 2;
  - score the final model on the real-crops validation fifth and on plate-crops (never tuned on:
    the best-on-val model that fit keeps is not used here, so neither set picks a checkpoint).

Runs live in OUT (default bench-out/augment); each writes eval-*.json when done, so a re-run skips
finished runs and resumes a killed one from its train_state.pt. Run it in the background:

    nohup .venv/bin/python benchmarks/augment.py > augment.log 2>&1 &
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import torch  # noqa: E402

from benchmarks.machine import describe  # noqa: E402
from lprtrain import FitConfig, evaluate, fit, load_data, load_model  # noqa: E402
from plategen import AlignConfig, align_images, render_labels  # noqa: E402

SHARED = REPO.parent / "shared" / "data"
FRAMES = ("normalised", "pixels")
INIT = REPO / "lprtrain" / "models" / "default"


def last_model(run: Path):
    """The run's final weights (train_state.pt), not the best-on-val model.safetensors."""
    model = load_model(run)
    state = torch.load(run / "train_state.pt", weights_only=True)["model"]
    model.load_state_dict({k[len("lprnet.") :]: v for k, v in state.items() if k.startswith("lprnet.")})
    return model.eval()


def real_shards(out: Path) -> Path:
    """real-crops as shards (measured alignment, train/val by the text-folder reader's split)."""
    shards = out / "real-shards"
    if not (shards / "manifest.json").is_file():
        alignment = out / "real-alignment.json"
        align_images(SHARED / "real-crops", AlignConfig()).alignment.save(alignment)
        render_labels(SHARED / "real-crops", alignment, shards, progress=False)
    return shards


def one_run(out: Path, frame: str, seed: int, steps: int) -> dict:
    run = out / f"{frame}-{seed}"
    done = run / "scores.json"
    if done.is_file():
        return json.loads(done.read_text())
    config = FitConfig(
        aux="off",
        augment=True,
        augment_frame=frame,
        batch_size=64,
        epochs=10_000,  # the step count bounds the run
        max_steps=steps,
        schedule="cosine",
        warmup=30,
        lr=3e-4,
        seed=seed,
        init=str(INIT),
        resume=(run / "train_state.pt").is_file(),
    )
    fit(real_shards(out), run, config, progress=False)
    model = last_model(run)
    size = model.config.input_size
    scores = {
        "real-crops val": evaluate(model, load_data(SHARED / "real-crops", "val", size)).accuracy,
        "plate-crops": evaluate(model, load_data(SHARED / "plate-crops", None, size)).accuracy,
    }
    done.write_text(json.dumps(scores))
    return scores


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=REPO / "bench-out" / "augment")
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args()
    print(describe())
    rows = {}
    for seed in range(args.seeds):
        for frame in FRAMES:
            rows[frame, seed] = one_run(args.out, frame, seed, args.steps)
            print(f"{frame:<11} seed {seed}: {rows[frame, seed]}", flush=True)
    print(f"\n| frame | real-crops val fifth | plate-crops |  ({args.steps} steps, {args.seeds} seeds)")
    print("|---|---|---|")
    for frame in FRAMES:
        cells = []
        for name in ("real-crops val", "plate-crops"):
            values = [rows[frame, s][name] for s in range(args.seeds)]
            sd = statistics.stdev(values) if len(values) > 1 else 0.0
            cells.append(f"{statistics.mean(values):.3f} ± {sd:.3f}")
        print(f"| {frame} | {cells[0]} | {cells[1]} |")


if __name__ == "__main__":
    main()
