"""torchrun support: the same fit loop under DistributedDataParallel, or plain single-process.

`torchrun --nproc_per_node=N -m lprtrain fit …` sets RANK / WORLD_SIZE / LOCAL_RANK; we join the
process group (gloo on CPU, nccl on CUDA), each rank trains on its own slice of the samples, and
rank 0 alone writes files. Without those variables everything here is a no-op.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch
import torch.distributed as dist
from torch import nn


@dataclass(frozen=True)
class Dist:
    rank: int = 0
    world: int = 1
    local_rank: int = 0

    @property
    def active(self) -> bool:
        return self.world > 1

    @property
    def main(self) -> bool:
        return self.rank == 0


def from_env() -> Dist:
    """Rank, world size and local rank from torchrun's environment (single process if unset)."""
    env = os.environ
    world = int(env.get("WORLD_SIZE", "1"))
    return Dist(int(env.get("RANK", "0")), world, int(env.get("LOCAL_RANK", "0")))


def setup(d: Dist, device: str) -> torch.device:
    """Join the process group when under torchrun; return this rank's device."""
    dev = torch.device(device)
    if dev.type == "cuda":
        dev = torch.device("cuda", d.local_rank if d.active else (dev.index or 0))
        torch.cuda.set_device(dev)
    if d.active and not dist.is_initialized():
        dist.init_process_group("nccl" if dev.type == "cuda" else "gloo", rank=d.rank, world_size=d.world)
    return dev


def teardown(d: Dist) -> None:
    if d.active and dist.is_initialized():
        dist.destroy_process_group()


def barrier(d: Dist) -> None:
    if d.active:
        dist.barrier()


def wrap(module: nn.Module, d: Dist, device: torch.device, find_unused: bool) -> nn.Module:
    """DDP-wrap `module` when distributed. `find_unused` is needed when a step's loss leaves some
    parameters out (alternate: the MSE step never touches the classifier, the CTC step never the
    decoder)."""
    if not d.active:
        return module
    ids = [device.index] if device.type == "cuda" else None
    return nn.parallel.DistributedDataParallel(module, device_ids=ids, find_unused_parameters=find_unused)


def all_sum(values: torch.Tensor, d: Dist) -> torch.Tensor:
    """Sum a small tensor over ranks (a copy; the input is untouched)."""
    out = values.clone()
    if d.active:
        dist.all_reduce(out, op=dist.ReduceOp.SUM)
    return out


def all_min(value: int, d: Dist) -> int:
    if not d.active:
        return value
    t = torch.tensor([value], dtype=torch.long)
    if dist.get_backend() == "nccl":
        t = t.cuda()
    dist.all_reduce(t, op=dist.ReduceOp.MIN)
    return int(t.item())
