"""plategen.align.stage: mean image, polarity, projections, template fallback, spread, bad input, Fig. 3."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from plategen.align.layout import Alignment
from plategen.align.spans import STANDARDS, standard_chars
from plategen.align.stage import AlignConfig, align_images, detect_polarity, mean_images, to_grey
from plategen.data import load_samples
from plategen.errors import ConfigError, DatasetError
from plategen.io import write_image_atomic
from plategen.labels.stage import render_labels
from plategen.plates.fonts import default_font_path
from plategen.plates.geometry import BLUE
from plategen.synth.plate import render_plate
from tests.conftest import shared

W, H = 94, 24
SPANS7 = [(4, 13), (16, 25), (33, 42), (45, 54), (57, 66), (69, 78), (81, 90)]  # ground truth of the boxes


def draw_line(spans, top=5, bottom=19, light=True, frame=True, jitter=0, rng=None, size=(W, H)):
    """A text-line crop: one filled box per span (a glyph), optional plate frame at the edges."""
    bg, fg = (40, 230) if light else (200, 40)
    img = np.full((size[1], size[0], 3), bg, np.uint8)
    img[..., 0] = bg + 60 if light else bg - 40  # some colour, so grey conversion matters
    for x0, x1 in spans:
        d = int(rng.integers(-jitter, jitter + 1)) if jitter else 0
        cv2.rectangle(img, (x0 + d, top), (x1 - 1 + d, bottom - 1), (fg, fg, fg), -1)
    if frame:
        cv2.rectangle(img, (0, 0), (size[0] - 1, size[1] - 1), (fg, fg, fg), 1)
    if rng is not None:
        img = np.clip(img + rng.normal(0, 8, img.shape), 0, 255).astype(np.uint8)
    return img


def write_index(folder: Path, images: list, texts: list, layout: str = "blue7") -> Path:
    """A crop index like `plategen crop` writes, for `load_samples`."""
    rows = []
    for i, (img, text) in enumerate(zip(images, texts)):
        name = f"c{i:03d}.png"
        write_image_atomic(folder / name, img)
        rows.append({"crop": name, "text": text, "plate_type": layout, "split": "train"})
    (folder / "index.jsonl").write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8"
    )
    return folder


def write_manifest(folder: Path, groups: dict[str, list]) -> Path:
    """A `path<TAB>text` manifest over generic crops; groups maps text → images."""
    lines = []
    for text, images in groups.items():
        for i, img in enumerate(images):
            name = f"{text}_{i}.png"
            write_image_atomic(folder / name, img)
            lines.append(f"{name}\t{text}\n")
    (folder / "labels.txt").write_text("".join(lines), "utf-8")
    return folder / "labels.txt"


def lines(n, spans=SPANS7, seed=0, **kw):
    rng = np.random.default_rng(seed)
    return [draw_line(spans, rng=rng, jitter=1, **kw) for _ in range(n)]


def plate_crops(green: bool, n: int, seed: int = 0) -> list:
    """Synthetic plates from the project's own renderer, resized to 94×24."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        text = "皖A" + ("D" if green else "") + "".join(rng.choice(list("0123456789ABCDEFGHJK"), 5))
        plate = render_plate(text, green, default_font_path(), 1.0, rng)
        bgr = plate[..., :3] * (plate[..., 3:] / 255)
        out.append(cv2.resize(bgr, (W, H), interpolation=cv2.INTER_AREA).astype(np.uint8))
    return out


def centres(chars):
    return np.array([(a + b) / 2 for a, b in chars])


@pytest.mark.parametrize(
    "field, kwargs",
    [
        ("binarize", {"binarize": "sauvola"}),
        ("polarity", {"polarity": "white"}),
        ("size", {"size": (2, 24)}),
        ("min_images", {"min_images": 0}),
        ("first_glyph_scale", {"first_glyph_scale": 1.5}),
        ("row_threshold", {"row_threshold": 1.0}),
        ("col_threshold", {"col_threshold": 0}),
        ("edge_margin", {"edge_margin": 0.5}),
    ],
)
def test_config_rejects_bad_values_naming_the_field(field, kwargs):
    with pytest.raises(ConfigError, match=f"^{field}:"):
        AlignConfig(**kwargs)


@pytest.mark.parametrize("green, polarity", [(False, "light"), (True, "dark")])
def test_polarity_is_detected_on_rendered_plates(green, polarity):
    means = np.mean(plate_crops(green, 6), axis=0)
    assert detect_polarity(to_grey(means)) == polarity


@pytest.mark.parametrize("light, layout", [(True, "blue7"), (False, "yellow7")])
def test_measures_known_boxes_in_both_polarities_despite_the_frame(tmp_path, light, layout):
    write_index(tmp_path, lines(12, light=light), ["皖A12345"] * 12, layout)  # yellow: dark glyphs
    result = align_images(tmp_path, AlignConfig(), workers=1, progress=False)
    lay = result.alignment[layout]
    assert lay.source == "measured" and lay.count == 12 and not result.warnings
    assert lay.extra["polarity"] == ("light" if light else "dark")
    assert (lay.top, lay.bottom) == (5, 19)
    assert np.abs(centres(lay.chars) - centres(SPANS7)).max() <= 1.0
    assert lay.scales == (0.8,) + (1.0,) * 6  # the plate rule: the province glyph is drawn smaller


@pytest.mark.parametrize("green", [False, True])
def test_rendered_standard_plates_measure_as_the_standard(tmp_path, green):
    text = "皖AD12345" if green else "皖A12345"
    name = "green8" if green else "blue7"
    write_index(tmp_path, plate_crops(green, 12), [text] * 12, name)
    lay = align_images(tmp_path, AlignConfig(), workers=1, progress=False).alignment[name]
    assert lay.source == "measured"
    _, _, standard = standard_chars(STANDARDS[name], W, H)
    assert np.abs(np.diff(centres(lay.chars)) - np.diff(centres(standard))).max() <= 1.5


def test_too_few_images_fall_back_to_the_standard_with_a_warning(tmp_path):
    write_index(tmp_path, lines(3), ["皖A12345"] * 3)
    result = align_images(tmp_path, AlignConfig(min_images=5), workers=1, progress=False)
    lay = result.alignment["blue7"]
    assert lay.source == "template" and "standard" in lay.extra["method"]
    assert list(lay.chars) == standard_chars(STANDARDS["blue7"], W, H)[2]
    assert result.warnings == [
        "blue7: only 3 crops (min_images 5); using the GA 36-2018 blue plate standard template"
    ]


def test_merged_blobs_fall_back_to_a_spread_template(tmp_path):
    merged = [(4, 30), (30, 42), (45, 54), (57, 66), (69, 78), (81, 90)]  # 7 texts, 6 blobs
    path = write_manifest(tmp_path, {"ABCDEFG": lines(12, merged)})
    result = align_images(tmp_path, AlignConfig(), workers=1, progress=False, manifest=path)
    lay = result.alignment["len7"]
    assert lay.source == "template" and lay.extra["method"] == "spread" and lay.length == 7
    assert len(result.warnings) == 1 and result.warnings[0].startswith("len7: the column projection resolves")
    widths = [b - a for a, b in lay.chars]
    assert max(widths) - min(widths) <= 1 and lay.chars[0][0] >= 3 and lay.chars[-1][1] <= 91


def test_a_glyph_split_in_two_is_merged_back(tmp_path):
    split = [(4, 7), (10, 13)] + SPANS7[1:]  # a CJK glyph like 川 projects as two runs
    write_index(tmp_path, lines(12, split), ["川A12345"] * 12)
    lay = align_images(tmp_path, AlignConfig(), workers=1, progress=False).alignment["blue7"]
    assert lay.source == "measured" and abs(lay.chars[0][0] - 4) <= 1 and abs(lay.chars[0][1] - 13) <= 1


def test_generic_manifest_makes_a_layout_per_length_and_spread_fills_small_groups(tmp_path):
    spans3 = [(10, 30), (37, 57), (64, 84)]
    path = write_manifest(
        tmp_path,
        {
            "ABC": lines(12, spans3, frame=False),
            "WXYZ": lines(2, [(8, 25), (29, 46), (50, 67), (71, 88)], frame=False, seed=1),
        },
    )
    auto = align_images(tmp_path, AlignConfig(), workers=1, progress=False, manifest=path)
    assert set(auto.alignment.layouts) == {"len3", "len4"}
    assert auto.alignment["len3"].source == "measured" and auto.alignment["len3"].scales == (1.0,) * 3
    assert np.abs(centres(auto.alignment["len3"].chars) - centres(spans3)).max() <= 1.0
    spread = align_images(tmp_path, AlignConfig(spread=True), workers=1, progress=False, manifest=path)
    lay = spread.alignment["len4"]
    assert lay.source == "template" and lay.extra["method"] == "spread" and lay.length == 4
    # uniform cells across the band measured on all crops pooled (mostly the 12 "ABC": columns 10..84)
    assert (
        abs(lay.chars[0][0] - 10) <= 1
        and abs(lay.chars[-1][1] - 84) <= 1
        and (lay.top, lay.bottom) == (5, 19)
    )
    assert len({b - a for a, b in lay.chars}) <= 2
    # without spread, the small group is evenly spread over its own band (columns 8..88)
    own = auto.alignment["len4"]
    assert own.source == "template" and abs(own.chars[0][0] - 8) <= 1 and abs(own.chars[-1][1] - 88) <= 1


def test_unreadable_crop_is_skipped_and_reported(tmp_path):
    write_index(tmp_path, lines(11), ["皖A12345"] * 11)
    (tmp_path / "c003.png").write_bytes(b"not a png")
    result = align_images(tmp_path, AlignConfig(), workers=1, progress=False)
    # the reason does not repeat the path the row names
    assert result.skipped == [(str(tmp_path / "c003.png"), "failed to decode image")]
    assert result.alignment["blue7"].count == 10


def test_no_readable_crop_is_an_error(tmp_path):
    write_index(tmp_path, lines(2), ["皖A12345"] * 2)
    for p in tmp_path.glob("*.png"):
        p.write_bytes(b"")
    with pytest.raises(DatasetError, match="none of the 2 crops could be read"):
        align_images(tmp_path, AlignConfig(), workers=1, progress=False)


def test_mean_is_the_same_with_worker_processes_and_resizes_odd_sizes(tmp_path):
    images = lines(6)
    images[2] = cv2.resize(images[2], (188, 48))  # an odd size is resized to the layout's size
    write_index(tmp_path, images, ["皖A12345"] * 6)
    samples = load_samples(tmp_path)
    one, _ = mean_images(samples, AlignConfig(), workers=1, progress=False)
    two, _ = mean_images(samples * 40, AlignConfig(), workers=2, progress=False)  # several chunks
    assert one["blue7"][0].shape == (H, W, 3) and two["blue7"][1] == 240
    np.testing.assert_allclose(one["blue7"][0], two["blue7"][0], atol=1e-9)


def test_alignment_png_is_drawn_headless(tmp_path, monkeypatch):
    from plategen.align.figures import draw_alignment

    monkeypatch.delenv("DISPLAY", raising=False)
    write_index(tmp_path, lines(12), ["皖A12345"] * 12)
    result = align_images(tmp_path, AlignConfig(), workers=1, progress=False)
    png = draw_alignment(result, tmp_path / "out" / "alignment.png", show=True)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    img = cv2.imread(str(png))
    assert img.shape[1] > 1000 and img.std() > 20  # a real figure, not a blank canvas


def test_real_ccpd_crops_blue_layout_matches_ga36_2018(tmp_path):
    """The check against reality: 20 real blue plates must give the standard's character pitch."""
    from plategen.crop.stage import CropConfig, crop_dataset

    crop_dataset(shared("ccpd-images"), tmp_path / "crops", CropConfig(), workers=1, progress=False)
    result = align_images(tmp_path / "crops", AlignConfig(), workers=1, progress=False)
    result.alignment.save(tmp_path / "alignment.json")
    lay = Alignment.load(tmp_path / "alignment.json")["blue7"]
    assert lay.source == "measured" and lay.count == 20 and lay.length == 7
    pitch = np.diff(centres(lay.chars))
    standard = np.array([12.2, 16.9, 12.2, 12.2, 12.2, 12.2])  # GA 36-2018 at 94 px (DESIGN.md)
    assert np.abs(pitch - standard).max() <= 1.0, pitch
    green = result.alignment["green8"]  # 4 images: honest fallback, announced
    assert green.source == "measured" or any(w.startswith("green8:") for w in result.warnings)


def test_real_crops_of_any_size_measure_their_own_layout(tmp_path) -> None:
    real = shared("real-crops")
    result = align_images(real, AlignConfig(), workers=1, progress=False)
    lay = result.alignment["len7"]
    assert (lay.width, lay.height, lay.source, lay.count) == (94, 24, "measured", 1102)
    centres = [(a + b) / 2 for a, b in lay.chars]
    pitch = np.diff(centres)
    standard = (BLUE.char_x[3] - BLUE.char_x[2]) * 94 / BLUE.width  # ≈ 12.2 px
    assert np.all(np.abs(np.delete(pitch, 1) - standard) < 1.5)
    assert pitch[1] > pitch[0] + 3  # the separator between the 2nd and 3rd character
    result.alignment.save(tmp_path / "alignment.json")
    report = render_labels(real, tmp_path / "alignment.json", tmp_path / "shards", progress=False)
    assert set(report.counts) == {"train", "val"} and 0.15 < report.counts["val"] / 1102 < 0.3
