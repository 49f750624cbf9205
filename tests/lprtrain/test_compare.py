from __future__ import annotations

import json
import statistics
from pathlib import Path

import pytest

from lprtrain.errors import ConfigError
from lprtrain.evaluation.compare import DONE, CompareConfig, compare
from lprtrain.model.lprnet import LPRNet, ModelConfig
from lprtrain.train.config import FitConfig
from lprtrain.train.fit import fit
from plategen.data.shards import read_shard_manifest
from plategen.io import read_jsonl


def test_compare_writes_the_papers_tables_and_resumes(shards: Path, tmp_path: Path) -> None:
    config = CompareConfig(
        ("off", "alternate"),
        seeds=2,
        fit=FitConfig(max_steps=1, batch_size=8),
        tests=(str(shards.parent / "crops"),),
        fps_plates=5,
    )
    report = compare(shards, tmp_path / "report", config, progress=False)
    results = json.loads((tmp_path / "report" / "compare.json").read_text())
    assert set(results["table2"]) == {"off", "alternate"}
    assert set(results["table2"]["off"]) >= {"shards:val", "crops"}
    acc = results["table2"]["alternate"]["crops"]["accuracy"]
    per_run = [r["eval"]["crops"]["accuracy"] for r in results["runs"]["alternate"]]
    assert acc["n"] == len(per_run) == 2
    assert acc["mean"] == pytest.approx(statistics.fmean(per_run))
    assert acc["sd"] == pytest.approx(statistics.stdev(per_run))
    t3 = results["table3"]["off"]
    params = sum(p.numel() for p in LPRNet(ModelConfig()).parameters())  # 0.45 M with every kind's charset
    assert abs(t3["gflops"] - 0.289) < 0.01 and t3["params"] == params and t3["fps"]["mean"] > 0
    assert results["table4"]["off"] and all(c.isascii() for c in results["table4"]["off"])
    md = (tmp_path / "report" / "compare.md").read_text()
    assert "## Table 2" in md and "## Table 3" in md and "## Table 4" in md and "±" in md
    for name in ("curves.png", "fig13.png"):
        assert (tmp_path / "report" / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    runs = sorted(p.name for p in (tmp_path / "report").iterdir() if p.is_dir())
    assert runs == ["alternate-seed0", "alternate-seed1", "off-seed0", "off-seed1"]
    # a re-run keeps finished runs: their weights are not rewritten
    stamp = (tmp_path / "report" / "off-seed0" / "model.safetensors").stat().st_mtime_ns
    assert (tmp_path / "report" / "off-seed0" / DONE).is_file()
    compare(shards, tmp_path / "report", config, progress=False)
    assert (tmp_path / "report" / "off-seed0" / "model.safetensors").stat().st_mtime_ns == stamp
    assert report.summary().startswith("# LPRNet with and without graphical supervision")
    # which split of what each test set is (the tiny shards have no test split: their val)
    val = read_shard_manifest(shards)["splits"]["val"]["count"]
    assert results["test_sets"]["shards:val"] == f"split: val ({val} plates) of {shards}"
    assert f"  shards:val: split: val ({val} plates) of {shards}" in report.summary()
    assert results["test_sets"]["crops"].startswith("split: all (")


def test_compare_goes_on_with_an_interrupted_run_from_its_checkpoint(shards: Path, tmp_path: Path) -> None:
    fit_config = FitConfig(max_steps=3, batch_size=8, log_every=1, device="cpu")
    run = tmp_path / "report" / "off-seed0"
    fit(
        shards,
        run,
        FitConfig(max_steps=2, batch_size=8, log_every=1, device="cpu", aux="off"),
        progress=False,
    )
    assert not (run / DONE).exists()  # as if compare had been stopped after the run's second step
    compare(
        shards, tmp_path / "report", CompareConfig(("off",), fit=fit_config, fps_plates=2), progress=False
    )
    info = json.loads((run / DONE).read_text())
    assert info["resumed"] and info["steps"] == 3
    assert [r["step"] for r in read_jsonl(run / "metrics.jsonl") if r["kind"] == "train"] == [1, 2, 3]


@pytest.mark.parametrize("kwargs, field", [({"modes": ("sometimes",)}, "modes"), ({"seeds": 0}, "seeds")])
def test_bad_compare_config_names_the_field(kwargs: dict, field: str) -> None:
    with pytest.raises(ConfigError, match=field):
        CompareConfig(**kwargs)


def test_compare_reads_its_data_once_and_trains_as_fit_alone_does(shards: Path, tmp_path: Path, monkeypatch):
    from lprtrain.train import sources

    reads = []
    real = sources._read_train_and_val
    monkeypatch.setattr(sources, "_read_train_and_val", lambda *a: reads.append(a[0]) or real(*a))
    config = CompareConfig(
        ("off", "alternate"), seeds=2, fit=FitConfig(max_steps=2, batch_size=8), fps_plates=2
    )
    compare(shards, tmp_path / "report", config, progress=False)
    assert len(reads) == 1  # four runs, one read
    # the shared tensors come out of a run untouched: a fresh fit on freshly read data trains alike
    alone = fit(
        shards, tmp_path / "alone", FitConfig(max_steps=2, batch_size=8, aux="alternate", seed=1), False
    )
    assert len(reads) == 2
    mine = (tmp_path / "report" / "alternate-seed1" / "model.safetensors").read_bytes()
    assert (alone.run / "model.safetensors").read_bytes() == mine
