"""`fit --init MODEL`: start training from a trained model instead of random weights.

MODEL is a run folder, a `model.safetensors` (config.json beside it) or an LPRNet_Pytorch `.pth`.
Charsets map by character: the class rows of the classifier, its BatchNorm and the 1×1 head (and the
class channels of the context map that the head and the decoder read) are gathered from MODEL for
every character both charsets share; characters only the new charset has keep their fresh rows, and
characters only MODEL has are dropped. The CTC blank maps to the blank.

A model imported from LPRNet_Pytorch scales its context over the whole batch. Fine-tuned here it
becomes per-plate (`context_norm="sample"`): a deployed reader must give one plate the same reading
whatever else is in its batch, and our inference path reads in passes of 32 plates. Both scale
every context map by a positive mean square, so the weights carry over and a few hundred steps
re-tune the head to the per-plate scale.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import torch

from ..errors import WeightsError
from ..model.lprnet import CONTEXT_TAP_CHANNELS, LPRNet, ModelConfig
from ..model.run import DECODER_FILE, load_model, read_safetensors

# Keys whose axis 0 runs over the classes (the last conv of the backbone, its BN, the 1×1 head).
CLASS_ROWS = (
    "backbone.20.weight",
    "backbone.20.bias",
    "backbone.21.weight",
    "backbone.21.bias",
    "backbone.21.running_mean",
    "backbone.21.running_var",
    "container.0.weight",
    "container.0.bias",
)
CONTEXT_INPUT = {"container.0.weight": 1}  # key → axis that runs over the context channels


@dataclass
class WarmStart:
    """What `--init` loads: LPRNet weights for the new charset, the decoder's if MODEL had one."""

    source: Path
    lprnet: dict[str, torch.Tensor]
    decoder: dict[str, torch.Tensor] | None
    mapped: str  # characters taken from MODEL
    added: str  # characters that start fresh
    dropped: str  # MODEL's characters the new charset lacks
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        lines = [
            f"init from {self.source}: {len(self.mapped)} characters mapped, {len(self.added)} new "
            f"(fresh rows){': ' + self.added if self.added else ''}, {len(self.dropped)} dropped"
            f"{': ' + self.dropped if self.dropped else ''}",
            f"  decoder: {'from MODEL' if self.decoder is not None else 'fresh'}",
        ]
        return "\n".join(lines + [f"  {n}" for n in self.notes])


def class_index(old: str, new: str) -> tuple[torch.Tensor, torch.Tensor]:
    """(rows of the new model, rows of the old model) that hold the same character; blank to blank."""
    pos = {c: i for i, c in enumerate(old)}
    pairs = [(i, pos[c]) for i, c in enumerate(new) if c in pos] + [(len(new), len(old))]
    new_rows, old_rows = zip(*pairs)
    return torch.tensor(new_rows), torch.tensor(old_rows)


def map_state(
    old: dict[str, torch.Tensor],
    fresh: dict[str, torch.Tensor],
    old_charset: str,
    new_charset: str,
    context_axes: dict[str, int],
    source: str | Path,
) -> dict[str, torch.Tensor]:
    """`fresh` with every tensor of `old` copied in; class axes gathered by character.

    Raises WeightsError naming the key when a tensor is missing or its shape cannot map."""
    new_rows, old_rows = class_index(old_charset, new_charset)
    taps = CONTEXT_TAP_CHANNELS  # the context rows before the per-class ones
    ctx = (torch.cat([torch.arange(taps), taps + new_rows]), torch.cat([torch.arange(taps), taps + old_rows]))
    out = {}
    for key, target in fresh.items():
        if key not in old:
            raise WeightsError(f"{source}: key {key!r} missing; not an LPRNet of this architecture")
        value = old[key]
        axes = {0: (new_rows, old_rows)} if key in CLASS_ROWS else {}
        if key in context_axes:
            axes[context_axes[key]] = ctx
        if key.endswith("num_batches_tracked") or not axes:
            if tuple(value.shape) != tuple(target.shape):
                raise WeightsError(
                    f"{source}: key {key!r}: MODEL has shape {tuple(value.shape)}, "
                    f"this model needs {tuple(target.shape)}"
                )
            out[key] = value.clone()
        else:
            out[key] = _gather(value, target, axes)
    _quiet_new_classes(out, old, new_rows, old_rows, len(new_charset))
    return out


def _quiet_new_classes(
    out: dict[str, torch.Tensor], old: dict, new_rows: torch.Tensor, old_rows: torch.Tensor, classes: int
) -> None:
    """Start the characters MODEL lacks so that they change nothing MODEL already reads.

    Fresh random rows would: the class map feeds the context, which each plate's context scaling
    divides by its mean square, so a few random class channels rescale every logit (mapping the
    published LPRNet weights onto 72 characters read 4 % of real-crops instead of 50 % before a
    step). Instead each new class channel in the backbone copies an existing character's (so the
    context keeps its statistics), the head ignores the new context channels, and the head's new
    rows output a logit far below every other, so nothing reads as a new character until trained.
    """
    mapped = set(new_rows.tolist())
    added = [i for i in range(classes) if i not in mapped]
    if not added or "container.0.weight" not in out:
        return
    donors = [o for n, o in zip(new_rows.tolist(), old_rows.tolist()) if n < classes]  # not the blank
    for k, row in enumerate(added):
        donor = donors[k % len(donors)]
        for key in CLASS_ROWS[:6]:
            if key in out and key in old:
                out[key][row] = old[key][donor]
    head, bias = out["container.0.weight"], out["container.0.bias"]
    taps = CONTEXT_TAP_CHANNELS
    for row in added:
        head[:, taps + row] = 0  # no class reads the new channels
        head[row] = 0
        bias[row] = bias[[r for r in range(head.shape[0]) if r not in added]].min() - 10


def _gather(value: torch.Tensor, target: torch.Tensor, axes: dict[int, tuple]) -> torch.Tensor:
    """`target` with value[old indices] written at [new indices] along one or both leading axes."""
    result = target.clone()
    if len(axes) == 2:  # (classes, context channels, 1, 1): the 1×1 head
        (n0, o0), (n1, o1) = axes[0], axes[1]
        result[n0[:, None], n1[None, :]] = value[o0[:, None], o1[None, :]]
    else:
        ((axis, (n, o)),) = axes.items()
        result.index_copy_(axis, n, value.index_select(axis, o))
    return result


def warm_start(
    source: str | Path, config: ModelConfig, fresh: LPRNet, fresh_decoder: torch.nn.Module | None
) -> WarmStart:
    """Map MODEL's weights onto `fresh` (and `fresh_decoder`, when MODEL kept one that fits).

    Raises WeightsError/RunError naming the file for a file that is not a model, and WeightsError
    when the charsets share no character or a tensor's shape cannot map."""
    source = Path(source)
    old = load_model(source)
    old_charset, new_charset = old.config.charset, config.charset
    shared = [c for c in new_charset if c in old_charset]
    if not shared:
        raise WeightsError(
            f"{source}: its charset ({old_charset!r}) shares no character with this model's "
            f"({new_charset!r}); nothing can map"
        )
    lprnet = map_state(old.state_dict(), fresh.state_dict(), old_charset, new_charset, CONTEXT_INPUT, source)
    start = WarmStart(
        source,
        lprnet,
        None,
        "".join(shared),
        "".join(c for c in new_charset if c not in old_charset),
        "".join(c for c in old_charset if c not in new_charset),
    )
    if old.config.context_norm == "batch" and config.context_norm == "sample":
        start.notes.append(
            "context scaling: batch-wide in MODEL, per plate here (see lprtrain.train.warm_start)"
        )
    if fresh_decoder is not None:
        start.decoder = _decoder_state(source, fresh_decoder, old_charset, new_charset, start.notes)
    return start


def _decoder_state(
    source: Path, fresh: torch.nn.Module, old_charset: str, new_charset: str, notes: list[str]
) -> dict[str, torch.Tensor] | None:
    run = source if source.is_dir() else source.parent
    path = run / DECODER_FILE
    if source.suffix == ".pth" or not path.is_file():  # LPRNet_Pytorch files carry no decoder
        return None
    first = next(k for k, v in fresh.state_dict().items() if v.dim() == 4)  # the layer reading the context
    try:
        return map_state(
            read_safetensors(path), fresh.state_dict(), old_charset, new_charset, {first: 0}, path
        )
    except WeightsError as exc:
        notes.append(f"decoder: MODEL's does not fit this one, so it starts fresh ({exc})")
        return None


__all__ = ["WarmStart", "warm_start", "map_state", "class_index"]
