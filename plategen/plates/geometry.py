"""GA 36-2018 plate geometry in millimetres: the one table that alignment templates (`spans`) and
synthesis (`plate_render`) both read.

- Blue small-car plate (7 characters): 440×140, characters 45×90, 12 mm gaps, 34 mm between the 2nd
  and 3rd character (the separator dot sits there), 15.5 mm side margins.
- Green small new-energy plate (8 characters): 480×140, characters 43×90, 9 mm gaps, 51 mm between
  the 2nd and 3rd character (no dot; the separator holds the plate's emblem), 15.5 mm side margins.

The green spacing is our reading of the standard's figure: 43 mm glyphs, 9 mm gaps and the blue
plate's 15.5 mm margins leave exactly 51 mm for the separator in a 480 mm plate. (Older code here
also had 45 mm province and letter glyphs with a 49 mm separator; that did not add up to the width
with 15.5 mm margins.) `tests/plategen/test_geometry.py` checks each row adds up to its width.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PlateGeometry:
    """One plate layout in millimetres; characters all share `char_size`."""

    name: str
    width: float
    height: float
    char_size: tuple[float, float]  # (w, h)
    gaps: tuple[float, ...]  # between consecutive characters
    margin: float  # left and right, outline to the first/last glyph

    @property
    def length(self) -> int:
        return len(self.gaps) + 1

    @property
    def char_top(self) -> float:
        return (self.height - self.char_size[1]) / 2

    @property
    def char_x(self) -> tuple[float, ...]:
        """Left edge of each character."""
        xs, x = [self.margin], self.margin
        for gap in self.gaps:
            x += self.char_size[0] + gap
            xs.append(x)
        return tuple(xs)

    @property
    def dot_x(self) -> float:
        """Centre of the widest gap, where the separator sits."""
        i = max(range(len(self.gaps)), key=lambda k: self.gaps[k])
        return self.char_x[i] + self.char_size[0] + self.gaps[i] / 2

    def total(self) -> float:
        """Margins + glyphs + gaps: equals `width` for a consistent row."""
        return 2 * self.margin + self.length * self.char_size[0] + sum(self.gaps)


# GA 36-2014 Figure 1: small car, large-car front, coach, consulate, Hong Kong/Macau.
BLUE = PlateGeometry("GA 36-2018 blue plate", 440, 140, (45, 90), (12, 34, 12, 12, 12, 12), 15.5)
# Figure 2: 使, the embassy's 3-digit number, the separator, a 3-digit serial.
EMBASSY = PlateGeometry("GA 36-2014 embassy plate", 440, 140, (45, 90), (12, 12, 12, 34, 12, 12), 15.5)
# Figure 3: police front; the separator (10 + 14 + 10 mm) follows the province.
POLICE = PlateGeometry("GA 36-2014 police plate", 440, 140, (45, 90), (34, 12, 12, 12, 12, 12), 15.5)
GREEN = PlateGeometry("GA 36-2018 new-energy plate", 480, 140, (43, 90), (9, 51, 9, 9, 9, 9, 9), 15.5)

__all__ = ["PlateGeometry", "BLUE", "EMBASSY", "POLICE", "GREEN"]
