"""What a model costs: multiply-accumulates per sample, counted on a real forward pass."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn


def count_macs(model: nn.Module, x: torch.Tensor) -> int:
    """Multiply-accumulates of every Conv2d, ConvTranspose2d and Linear for input `x`, per sample.

    Counted with forward hooks: a conv costs out_elements × (in_channels / groups) × kH × kW MACs.
    Pooling, ReLU, BN and the context scaling are left out (they are a few % and not MACs).
    FLOPs = 2 × MACs. LPRNet at 94×24 costs ≈0.147 G MACs = ≈0.29 GFLOPs, the paper's figure.
    """
    total = [0]

    def hook(module: nn.Module, inputs, output) -> None:
        if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d)):
            per_out = module.in_channels // module.groups * int(np.prod(module.kernel_size))
            if isinstance(module, nn.ConvTranspose2d):  # each input element fans out over the kernel
                total[0] += (
                    inputs[0].numel()
                    * module.out_channels
                    // module.groups
                    * int(np.prod(module.kernel_size))
                )
                return
            total[0] += output.numel() * per_out
        elif isinstance(module, nn.Linear):
            total[0] += output.numel() * module.in_features

    handles = [
        m.register_forward_hook(hook)
        for m in model.modules()
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear))
    ]
    try:
        with torch.inference_mode():
            model.eval()(x)
    finally:
        for h in handles:
            h.remove()
    return total[0] // x.shape[0]
