"""Convert a LPRNet_Pytorch checkpoint (legacy torch.save, possibly CUDA tensors) into a run folder."""

from __future__ import annotations

from pathlib import Path

from ..model.lprnet import LPRNET_PYTORCH_CHARSET
from ..model.run import lprnet_pytorch_model, save_run
from ..train.provenance import identity


def import_pretrained(pth: str | Path, out: str | Path, charset: str = LPRNET_PYTORCH_CHARSET) -> Path:
    """Write RUN = `out` (model.safetensors + config.json) from an LPRNet_Pytorch `.pth`.

    The file is read with weights_only=True; one that needs arbitrary pickle is refused. The model
    keeps that code's batch-wide context scaling (context_norm="batch"), so evaluating at its batch
    size of 100 reproduces its published figures. Raises WeightsError naming the file (and, for a
    shape mismatch, the key and both shapes, e.g. when `charset` has the wrong number of classes).
    """
    pth = Path(pth)
    model = lprnet_pytorch_model(pth, charset)
    source = {"format": "LPRNet_Pytorch", **identity(pth)}  # its name and hash, not a local path
    return save_run(out, model, {"source": source, "imported": True})
