"""bf16 against fp32 training speed on this CPU, measured the way a noisy shared machine needs it.

A single timing of each precision has given either answer on the same AVX512-BF16/AMX Xeon (bf16 at
0.33x fp32 in one session, 1.3-1.6x in another). So this script interleaves them: every round times
a few `lprtrain.train.loop.train_step` calls of each precision back to back, and it prints every
round's ratio with the median and range, so a bimodal machine shows as one.

    .venv/bin/python benchmarks/precision.py [--aux off] [--batch 128] [--rounds 8] [--threads 2]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.machine import describe  # noqa: E402
from lprtrain.model.lprnet import ModelConfig, TrainingModel  # noqa: E402
from lprtrain.train.loop import Batch, train_step  # noqa: E402
from lprtrain.train.precision import autocast_for, has_bf16  # noqa: E402

BLANK = len(ModelConfig().charset)


def stepper(aux: str, batch: int, precision: str):
    """One training step of LPRNet (with the decoder unless aux is off) on a fixed random batch."""
    torch.manual_seed(0)
    config = ModelConfig()
    net = TrainingModel(config, (94, 24) if aux != "off" else None).to(memory_format=torch.channels_last)
    opt = torch.optim.Adam(net.parameters(), lr=1e-4)
    x = torch.randn(batch, 3, 24, 94).contiguous(memory_format=torch.channels_last)
    data = Batch(
        x, torch.rand(batch, 1, 24, 94), torch.randint(0, BLANK, (batch, 7)), torch.full((batch,), 7)
    )
    check = lambda losses: {k: float(v.detach()) for k, v in losses.items()}  # noqa: E731
    autocast = autocast_for(precision, torch.device("cpu"))
    return lambda: train_step(net, opt, data, aux, 1.0, BLANK, check, autocast)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--aux", default="off", choices=("off", "alternate", "joint"))
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--steps", type=int, default=2, help="timed steps per precision per round")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print(describe(args.threads))
    if not has_bf16(torch.device("cpu")):
        raise SystemExit("this CPU has no native bf16 (AVX512-BF16 or AMX): nothing to compare")
    steps = {p: stepper(args.aux, args.batch, p) for p in ("fp32", "bf16")}
    for step in steps.values():  # warm-up: first-call allocation and kernel selection
        step()
    rates: dict[str, list[float]] = {"fp32": [], "bf16": []}
    print(f"--aux {args.aux}, batch {args.batch}, {args.steps} steps per precision per round (img/s):")
    for r in range(args.rounds):
        for name, step in steps.items():
            start = time.perf_counter()
            for _ in range(args.steps):
                step()
            rates[name].append(args.batch * args.steps / (time.perf_counter() - start))
        f, b = rates["fp32"][-1], rates["bf16"][-1]
        print(f"round {r + 1}: fp32 {f:6.1f}  bf16 {b:6.1f}  bf16/fp32 {b / f:.2f}")
    ratios = [b / f for f, b in zip(rates["fp32"], rates["bf16"])]
    f, b = statistics.median(rates["fp32"]), statistics.median(rates["bf16"])
    print(f"median: fp32 {f:.1f} img/s, bf16 {b:.1f} img/s")
    spread = f"range {min(ratios):.2f}-{max(ratios):.2f}"
    print(f"bf16/fp32 per round: median {statistics.median(ratios):.2f}, {spread}")
    print(describe(args.threads))


if __name__ == "__main__":
    main()
