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
from typing import Protocol, runtime_checkable

Box = tuple[float, float, float, float]  # (x, y, w, h) in millimetres


@runtime_checkable
class PlateLayout(Protocol):
    """A plate's layout in millimetres, one row (`PlateGeometry`) or two (`TwoRowGeometry`).

    Everything but `line` describes the metal plate, as synthesis draws it; `line` is the one row of
    characters the model reads of it (the plate itself for one row; the rows side by side for two),
    the layout align and render-labels use. A kind holds both: `PlateKind.plate` and `.line`.
    """

    @property
    def name(self) -> str: ...

    @property
    def width(self) -> float: ...  # the outline

    @property
    def height(self) -> float: ...

    @property
    def length(self) -> int: ...  # characters, all rows together

    @property
    def rows(self) -> int: ...

    @property
    def dot(self) -> tuple[float, float]: ...  # the separator's centre (x, y)

    @property
    def dot_x(self) -> float: ...

    def boxes(self) -> tuple[Box, ...]: ...  # each character's box on the plate, in reading order

    def line(self) -> PlateGeometry: ...


@dataclass(frozen=True)
class PlateGeometry:
    """One row of characters in millimetres; characters all share `char_size`. A one-row plate's
    layout (`PlateLayout`), and the line the model reads of any plate."""

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

    def boxes(self) -> tuple[Box, ...]:
        """Each character's box (x, y, w, h) on the plate."""
        w, h = self.char_size
        return tuple((x, self.char_top, w, h) for x in self.char_x)

    @property
    def dot(self) -> tuple[float, float]:
        """(x, y) of the separator's centre."""
        return self.dot_x, self.height / 2

    @property
    def rows(self) -> int:
        return 1

    def line(self) -> PlateGeometry:
        """The line the model reads: one row is itself."""
        return self


@dataclass(frozen=True)
class TwoRowGeometry:
    """A two-row plate (GA 36-2014 Figure 5, a `PlateLayout`) in millimetres: province and issuing
    letter on a short top row, the serial on a tall bottom row. Each row is a `PlateGeometry` as wide
    as the plate, whose characters' top edge is the matching `row_tops` entry.

    LPRNet reads one line, so a reader cuts the plate between the rows and sets them side by side
    (`plategen.plates.rows.unfold`): the top row, trimmed to `top_span` of the width, is scaled to the
    bottom row's height and squeezed so its glyphs take the bottom glyphs' proportions. `line` is the
    layout that makes of a plate cropped to its outline: the line the model reads, the layout align
    and render-labels use.
    """

    name: str
    width: float
    height: float
    top: PlateGeometry
    bottom: PlateGeometry
    row_tops: tuple[float, float]
    cut: float  # the middle of the gap between the rows: where a reader cuts them apart
    top_span: tuple[float, float]  # the part of the top row's width a reader keeps, as fractions

    @property
    def length(self) -> int:
        return self.top.length + self.bottom.length

    @property
    def rows(self) -> int:
        return 2

    def boxes(self) -> tuple[Box, ...]:
        return tuple(
            (x, top + y, w, h)
            for row, top in zip((self.top, self.bottom), self.row_tops)
            for x, y, w, h in row.boxes()
        )

    @property
    def dot(self) -> tuple[float, float]:
        """The separator sits on the top row, between the province and the letter."""
        return self.top.dot_x, self.row_tops[0] + self.top.char_size[1] / 2

    @property
    def dot_x(self) -> float:
        return self.dot[0]

    @property
    def squeeze(self) -> float:
        """The top row's extra horizontal scale that gives its glyphs the bottom glyphs' aspect."""
        (tw, th), (bw, bh) = self.top.char_size, self.bottom.char_size
        return (bw / bh) / (tw / th)

    @property
    def top_scale(self) -> tuple[float, float]:
        """(x, y) scale of the top row set beside the bottom one: its band brought to the bottom
        band's height, then squeezed (`squeeze`). Shared by `line` and `rows.unfold`."""
        scale_y = (self.height - self.cut) / self.cut
        return scale_y * self.squeeze, scale_y

    def line(self) -> PlateGeometry:
        """The two rows side by side as `rows.unfold` sets them, in the bottom row's millimetres: one
        layout with the mean glyph size of both rows, characters centred where unfold puts them."""
        band = self.height - self.cut
        scale_x, scale_y = self.top_scale
        left = self.top_span[0] * self.width
        top_width = (self.top_span[1] - self.top_span[0]) * self.width * scale_x
        boxes = [
            ((x - left) * scale_x, y * scale_y, w * scale_x, h * scale_y) for x, y, w, h in self.top.boxes()
        ]
        boxes += [(top_width + x, self.row_tops[1] - self.cut, w, h) for x, _, w, h in self.bottom.boxes()]
        cw = sum(b[2] for b in boxes) / len(boxes)
        ch = sum(b[3] for b in boxes) / len(boxes)
        lefts = [x + w / 2 - cw / 2 for x, _, w, _ in boxes]
        gaps = tuple(round(b - a - cw, 3) for a, b in zip(lefts, lefts[1:]))
        width, size = round(top_width + self.width, 3), (round(cw, 3), round(ch, 3))
        return PlateGeometry(f"{self.name}, rows side by side", width, band, size, gaps, round(lefts[0], 3))


# GA 36-2014 Figure 1: small car, large-car front, coach, consulate, Hong Kong/Macau.
BLUE = PlateGeometry("GA 36-2018 blue plate", 440, 140, (45, 90), (12, 34, 12, 12, 12, 12), 15.5)
# Figure 2: 使, the embassy's 3-digit number, the separator, a 3-digit serial.
EMBASSY = PlateGeometry("GA 36-2014 embassy plate", 440, 140, (45, 90), (12, 12, 12, 34, 12, 12), 15.5)
# Figure 3: police front; the separator (10 + 14 + 10 mm) follows the province.
POLICE = PlateGeometry("GA 36-2014 police plate", 440, 140, (45, 90), (34, 12, 12, 12, 12, 12), 15.5)
GREEN = PlateGeometry("GA 36-2018 new-energy plate", 480, 140, (43, 90), (9, 51, 9, 9, 9, 9, 9), 15.5)
# Figure 5: large-vehicle rear and trailer plates, 440×220. Top row: 80×60 glyphs 15 mm from the
# top, 110 mm margins, 25 + 10 + 25 mm around the dot. Bottom row: 65×110 glyphs 15 mm below the top
# row, 15 mm gaps, 27.5 mm margins. The cut, 82.5 mm, is the middle of the 15 mm between the rows
# (HyperLPR3 cuts at 40 % of the height, 88 mm); a reader keeps 15-85 % of the top row's width
# (its glyphs span 25-75 % of the plate; a crop's slack and yaw move them).
TWO_ROW = TwoRowGeometry(
    "GA 36-2014 two-row plate",
    440,
    220,
    PlateGeometry("GA 36-2014 two-row plate, top row", 440, 60, (80, 60), (60,), 110),
    PlateGeometry("GA 36-2014 two-row plate, bottom row", 440, 110, (65, 110), (15, 15, 15, 15), 27.5),
    (15, 90),
    82.5,
    (0.15, 0.85),
)

__all__ = ["PlateLayout", "PlateGeometry", "TwoRowGeometry", "BLUE", "EMBASSY", "POLICE", "GREEN", "TWO_ROW"]
