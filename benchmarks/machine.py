"""One line saying which machine a benchmark ran on: CPU model, the SIMD/matrix flags that decide its
speed (AVX2, AVX-512, BF16, VNNI, AMX), threads and load average. Imports neither torch nor numpy."""

from __future__ import annotations

import os
import platform
from pathlib import Path

FLAGS = {
    "AVX2": "avx2",
    "AVX-512": "avx512f",
    "AVX512-BF16": "avx512_bf16",
    "VNNI": "avx512_vnni",
    "AVX-VNNI": "avx_vnni",
    "AMX-BF16": "amx_bf16",
    "AMX-INT8": "amx_int8",
}


def cpu_info(cpuinfo: str | Path = "/proc/cpuinfo") -> tuple[str, set[str]]:
    """(CPU model name, its flags); (platform.processor(), empty) where /proc/cpuinfo is missing."""
    try:
        lines = Path(cpuinfo).read_text(errors="replace").splitlines()
    except OSError:
        return platform.processor() or "unknown CPU", set()
    model = next((ln.partition(":")[2].strip() for ln in lines if ln.startswith("model name")), "")
    flags = next((ln.partition(":")[2].split() for ln in lines if ln.startswith("flags")), [])
    return model or platform.processor() or "unknown CPU", set(flags)


def describe(threads: int | None = None) -> str:
    """'machine: <model>, <n> cores; AVX2 yes, AVX-512 yes, …; threads 2; load average 5.1 5.3 6.0'."""
    model, flags = cpu_info()
    has = ", ".join(f"{name} {'yes' if flag in flags else 'no'}" for name, flag in FLAGS.items())
    load = " ".join(f"{x:.1f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "n/a"
    used = f"threads {threads}; " if threads else ""
    return f"machine: {model}, {os.cpu_count()} cores; {has}; {used}load average {load}"
