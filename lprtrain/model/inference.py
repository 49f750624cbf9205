"""Inference: the model prepared for reading plates (conv+BN folded, channels_last), the reader that
eval, predict and validation run (torch or an ONNX Runtime session), and that session.

Folding is exact algebra only when the BatchNorm reads the conv's output directly (no ReLU between):
BN(W·x + b) = (γ/σ)·W·x + (γ/σ)·(b − μ) + β. Every BatchNorm in LPRNet follows a conv that way (the
small basic block ends in a 1×1 conv), so all of them fold. The module indices of the backbone are
kept (BN becomes Identity) because the global-context taps are addressed by index.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path

import torch
from torch import nn

from ..errors import DependencyError, WeightsError
from .lprnet import LPRNet, ModelConfig, SmallBasicBlock

# Plates per forward pass when a reading doesn't depend on its batch-mates. At 100-256 plates every
# activation map (up to 236 MB at 256) streams through main memory between layers; at 32 the working
# set mostly stays in cache. 2-core EPYC, 256 plates: ONNX Runtime 132 → 204 plates/s, torch 85 → 175.
MICRO_BATCH = 32


def fold_conv_bn(conv: nn.Conv2d, bn: nn.BatchNorm2d) -> nn.Conv2d:
    """A conv computing bn(conv(x)) in eval mode."""
    scale = bn.weight / torch.sqrt(bn.running_var + bn.eps)  # (C_out,)
    bias = conv.bias if conv.bias is not None else torch.zeros_like(bn.running_mean)
    fused = copy.deepcopy(conv)
    fused.weight = nn.Parameter((conv.weight * scale.reshape(-1, 1, 1, 1)).detach())
    fused.bias = nn.Parameter(((bias - bn.running_mean) * scale + bn.bias).detach())
    return fused


def _last_conv(module: nn.Module) -> tuple[nn.Sequential, int] | None:
    """Where the conv that feeds a following BN lives: (its Sequential, index)."""
    if isinstance(module, SmallBasicBlock) and isinstance(module.block[-1], nn.Conv2d):
        return module.block, len(module.block) - 1
    return None


def fold_batchnorm(model: LPRNet) -> LPRNet:
    """A copy of `model` (eval mode) with every conv→BN pair of the backbone folded into one conv."""
    model = copy.deepcopy(model).eval()
    layers = model.backbone
    with torch.no_grad():
        for i in range(1, len(layers)):
            if not isinstance(layers[i], nn.BatchNorm2d):
                continue
            prev = layers[i - 1]
            if isinstance(prev, nn.Conv2d):
                layers[i - 1] = fold_conv_bn(prev, layers[i])
            elif (where := _last_conv(prev)) is not None:
                seq, j = where
                seq[j] = fold_conv_bn(seq[j], layers[i])
            else:
                continue  # BN after something other than a conv: leave it
            layers[i] = nn.Identity()
    return model


def prepare_for_inference(model: LPRNet, channels_last: bool = True) -> LPRNet:
    """A copy of `model` in its fastest exact torch form for CPU inference: eval mode, BN folded,
    channels_last memory layout (same outputs to ~1e-6 relative)."""
    folded = fold_batchnorm(model)
    if channels_last:
        folded = folded.to(memory_format=torch.channels_last)
    return folded


def forward_batch(config: ModelConfig, batch_size: int) -> int:
    """Plates per forward pass: `batch_size` itself for models with batch-wide context scaling (their
    readings depend on the batch, so it is part of what they compute), else at most MICRO_BATCH."""
    return batch_size if config.context_norm == "batch" else min(batch_size, MICRO_BATCH)


def in_passes(forward: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor, size: int) -> torch.Tensor:
    """forward(x) computed `size` rows at a time and concatenated."""
    if len(x) <= size:
        return forward(x)
    return torch.cat([forward(x[i : i + size]) for i in range(0, len(x), size)])


def reader(model: LPRNet, batch_size: int, session=None) -> Callable[[torch.Tensor], torch.Tensor]:
    """x (B, 3, H, W) normalised → logits (B, classes, T), for B up to `batch_size`: the BN-folded
    channels_last copy of `model`, or the ONNX Runtime `session` of its export, run in
    forward_batch() passes. `model` itself is left as it is (its mode included)."""
    if session is None:
        forward = prepare_for_inference(model)
    else:

        def forward(x: torch.Tensor) -> torch.Tensor:
            return torch.from_numpy(session.run(None, {"images": x.contiguous().numpy()})[0])

    # MICRO_BATCH keeps a CPU pass in cache; a GPU wants the whole batch in one pass
    on_gpu = session is None and next(model.parameters()).device.type == "cuda"
    step = batch_size if on_gpu else forward_batch(model.config, batch_size)
    return lambda x: in_passes(forward, x, step)


def ort_session(path: str | Path, threads: int | None = None, config: ModelConfig | None = None):
    """An ONNX Runtime CPU session with full graph optimisation; `threads` sets intra-op threads.

    With `config`, the model must take `images` (B, 3, H, W) at its input size and give `classes`
    logits. Raises DependencyError when onnxruntime is missing, WeightsError naming the file when it
    is missing, not ONNX (wrong, truncated or empty), or does not fit `config`."""
    try:
        import onnxruntime as ort
    except ImportError:
        raise DependencyError("onnxruntime is not installed: pip install 'plategen[export]'") from None
    path = Path(path)
    if not path.is_file():
        raise WeightsError(f"{path}: ONNX model not found")
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    if threads:
        options.intra_op_num_threads = threads
    # ORT's idle workers spin for a while after each run; next to torch's own thread pool (which
    # pre- and post-processing use) they fight for the cores: 8 ms per plate instead of 2 here.
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    try:
        session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    except Exception as exc:  # onnxruntime raises its own Fail/InvalidProtobuf/… types for every bad file
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise WeightsError(f"{path}: not a readable ONNX model ({first})") from None
    if config is not None:
        _check_session(session, path, config)
    return session


def _check_session(session, path: Path, config: ModelConfig) -> None:
    """WeightsError unless `session` reads `images` (B, 3, H, W) and gives (B, classes, T)."""
    w, h = config.input_size
    inputs, outputs = session.get_inputs(), session.get_outputs()
    shape = list(inputs[0].shape) if inputs else []
    if len(inputs) != 1 or inputs[0].name != "images" or shape[1:] != [3, h, w]:
        got = ", ".join(f"{i.name} {i.shape}" for i in inputs) or "none"
        raise WeightsError(
            f"{path}: expected one input 'images' [batch, 3, {h}, {w}] (from `lprtrain export`), got {got}"
        )
    classes = list(outputs[0].shape)[1] if outputs and len(outputs[0].shape) == 3 else None
    if classes != config.num_classes:
        raise WeightsError(
            f"{path}: the model gives {classes} classes, the run's charset needs {config.num_classes}"
        )
