"""The dataset seam: each built-in reader is picked for its input, and a new format is one reader."""

from __future__ import annotations

from pathlib import Path

import pytest

from plategen.data import Sample, load_samples
from plategen.data import registry as datasets
from plategen.data.ccpd import parse_name
from plategen.data.registry import Dataset, ReadOptions, hash_split, read_dataset, register
from plategen.errors import DatasetError

NAME = "025-95_113-154&383_386&473-386&473_177&454_154&383_363&402-0_0_22_27_27_33_16-37-15.jpg"


def test_each_input_goes_to_its_reader(tmp_path, ccpd_images, plate_crops) -> None:
    (tmp_path / "m.txt").write_text("a.png\tAB\n", encoding="utf-8")
    (tmp_path / "index.jsonl").write_text('{"crop": "a.png", "text": "AB"}\n', encoding="utf-8")
    assert read_dataset(tmp_path / "m.txt").reader == "manifest"
    assert read_dataset(tmp_path).reader == "crop-index"
    assert read_dataset(ccpd_images).reader == "ccpd"
    assert read_dataset(plate_crops).reader == "text-folder"
    assert read_dataset(plate_crops, format="ccpd").reader == "ccpd"


def test_ccpd_records_carry_corners_and_fields(ccpd_images) -> None:
    samples = load_samples(ccpd_images)
    assert len(samples) == 24 and {s.layout for s in samples} == {"blue7", "green8"}
    s = samples[0]
    plate = parse_name(s.path.name)
    br, bl, tl, tr = plate.vertices
    assert s.corners == (tl, tr, br, bl) and s.bbox == plate.bbox and s.text == plate.text
    assert s.fields["source"] == s.path.name and s.fields["indices"] == list(plate.indices)


def test_text_folder_splits_by_text(tmp_path, plate_crops) -> None:
    samples = load_samples(plate_crops)
    val = [s for s in samples if s.split == "val"]
    assert {s.split for s in samples} == {"train", "val"} and 0.1 < len(val) / len(samples) < 0.3
    assert all(s.split == hash_split(s.text, 0.2) for s in samples)
    # the same text in another file lands in the same split
    for name in ("皖A12345.jpg", "皖A12345_2.jpg", "皖B00001.jpg"):
        (tmp_path / name).write_bytes(b"")
    split = {s.path.name: s.split for s in load_samples(tmp_path)}
    assert split["皖A12345.jpg"] == split["皖A12345_2.jpg"]


def test_a_new_format_is_one_registered_reader(tmp_path) -> None:
    @register("csv-test", detect=lambda p: p.suffix == ".csv", order=5)
    def read_csv(source: Path, options: ReadOptions) -> Dataset:
        rows = [line.split(",") for line in source.read_text(encoding="utf-8").split()]
        return Dataset([Sample(source.parent / p, t, f"len{len(t)}") for p, t in rows])

    try:
        (tmp_path / "x.csv").write_text("a.png,HELLO\nb.png,HI\n", encoding="utf-8")
        assert [s.text for s in load_samples(tmp_path / "x.csv")] == ["HELLO", "HI"]
    finally:
        del datasets.READERS["csv-test"]


def test_unknown_format_and_empty_result(tmp_path) -> None:
    with pytest.raises(DatasetError, match="unknown dataset format 'nope'"):
        read_dataset(tmp_path, format="nope")
    (tmp_path / "ccpd_base").mkdir()
    (tmp_path / "ccpd_base" / NAME.replace("025", "x")).write_bytes(b"")
    with pytest.raises(
        DatasetError, match=r"no samples \(ccpd\); first skipped: ccpd_base/x.*not a CCPD name"
    ):
        load_samples(tmp_path)
