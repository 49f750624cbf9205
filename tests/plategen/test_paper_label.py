"""The paper code's image label: fixed glyph origins on a 188×48 canvas, bicubic down to 94×24."""

import numpy as np

from plategen.labels.paper import glyph_origin, paper_label


def test_origins_are_the_paper_codes():
    assert [glyph_origin(i) for i in range(8)] == [(1, 10), (30, 4)] + [(19 + 23 * i, 4) for i in range(2, 8)]


def test_each_glyph_lands_right_of_its_origin_and_only_there():
    text = "皖A12345"
    full = paper_label(text).astype(int)
    assert full.shape == (24, 94) and full.max() == 255
    for i in range(1, len(text)):
        prefix, more = paper_label(text[:i]).astype(int), paper_label(text[: i + 1]).astype(int)
        changed = np.nonzero(np.abs(more - prefix).max(axis=0) > 8)[0]
        x0 = glyph_origin(i)[0] // 2
        assert changed.min() >= x0 - 1, (i, changed.min(), x0)  # bicubic spreads a pixel
        assert changed.max() <= x0 + 14, (i, changed.max(), x0)  # a 40-px glyph is ≤ 28 px wide at 2×
    # the province sits lower and smaller: nothing of it in the top rows
    province = paper_label("皖")
    assert province[:4].max() < 40 and province[5:20, :13].max() == 255
