"""Evaluate an LPRNet on plate data: the paper's accuracy/LCR, Table 2 and Table 4 style rows."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import torch

from plategen.pool import progress_bar

from ..data.plate_data import PlateData, encode_texts
from ..errors import ConfigError
from ..metrics import Metrics, compute
from ..model.decode import greedy_decode
from ..model.inference import reader
from ..model.lprnet import LPRNet
from ..model.preprocess import to_input

# LPRNet_Pytorch's test script reads 100 plates per batch, and its context scaling ("batch"
# context_norm, kept by imported models) depends on the batch; 100 reproduces its published figure.
DEFAULT_BATCH = 100


@dataclass
class EvalReport:
    """Metrics plus every prediction; `.table()` for people, `.to_json()` for tools."""

    metrics: Metrics
    predictions: list[dict] = field(default_factory=list)  # {path, text, pred, confidence}
    seconds: float = 0.0
    top: int = 10
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (path, reason): crops not read

    @property
    def accuracy(self) -> float:
        return self.metrics.counts.accuracy

    def to_json(self) -> dict:
        """Keys: total, correct, accuracy, lcr, tn1, tn2, invalid, wrong_kind, per_kind, per_char,
        per_group, per_subset, confusions, plates_per_s, and skipped ([{path, reason}]) when any crop
        was unreadable."""
        n = self.metrics.counts.total
        out = {**self.metrics.to_dict(self.top), "plates_per_s": n / self.seconds if self.seconds else None}
        if self.skipped:
            out["skipped"] = [{"path": p, "reason": r} for p, r in self.skipped]
        return out

    def table(self) -> str:
        c = self.metrics.counts
        lines = [
            f"plates {c.total}  correct (TP) {c.tp}  TN1 (wrong length) {c.tn1}  "
            f"TN2 (wrong character) {c.tn2}",
            f"accuracy {c.accuracy:.4f}  LCR {c.lcr:.4f}",
            f"readings that are no plate text (invalid) {self.metrics.invalid}  "
            f"valid but of another kind than the plate's {self.metrics.wrong_kind}",
            "",
            f"{'kind':<16}{'plates':>8}{'acc':>8}{'LCR':>8}{'invalid':>9}{'wrong kind':>12}",
        ]
        for name, k in sorted(self.metrics.kinds.items()):
            lines.append(
                f"{name:<16}{k.total:>8}{k.accuracy:>8.4f}{k.lcr:>8.4f}{k.invalid:>9}{k.wrong_kind:>12}"
            )
        if self.metrics.subsets:
            lines += ["", f"{'subset':<16}{'plates':>8}{'acc':>8}{'LCR':>8}"]
            for name, s in sorted(self.metrics.subsets.items()):
                lines.append(f"{name:<16}{s.total:>8}{s.accuracy:>8.4f}{s.lcr:>8.4f}")
        lines += ["", f"{'chars':<10}{'precision':>10}{'recall':>10}{'F1':>8}{'support':>9}"]
        for group, r in self.metrics.per_group().items():
            lines.append(
                f"{group:<10}{r['precision']:>10.4f}{r['recall']:>10.4f}{r['f1']:>8.4f}{r['support']:>9}"
            )
        confusions = self.metrics.top_confusions(self.top)
        if confusions:
            lines += ["", "most frequent confusions (true → predicted, ∅ = none):"]
            lines += [f"  {x['true']} → {x['pred']}  {x['count']}" for x in confusions]
        if self.skipped:
            lines += ["", f"skipped {len(self.skipped)} unreadable crops (not counted above):"]
            lines += [f"  {p}: {r}" for p, r in self.skipped]
        return "\n".join(lines)


def predict_texts(
    model: LPRNet,
    images: torch.Tensor,
    batch_size: int = DEFAULT_BATCH,
    progress: bool = False,
    session=None,
) -> list[tuple[str, float]]:
    """Greedy readings [(text, confidence)] of uint8 (N, H, W, 3) BGR crops, batch by batch.

    Reads with the BN-folded channels_last form of `model` (same outputs to ~1e-6 relative), or with
    the ONNX Runtime `session` of its export (fp32 or int8), in cache-sized forward passes where the
    model's readings don't depend on the batch."""
    if batch_size < 1:
        raise ConfigError(f"batch_size: expected >= 1, got {batch_size}")
    out: list[tuple[str, float]] = []
    read = reader(model, batch_size, session)
    steps = range(0, len(images), batch_size)
    with torch.inference_mode(), progress_bar(len(steps), "eval", "batch", enabled=progress) as bar:
        for i in steps:
            out += greedy_decode(read(to_input(images[i : i + batch_size])), model.config.charset)
            bar.update(1)
    return out


def evaluate(
    model: LPRNet,
    data: PlateData,
    batch_size: int = DEFAULT_BATCH,
    top: int = 10,
    progress: bool = False,
    session=None,
) -> EvalReport:
    """Read every plate of `data` with `model` (or the ONNX Runtime `session` of its export, the model
    then giving the charset) and score the readings.

    Each plate's kind is the one its data gives (`data.kinds`), else the kind its text implies;
    plates whose text no kind accepts are scored under "unknown". Raises CharsetError naming the
    characters when the data uses characters the model's charset lacks (the model could never read
    those plates right).
    """
    encode_texts(data.texts, model.config.charset)
    start = time.perf_counter()
    readings = predict_texts(model, data.images, batch_size, progress, session)
    seconds = time.perf_counter() - start
    preds = [text for text, _ in readings]
    metrics = compute(preds, data.texts, data.subsets, data.kinds)
    paths = data.paths or [None] * len(data)
    rows = [
        {"path": p, "text": t, "pred": r, "confidence": c}
        for p, t, (r, c) in zip(paths, data.texts, readings)
    ]
    return EvalReport(metrics, rows, seconds, top, list(data.skipped))
