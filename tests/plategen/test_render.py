from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from plategen.align.layout import Layout
from plategen.errors import AlignmentError, ConfigError, FontError
from plategen.labels.renderer import LabelRenderer, RenderConfig, contact_sheet, overlay
from plategen.plates.geometry import BLUE

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"


def standard_layout(width: int = 94, height: int = 24, scales=None) -> Layout:
    """GA 36-2018 blue-plate boxes scaled to the crop (pitch ≈ 12.2 px at 94 px wide)."""
    sx, sy = width / BLUE.width, height / BLUE.height
    chars = tuple((round(x * sx), round((x + BLUE.char_size[0]) * sx)) for x in BLUE.char_x)
    top, bottom = round(BLUE.char_top * sy), round((BLUE.char_top + BLUE.char_size[1]) * sy)
    return Layout(width, height, top, bottom, chars, source="template", scales=scales)


TEXTS = ["皖A12345", "沪C8GK31", "京PL3N67", "浙D335DZ"]


def test_label_shape_dtype_and_values() -> None:
    label = LabelRenderer(standard_layout()).render("皖A12345")
    assert label.shape == (24, 94) and label.dtype == np.uint8
    assert label.min() == 0 and label.max() == 255
    # Mostly background and full glyph: antialiasing only at the edges.
    assert ((label == 0) | (label == 255)).mean() > 0.6


def test_label_size_overrides_crop_size() -> None:
    label = LabelRenderer(standard_layout(), config=RenderConfig(label_size=(188, 48))).render("皖A12345")
    assert label.shape == (48, 188)


@pytest.mark.parametrize("ch", ["1", "A", "W", "皖", "8"])
def test_glyph_fits_its_box_and_keeps_aspect(ch: str) -> None:
    # A big label so rounding is negligible; one character in one box.
    layout = Layout(400, 300, 50, 250, ((100, 200),))
    renderer = LabelRenderer(layout)
    label = renderer.render(ch)
    rows, cols = np.flatnonzero(label.max(1) > 127), np.flatnonzero(label.max(0) > 127)
    assert rows[0] >= 49 and rows[-1] <= 250 and cols[0] >= 99 and cols[-1] <= 200
    ink = renderer.ink(ch)
    h, w = rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1
    assert w / h == pytest.approx(ink.shape[1] / ink.shape[0], rel=0.08)
    assert h >= 195 or w >= 95  # fills the box along its limiting axis
    # Centred.
    assert (rows[0] + rows[-1]) / 2 == pytest.approx(150, abs=2)
    assert (cols[0] + cols[-1]) / 2 == pytest.approx(150, abs=2)


def test_layout_scales_shrink_a_glyph() -> None:
    full = LabelRenderer(standard_layout()).render("皖A12345")
    small = LabelRenderer(standard_layout(scales=(0.5,) + (1.0,) * 6)).render("皖A12345")
    box = slice(0, standard_layout().chars[1][0])
    assert 0 < (small[:, box] > 127).sum() < 0.5 * (full[:, box] > 127).sum()
    np.testing.assert_array_equal(small[:, box.stop :], full[:, box.stop :])


def test_cached_and_uncached_renders_are_identical() -> None:
    layout = standard_layout(scales=(0.8,) + (1.0,) * 6)
    cached = LabelRenderer(layout, config=RenderConfig(resample="bicubic"))
    first = [cached.render(t) for t in TEXTS]
    again = [cached.render(t) for t in TEXTS]  # now served from the cache
    fresh = LabelRenderer(layout, config=RenderConfig(resample="bicubic"))
    uncached = [fresh.render(t, use_cache=False) for t in TEXTS]
    assert len(cached._cache) > 0 and len(fresh._cache) == 0
    for a, b, c in zip(first, again, uncached):
        np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(a, c)


def test_supersample_changes_the_rendering_but_not_the_placement() -> None:
    layout = standard_layout()
    one = LabelRenderer(layout, config=RenderConfig(supersample=1)).render("皖A12345").astype(int)
    four = LabelRenderer(layout, config=RenderConfig(supersample=4)).render("皖A12345").astype(int)
    assert np.abs(one - four).max() > 0
    assert np.corrcoef(one.ravel(), four.ravel())[0, 1] > 0.85


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"supersample": 0}, "supersample"),
        ({"resample": "nearest"}, "resample"),
        ({"label_size": (0, 24)}, "label_size"),
        ({"font_size": 4}, "font_size"),
        ({"padding": -1}, "padding"),
    ],
)
def test_bad_config_names_the_field(kwargs: dict, field: str) -> None:
    with pytest.raises(ConfigError, match=f"^{field}:"):
        RenderConfig(**kwargs)


def test_text_length_must_match_the_layout() -> None:
    with pytest.raises(AlignmentError, match=r"text '皖A1234' has 6 characters but the layout has 7 boxes"):
        LabelRenderer(standard_layout()).render("皖A1234")


def test_a_glyph_without_ink_is_an_error() -> None:
    layout = Layout(60, 20, 2, 18, ((0, 20), (20, 40), (40, 60)))
    with pytest.raises(FontError, match=r"glyph ' ' \(U\+0020\) has no ink"):
        LabelRenderer(layout).render("A B")


def test_a_file_that_is_not_a_font_is_named(tmp_path) -> None:
    bogus = tmp_path / "notafont.ttf"
    bogus.write_bytes(b"this is not a font at all" * 10)
    with pytest.raises(FontError, match=f"^{bogus}: not a TrueType/OpenType font"):
        LabelRenderer(standard_layout(), font=bogus)


def test_overlay_and_contact_sheet(tmp_path) -> None:
    from plategen.io import read_image

    crop = np.full((24, 94, 3), 128, np.uint8)
    label = LabelRenderer(standard_layout()).render("皖A12345")
    over = overlay(crop, label)
    assert over.shape == crop.shape
    assert (over[label == 255] != over[label == 0][0]).any()
    contact_sheet(tmp_path / "sheet.png", [(crop, label)] * 5, zoom=3, columns=4)
    sheet = read_image(tmp_path / "sheet.png")
    assert sheet.shape[0] == 2 * (24 + 3) * 3 and sheet.shape[1] == 4 * (94 * 2 + 2 + 6) * 3
