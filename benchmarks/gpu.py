"""The GPU path, end to end on a CUDA machine: fit (alternate, bf16 autocast) for a fixed number of
steps, killed part way with SIGKILL and resumed, then eval and export; and the training rate against
the same step's FLOP bound on this device.

    .venv/bin/python benchmarks/gpu.py                 # ~5 minutes on one data-centre GPU
    .venv/bin/python benchmarks/gpu.py --steps 400 --batch 512 --photos 8192

Steps:
  1. data: `plategen synth` photos → crop → align → render-labels, in --out (kept; a re-run reuses it);
  2. `lprtrain fit --aux alternate --precision bf16 --device cuda` for --steps steps in a subprocess,
     killed with SIGKILL once metrics.jsonl logs step --kill-at, then the same command with --resume:
     the run must end at --steps with its train state on the device's RNG (checked);
  3. `lprtrain eval` of the run on the synthetic val split, `lprtrain export --onnx` (checked by ORT);
  4. img/s of alternate steps measured in-process at --batch, against the FLOP bound: the step's
     FLOPs per image (torch's FlopCounterMode: convs and matmuls, forward and backward) over the best
     rate of a large bf16 matmul on this device, measured in the same run.

Without CUDA it prints why and exits 2: nothing in CI needs a GPU.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import torch  # noqa: E402

from benchmarks.ceiling import flops_per_item  # noqa: E402
from benchmarks.machine import describe  # noqa: E402


def lprtrain(*args: str) -> list[str]:
    return [sys.executable, "-m", "lprtrain", *args]


def plategen(*args: str) -> list[str]:
    return [sys.executable, "-c", "from plategen_cli.plategen import main; main()", *args]


def run(cmd: list[str]) -> str:
    print("$", " ".join(cmd[2:] if cmd[1] == "-c" else cmd[1:]), flush=True)
    out = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"failed ({out.returncode}):\n{out.stdout[-2000:]}\n{out.stderr[-3000:]}")
    return out.stdout


def data(out: Path, photos: int) -> Path:
    shards = out / "shards"
    if (shards / "manifest.json").is_file():
        return shards
    workers = str(os.cpu_count() or 1)
    run(plategen("synth", str(out / "photos"), "--count", str(photos), "--seed", "0", "--workers", workers))
    run(plategen("crop", str(out / "photos"), str(out / "crops"), "--mode", "rect", "--workers", workers))
    run(plategen("align", str(out / "crops"), "--out", str(out / "alignment.json"), "--workers", workers))
    run(
        plategen("render-labels", str(out / "crops"), "--alignment", str(out / "alignment.json"), str(shards))
        + ["--workers", workers]
    )
    return shards


def logged_step(metrics: Path) -> int:
    if not metrics.is_file():
        return 0
    steps = [json.loads(line).get("step", 0) for line in metrics.read_text().splitlines() if line.strip()]
    return max(steps, default=0)


def fit_killed_and_resumed(shards: Path, run_dir: Path, steps: int, kill_at: int, batch: int) -> float:
    """Seconds of the whole fit (both calls); raises SystemExit if it does not end at `steps`."""
    args = ["fit", str(shards), "--out", str(run_dir), "--aux", "alternate", "--precision", "bf16"]
    args += ["--device", "cuda", "--batch-size", str(batch), "--max-steps", str(steps), "--epochs", "1000"]
    args += ["--schedule", "cosine", "--warmup", "20"]
    start = time.perf_counter()
    if not (run_dir / "train_state.pt").is_file():
        proc = subprocess.Popen(lprtrain(*args), cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        while proc.poll() is None and logged_step(run_dir / "metrics.jsonl") < kill_at:
            time.sleep(0.2)
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
            print(f"killed at logged step {logged_step(run_dir / 'metrics.jsonl')} (SIGKILL)", flush=True)
    print(run(lprtrain(*args, "--resume")).strip().splitlines()[-1])
    state = torch.load(run_dir / "train_state.pt", weights_only=True, map_location="cpu")
    if int(state["step"]) != steps or "cuda_rng" not in state:
        raise SystemExit(f"resume ended at step {state['step']}, keys {sorted(state)}")
    return time.perf_counter() - start


def bf16_peak_tflops(device: torch.device, n: int = 8192, repeats: int = 10) -> float:
    a = torch.randn(n, n, device=device, dtype=torch.bfloat16)
    b = torch.randn(n, n, device=device, dtype=torch.bfloat16)
    best = float("inf")
    for _ in range(repeats):
        torch.cuda.synchronize()
        start = time.perf_counter()
        a @ b
        torch.cuda.synchronize()
        best = min(best, time.perf_counter() - start)
    return 2 * n**3 / best / 1e12


def step_rate(shards: Path, batch: int, steps: int) -> tuple[float, float]:
    """(img/s, FLOPs per image) of alternate bf16 steps, in-process, as fit runs them."""
    from lprtrain.data.plate_data import load_data
    from lprtrain.model.lprnet import ModelConfig, TrainingModel
    from lprtrain.train.loop import TrainTensors, train_step
    from lprtrain.train.precision import autocast_for
    from plategen.plates.grammar import PLATE_CHARSET as CCPD_CHARSET

    device = torch.device("cuda")
    data = load_data(shards, "train")
    tensors = TrainTensors(data.images, data.labels, data.texts, CCPD_CHARSET, device, True)
    label_size = (data.labels.shape[2], data.labels.shape[1])
    heads = TrainingModel(ModelConfig(), label_size).to(device).train()
    heads = heads.to(memory_format=torch.channels_last)
    opt = torch.optim.Adam(heads.parameters(), lr=1e-3)
    autocast = autocast_for("bf16", device)
    check = lambda named: named  # noqa: E731  (fit's check averages over ranks on the device)
    gen = torch.Generator().manual_seed(0)

    def one() -> None:
        idx = torch.randint(len(tensors), (batch,), generator=gen)
        train_step(heads, opt, tensors.batch(idx), "alternate", 1.0, len(CCPD_CHARSET), check, autocast)

    for _ in range(5):  # warm-up: cuDNN picks its kernels
        one()
    torch.cuda.synchronize()
    start = time.perf_counter()
    for _ in range(steps):
        one()
    torch.cuda.synchronize()
    rate = batch * steps / (time.perf_counter() - start)
    return rate, flops_per_item(one, batch)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=REPO / "bench-out" / "gpu")
    parser.add_argument("--photos", type=int, default=4096)
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--kill-at", type=int, default=120)
    parser.add_argument("--batch", type=int, default=256)
    args = parser.parse_args()
    print(describe())
    if not torch.cuda.is_available():
        print("no CUDA device: nothing to measure (this benchmark needs a GPU; CI never runs it)")
        raise SystemExit(2)
    device = torch.device("cuda")
    print(f"device: {torch.cuda.get_device_name(device)}, torch {torch.__version__}", flush=True)
    shards = data(args.out, args.photos)
    seconds = fit_killed_and_resumed(shards, args.out / "run", args.steps, args.kill_at, args.batch)
    print(f"fit: {args.steps} steps of {args.batch}, killed at ~{args.kill_at} and resumed: {seconds:.0f} s")
    print(run(lprtrain("eval", str(args.out / "run"), str(shards), "--split", "val")).strip().splitlines()[1])
    print(run(lprtrain("export", str(args.out / "run"), "--onnx", str(args.out / "model.onnx"))).strip())
    rate, flops = step_rate(shards, args.batch, 50)
    peak = bf16_peak_tflops(device)
    bound = peak * 1e12 / flops
    print(f"alternate bf16 at batch {args.batch}: {rate:,.0f} img/s; {flops / 1e9:.3f} GFLOP per image")
    print(f"FLOP bound at this device's bf16 matmul peak ({peak:.0f} TFLOP/s): {bound:,.0f} img/s")
    print(f"measured / bound: {rate / bound:.3f}")


if __name__ == "__main__":
    main()
