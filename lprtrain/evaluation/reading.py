"""What one reading says about its crop: whether its text is a plate text at all (the GA 36 grammar,
`plategen.plates.grammar`), of which kind, and whether to take the crop for a plate.

A reader always emits some text, even for a wall or a black frame; the grammar and the confidence
together tell a plate from a non-plate (`benchmarks/nonplate.py` measures how well).
"""

from __future__ import annotations

from dataclasses import dataclass

from plategen.plates.grammar import KINDS, accepting_kinds

from ..errors import ConfigError

# The plate rule: a reading is taken for a plate when the grammar accepts its text and its confidence
# is at least this. The grammar alone lets through a few per cent of noise crops (a reader's prior
# spells plate-like texts), but at confidences orders of magnitude below those of right readings of
# real plates; the value sits between the two, chosen with benchmarks/nonplate.py on the shipped
# reader (its figures are in the model card). Another model may want another value
# (`lprtrain predict --min-confidence`).
PLATE_MIN_CONFIDENCE = 0.01


def check_min_confidence(value: float) -> float:
    """`value` itself. Raises ConfigError naming min_confidence when it is not in [0, 1]."""
    if not 0.0 <= value <= 1.0:
        raise ConfigError(f"min_confidence: {value!r} must be in [0, 1]")
    return value


@dataclass(frozen=True)
class Reading:
    """A reader's text for one crop and the probability of its best CTC path; `rows` 2 when the crop
    was read with its two rows side by side (`plategen.plates.rows`)."""

    text: str
    confidence: float
    rows: int = 1

    @property
    def kind(self) -> str | None:
        """The kind the text implies (the first of `grammar.accepting_kinds`: blue for blue/yellow
        texts), or None when no kind accepts it. A two-row reading takes a two-row kind (yellow-rear,
        trailer): a blue plate never has two rows, so a text only one-row kinds accept is invalid
        there. A crop read as it is may still be a two-row plate squeezed, so any kind may take it."""
        kinds = accepting_kinds(self.text)
        if self.rows == 2:
            kinds = tuple(k for k in kinds if KINDS[k].rows == 2)
        return kinds[0] if kinds else None

    @property
    def valid(self) -> bool:
        """Whether some plate kind accepts the text."""
        return self.kind is not None

    def is_plate(self, min_confidence: float = PLATE_MIN_CONFIDENCE) -> bool:
        """The plate rule: a valid text, read with at least `min_confidence`."""
        return self.valid and self.confidence >= min_confidence

    def to_dict(self, min_confidence: float = PLATE_MIN_CONFIDENCE) -> dict:
        """{text, confidence, valid, kind, plate}: `predict --json`'s fields after the path."""
        return {
            "text": self.text,
            "confidence": self.confidence,
            "valid": self.valid,
            "kind": self.kind,
            "plate": self.is_plate(min_confidence),
        }


__all__ = ["PLATE_MIN_CONFIDENCE", "Reading", "check_min_confidence"]
