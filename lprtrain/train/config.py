"""`FitConfig`: every training setting, its default, its check and its command-line help, in one place.

A field's `metadata` carries what the CLI needs (`cli.options.config_options` builds `lprtrain fit`
and `lprtrain compare` options from it): `help`, and optionally `option` (the flag's name when it
is not the field's), `choices` and `size` (a WIDTHxHEIGHT option). Settings a user cannot pass on
the command line (`val_split`, `log_every`, …) simply have no help.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from plategen.config import INPUT_SIZE, setting
from plategen.errors import reject_unknown_keys
from plategen.plates.grammar import PLATE_CHARSET

from ..data.augment import AUGMENT_FRAMES
from ..errors import ConfigError
from ..model.lprnet import CONTEXT_NORMS, DECODERS, ModelConfig
from .precision import PRECISIONS
from .schedule import PAPER_MILESTONES, SCHEDULES, Schedule

AUX_MODES = ("alternate", "joint", "off")
LABEL_SOURCES = ("shards", "paper")


@dataclass(frozen=True)
class FitConfig:
    """Training settings; the defaults are the paper's Table 1."""

    epochs: int = setting(10, "Passes over the training data.")
    batch_size: int = setting(256, "Global batch (split over torchrun ranks).")  # split evenly over ranks
    input_size: tuple[int, int] = setting(INPUT_SIZE, "Model input WIDTHxHEIGHT.", size=True)  # (W, H)
    lr: float = setting(1e-3, "Adam learning rate.")
    weight_decay: float = setting(2e-5, "Adam's L2 term.")
    dropout: float = 0.5
    aux: str = setting(
        "alternate",
        "alternate: an MSE step then a CTC step per batch (the paper); joint: CTC + w·MSE; "
        "off: plain LPRNet.",
        choices=AUX_MODES,
    )
    aux_weight: float = setting(1.0, "w in CTC + w·MSE (joint).")
    seed: int = setting(0, "Seed of the initial weights, the batch order and dropout.")
    charset: str | None = None  # None: every plate kind's characters (grammar.PLATE_CHARSET)
    max_steps: int | None = setting(None, "Stop after this many batches in all.")  # counted across resumes
    time_budget_s: float | None = setting(
        None, "Stop once the run has trained SECONDS in all (resumed calls included).", option="time_budget"
    )
    # the split validated on; a source without it is held out by plategen.data.splits' one rule
    val_split: str = "val"
    threads: int | None = setting(None, "torch CPU threads per process.")
    channels_last: bool = True  # measured ~25% faster fwd+bwd on a 2-core CPU too
    device: str | None = setting(None, "Default: cuda if available.", choices=("cpu", "cuda"))
    log_every: int = 10
    augment: bool = setting(
        False,
        "Random affine and brightness jitter of training crops (labels follow): rotation ±4°, slant "
        "±6.8° (shear 0.12), scale ±10 % x / ±12 % y, shift ±4 % of the width / ±10 % of the height.",
    )
    augment_frame: str = setting(
        "pixels",
        "Where --augment's ranges hold: pixels (as stated), or normalised (affine_grid's [-1, 1] frame, "
        "as the shipped reader trained: on 94x24, ±4° reads as ±15° and shear as ±25°).",
        choices=AUGMENT_FRAMES,
    )
    degrade: bool = setting(
        False,
        "Also degrade training crops as cameras and crop tools do: looser or tighter framing, blur, "
        "low resolution, colour casts, noise, JPEG (implies --augment's jitter).",
    )
    resume: bool = setting(
        False,
        "Continue the run in --out from its train_state.pt. Give the options it was started with: "
        "another value is an error naming it (--epochs and --max-steps may extend a run whose "
        "schedule is not cosine).",
    )
    init: str | None = setting(
        None,
        "Start from MODEL: a run folder, model.safetensors or LPRNet_Pytorch .pth (maps charsets).",
    )
    schedule: str = setting(
        "constant",
        "Learning rate: constant, step (the paper code: x0.1 at each --milestones epoch) or cosine.",
        choices=SCHEDULES,
    )
    warmup: int = setting(0, "Steps of linear learning-rate warm-up.")
    milestones: tuple[int, ...] = setting(
        PAPER_MILESTONES, "Epochs of the step schedule, e.g. 4,8.", ints=True
    )
    select_on: str | None = setting(
        None, "Data source whose validation picks the best model (default: the first)."
    )
    decoder: str = setting(
        "ours", "Decoder: ours (narrow, BatchNorm, sigmoid) or paper (the paper code's).", choices=DECODERS
    )
    context_norm: str = setting(
        "sample",
        "Context scaling: sample (per plate) or batch (over the batch, as the paper code).",
        choices=CONTEXT_NORMS,
    )
    labels: str = setting(
        "shards",
        "Image labels: shards (render-labels, at the measured layout) or paper (the paper code's fixed "
        "positions, drawn from the text).",
        choices=LABEL_SOURCES,
    )
    # fp32 by default: a run's figures then do not depend on which CPU trained it (lprtrain.train.precision)
    precision: str = setting(
        "fp32",
        "fp32; bf16: autocast forward passes (CPU with AVX512-BF16/AMX, or CUDA); auto: bf16 where native.",
        choices=PRECISIONS,
    )

    def __post_init__(self) -> None:
        object.__setattr__(self, "input_size", tuple(self.input_size))
        if self.augment_frame not in AUGMENT_FRAMES:
            raise ConfigError(
                f"augment_frame: expected one of {', '.join(AUGMENT_FRAMES)}, got {self.augment_frame!r}"
            )
        for name in ("epochs", "batch_size", "log_every"):
            if not isinstance(getattr(self, name), int) or getattr(self, name) < 1:
                raise ConfigError(f"{name}: expected a positive integer, got {getattr(self, name)!r}")
        for name in ("max_steps", "threads"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, int) or value < 1):
                raise ConfigError(f"{name}: expected a positive integer or None, got {value!r}")
        if not self.lr > 0:
            raise ConfigError(f"lr: expected > 0, got {self.lr}")
        if self.weight_decay < 0 or self.aux_weight < 0:
            field_ = "weight_decay" if self.weight_decay < 0 else "aux_weight"
            raise ConfigError(f"{field_}: expected >= 0, got {getattr(self, field_)}")
        if self.aux not in AUX_MODES:
            raise ConfigError(f"aux: expected one of {', '.join(AUX_MODES)}, got {self.aux!r}")
        if self.time_budget_s is not None and not self.time_budget_s > 0:
            raise ConfigError(f"time_budget_s: expected > 0 seconds, got {self.time_budget_s}")
        if self.device is not None and self.device.split(":")[0] not in ("cpu", "cuda"):
            raise ConfigError(f"device: expected cpu or cuda, got {self.device!r}")
        if self.labels not in LABEL_SOURCES:
            raise ConfigError(f"labels: expected one of {', '.join(LABEL_SOURCES)}, got {self.labels!r}")
        object.__setattr__(self, "milestones", tuple(self.milestones))
        self.lr_schedule()  # checks schedule, warmup and milestones
        if self.precision not in PRECISIONS:
            raise ConfigError(f"precision: expected one of {', '.join(PRECISIONS)}, got {self.precision!r}")
        self.model_config()  # checks charset, input_size, dropout, decoder, context_norm

    def model_config(self) -> ModelConfig:
        return ModelConfig(
            charset=self.charset or PLATE_CHARSET,
            input_size=self.input_size,
            dropout=self.dropout,
            context_norm=self.context_norm,
            decoder=self.decoder,
        )

    def lr_schedule(self) -> Schedule:
        return Schedule(self.schedule, self.lr, self.warmup, self.milestones)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> FitConfig:
        """The config `to_dict` wrote (a run's config.json `fit`). Raises ConfigError naming an
        unknown key (a typo, or a run from a newer version) or a bad value."""
        reject_unknown_keys(cls, d)
        return cls(**d)


# `--preset NAME`: settings that reproduce a reference setup in one flag (options given explicitly win)
PRESETS: dict[str, dict] = {
    # The paper's official code (GENERjia/License-Plate-Recognition-Based-on-Graphically-Supervised-
    # Signal-Assisted-Training): its decoder, batch-wide context scaling, the step schedule at
    # milestones 4, 8, 12, 14, 16, labels at its fixed glyph positions, Table 1's other settings.
    "paper": {
        "aux": "alternate",
        "epochs": 10,
        "batch_size": 256,
        "lr": 1e-3,
        "weight_decay": 2e-5,
        "dropout": 0.5,
        "decoder": "paper",
        "context_norm": "batch",
        "schedule": "step",
        "milestones": PAPER_MILESTONES,
        "warmup": 0,
        "labels": "paper",
    },
}


__all__ = ["AUX_MODES", "PRESETS", "FitConfig", "setting"]
