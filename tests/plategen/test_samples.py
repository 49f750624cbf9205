from __future__ import annotations

import json

import pytest

from plategen.data import hash_split, load_samples
from plategen.errors import DatasetError


def test_folder_named_by_text(plate_crops) -> None:
    samples = load_samples(plate_crops)
    assert len(samples) == 200
    assert all(len(s.text) == 7 and s.layout == "len7" for s in samples)
    assert samples[0].path.stem == samples[0].text


def test_manifest_and_index(tmp_path) -> None:
    (tmp_path / "a.png").write_bytes(b"")
    (tmp_path / "m.txt").write_text("a.png\tHELLO\nsub/b.png\tHI\tval\n", encoding="utf-8")
    samples = load_samples(tmp_path / "m.txt")
    assert [(s.text, s.layout, s.split) for s in samples] == [
        ("HELLO", "len5", hash_split("HELLO")),  # no split column: the one hold-out rule
        ("HI", "len2", "val"),
    ]
    assert samples[1].path == tmp_path / "sub" / "b.png"
    (tmp_path / "index.jsonl").write_text(
        json.dumps(
            {"crop": "a.png", "text": "皖A12345", "plate_type": "blue7", "split": "test", "subset": "ccpd_db"}
        )
        + "\n",
        encoding="utf-8",
    )
    (s,) = load_samples(tmp_path)
    assert (s.layout, s.split, s.subset) == ("blue7", "test", "ccpd_db")


@pytest.mark.parametrize(
    "content, message",
    [
        ("", "manifest is empty"),
        ("no-tab-here\n", r"m.txt:1: expected 'path<TAB>text'"),
        (
            "a.png\tHELLO\ttrain\nb.png\tHI\ttesting\n",
            r"m.txt:2: column 3 \(split\): unknown split 'testing' \(expected one of train, val, test\)",
        ),
        ("a.png\tHELLO\tTrain\n", r"m.txt:1: column 3 \(split\): unknown split 'Train'"),
    ],
)
def test_bad_manifest(tmp_path, content: str, message: str) -> None:
    (tmp_path / "m.txt").write_text(content, encoding="utf-8")
    with pytest.raises(DatasetError, match=message):
        load_samples(tmp_path / "m.txt")


def test_index_with_an_unknown_split_names_line_and_value(tmp_path) -> None:
    rows = [
        {"crop": "a.png", "text": "皖A12345", "split": "val"},
        {"crop": "b.png", "text": "皖A1", "split": "dev"},
    ]
    (tmp_path / "index.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    with pytest.raises(DatasetError, match=r"index.jsonl:2: field 'split': unknown split 'dev' \(expected"):
        load_samples(tmp_path)


def test_missing_and_empty_folder(tmp_path) -> None:
    with pytest.raises(DatasetError, match="nope: no such folder or file"):
        load_samples(tmp_path / "nope")
    with pytest.raises(DatasetError, match="no images found"):
        load_samples(tmp_path)
