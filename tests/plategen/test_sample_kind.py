"""A sample's kind: one function finds it (`grammar.sample_kind`), every reader sets `Sample.kind` with
it, every stage reads it, and a kind the grammar does not know is the same error at every stage.
Also the layout interface (`geometry.PlateLayout`) that one-row and two-row plates both satisfy."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import pytest
from click.testing import CliRunner

from cli.plategen import plategen
from plategen.crop.stage import crop_dataset
from plategen.data.ccpd import format_name, parse_name
from plategen.data.registry import ReadOptions, read_dataset
from plategen.errors import FilenameError, PlategenError
from plategen.io import write_image_atomic
from plategen.plates.geometry import BLUE, EMBASSY, GREEN, POLICE, TWO_ROW, PlateGeometry, PlateLayout
from plategen.plates.grammar import KINDS, KindError, layout_kind, sample_kind
from plategen.plates.rows import as_line, crop_size, find_cut, unfold
from tests.plategen.test_crop import ccpd_name, write_tiny
from tests.plategen.test_labels import make_dataset

KNOWN = "blue, yellow, coach, police, embassy, consulate, hk, macau, green, green-large, yellow-rear, trailer"
UNKNOWN = f"kind 'purple' is not a plate kind; known kinds: {KNOWN}"  # the one message, after the file


def test_the_kind_field_wins_then_the_layout_name_then_none() -> None:
    assert sample_kind({"kind": "police"}, "blue7", "x.png") is KINDS["police"]
    assert sample_kind({}, "police7", "x.png") is KINDS["police"]  # a plate type from `crop`
    assert sample_kind({"kind": ""}, "trailer", "x.png") is KINDS["trailer"]  # `--layout-key kind`
    assert sample_kind({}, "len7", "x.png") is None and sample_kind({"kind": None}, None, "x.png") is None
    assert layout_kind("green8") is KINDS["green"] and layout_kind("len8") is None


@pytest.mark.parametrize("value", ["purple", "police7", ["blue"], 7])
def test_an_unknown_kind_names_the_file_and_the_known_kinds(value) -> None:
    with pytest.raises(KindError) as caught:
        sample_kind({"kind": value}, "blue7", Path("crops/x.png"))
    assert str(caught.value) == f"crops/x.png: kind {value!r} is not a plate kind; known kinds: {KNOWN}"
    assert isinstance(caught.value, PlategenError)
    assert sample_kind({"kind": value}, "blue7", "x.png", check=False) is None  # validate's read


def crop_index(folder: Path, rows: list[dict]) -> Path:
    """An index of plain 94×24 crops, one per row (`crop` filled in), split train."""
    folder.mkdir(parents=True, exist_ok=True)
    lines = []
    for i, row in enumerate(rows):
        write_image_atomic(folder / f"c{i}.png", np.full((24, 94, 3), 60 + 20 * i, np.uint8))
        lines.append(json.dumps({"crop": f"c{i}.png", "split": "train", **row}, ensure_ascii=False))
    (folder / "index.jsonl").write_text("\n".join(lines) + "\n", "utf-8")
    return folder


def test_every_reader_sets_the_sample_kind(tmp_path) -> None:
    index = crop_index(
        tmp_path / "index",
        [
            {"text": "京A1234警", "kind": "police", "plate_type": "police7"},
            {"text": "京A12345", "plate_type": "yellow-rear7"},  # no kind field: the layout name's
            {"text": "京A12345"},
        ],
    )
    assert [s.kind for s in read_dataset(index).samples] == [KINDS["police"], KINDS["yellow-rear"], None]
    (tmp_path / "m.tsv").write_text("index/c0.png\t京A12345\n", "utf-8")
    assert [s.kind for s in read_dataset(tmp_path / "m.tsv").samples] == [None]
    write_image_atomic(tmp_path / "named" / "京A12345.png", np.zeros((24, 94, 3), np.uint8))
    assert [s.kind for s in read_dataset(tmp_path / "named").samples] == [None]
    yellow = parse_name(ccpd_name(indices=(0, 0, 24, 25, 26, 27, 28)))  # 皖A01234
    name = format_name(replace(yellow, kind_field="yellow"))
    write_tiny(tmp_path / "ccpd" / "ccpd_base" / name)
    write_tiny(tmp_path / "ccpd" / "ccpd_base" / ccpd_name(indices=(0, 0, 1, 2, 3, 4, 6)))
    kinds = {s.path.name: s.kind for s in read_dataset(tmp_path / "ccpd").samples}
    assert kinds[name] is KINDS["yellow"] and list(kinds.values()).count(KINDS["blue"]) == 1


def planted(folder: Path) -> Path:
    """A crop index whose second crop states the kind 'purple'."""
    return crop_index(folder, [{"text": "皖A12345", "kind": "blue"}, {"text": "皖A12346", "kind": "purple"}])


def test_the_readers_refuse_an_unknown_kind_unless_told_to_keep_it(tmp_path) -> None:
    index = planted(tmp_path / "crops")
    with pytest.raises(KindError, match="^" + str(index / "c1.png")):
        read_dataset(index)
    kept = read_dataset(index, options=ReadOptions(check_kinds=False)).samples
    assert [s.kind for s in kept] == [KINDS["blue"], None] and kept[1].fields["kind"] == "purple"


def test_align_stops_at_an_unknown_kind_naming_the_crop(tmp_path) -> None:
    index = planted(tmp_path / "crops")
    result = CliRunner().invoke(plategen, ["align", str(index), "--out", str(tmp_path / "a.json")])
    assert result.exit_code == 1
    assert result.output.strip().splitlines()[-1] == f"Error: {index / 'c1.png'}: {UNKNOWN}"


def test_render_labels_stops_at_an_unknown_kind_naming_the_crop(tmp_path) -> None:
    root, alignment = make_dataset(tmp_path)
    lines = [
        json.dumps({"crop": f"c{i}.png", "text": t, "split": "train", "kind": k}, ensure_ascii=False)
        for i, (t, k) in enumerate([("皖A12345", "blue"), ("皖A12346", "purple")])
    ]
    (root / "index.jsonl").write_text("\n".join(lines) + "\n", "utf-8")
    args = ["render-labels", str(root), "--alignment", str(alignment), str(tmp_path / "out")]
    result = CliRunner().invoke(plategen, [*args, "--workers", "1"])
    assert result.exit_code == 1
    assert result.output.strip().splitlines()[-1] == f"Error: {root / 'c1.png'}: {UNKNOWN}"


def test_crop_skips_a_photo_whose_name_states_an_unknown_kind(tmp_path) -> None:
    good = write_tiny(tmp_path / "root" / "ccpd_base" / ccpd_name())
    name = ccpd_name(indices=(0, 0, 1, 2, 3, 4, 6)).replace(".jpg", "-purple.jpg")
    write_tiny(good.parent / name)
    report = crop_dataset(tmp_path / "root", tmp_path / "out", workers=1, progress=False)
    assert report.written == 1
    assert dict(report.skipped)[f"ccpd_base/{name}"] == f"not a CCPD name: {name}: field 8: {UNKNOWN}"
    with pytest.raises(FilenameError, match=f"{name}: field 8: kind 'purple'"):
        parse_name(name)


def test_reading_a_crop_as_an_unknown_kind_names_it() -> None:
    image = np.zeros((24, 94, 3), np.uint8)
    with pytest.raises(KindError) as caught:
        as_line(image, "purple", "crops/x.png")
    assert str(caught.value) == f"crops/x.png: {UNKNOWN}"
    with pytest.raises(KindError, match=f"^{UNKNOWN}$"):
        crop_size((94, 24), "purple")


def test_both_geometries_are_plate_layouts_and_each_kind_holds_plate_and_line() -> None:
    for layout in (BLUE, EMBASSY, POLICE, GREEN, TWO_ROW):
        assert isinstance(layout, PlateLayout), layout.name
    assert not isinstance(KINDS["blue"], PlateLayout)  # a kind holds layouts; it is none
    for k in KINDS.values():
        assert isinstance(k.plate, PlateLayout) and isinstance(k.line, PlateGeometry)
        assert k.line == k.plate.line() and k.line.rows == 1 and k.line.length == k.length
        assert k.rows == k.plate.rows and len(k.plate.boxes()) == k.length
        if k.rows == 1:
            assert k.line is k.plate  # the plate is the line the model reads
        else:
            assert k.plate is TWO_ROW and k.line.width > k.plate.width  # the rows side by side


def two_rows() -> np.ndarray:
    """A 2:1 crop with two glyph blocks on a short top row and six on a tall bottom row."""
    image = np.full((94, 188, 3), 230, np.uint8)
    for x in (60, 100):
        cv2.rectangle(image, (x, 8), (x + 25, 30), (20, 20, 20), -1)
    for x in range(15, 180, 33):
        cv2.rectangle(image, (x, 42), (x + 22, 86), (20, 20, 20), -1)
    return image


def test_the_rows_are_unfolded_by_the_kinds_own_plate() -> None:
    """`rows` reads a two-row plate by its kind's geometry, not by the one standard's."""
    image, narrow = two_rows(), replace(TWO_ROW, top_span=(0.3, 0.7))
    kind = replace(KINDS["trailer"], plate=narrow)
    assert kind.line == narrow.line() != KINDS["trailer"].line
    cut = find_cut(image, kind)
    assert cut is not None
    np.testing.assert_array_equal(as_line(image, kind, "x.png"), unfold(image, *cut, narrow))
    assert as_line(image, kind).shape != as_line(image, "trailer").shape
    tall = replace(TWO_ROW, height=330)
    assert crop_size((94, 24), replace(KINDS["trailer"], plate=tall)) == (188, 141)
