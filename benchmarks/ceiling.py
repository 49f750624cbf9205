"""This machine's fp32 ceiling, so that a throughput also reads as a share of what the hardware allows.

The peak is the best rate of a large fp32 matrix multiply in torch on the benchmark's threads: the
yardstick the issue uses ("a large fp32 matmul reaches ~170 GFLOP/s here"). A step that costs F FLOPs
per image cannot run faster than peak / F images/s, whatever the code around it does, so a speed target
T × baseline can only be met where peak / F ≥ T × baseline. Machines differ: the issue's figure is
from a CPU with full-width AVX2 FMA units; a first-generation EPYC (family 23, model 1) splits each
256-bit FMA in two and peaks near 73 GFLOP/s on 2 cores.
"""
from __future__ import annotations

import time
from typing import Callable

import torch
from torch.utils.flop_counter import FlopCounterMode


def fp32_peak_gflops(n: int = 2048, repeats: int = 10) -> float:
    """Best-of-`repeats` rate of an n×n×n fp32 matmul, in GFLOP/s (torch's current thread count)."""
    a, b = torch.randn(n, n), torch.randn(n, n)
    for _ in range(3):
        a @ b
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        a @ b
        best = min(best, time.perf_counter() - start)
    return 2 * n**3 / best / 1e9


def flops_per_item(fn: Callable[[], object], items: int) -> float:
    """FLOPs that fn() runs per item, counted by torch's FlopCounterMode (convolutions, matmuls and
    their backward passes: the work no implementation can skip)."""
    with FlopCounterMode(display=False) as counter:
        fn()
    return counter.get_total_flops() / items


def ceiling_report(name: str, flops: float, peak: float, measured: float, baseline: float | None = None,
                   target: float | None = None) -> str:
    """One line: the FLOP-bound ceiling in items/s, the share of it `measured` reaches, and, given a
    baseline and a target ratio, whether the target fits under the ceiling on this machine."""
    ceiling = peak * 1e9 / flops
    line = (f"  {name:<10} {flops / 1e9:6.3f} GFLOP/item   ceiling {ceiling:7.1f}/s   "
            f"measured {measured:7.1f}/s = {100 * measured / ceiling:4.1f}% of it")
    if baseline:
        line += f"   ceiling = {ceiling / baseline:4.1f}x baseline"
        if target:
            line += f" ({'target fits' if ceiling >= target * baseline else 'target above the ceiling'}: {target}x)"
    return line
