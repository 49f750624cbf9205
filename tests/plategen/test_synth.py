"""`synthesize`: names that parse and tell the truth, determinism, kind shares, resume, config errors."""

from __future__ import annotations

import itertools
import json
import re
import time
import tracemalloc
from collections.abc import Sized
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import pytest

from plategen.crop.stage import crop_dataset
from plategen.data.ccpd import parse_name
from plategen.errors import ConfigError, FontError
from plategen.io import read_image
from plategen.plates.fonts import bundled_latin_fonts, resolve_font
from plategen.plates.grammar import KINDS, parse_mix
from plategen.pool import pool_map
from plategen.synth.plate import draw_style, render_plate
from plategen.synth.stage import SynthConfig, SynthTask, SynthWorker, _work, kind_of, plan_image, synthesize

SMALL = SynthConfig(kinds="blue,green", image_size=(240, 320), plate_width=(70, 160))
# No blur or noise, moderate pose: the rectified plate must then match its own text clearly.
CLEAN = replace(
    SMALL,
    blur=(0.0, 0.0),
    noise=(0.0, 0.0),
    motion_fraction=0.0,
    max_yaw=20,
    max_pitch=15,
    brightness=(0.8, 1.2),
    contrast=(0.9, 1.1),
)
TEXT = {
    7: re.compile(r"^\w[A-HJ-NP-Z][A-HJ-NP-Z0-9]{5}$"),
    8: re.compile(r"^\w[A-HJ-NP-Z]([DF][A-HJ-NP-Z0-9]\d{4}|\d{5}[DF])$"),
}


@pytest.fixture(scope="module")
def clean_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("synth")
    report = synthesize(out, 8, 3, CLEAN, progress=False)
    assert report.written == 8 and not report.failed
    return out


def files(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.jpg"))


def rectify(path: Path, size=(188, 48)) -> np.ndarray:
    """The plate warped from its annotated corners (BR, BL, TL, TR) to `size`, grey."""
    br, bl, tl, tr = parse_name(path).vertices
    src = np.array([tl, tr, br, bl], np.float32)
    w, h = size
    dst = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32)
    grey = cv2.cvtColor(read_image(path), cv2.COLOR_BGR2GRAY)
    return cv2.warpPerspective(grey, cv2.getPerspectiveTransform(src, dst), size)


def zncc(a: np.ndarray, b: np.ndarray) -> float:
    a, b = (x.astype(np.float64) - x.mean() for x in (a, b))
    return float((a * b).sum() / np.sqrt((a * a).sum() * (b * b).sum()))


def template(text: str, size=(188, 48)) -> np.ndarray:
    green = len(text) == 8
    geometry = KINDS["green" if green else "blue"].line
    plate = render_plate(text, green, resolve_font(None), 2.0, np.random.default_rng(0))
    grey = cv2.cvtColor(plate[..., :3].astype(np.uint8), cv2.COLOR_BGR2GRAY)
    assert plate.shape[1] == round(geometry.width * 2.0)
    return cv2.resize(grey, size, interpolation=cv2.INTER_AREA)


def test_every_name_parses_to_the_planned_text(clean_dir: Path) -> None:
    paths = files(clean_dir)
    assert len({p.name for p in paths}) == 8
    for path in paths:
        plate = parse_name(path)
        index = int(plate.area[-9:])
        assert plate.text == plan_image(3, index, CLEAN).text
        assert TEXT[len(plate.text)].match(plate.text), plate.text
        assert 0 < plate.area_ratio < 1


def test_the_plate_at_the_corners_shows_its_own_text(clean_dir: Path) -> None:
    """The rectified region matches a clean rendering of its own text better than of other texts."""
    paths = files(clean_dir)
    texts = [parse_name(p).text for p in paths]
    for path, text in zip(paths, texts):
        crop = rectify(path)
        own = zncc(crop, template(text))
        others = [zncc(crop, template(t)) for t in texts if len(t) == len(text) and t != text]
        assert own > 0.5, (path.name, own)
        assert own > max(others) + 0.05, (path.name, own, others)


def test_plate_region_is_plate_coloured_unlike_the_background(clean_dir: Path) -> None:
    for path in files(clean_dir):
        plate = parse_name(path)
        image = read_image(path)
        br, bl, tl, tr = plate.vertices
        src = np.array([tl, tr, br, bl], np.float32)
        dst = np.array([[0, 0], [94, 0], [94, 24], [0, 24]], np.float32)
        crop = cv2.warpPerspective(image, cv2.getPerspectiveTransform(src, dst), (94, 24))
        b, g, r = np.median(crop[4:20, 4:90].reshape(-1, 3), axis=0)
        if plate.plate_type == "blue7":
            assert b > r + 30, (path.name, b, g, r)
        else:
            assert g > r and g > b - 10, (path.name, b, g, r)
        grey = cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY)
        assert np.percentile(grey, 95) - np.percentile(grey, 5) > 60  # glyphs on a plate


def test_vertices_are_true_corners_inside_the_image(clean_dir: Path) -> None:
    for path in files(clean_dir):
        plate = parse_name(path)
        h, w = read_image(path).shape[:2]
        assert (w, h) == CLEAN.image_size
        xs, ys = zip(*plate.vertices)
        (x1, y1), (x2, y2) = plate.bbox  # the corners' bounds, loosened by at most the bbox slack
        pw, ph = max(xs) - min(xs), max(ys) - min(ys)
        sx, sy = CLEAN.bbox_slack
        assert min(xs) - sx * pw - 1 <= x1 <= min(xs) and max(xs) <= x2 <= max(xs) + sx * pw + 1
        assert min(ys) - sy * ph - 1 <= y1 <= min(ys) and max(ys) <= y2 <= max(ys) + sy * ph + 1
        assert 0 <= min(xs) and max(xs) < w and 0 <= min(ys) and max(ys) < h
        br, bl, tl, tr = plate.vertices  # the right way round: not mirrored, not upside down
        assert tl[0] < tr[0] and bl[0] < br[0] and tl[1] < bl[1] and tr[1] < br[1]


def test_same_seed_same_bytes_and_workers_do_not_change_output(tmp_path: Path) -> None:
    synthesize(tmp_path / "a", 5, 7, SMALL, progress=False)
    synthesize(tmp_path / "b", 5, 7, SMALL, workers=2, progress=False)
    synthesize(tmp_path / "c", 5, 8, SMALL, progress=False)
    a, b, c = (files(tmp_path / x) for x in "abc")
    assert [p.name for p in a] == [p.name for p in b]
    assert all(p.read_bytes() == q.read_bytes() for p, q in zip(a, b))
    assert not {p.name for p in a} & {p.name for p in c}


@pytest.mark.parametrize("kinds", ["blue", "blue:9,green", "blue,green", "green", "police:1,embassy:3"])
def test_kind_shares_hold_in_every_prefix(kinds: str) -> None:
    mix = parse_mix(kinds)
    for n in (20, 200):
        counts = {k: sum(kind_of(i, mix) == k for i in range(n)) for k in mix}
        assert all(abs(counts[k] - share * n) <= 2 for k, share in mix.items()), counts
    config = replace(SMALL, kinds=kinds)
    plans = [plan_image(0, i, config) for i in range(20)]
    assert all(p.kind == kind_of(p.index, mix) and parse_name(p.name).kind == p.kind for p in plans)


def test_written_green_share(clean_dir: Path) -> None:
    expected = sum(kind_of(i, CLEAN.mix) == "green" for i in range(8))
    assert 3 <= expected <= 5
    assert sum(parse_name(p).plate_type == "green8" for p in files(clean_dir)) == expected


def test_crop_accepts_the_output_unchanged(clean_dir: Path, tmp_path: Path) -> None:
    report = crop_dataset(clean_dir, tmp_path / "crops", progress=False)
    assert report.written == 8 and report.skipped == []


def test_rerun_resumes_and_keeps_finished_images(tmp_path: Path) -> None:
    first = synthesize(tmp_path, 3, 1, SMALL, progress=False)
    before = {p.name: p.stat().st_mtime_ns for p in files(tmp_path)}
    victim = files(tmp_path)[0]
    victim.unlink()
    (tmp_path / ".stale.part.jpg").write_bytes(b"half")
    again = synthesize(tmp_path, 5, 1, SMALL, progress=False)
    assert (first.written, again.written, again.existing) == (3, 3, 2)
    after = {p.name: p.stat().st_mtime_ns for p in files(tmp_path)}
    assert len(after) == 5 and victim.name in after
    assert all(after[n] == t for n, t in before.items() if n != victim.name)
    assert not (tmp_path / ".stale.part.jpg").exists()


@pytest.mark.parametrize(
    "field, value",
    [
        ("kinds", "purple"),
        ("kinds", "blue:0"),
        ("kinds", "blue:-1,green"),
        ("image_size", (32, 400)),
        ("plate_width", (200, 100)),
        ("plate_width", (50, 700)),
        ("blur", (-1.0, 1.0)),
        ("noise", (5.0,)),
        ("jpeg_quality", (0, 101)),
        ("max_yaw", 90.0),
        ("home_province", "X"),
        ("brightness", (0.0, 1.0)),
        ("motion_fraction", -0.1),
    ],
)
def test_bad_config_names_the_field(field: str, value) -> None:
    with pytest.raises(ConfigError, match=f"SynthConfig.{field}"):
        SynthConfig(**{field: value})


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"count": -1}, "count: -1"),
        ({"seed": -2}, "seed: -2"),
        ({"workers": 0}, "workers: 0"),
    ],
)
def test_bad_arguments_raise_config_error(tmp_path: Path, kwargs: dict, message: str) -> None:
    args = {"count": 2, "seed": 0, "workers": 1, **kwargs}
    with pytest.raises(ConfigError, match=message):
        synthesize(tmp_path, args["count"], args["seed"], SMALL, workers=args["workers"], progress=False)


def test_a_file_that_is_not_a_font_is_a_font_error(tmp_path: Path) -> None:
    fake = tmp_path / "fake.otf"
    fake.write_bytes(b"not a font")
    with pytest.raises(FontError, match="fake.otf"):
        synthesize(tmp_path / "out", 1, 0, replace(SMALL, font=fake), progress=False)


def test_latin_fonts_vary_glyphs_but_not_annotations(tmp_path: Path) -> None:
    plain = synthesize(tmp_path / "plain", 6, 5, replace(CLEAN, latin_fonts=()), progress=False)
    mixed = synthesize(tmp_path / "mixed", 6, 5, CLEAN, progress=False)  # default: the bundled Latin fonts
    assert plain.written == mixed.written == 6
    assert [p.name for p in files(tmp_path / "plain")] == [p.name for p in files(tmp_path / "mixed")]
    same = [
        a.read_bytes() == b.read_bytes() for a, b in zip(files(tmp_path / "plain"), files(tmp_path / "mixed"))
    ]
    assert 0 < same.count(False) < 6  # some plates drew their letters with the second font, some not


def test_a_latin_font_that_is_not_a_font_is_named(tmp_path: Path) -> None:
    fake = tmp_path / "latin.ttf"
    fake.write_bytes(b"nope")
    with pytest.raises(FontError, match="latin.ttf"):
        synthesize(tmp_path / "out", 1, 0, replace(SMALL, latin_fonts=(fake,)), progress=False)


@pytest.mark.parametrize("latin", [None, *bundled_latin_fonts()])
def test_plate_typeface_one_is_a_plain_stroke(latin) -> None:
    """With bar_one (most plates) a "1" is drawn as the plate typeface's flagless stroke, not the font's 1."""
    style = replace(draw_style(np.random.default_rng(0), False), weight=0.0, bar_one=True)

    def draw(text: str, s) -> np.ndarray:
        return render_plate(
            text, False, resolve_font(None), 1.0, np.random.default_rng(1), s, latin_font=latin
        )

    bar, capital_i = draw("皖A11111", style), draw("皖AIIIII", style)
    assert np.array_equal(bar, capital_i)
    flagged = draw("皖A11111", replace(style, bar_one=False))
    assert np.abs(flagged.astype(int) - bar.astype(int)).mean() > 1  # the font's own 1 differs
    shares = [draw_style(np.random.default_rng(i), False).bar_one for i in range(400)]
    assert 0.7 < np.mean(shares) < 0.9  # some plates keep the font's 1


def _hsv_median(crop: np.ndarray) -> tuple[float, float, float]:
    h, s, v = np.median(cv2.cvtColor(crop, cv2.COLOR_BGR2HSV).reshape(-1, 3), axis=0)
    return float(h), float(s), float(v)


def _background(kind: str, crop: np.ndarray) -> bool:
    """Whether the median colour of a plate region is the kind's background (GA 36 Table 1)."""
    h, s, v = _hsv_median(crop)
    if kind == "blue":
        return 95 <= h <= 125 and s > 100
    if kind in ("yellow", "coach", "yellow-rear", "trailer"):
        return 10 <= h <= 35 and s > 100 and v > 100
    if kind == "police":
        return s < 60 and v > 150
    if kind in ("embassy", "consulate", "hk", "macau"):
        return v < 90
    return 35 <= h <= 85  # green: the gradient's median is green


@pytest.mark.parametrize("kind", list(KINDS))
def test_every_kind_is_drawn_in_its_own_colours_with_its_special_character(kind: str, tmp_path: Path) -> None:
    config = replace(CLEAN, kinds=kind, brightness=(1.0, 1.0), contrast=(1.0, 1.0), colour_cast=0.0)
    report = synthesize(tmp_path, 3, 5, config, progress=False)
    assert report.kinds == {kind: 3} and not report.failed
    plate_kind = KINDS[kind]
    for path in files(tmp_path):
        plate = parse_name(path)
        assert plate.kind == kind and plate_kind.slots.count("S") in (0, 4, 5)
        br, bl, tl, tr = plate.vertices
        g = plate_kind.plate  # the plate as drawn: a two-row one is 440×220
        w, h = round(g.width), round(g.height)
        src = np.array([tl, tr, br, bl], np.float32)
        dst = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32)
        crop = cv2.warpPerspective(read_image(path), cv2.getPerspectiveTransform(src, dst), (w, h))
        sx = w / g.width
        # the band above the glyphs, inside the frame: background only
        top = g.boxes()[0][1]
        band = crop[round(9 * 1.0) : round(top - 3), round(40 * sx) : round((g.width - 40) * sx)]
        if plate_kind.shading == "split":  # yellow up to the separator, green after it
            split = round(g.dot_x * sx)
            assert _background("yellow", band[:, : split - 45]), (
                path.name,
                _hsv_median(band[:, : split - 45]),
            )
            assert _background("green", band[:, split + 45 :]), (
                path.name,
                _hsv_median(band[:, split + 45 :]),
            )
        else:
            assert _background(kind, band), (path.name, _hsv_median(band))
        if plate_kind.special_colour is not None:  # 警, 使, 领 in red: red ink in that cell only
            i = plate_kind.special_index
            x0 = round(g.char_x[i] * sx)
            cell = crop[round(g.char_top) : round(g.char_top + 90), x0 : x0 + round(45 * sx)].astype(int)
            red = (cell[..., 2] > cell[..., 1] + 60) & (cell[..., 2] > cell[..., 0] + 60)
            assert red.mean() > 0.05, (path.name, red.mean())
            other = round(g.char_x[3 if i != 3 else 2] * sx)
            cell = crop[round(g.char_top) : round(g.char_top + 90), other : other + round(45 * sx)].astype(
                int
            )
            assert ((cell[..., 2] > cell[..., 1] + 60) & (cell[..., 2] > cell[..., 0] + 60)).mean() < 0.01


@pytest.mark.parametrize(
    "change, setting",
    [
        ({"seed": 2}, "seed 1, this run asks for 2"),
        ({"config": replace(SMALL, kinds="blue")}, "kinds blue:0.5,green:0.5, this run asks for blue:1"),
        (
            {"config": replace(SMALL, kinds="green,blue")},
            "kinds blue:0.5,green:0.5, this run asks for green:0.5,blue",
        ),
        ({"config": replace(SMALL, max_yaw=10.0)}, "max_yaw 25.0, this run asks for 10.0"),
        ({"config": replace(SMALL, latin_fonts=())}, 'latin_fonts ["PlateLatinCondensed-Regular.ttf", '),
    ],
)
def test_a_rerun_with_other_settings_is_refused_naming_the_setting(
    tmp_path: Path, change: dict, setting: str
) -> None:
    """Before, a re-run with other settings wrote its photos next to the first run's: one folder, two
    data sets. A larger count, other workers or another charset change no photo: they resume."""
    synthesize(tmp_path, 2, 1, SMALL, progress=False)
    again = {"count": 3, "seed": 1, "config": replace(SMALL, charset="ccpd"), "workers": 2}
    assert synthesize(tmp_path, **again, progress=False).existing == 2
    with pytest.raises(ConfigError) as err:
        synthesize(tmp_path, **{**again, **change}, progress=False)
    assert str(err.value).startswith(f"{tmp_path}: its photos were made with {setting}")
    assert str(err.value).endswith(
        "synth into another folder, repeat the first run's settings, or pass --force to start over"
    )
    assert len(files(tmp_path)) == 3


def test_the_same_mix_spelled_otherwise_resumes(tmp_path: Path) -> None:
    synthesize(tmp_path, 2, 1, replace(SMALL, kinds="blue:2,green"), progress=False)
    again = synthesize(tmp_path, 2, 1, replace(SMALL, kinds="blue:4, green:2"), progress=False)
    assert (again.written, again.existing) == (0, 2)


def test_force_starts_over_and_leaves_other_files_alone(tmp_path: Path) -> None:
    synthesize(tmp_path, 3, 1, SMALL, progress=False)
    (tmp_path / "notes.txt").write_text("mine")
    (tmp_path / "holiday.jpg").write_bytes(b"not a CCPD name")
    report = synthesize(tmp_path, 2, 5, replace(SMALL, kinds="green"), progress=False, force=True)
    assert (report.written, report.existing) == (2, 0)
    names = {p.name for p in files(tmp_path)} - {"holiday.jpg"}
    assert len(names) == 2 and all(parse_name(n).kind == "green" for n in names)
    assert (tmp_path / "notes.txt").read_text() == "mine" and (tmp_path / "holiday.jpg").exists()
    assert json.loads((tmp_path / "synth.json").read_text())["seed"] == 5


def test_force_deletes_nothing_in_a_folder_synth_did_not_make(tmp_path: Path) -> None:
    photo = tmp_path / plan_image(0, 0, SMALL).name.replace("000000000", "999999999")
    photo.write_bytes(b"someone's photo")
    synthesize(tmp_path, 1, 0, SMALL, progress=False, force=True)
    assert photo.read_bytes() == b"someone's photo"


def test_the_pool_streams_a_task_stream_without_holding_it() -> None:
    """`synth --count 10**9` made a list of 10**9 tasks (and Pool.imap drains a generator) before the
    first photo: 4 GB and a minute for 10**8. A stream must give its first results at once, in order,
    having drawn only a few chunks of it (10**6 here: a drained 10**9 would fill the machine)."""
    drawn = itertools.count()
    tracemalloc.start()
    start = time.perf_counter()
    stream = (-i for i in range(10**6) if next(drawn) >= 0)
    results = pool_map(abs, stream, 2, chunksize=8, total=10**6, progress=False)
    first = list(itertools.islice(results, 200))
    seconds, taken = time.perf_counter() - start, next(drawn)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    results.close()  # stops the workers
    assert first == list(range(200))
    assert taken < 1000 and seconds < 20 and peak < 2_000_000, (taken, seconds, peak)


def test_synthesize_hands_the_pool_a_stream_of_tasks(tmp_path: Path, monkeypatch) -> None:
    seen = {}

    def fake_pool_map(fn, tasks, workers, **options):
        seen["tasks"], seen["total"], seen["state"] = tasks, options["total"], options["state"]
        return iter(())

    monkeypatch.setattr("plategen.synth.stage.pool_map", fake_pool_map)
    # 10**5, not 10**9: a list of 10**9 tasks (the bug this guards against) would fill this machine
    synthesize(tmp_path, 10**5, 0, SMALL, progress=False)
    assert seen["total"] == 10**5 and not isinstance(seen["tasks"], Sized)
    assert next(iter(seen["tasks"])) == SynthTask(0) and seen["state"].seed == 0


def test_the_synth_worker_draws_from_its_task_and_state_alone(clean_dir: Path, tmp_path: Path) -> None:
    """Called in this process with no initializer, a worker draws the very photo a run draws."""
    fonts = (resolve_font(None), *(resolve_font(f) for f in bundled_latin_fonts()))
    index, name, status, kind = _work(SynthTask(5), SynthWorker(3, CLEAN, tmp_path, fonts))
    assert (index, status) == (5, "written") and kind in ("blue", "green")
    assert (tmp_path / name).read_bytes() == (clean_dir / name).read_bytes()
    assert _work(SynthTask(5), SynthWorker(3, CLEAN, tmp_path, fonts))[2] == "existing"
