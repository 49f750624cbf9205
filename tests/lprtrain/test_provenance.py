"""A run's config.json records what it was made from by name and hash, never by a local path: the
committed ones, and a fresh fit's (one that starts from another run and mixes two sources)."""

from __future__ import annotations

import json
import re
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from lprtrain.deploy.convert import import_pretrained
from lprtrain.model.lprnet import LPRNet, ModelConfig
from lprtrain.model.run import load_model, read_config, save_run
from lprtrain.train.fit import fit
from lprtrain.train.provenance import identity
from lprtrain.train.sources import Source

from .test_fit import quick

REPO = Path(__file__).resolve().parents[2]
# a POSIX root, a Windows drive or a UNC share, at the start of a value or after `=`, `:` or a space
# (`synth=/data/shards:1` holds one too)
ABSOLUTE = re.compile(r"(^|[=:\s])(/|[A-Za-z]:[\\/]|\\\\)")


def absolute_paths(value, where: str = "") -> list[str]:
    """Every string in a JSON value that holds an absolute path, as `where: value`."""
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in absolute_paths(v, f"{where}.{k}")]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in absolute_paths(v, f"{where}[{i}]")]
    return [f"{where}: {value}"] if isinstance(value, str) and ABSOLUTE.search(value) else []


def committed_configs() -> list[Path]:
    try:
        out = subprocess.run(
            ["git", "ls-files", "*config.json"], cwd=REPO, capture_output=True, text=True, check=True
        ).stdout
    except (OSError, subprocess.CalledProcessError):  # not a git checkout: the package's own
        return sorted((REPO / "lprtrain").rglob("config.json"))
    return [REPO / line for line in out.splitlines()]


@pytest.mark.parametrize(
    "value, found",
    [
        ("/work/data/synth-shards", True),
        ("synth=/work/data/synth-shards:1", True),
        ("C:\\data\\shards", True),
        ("d:/runs/pre", True),
        ("\\\\server\\share\\crops", True),
        ("synth-shards", False),
        ("PlateSansCJK-Bold.otf", False),
        ("runs/pre", False),
        ("皖沪津渝ABC0123", False),
    ],
)
def test_the_check_finds_absolute_paths(value: str, found: bool) -> None:
    assert bool(absolute_paths({"a": [{"b": value}]})) == found


def test_committed_configs_hold_no_absolute_path() -> None:
    configs = committed_configs()
    assert REPO / "lprtrain" / "models" / "default" / "config.json" in configs
    for path in configs:
        assert absolute_paths(json.loads(path.read_text(encoding="utf-8"))) == [], path


def test_the_shipped_model_still_loads_with_its_rewritten_config() -> None:
    config = read_config(REPO / "lprtrain" / "models" / "default")
    assert [s["name"] for s in config["sources"]] == ["real", "synth"]
    assert config["font"]["file"] == "PlateSansCJK-Bold.otf" and len(config["font"]["sha256"]) == 64
    assert load_model(None).config.charset == config["model"]["charset"]


def test_a_fresh_fit_records_names_and_hashes_and_resumes(shards: Path, tmp_path: Path) -> None:
    start = tmp_path / "start"
    fit(shards, start, quick(aux="off", max_steps=1), progress=False)
    run = tmp_path / "run"
    sources = [Source("synth", str(shards), 1.0), Source("real", str(shards), 3.0)]
    config = quick(aux="off", init=str(start), schedule="cosine", max_steps=3)
    fit(sources, run, replace(config, time_budget_s=1e-9), progress=False)  # stops after step 1
    recorded = json.loads((run / "config.json").read_text(encoding="utf-8"))
    assert absolute_paths(recorded) == []
    assert str(tmp_path) not in json.dumps(recorded, ensure_ascii=False)
    shards_id = {"name": shards.name, "of": "shards", "sha256": identity(shards)["sha256"]}
    assert len(shards_id["sha256"]) == 64 and recorded["shards"] == shards_id
    assert recorded["sources"] == [
        {"name": "synth", "weight": 1.0, "data": shards_id},
        {"name": "real", "weight": 3.0, "data": shards_id},
    ]
    assert recorded["fit"]["init"] == identity(start) != identity(run)
    assert recorded["fit"]["init"]["of"] == "model.safetensors"
    assert recorded["font"]["file"].endswith((".otf", ".ttf")) and len(recorded["font"]["sha256"]) == 64
    # resuming reads the recorded settings back (the schedule) and still checks compatibility; the
    # same --init says nothing, and config.json goes on naming the model the run started from
    result = fit(sources, run, replace(config, resume=True), progress=False)
    assert (result.steps, result.notes) == (3, [])
    assert read_config(run)["fit"]["init"] == identity(start)


def test_identity_says_what_it_hashed(shards: Path, tmp_path: Path) -> None:
    crops = tmp_path / "crops"
    crops.mkdir()
    (crops / "皖A12345.png").write_bytes(b"png")
    listed = identity(crops)
    (crops / "皖A12346.png").write_bytes(b"png")
    assert listed["of"] == "file list" and identity(crops)["sha256"] != listed["sha256"]
    (crops / "index.jsonl").write_text('{"crop": "a.png", "text": "皖A12345"}\n', encoding="utf-8")
    assert identity(crops)["of"] == "index.jsonl"
    assert identity(crops / "index.jsonl") == {
        "name": "index.jsonl",
        "of": "file",
        "sha256": identity(crops)["sha256"],
    }
    assert identity(tmp_path / "gone") == {"name": "gone", "of": None, "sha256": None}


def test_an_imported_checkpoint_is_recorded_by_name_and_hash(tmp_path: Path) -> None:
    import torch

    from lprtrain.model.lprnet import LPRNET_PYTORCH_CHARSET

    pth = tmp_path / "Final_LPRNet_model.pth"
    model = LPRNet(ModelConfig(charset=LPRNET_PYTORCH_CHARSET, context_norm="batch"))
    torch.save(model.state_dict(), pth)
    source = read_config(import_pretrained(pth, tmp_path / "run"))["source"]
    assert source == {"format": "LPRNet_Pytorch", **identity(pth)} and source["name"] == pth.name
    save_run(tmp_path / "other", model, {})  # a run that records nothing holds no path either
    assert absolute_paths(read_config(tmp_path / "other")) == []


def test_a_run_recorded_before_the_one_split_rule_still_rebuilds_its_settings() -> None:
    from lprtrain.train.config import FitConfig
    from lprtrain.train.provenance import replayable_settings

    # runs before the one split rule recorded `val_fraction`, which FitConfig no longer has
    recorded = {**read_config(REPO / "lprtrain" / "models" / "default")["fit"], "val_fraction": 0.1}
    assert FitConfig.from_dict(replayable_settings(recorded)).epochs == recorded["epochs"]
