"""A kind the plate grammar does not know stops lprtrain's loads with plategen's one error, naming the
sample: crops (their reader's `Sample.kind`) and shards (`grammar.sample_kind` of their metadata),
through `load_data`, fit's sources and `eval`. (`predict` reads bare images: no kind is stated.)"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from cli.lprtrain import lprtrain
from lprtrain.data.plate_data import load_data
from lprtrain.train.config import FitConfig
from lprtrain.train.fit import fit
from lprtrain.train.sources import Source
from plategen.data.shards import shard_name, write_manifest, write_shard
from plategen.io import encode_image
from plategen.plates.grammar import KindError
from tests.plategen.test_sample_kind import UNKNOWN, planted


def planted_shards(out: Path) -> Path:
    """Shards whose second train sample's metadata states the kind 'purple'."""
    crop, label = encode_image(np.full((24, 94, 3), 90, np.uint8)), encode_image(np.zeros((12, 47), np.uint8))
    splits = {}
    for split, kinds in (("train", ["blue", "purple", "blue"]), ("val", ["blue"])):
        samples = [
            (f"{split}{i}", {"crop.png": crop, "label.png": label, "json": json.dumps(meta).encode()})
            for i, k in enumerate(kinds)
            for meta in [{"text": f"皖A1234{i}", "kind": k, "source": f"c{split}{i}.png"}]
        ]
        splits[split] = {"count": len(kinds), "shards": [write_shard(out / shard_name(split, 0), samples)]}
    write_manifest(out, {"splits": splits, "charset": "皖A0123456789"})
    return out


def test_load_data_names_the_crop_or_the_shard_sample(tmp_path) -> None:
    index = planted(tmp_path / "crops")
    with pytest.raises(KindError) as caught:
        load_data(index)
    assert str(caught.value) == f"{index / 'c1.png'}: {UNKNOWN}"
    shards = planted_shards(tmp_path / "shards")
    with pytest.raises(KindError) as caught:
        load_data(shards, "train")
    assert str(caught.value) == f"{shards}: ctrain1.png: {UNKNOWN}"
    assert load_data(shards, "val").kinds == ["blue"]


@pytest.mark.parametrize("data", ["crops", "shards"])
def test_fit_stops_at_a_source_with_an_unknown_kind(tmp_path, data) -> None:
    source = planted(tmp_path / "crops") if data == "crops" else planted_shards(tmp_path / "shards")
    config = FitConfig(batch_size=2, max_steps=1, device="cpu", threads=1, aux="off")
    with pytest.raises(KindError, match=UNKNOWN):
        fit([Source("a", str(source))], tmp_path / "run", config, progress=False)


@pytest.mark.parametrize("command", ["eval", "fit"])
def test_eval_and_fit_print_the_same_error(tmp_path, command) -> None:
    index = planted(tmp_path / "crops")
    args = [str(index)] if command == "eval" else [str(index), "--out", str(tmp_path / "run"), "--aux", "off"]
    result = CliRunner().invoke(lprtrain, [command, *args])
    assert result.exit_code == 1
    assert result.output.strip().splitlines()[-1] == f"Error: {index / 'c1.png'}: {UNKNOWN}"
