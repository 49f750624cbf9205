"""Inference speed: our path (in-memory uint8 batch, conv+BN folded, channels_last; ONNX Runtime) next
to a re-creation of the LPRNet_Pytorch code path, measured in the same run.

Baseline (written from the issue's description): nn.MaxPool3d over channels in the graph, eval mode,
per-sample preprocessing in Python (resize, float, (x − 127.5) × 0.0078125, HWC→CHW, one image at a
time), batch-wide context scaling, per-sample greedy decoding over numpy. Both paths decode to text.

Ours reads as `lprtrain eval`/`predict` do: the same weights with per-plate context scaling (the
models `fit` trains), conv+BN folded, channels_last, 32 plates per forward pass (`lprtrain.model.inference`).
Both are set against this machine's fp32 ceiling (`benchmarks/ceiling.py`).

    .venv/bin/python benchmarks/infer.py [--batch 256] [--repeats 3] [--single 50] [--threads 2]

Targets (issue 4, 2-core machine): batched ≥ 350 plates/s, single-plate latency ≤ 4 ms.
"""

from __future__ import annotations

import argparse
import copy
import dataclasses
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.ceiling import flops_per_item, fp32_peak_gflops  # noqa: E402
from benchmarks.machine import describe  # noqa: E402
from lprtrain.data.plate_data import load_data  # noqa: E402
from lprtrain.data.testdata import synthetic_plates  # noqa: E402
from lprtrain.deploy.export import write_onnx  # noqa: E402
from lprtrain.deploy.quantize import calibration_sample, quantize_onnx  # noqa: E402
from lprtrain.model.decode import greedy_decode  # noqa: E402
from lprtrain.model.inference import ort_session, reader  # noqa: E402
from lprtrain.model.lprnet import LPRNET_PYTORCH_CHARSET, ChannelStridePool, LPRNet, ModelConfig  # noqa: E402
from lprtrain.model.preprocess import preprocess, to_input  # noqa: E402
from lprtrain.model.run import lprnet_pytorch_model  # noqa: E402

SHARED = REPO.parent / "shared" / "data"


def baseline_model(model: LPRNet) -> nn.Module:
    """The same weights with LPRNet_Pytorch's MaxPool3d over channels."""
    ref = copy.deepcopy(model).eval()
    for i, layer in enumerate(ref.backbone):
        if isinstance(layer, ChannelStridePool):
            ref.backbone[i] = nn.MaxPool3d((1, 3, 3), stride=(layer.channel_stride, 1, layer.width_stride))
    return ref


def baseline_preprocess(image: np.ndarray) -> torch.Tensor:
    """One image at a time, as the original dataset class does (with our one preprocessing rule)."""
    return preprocess([image], (94, 24))[0]


def baseline_decode(logits: np.ndarray, charset: str) -> list[str]:
    blank, out = len(charset), []
    for row in logits:  # (classes, T) per plate
        best = [int(np.argmax(row[:, t])) for t in range(row.shape[1])]
        chars, prev = [], blank
        for c in best:
            if c != prev and c != blank:
                chars.append(charset[c])
            prev = c
        out.append("".join(chars))
    return out


def run_baseline(model: nn.Module, images: np.ndarray, charset: str) -> list[str]:
    with torch.no_grad():
        x = torch.stack([baseline_preprocess(im) for im in images])
        return baseline_decode(model(x).numpy(), charset)


def per_plate(model: LPRNet) -> LPRNet:
    """The same weights with per-plate context scaling, as the models `fit` trains: a reading no
    longer depends on the batch, so a batch can be read in cache-sized passes."""
    ours = LPRNet(dataclasses.replace(model.config, context_norm="sample"))
    ours.load_state_dict(model.state_dict())
    return ours.eval()


def run_ours(read, charset: str, images: torch.Tensor) -> list[tuple[str, float]]:
    """`read` is an `lprtrain.model.inference.reader`: what `lprtrain eval` and `predict` run."""
    with torch.inference_mode():
        return greedy_decode(read(to_input(images)), charset)


def throughput(fn, n: int, repeats: int) -> float:
    fn()  # warm-up
    start = time.perf_counter()
    for _ in range(repeats):
        fn()
    return n * repeats / (time.perf_counter() - start)


def latency_ms(fn, runs: int) -> float:
    for _ in range(5):
        fn()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e3


def load_inputs(batch: int) -> tuple[LPRNet, torch.Tensor, str]:
    pth, crops = SHARED / "lprnet-pretrained" / "Final_LPRNet_model.pth", SHARED / "plate-crops"
    model = (
        lprnet_pytorch_model(pth)
        if pth.is_file()
        else LPRNet(ModelConfig(charset=LPRNET_PYTORCH_CHARSET, context_norm="batch")).eval()
    )
    images = load_data(crops).images if crops.is_dir() else synthetic_plates(batch, (94, 24))
    reps = -(-batch // len(images))
    weights = "pretrained" if pth.is_file() else "random"
    what = f"{weights} weights, {'real crops' if crops.is_dir() else 'synthetic plates'}"
    return model, images.repeat(reps, 1, 1, 1)[:batch].contiguous(), what


def calibration_images() -> torch.Tensor:
    """Crops to calibrate the int8 model on: real-crops' train split (never the plate-crops read
    here), else synthetic plates."""
    real = SHARED / "real-crops"
    if real.is_dir():
        return calibration_sample(load_data(real, "train"), real, 256)
    return synthetic_plates(256, (94, 24), seed=1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--single", type=int, default=50, help="batch-1 runs for the median latency")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    model, images, what = load_inputs(args.batch)
    charset, np_images = model.config.charset, images.numpy()
    ours = per_plate(model)
    base, read_torch = baseline_model(model), reader(ours, len(images))
    print(describe(args.threads), flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        write_onnx(ours, Path(tmp) / "m.onnx")
        read_ort = reader(ours, len(images), ort_session(Path(tmp) / "m.onnx", threads=args.threads))
        quantize_onnx(Path(tmp) / "m.onnx", Path(tmp) / "q.onnx", calibration_images())
        read_int8 = reader(ours, len(images), ort_session(Path(tmp) / "q.onnx", threads=args.threads))
    agree = sum(
        a == b
        for a, (b, _) in zip(run_baseline(base, np_images, charset), run_ours(read_torch, charset, images))
    )
    print(
        f"LPRNet 94x24, {what}, {args.threads} threads, torch {torch.__version__}; ours (context scaled "
        f"per plate) and the baseline (per batch) agree on {agree}/{len(images)} readings"
    )

    n = len(images)
    batched = {
        "baseline (MaxPool3d, per-sample Python)": throughput(
            lambda: run_baseline(base, np_images, charset), n, args.repeats
        ),
        "ours torch fp32 (BN folded, channels_last)": throughput(
            lambda: run_ours(read_torch, charset, images), n, args.repeats
        ),
        "ours ONNX Runtime": throughput(lambda: run_ours(read_ort, charset, images), n, args.repeats),
        "ours ONNX Runtime int8 (export --int8)": throughput(
            lambda: run_ours(read_int8, charset, images), n, args.repeats
        ),
    }
    one, np_one = images[:1], np_images[:1]
    single = {
        "baseline (MaxPool3d, per-sample Python)": latency_ms(
            lambda: run_baseline(base, np_one, charset), args.single
        ),
        "ours torch fp32 (BN folded, channels_last)": latency_ms(
            lambda: run_ours(read_torch, charset, one), args.single
        ),
        "ours ONNX Runtime": latency_ms(lambda: run_ours(read_ort, charset, one), args.single),
        "ours ONNX Runtime int8 (export --int8)": latency_ms(
            lambda: run_ours(read_int8, charset, one), args.single
        ),
    }
    b0, s0 = next(iter(batched.values())), next(iter(single.values()))
    int8_ratio = batched["ours ONNX Runtime int8 (export --int8)"] / batched["ours ONNX Runtime"]
    print(f"\nbatched, batch {n}  (target >= 350 plates/s)")
    for name, v in batched.items():
        print(f"  {name:<44}{v:8.1f} plates/s   x{v / b0:.2f} vs baseline")
    print("\nsingle plate, batch 1, median  (target <= 4 ms)")
    for name, v in single.items():
        print(f"  {name:<44}{v:8.2f} ms         x{s0 / v:.2f} faster than baseline")
    print(f"\nint8 vs fp32 ONNX Runtime, batched: x{int8_ratio:.2f}  (target >= 1.8x on a CPU with VNNI)")
    print(describe(args.threads))
    best_batched, best_single = max(list(batched.values())[1:]), min(list(single.values())[1:])
    print(f"\nbest batched {best_batched:.1f} plates/s; best single {best_single:.2f} ms")
    peak = fp32_peak_gflops()
    flops = flops_per_item(lambda: read_torch(to_input(one)), 1)
    ceiling = peak * 1e9 / flops
    print(
        f"\nthis machine's fp32 peak (best of a 2048^3 matmul and a 3x3 conv, {args.threads} threads): "
        f"{peak:.1f} GFLOP/s; LPRNet costs {flops / 1e9:.3f} GFLOP per plate, "
        f"so at most {ceiling:.1f} plates/s ({1e3 / ceiling:.2f} ms per plate)"
    )
    print(
        f"  batched: {100 * best_batched / ceiling:.1f}% of the ceiling; target 350 plates/s "
        f"{'fits under' if ceiling >= 350 else 'is above'} it"
    )
    print(
        f"  single:  {100 * (1e3 / ceiling) / best_single:.1f}% of the ceiling; target 4 ms "
        f"{'fits under' if 1e3 / ceiling <= 4 else 'is below'} its {1e3 / ceiling:.2f} ms floor"
    )


if __name__ == "__main__":
    main()
