"""Training data on the device: a split held as uint8 tensors with padded CTC targets, sliced into
batches by index_select, and the checks its texts must pass first (charset, CTC length)."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from ..errors import TrainingError
from ..model.lprnet import ModelConfig, time_steps
from ..model.preprocess import to_input
from .augment import augment_batch
from .plate_data import PlateData, encode_texts


@dataclass
class Batch:
    x: torch.Tensor  # (B, 3, H, W) float, normalised
    label: torch.Tensor | None  # (B, 1, h, w) float in [0, 1]
    targets: torch.Tensor  # (B, S) class indices, padded
    lengths: torch.Tensor  # (B,)


class TrainTensors:
    """A split held as uint8 tensors plus padded CTC targets; a batch is one index_select each."""

    def __init__(
        self,
        images: torch.Tensor,
        labels: torch.Tensor | None,
        texts: list[str],
        charset: str,
        device: torch.device,
        channels_last: bool,
        augment: bool = False,
        degrade: bool = False,
        frame: str = "pixels",
    ) -> None:
        flat, lengths = encode_texts(texts, charset)
        targets = torch.zeros(len(texts), max(int(lengths.max()), 1), dtype=torch.long)
        mask = torch.arange(targets.shape[1]) < lengths[:, None]
        targets[mask] = flat
        self.images, self.targets, self.lengths = images.to(device), targets.to(device), lengths.to(device)
        self.labels = labels.to(device) if labels is not None else None
        self.device, self.channels_last, self.augment = device, channels_last, augment
        self.degrade, self.frame = degrade, frame

    def __len__(self) -> int:
        return len(self.lengths)

    def batch(self, idx: torch.Tensor) -> Batch:
        idx = idx.to(self.device)
        x = to_input(self.images.index_select(0, idx))
        label = None
        if self.labels is not None:
            label = self.labels.index_select(0, idx).unsqueeze(1).float().div_(255.0)
        if self.augment or self.degrade:
            x, label = augment_batch(x, label, self.degrade, self.frame)
        if self.channels_last:
            x = x.contiguous(memory_format=torch.channels_last)
        return Batch(x, label, self.targets.index_select(0, idx), self.lengths.index_select(0, idx))


@dataclass(frozen=True)
class TensorOptions:
    """How training batches are made (`lprtrain.train.config.FitConfig`'s fields of the same names)."""

    labels: bool = True  # keep the image labels (False: --aux off)
    channels_last: bool = True
    augment: bool = False
    degrade: bool = False
    frame: str = "pixels"  # augment_frame


def training_tensors(
    train: PlateData,
    vals: dict[str, PlateData],
    mc: ModelConfig,
    device: torch.device,
    options: TensorOptions,
) -> tuple[TrainTensors, dict[str, tuple[TrainTensors, list[str]]]]:
    """The training samples, and each source's validation samples with their texts, on `device`, once
    every text fits the model's charset and CTC. Raises CharsetError or TrainingError naming the text."""
    texts = train.texts + [t for v in vals.values() for t in v.texts]
    check_ctc_lengths(texts, mc)
    o = options
    labels = train.labels if o.labels else None
    tensors = TrainTensors(
        train.images, labels, train.texts, mc.charset, device, o.channels_last, o.augment, o.degrade, o.frame
    )
    held = {
        name: (TrainTensors(v.images, None, v.texts, mc.charset, device, o.channels_last), v.texts)
        for name, v in vals.items()
    }
    return tensors, held


def check_ctc_lengths(texts: list[str], mc: ModelConfig) -> None:
    """CTC can emit a text only if the model's T ≥ its length plus one blank between each pair of
    equal neighbours. Raises TrainingError naming the worst text and the lengths."""
    t, input_size = time_steps(mc), mc.input_size

    def need(text: str) -> int:
        return len(text) + sum(a == b for a, b in zip(text, text[1:]))

    worst = max(set(texts), key=need, default=None)
    if worst is not None and need(worst) > t:
        bad = sum(need(s) > t for s in texts)
        raise TrainingError(
            f"text {worst!r} needs {need(worst)} CTC time steps ({len(worst)} characters + "
            f"{need(worst) - len(worst)} repeated neighbours) but input size {input_size[0]}x{input_size[1]} "
            f"gives only T={t} ({bad} of {len(texts)} texts are too long); use a wider input size"
        )


__all__ = ["Batch", "TensorOptions", "TrainTensors", "training_tensors", "check_ctc_lengths"]
