from __future__ import annotations

import json
import tarfile

import numpy as np
import pytest

from plategen.data.shards import (
    iter_shard,
    read_shard_manifest,
    read_shard_split,
    shard_name,
    verify_shards,
    write_manifest,
    write_shard,
)
from plategen.errors import ShardError
from plategen.io import encode_image


def _sample(i: int) -> tuple[str, dict[str, bytes]]:
    crop = np.full((24, 94, 3), i, np.uint8)
    label = np.zeros((24, 94), np.uint8)
    label[5:20, i : i + 8] = 255
    return f"{i:06d}", {
        "crop.png": encode_image(crop),
        "label.png": encode_image(label),
        "json": json.dumps({"text": f"皖A{i:05d}", "subset": "ccpd_base"}).encode(),
    }


def _write(tmp_path, n: int = 5):
    out = tmp_path / "shards"
    rec = write_shard(out / shard_name("train", 0), (_sample(i) for i in range(n)))
    write_manifest(out, {"splits": {"train": {"count": n, "shards": [rec]}}, "charset": "A"})
    return out


def test_shards_are_plain_tars_in_webdataset_layout(tmp_path) -> None:
    out = _write(tmp_path)
    with tarfile.open(out / "train-00000.tar") as tar:
        names = tar.getnames()
    assert names[:3] == ["000000.crop.png", "000000.label.png", "000000.json"]
    assert read_shard_manifest(out)["splits"]["train"]["count"] == 5
    verify_shards(out)
    arrays = read_shard_split(out, "train")
    assert arrays.crops.shape == (5, 24, 94, 3) and arrays.labels.shape == (5, 24, 94)
    assert arrays.texts[3] == "皖A00003" and arrays.crops[3].max() == 3
    assert arrays.labels[2][10, 2:10].min() == 255
    assert [t for t in read_shard_split(out, "train", rank=1, world=2).texts] == ["皖A00001", "皖A00003"]


def test_truncated_shard_is_named(tmp_path) -> None:
    out = _write(tmp_path)
    path = out / "train-00000.tar"
    path.write_bytes(path.read_bytes()[:3000])
    with pytest.raises(ShardError, match="train-00000.tar: checksum mismatch"):
        verify_shards(out)
    with pytest.raises(ShardError, match="train-00000.tar: unreadable or truncated shard"):
        list(iter_shard(path))


def test_missing_member_is_named(tmp_path) -> None:
    out = tmp_path / "s"
    key, members = _sample(1)
    del members["label.png"]
    write_shard(out / "x.tar", [(key, members)])
    with pytest.raises(ShardError, match=r"x.tar: sample '000001' is missing member\(s\) label.png"):
        list(iter_shard(out / "x.tar"))


def test_missing_manifest(tmp_path) -> None:
    with pytest.raises(ShardError, match="manifest.json: shard manifest not found"):
        read_shard_manifest(tmp_path)
