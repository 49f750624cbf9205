"""Learning-rate schedules: a pure `lr_at(step)` of the step, the epoch length and the run's length.

    constant  the base rate throughout (after warm-up)
    step      the paper's code (LPRNet_Pytorch `adjust_learning_rate`): × 0.1 per milestone epoch passed
    cosine    half a cosine from the base rate down to `min_factor` × base over the whole run

`warmup_steps` ramps any of them linearly from base/warmup to base over the first steps, as the
peer tools (fast-plate-ocr, PaddleOCR) do for Adam on small batches.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..errors import ConfigError

SCHEDULES = ("constant", "step", "cosine")
PAPER_MILESTONES = (4, 8, 12, 14, 16)  # epochs; the paper's code (its `--lr_schedule` default)


@dataclass(frozen=True)
class Schedule:
    """How the learning rate moves. Milestones are in epochs, as in the paper's code."""

    kind: str = "constant"
    base_lr: float = 1e-3
    warmup_steps: int = 0
    milestones: tuple[int, ...] = PAPER_MILESTONES
    min_factor: float = 0.01  # cosine ends at base × this, so the last steps still learn a little

    def __post_init__(self) -> None:
        object.__setattr__(self, "milestones", tuple(self.milestones))
        if self.kind not in SCHEDULES:
            raise ConfigError(f"schedule: expected one of {', '.join(SCHEDULES)}, got {self.kind!r}")
        if not isinstance(self.warmup_steps, int) or self.warmup_steps < 0:
            raise ConfigError(f"warmup: expected a whole number of steps >= 0, got {self.warmup_steps!r}")
        if any(not isinstance(m, int) or m < 1 for m in self.milestones) or list(self.milestones) != sorted(
            set(self.milestones)
        ):
            raise ConfigError(f"milestones: expected increasing epochs >= 1, got {list(self.milestones)}")
        if not 0 <= self.min_factor <= 1:
            raise ConfigError(f"min_factor: expected 0 <= min_factor <= 1, got {self.min_factor}")

    def lr_at(self, step: int, steps_per_epoch: int, total_steps: int) -> float:
        """The rate for optimizer step `step` (0-based) of a run of `total_steps` steps."""
        if step < self.warmup_steps:
            return self.base_lr * (step + 1) / self.warmup_steps
        if self.kind == "step":
            return self.base_lr * _paper_factor(step // max(steps_per_epoch, 1), self.milestones)
        if self.kind == "cosine":
            span = max(total_steps - self.warmup_steps, 1)
            t = min((step - self.warmup_steps) / span, 1.0)
            return self.base_lr * (
                self.min_factor + (1 - self.min_factor) * 0.5 * (1 + math.cos(math.pi * t))
            )
        return self.base_lr


def run_steps(epochs: int, max_steps: int | None, steps_per_epoch: int) -> int:
    """Steps in a run (the `total_steps` of `lr_at`): its epochs, cut short by max_steps."""
    total = epochs * steps_per_epoch
    return min(total, max_steps) if max_steps else total


def _paper_factor(epoch: int, milestones: tuple[int, ...]) -> float:
    """0.1 ** (milestones passed). Reproduces the paper's code exactly, including its quirk: past the
    last milestone the loop finds no stage and the rate goes back to the base rate."""
    for i, milestone in enumerate(milestones):
        if epoch < milestone:
            return 0.1**i
    return 1.0


__all__ = ["SCHEDULES", "PAPER_MILESTONES", "Schedule", "run_steps"]
