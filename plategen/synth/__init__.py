"""`plategen synth`: synthetic CCPD photos whose names are true annotations: a flat plate (`plate`)
warped into a street scene (`scene`), many at once (`stage`)."""

from .stage import SynthConfig, SynthReport, synthesize

__all__ = ["SynthConfig", "SynthReport", "synthesize"]
