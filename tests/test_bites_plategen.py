"""plategen tests with expected values worked out by hand (issue 10): each fails when the parser,
crop, align, render-labels or synth is broken, with or without ../shared/data."""

from __future__ import annotations

import json
import tarfile
from pathlib import Path

import cv2
import numpy as np
import pytest
from click.testing import CliRunner

from cli.plategen import plategen as plategen_main
from plategen import Alignment, CropConfig, SynthConfig, crop_dataset, parse_name, synthesize

from .bites_fixtures import read_plate_chars

# DESIGN.md's example: vertices BR, BL, TL, TR; indices 0_0_22_27_27_33_16 = 皖 A Y 3 3 9 S
# (ads: A-Z without I and O, then 0-9: 22 → Y, 27 → 3, 33 → 9, 16 → S).
NAME = "025-95_113-154&383_386&473-386&473_177&454_154&383_363&402-0_0_22_27_27_33_16-37-15.jpg"


def invoke(*args) -> str:
    result = CliRunner().invoke(plategen_main, [str(a) for a in args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_parse_name_reads_each_corner_in_ccpd_order():
    plate = parse_name(NAME)
    assert plate.vertices == ((386, 473), (177, 454), (154, 383), (363, 402))
    assert plate.corners == {
        "bottom_right": (386, 473),
        "bottom_left": (177, 454),
        "top_left": (154, 383),
        "top_right": (363, 402),
    }
    assert plate.bbox == ((154, 383), (386, 473))
    assert plate.tilt == (95, 113)
    assert plate.text == "皖AY339S"
    assert (plate.brightness, plate.blurriness) == (37, 15)


def test_parse_cli_gives_each_corner_by_name():
    (row,) = [json.loads(line) for line in invoke("parse", f"ccpd_base/{NAME}").splitlines()]
    assert row["vertices"] == {
        "bottom_right": [386, 473],
        "bottom_left": [177, 454],
        "top_left": [154, 383],
        "top_right": [363, 402],
    }
    assert row["text"] == "皖AY339S"


# A photo drawn here: a 376×96 plate at x 200..575, y 500..595 whose quadrants have four colours.
PLATE = (200, 500, 376, 96)  # x, y, w, h
QUADRANTS = {  # BGR
    "top_left": (40, 40, 220),
    "top_right": (40, 200, 40),
    "bottom_left": (220, 60, 30),
    "bottom_right": (30, 220, 230),
}


def quadrant_photo(root: Path) -> Path:
    x, y, w, h = PLATE
    photo = np.full((1160, 720, 3), 128, np.uint8)
    photo[y : y + h // 2, x : x + w // 2] = QUADRANTS["top_left"]
    photo[y : y + h // 2, x + w // 2 : x + w] = QUADRANTS["top_right"]
    photo[y + h // 2 : y + h, x : x + w // 2] = QUADRANTS["bottom_left"]
    photo[y + h // 2 : y + h, x + w // 2 : x + w] = QUADRANTS["bottom_right"]
    x1, y1 = x + w, y + h
    name = f"0043-90_90-{x}&{y}_{x1}&{y1}-{x1}&{y1}_{x}&{y1}_{x}&{y}_{x1}&{y}-0_0_22_27_27_33_16-100-10.jpg"
    path = root / "ccpd_base" / name
    path.parent.mkdir(parents=True)
    cv2.imencode(".jpg", photo, [cv2.IMWRITE_JPEG_QUALITY, 100])[1].tofile(str(path))
    return path


def test_crop_keeps_each_quadrant_of_the_plate_in_place(tmp_path):
    quadrant_photo(tmp_path / "photos")
    invoke("crop", tmp_path / "photos", tmp_path / "crops", "--workers", "1")
    (crop_path,) = (tmp_path / "crops").rglob("*.png")
    crop = cv2.imdecode(np.fromfile(str(crop_path), np.uint8), cv2.IMREAD_COLOR).astype(int)
    assert crop.shape == (24, 94, 3)
    centres = {"top_left": (6, 23), "top_right": (6, 70), "bottom_left": (18, 23), "bottom_right": (18, 70)}
    for corner, (r, c) in centres.items():
        patch = crop[r - 3 : r + 3, c - 10 : c + 10].reshape(-1, 3)
        assert np.abs(patch - QUADRANTS[corner]).max() <= 12, (corner, patch.mean(0))


def test_crop_of_a_synthetic_photo_matches_the_plate_region(tmp_path):
    synthesize(tmp_path / "photos", 3, seed=4, config=SynthConfig(kinds="blue"), workers=1, progress=False)
    crop_dataset(
        tmp_path / "photos", tmp_path / "crops", CropConfig(val_fraction=0.0), workers=1, progress=False
    )
    crops = sorted((tmp_path / "crops").rglob("*.png"))
    assert len(crops) == 3
    for crop_path in crops:
        photo_path = next((tmp_path / "photos").glob(crop_path.stem + ".*"))
        photo = cv2.imdecode(np.fromfile(str(photo_path), np.uint8), cv2.IMREAD_COLOR)
        mask = np.zeros(photo.shape[:2], np.uint8)
        cv2.fillPoly(mask, [np.array(parse_name(photo_path.name).vertices, np.int32)], 1)
        region = photo[mask > 0].astype(float)  # (pixels, 3)
        crop = (
            cv2.imdecode(np.fromfile(str(crop_path), np.uint8), cv2.IMREAD_COLOR).reshape(-1, 3).astype(float)
        )
        assert np.abs(crop.mean(0) - region.mean(0)).max() < 15, (crop.mean(0), region.mean(0))
        assert crop.std() > 0.5 * region.std()
        assert crop[:, 0].mean() > crop[:, 2].mean() + 30  # a blue plate (BGR)


# Crops drawn here: white bars (the characters) at irregular columns, far from any plate standard.
BARS = ((6, 15), (18, 27), (36, 45), (47, 56), (58, 67), (70, 79), (82, 91))
BAND = (4, 20)


def bar_crops(folder: Path, shift: int = 0, count: int = 20, seed: int = 0) -> list[str]:
    folder.mkdir(parents=True)
    rng = np.random.default_rng(seed)
    texts: set[str] = set()
    while len(texts) < count:
        texts.add("皖A" + "".join(rng.choice(list("0123456789"), 5)))
    for text in sorted(texts):
        image = np.zeros((24, 94, 3), np.float32)
        image[:] = (150, 60, 20)
        for x0, x1 in BARS:
            image[BAND[0] : BAND[1], x0 + shift : x1 + shift] = 235
        image += rng.normal(0, 4, image.shape)
        cv2.imencode(".png", np.clip(image, 0, 255).astype(np.uint8))[1].tofile(str(folder / f"{text}.png"))
    return sorted(texts)


@pytest.mark.parametrize("shift", [-4, 0, 1])
def test_align_measures_the_bars_where_they_were_drawn(tmp_path, shift):
    bar_crops(tmp_path / "crops", shift)
    invoke("align", tmp_path / "crops", "--out", tmp_path / "alignment.json", "--workers", "1")
    (layout,) = Alignment.load(tmp_path / "alignment.json").layouts.values()
    assert layout.source == "measured"
    assert (layout.top, layout.bottom) == BAND
    assert [tuple(c) for c in layout.chars] == [(x0 + shift, x1 + shift) for x0, x1 in BARS]


def test_render_labels_draw_a_glyph_in_every_box_and_nothing_outside(tmp_path):
    texts = bar_crops(tmp_path / "crops", count=12)
    invoke(
        "align",
        tmp_path / "crops",
        "--out",
        tmp_path / "alignment.json",
        "--workers",
        "1",
        "--min-images",
        "5",
    )
    invoke(
        "render-labels",
        tmp_path / "crops",
        "--alignment",
        tmp_path / "alignment.json",
        tmp_path / "shards",
        "--workers",
        "1",
    )
    labels = {}
    for shard in sorted((tmp_path / "shards").glob("*.tar")):
        with tarfile.open(shard) as tar:
            members = {m.name: tar.extractfile(m).read() for m in tar.getmembers()}
        for name, data in members.items():
            if name.endswith(".json"):
                key = name[: -len(".json")]
                png = np.frombuffer(members[key + ".label.png"], np.uint8)
                labels[json.loads(data)["text"]] = cv2.imdecode(png, cv2.IMREAD_GRAYSCALE)
    assert sorted(labels) == texts
    inside = np.zeros((24, 94), bool)
    for x0, x1 in BARS:
        inside[BAND[0] : BAND[1], x0:x1] = True
    grown = cv2.dilate(inside.astype(np.uint8), np.ones((5, 5), np.uint8)) > 0  # antialiased edges
    for text, label in labels.items():
        assert label.shape == (24, 94)
        ink = label > 127
        for x0, x1 in BARS:
            share = ink[BAND[0] : BAND[1], x0:x1].mean()
            assert 0.1 < share < 0.9, (text, (x0, x1), share)
        assert not (label[~grown] > 64).any(), text
    assert not np.array_equal(labels[texts[0]], labels[texts[1]])  # the glyphs follow the text


def test_synth_draws_the_text_its_filename_names(tmp_path):
    # Clean, upright plates in the plate font alone, cropped large enough to read glyph by glyph.
    config = SynthConfig(
        kinds="blue",
        latin_fonts=(),
        plate_width=(300, 400),
        max_roll=0,
        max_yaw=0,
        max_pitch=0,
        blur=(0, 0),
        motion_fraction=0,
        noise=(0, 0),
        brightness=(1, 1),
        contrast=(1, 1),
        colour_cast=0,
        jpeg_quality=(95, 95),
    )
    synthesize(tmp_path / "photos", 30, seed=5, config=config, workers=1, progress=False)
    crop_dataset(
        tmp_path / "photos", tmp_path / "crops", CropConfig(size=(376, 96)), workers=1, progress=False
    )
    crops = sorted((tmp_path / "crops").rglob("*.png"))
    assert len(crops) == 30
    hits = np.zeros(6)
    for path in crops:
        want = parse_name(path.name).text[1:]
        got = read_plate_chars(cv2.imdecode(np.fromfile(str(path), np.uint8), cv2.IMREAD_COLOR))
        hits += [a == b for a, b in zip(want, got)]
    # The glyph matcher confuses a few look-alikes (5/S, 4/A, 8/B): 89-96 % of characters read right
    # over seeds 5-8, at least 80 % at every position; a name off by one character drops a position to ~0.
    assert (hits / len(crops)).min() >= 0.6, hits
    assert hits.sum() / hits.size / len(crops) >= 0.8, hits
