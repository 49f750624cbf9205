"""Training precision: fp32, or bf16 autocast where the hardware computes bf16 natively.

`auto` picks bf16 on a CPU with AVX512-BF16 or AMX (the flags in /proc/cpuinfo) and on a CUDA device
that supports bf16, fp32 elsewhere: without those instructions bf16 is emulated and slower than fp32.
Only the forward passes run under autocast; the losses (CTC in particular, whose log-space sums need
the range) are computed in fp32 from the upcast outputs. CUDA fp16 would need a GradScaler; it is
not offered.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path

import torch

from ..errors import ConfigError

PRECISIONS = ("fp32", "bf16", "auto")
BF16_CPU_FLAGS = ("avx512_bf16", "amx_bf16")  # either runs bf16 matmuls/convs natively (oneDNN)


def cpu_flags(cpuinfo: str | Path = "/proc/cpuinfo") -> set[str]:
    """The CPU feature flags the kernel reports (empty where /proc/cpuinfo is missing)."""
    try:
        text = Path(cpuinfo).read_text(errors="replace")
    except OSError:
        return set()
    line = next((ln for ln in text.splitlines() if ln.startswith(("flags", "Features"))), "")
    return set(line.partition(":")[2].split())


def has_bf16(device: torch.device, flags: set[str] | None = None) -> bool:
    """Whether `device` computes bf16 natively (CPU: AVX512-BF16 or AMX; CUDA: compute ≥ 8.0)."""
    if device.type == "cuda":
        return torch.cuda.is_bf16_supported()
    flags = cpu_flags() if flags is None else flags
    return any(f in flags for f in BF16_CPU_FLAGS)


def resolve_precision(precision: str, device: torch.device, flags: set[str] | None = None) -> str:
    """'fp32' or 'bf16' for `precision` on `device`. Raises ConfigError for bf16 where the hardware
    lacks it (naming what is missing and suggesting auto) and for an unknown name."""
    if precision not in PRECISIONS:
        raise ConfigError(f"precision: expected one of {', '.join(PRECISIONS)}, got {precision!r}")
    native = has_bf16(device, flags) if precision != "fp32" else False
    if precision == "bf16" and not native:
        what = "this CUDA device" if device.type == "cuda" else "this CPU (no avx512_bf16 or amx_bf16 flag)"
        raise ConfigError(
            f"precision: bf16 needs native bf16 support, which {what} lacks; "
            "use --precision auto (bf16 where supported, else fp32) or fp32"
        )
    return "bf16" if native else "fp32"


def autocast_for(precision: str, device: torch.device) -> Callable[[], AbstractContextManager]:
    """A factory of the context the forward passes run in: bf16 autocast, or nothing for fp32."""
    if precision == "fp32":
        return contextlib.nullcontext
    return lambda: torch.autocast(device.type, dtype=torch.bfloat16)


__all__ = ["PRECISIONS", "autocast_for", "cpu_flags", "has_bf16", "resolve_precision"]
