"""This machine's fp32 ceiling, so that a throughput also reads as a share of what the hardware allows.

The peak is the best rate of large dense fp32 kernels in torch on the benchmark's threads (a matmul,
the yardstick the issue uses: "a large fp32 matmul reaches ~170 GFLOP/s here", and a big convolution).
A step that costs F FLOPs per image cannot run faster than peak / F images/s, whatever the code around
it does, so a speed target T × baseline can only be met where peak / F ≥ T × baseline. A tighter bound
is the time the step's own convolutions take in torch's kernels. Machines differ: the issue quotes
~170 GFLOP/s; a 2-core first-generation EPYC (family 23, model 1, whose cores execute a 256-bit FMA
as two 128-bit halves) measured 78-93 from run to run.
"""

from __future__ import annotations

import contextlib
import os
import resource
import time
from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch.profiler import ProfilerActivity, profile
from torch.utils.flop_counter import FlopCounterMode


def _best_seconds(fn: Callable[[], object], repeats: int) -> float:
    for _ in range(2):
        fn()
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def fp32_peak_gflops(repeats: int = 8) -> float:
    """The best rate, in GFLOP/s, of two dense fp32 kernels on torch's current threads: a 2048³ matmul
    (MKL) and a 3×3 256→256 convolution (oneDNN, channels_last), whichever is faster. oneDNN's
    convolutions beat MKL's matmul on some CPUs; taking the faster keeps the ceiling an upper bound."""
    a, b = torch.randn(2048, 2048), torch.randn(2048, 2048)
    gemm = 2 * 2048**3 / _best_seconds(lambda: a @ b, repeats)
    x = torch.randn(32, 256, 32, 32).contiguous(memory_format=torch.channels_last)
    w = torch.randn(256, 256, 3, 3).contiguous(memory_format=torch.channels_last)
    with torch.inference_mode():
        conv = 2 * 32 * 32 * 32 * 256 * 256 * 9 / _best_seconds(lambda: F.conv2d(x, w, padding=1), repeats)
    return max(gemm, conv) / 1e9


@contextlib.contextmanager
def _quiet_stderr():
    """The profiler's C++ side logs two lines per session to file descriptor 2."""
    saved, null = os.dup(2), os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved), os.close(null)


def prefault_heap(gib: float = 12.0) -> None:
    """Touch and free `gib` GiB so that later allocations find resident pages. Needs freed memory to
    stay in the process (`lprtrain.train.allocator.keep_freed_memory`). Without it the profiler's own
    allocations shift the heap and every step faults pages in again, inside the kernels it times:
    first touches ran at ~1 GB/s on a 2-core VM and made a 236 MB fill look like 300 ms."""
    block = torch.empty(int(gib * 2**30) // 4)
    block.fill_(0)
    del block


def conv_seconds(fn: Callable[[], object], attempts: int = 5) -> float:
    """Seconds that fn() spends inside convolution kernels (forward and backward, torch's profiler):
    what a step would take if everything else in it were free. The best of up to `attempts` runs in
    which no pages were faulted in (a fault inside a kernel would count as kernel time); call
    prefault_heap first. Raises RuntimeError when every attempt faulted."""
    clean = []
    for _ in range(attempts):
        before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        with _quiet_stderr(), profile(activities=[ProfilerActivity.CPU]) as prof:
            fn()
        if resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before < 10_000:  # < 40 MB of pages
            clean.append(sum(e.self_cpu_time_total for e in prof.key_averages() if "conv" in e.key) / 1e6)
            if len(clean) == 2:
                break
    if not clean:
        raise RuntimeError(
            f"pages were faulted in during all {attempts} profiled runs; call prefault_heap() first"
        )
    return min(clean)


def flops_per_item(fn: Callable[[], object], items: int) -> float:
    """FLOPs that fn() runs per item, counted by torch's FlopCounterMode (convolutions, matmuls and
    their backward passes: the work no implementation can skip)."""
    with FlopCounterMode(display=False) as counter:
        fn()
    return counter.get_total_flops() / items


HEADER = (
    f"  {'':<10}{'GFLOP/item':>11}{'FLOP ceiling':>17}{'convs alone':>17}{'measured':>17}"
    "   (per second; x = times the baseline)"
)


def ceiling_row(
    name: str,
    flops: float,
    peak: float,
    measured: float,
    baseline: float,
    conv_bound: float | None = None,
    target: float | None = None,
) -> str:
    """One table row: FLOPs per item; the FLOP-bound ceiling (peak / FLOPs); the bound set by the
    step's convolutions alone (`conv_bound` items/s); the measured rate; and, given a target ratio,
    the first of those bounds it doesn't fit under."""
    ceiling = peak * 1e9 / flops

    def cell(v: float | None) -> str:
        return f"{'-':>17}" if v is None else f"{v:9.1f} ({v / baseline:4.1f}x)"

    line = f"  {name:<10}{flops / 1e9:11.3f}{cell(ceiling)}{cell(conv_bound)}{cell(measured)}"
    if target:
        need = target * baseline
        if need > ceiling:
            verdict = "above the FLOP ceiling: unreachable on this machine"
        elif conv_bound is not None and need > conv_bound:
            verdict = f"needs {100 * need / ceiling:.0f}% of peak; above what the convolutions alone allow"
        else:
            verdict = f"needs {100 * need / ceiling:.0f}% of peak"
        line += f"   target {target}x: {verdict}"
    return line
