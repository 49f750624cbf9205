"""The lprtrain error hierarchy (importable without torch)."""

from __future__ import annotations


class LprtrainError(Exception):
    """Base class of every error lprtrain raises on bad input."""


class ConfigError(LprtrainError, ValueError):
    """A training or model setting is out of range; the message names the field."""


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
