"""The pieces of one training step: the two losses, the three schedules (alternate / joint / off),
and validation by greedy decoding. Batches come from `lprtrain.data.tensors`."""

from __future__ import annotations

import contextlib
from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import nn

from ..data.tensors import Batch, TrainTensors
from ..metrics import Counts, outcome
from ..model.decode import collapse
from ..model.inference import reader
from ..model.lprnet import LPRNet


def ctc_loss(logits: torch.Tensor, batch: Batch, blank: int) -> torch.Tensor:
    log_probs = logits.float().permute(2, 0, 1).log_softmax(dim=2)  # (T, B, classes)
    t, b = log_probs.shape[:2]
    input_lengths = torch.full((b,), t, dtype=torch.long, device=log_probs.device)
    return F.ctc_loss(log_probs, batch.targets, input_lengths, batch.lengths, blank=blank, reduction="mean")


def mse_loss(pred: torch.Tensor, batch: Batch) -> torch.Tensor:
    return F.mse_loss(pred.float(), batch.label)


# check(losses) all-reduces the loss values and notes a NaN/inf, on the device (fit reads it at log steps)
Check = Callable[[dict[str, torch.Tensor]], dict[str, torch.Tensor]]


def _optimize(
    opt: torch.optim.Optimizer, loss: torch.Tensor, losses: dict, check: Check
) -> dict[str, torch.Tensor]:
    values = check(losses)  # collective: every rank averages the same values
    opt.zero_grad(set_to_none=True)  # None grads: Adam leaves the other head's parameters alone
    loss.backward()
    opt.step()
    return values


def train_step(
    net: nn.Module,
    opt: torch.optim.Optimizer,
    batch: Batch,
    aux: str,
    aux_weight: float,
    blank: int,
    check: Check,
    autocast: Callable[[], contextlib.AbstractContextManager] = contextlib.nullcontext,
) -> dict[str, torch.Tensor]:
    """One batch. alternate: an optimizer step on MSE, then one on CTC, same data (the paper's Fig. 5);
    joint: one step on CTC + w·MSE; off: one step on CTC. Returns the (rank-averaged) losses, on the device.
    The forward passes run under `autocast()` (bf16: `lprtrain.train.precision`); the losses in fp32."""

    def forward(heads: str) -> tuple[torch.Tensor, torch.Tensor]:
        with autocast():
            return net(batch.x, heads)

    if aux == "alternate":
        mse = mse_loss(forward("mse")[1], batch)
        out = _optimize(opt, mse, {"mse": mse}, check)
        ctc = ctc_loss(forward("ctc")[0], batch, blank)
        return {**out, **_optimize(opt, ctc, {"ctc": ctc}, check)}
    if aux == "joint":
        logits, pred = forward("joint")
        ctc, mse = ctc_loss(logits, batch, blank), mse_loss(pred, batch)
        return _optimize(opt, ctc + aux_weight * mse, {"ctc": ctc, "mse": mse}, check)
    ctc = ctc_loss(forward("ctc")[0], batch, blank)
    return _optimize(opt, ctc, {"ctc": ctc}, check)


def train_batch(
    net: nn.Module,
    opt: torch.optim.Optimizer,
    data: TrainTensors,
    rows: torch.Tensor,
    lr: float,
    aux: str,
    aux_weight: float,
    blank: int,
    check: Check,
    autocast: Callable[[], contextlib.AbstractContextManager] = contextlib.nullcontext,
) -> dict[str, torch.Tensor]:
    """`train_step` on the batch `rows` of `data`, at learning rate `lr`; returns its losses."""
    for group in opt.param_groups:
        group["lr"] = lr
    return train_step(net, opt, data.batch(rows), aux, aux_weight, blank, check, autocast)


# Validation passes: large, since a plate's reading does not depend on its batch-mates (except under
# the paper code's batch-wide context scaling, which keeps the training batch).
VAL_BATCH = 1024


@torch.no_grad()
def validate(lprnet: LPRNet, data: TrainTensors, texts: list[str], batch_size: int) -> dict:
    """The paper's accuracy and LCR on `data` (counted by `lprtrain.metrics`). The best class per
    time step stays on the device until every pass is done: one copy to the host, not one per pass."""
    if lprnet.config.context_norm != "batch":
        batch_size = max(batch_size, VAL_BATCH)
    read = reader(lprnet, batch_size)  # a folded eval-mode copy: lprnet stays in training mode
    best = [
        read(data.batch(torch.arange(start, min(start + batch_size, len(data)))).x).argmax(dim=1)
        for start in range(0, len(data), batch_size)
    ]  # each (b, T)
    preds = collapse(torch.cat(best), lprnet.config.charset)
    counts = Counts()
    for p, t in zip(preds, texts):
        counts.add(outcome(p, t))
    return {**counts.to_dict(), "tp": counts.tp}
