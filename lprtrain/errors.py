"""The lprtrain error hierarchy (importable without torch).

A bad setting is plategen's `ConfigError`, re-exported here: one class for every stage's config, so
`except ConfigError` catches a bad `CropConfig` and a bad `FitConfig` alike. It is a PlategenError
and a ValueError, not an LprtrainError.
"""

from __future__ import annotations

from plategen.errors import ConfigError


class LprtrainError(Exception):
    """Base class of every error lprtrain raises on bad input, except a bad setting (ConfigError)."""


class WeightsError(LprtrainError):
    """A weights file is missing, unsafe to load, or does not fit the model (names key and shapes)."""


class CharsetError(LprtrainError):
    """Data contains characters the model's charset lacks (names the characters)."""


class RunError(LprtrainError):
    """A run folder is missing files or is incompatible with the requested operation."""


class TrainingError(LprtrainError):
    """Training cannot go on: a NaN loss (names the step) or labels longer than the CTC can emit."""


class DependencyError(LprtrainError):
    """An optional dependency is missing; the message names the pip extra to install."""


class QuantizationError(LprtrainError):
    """An int8 model reads worse than its fp32 model by more than allowed (names the loss and data)."""


class NothingToRead(LprtrainError):
    """The inputs given to read hold nothing that could be read (names them, and why)."""


__all__ = [
    "LprtrainError",
    "ConfigError",
    "WeightsError",
    "CharsetError",
    "RunError",
    "TrainingError",
    "DependencyError",
    "NothingToRead",
    "QuantizationError",
]
