"""The GA 36-2018 table: each row adds up to its plate width, and both of its users read it."""

from __future__ import annotations

import pytest

from plategen.align import spans
from plategen.plates import geometry
from plategen.plates.geometry import BLUE, GREEN
from plategen.plates.grammar import STANDARDS
from plategen.synth import plate as plate_render


@pytest.mark.parametrize(
    "plate, width, length, glyph, gap, separator",
    [(BLUE, 440, 7, 45, 12, 34), (GREEN, 480, 8, 43, 9, 51)],
)
def test_rows_match_the_standard(plate, width, length, glyph, gap, separator) -> None:
    assert plate.total() == plate.width == width
    assert plate.length == length and plate.char_size == (glyph, 90) and plate.height == 140
    assert plate.margin == 15.5
    assert plate.gaps[1] == separator and set(plate.gaps[:1] + plate.gaps[2:]) == {gap}
    # the last glyph ends one margin before the right edge
    assert plate.char_x[-1] + glyph + plate.margin == width
    assert plate.char_x[1] + glyph < plate.dot_x < plate.char_x[2]


def test_a_row_that_does_not_add_up_is_caught() -> None:
    bad = geometry.PlateGeometry("bad", 480, 140, (45, 90), (9, 49, 9, 9, 9, 9, 9), 15.5)
    assert bad.total() != bad.width


def test_blue_pitch_at_94_px() -> None:
    # DESIGN.md: at 94 px wide the pitch is about 12.2 px, and 16.9 px across the separator
    pitch = (BLUE.char_x[3] - BLUE.char_x[2]) * 94 / 440
    assert pitch == pytest.approx(12.18, abs=0.01)
    assert (BLUE.char_x[2] - BLUE.char_x[1]) * 94 / 440 == pytest.approx(16.88, abs=0.01)


def test_templates_and_synthesis_read_the_one_table() -> None:
    assert spans.STANDARDS is STANDARDS
    assert STANDARDS["blue7"] is BLUE and STANDARDS["green8"] is GREEN
    assert plate_render.KINDS["blue"].line is BLUE
    _, _, boxes = spans.standard_chars(GREEN, 480, 140)
    assert [x0 for x0, _ in boxes] == [round(x) for x in GREEN.char_x]
