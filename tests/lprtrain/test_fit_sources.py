"""fit on several sources, schedules in a real run, --init from a run, and the paper preset."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import pytest
import torch
from click.testing import CliRunner
from safetensors.torch import load_file

from cli.lprtrain import lprtrain as main
from lprtrain.data.plate_data import load_data
from lprtrain.errors import ConfigError, RunError, TrainingError, WeightsError
from lprtrain.model.lprnet import LPRNet, ModelConfig
from lprtrain.model.run import load_model, save_run
from lprtrain.train.config import FitConfig
from lprtrain.train.fit import fit
from lprtrain.train.sources import MixedBatches, Source
from plategen.io import read_jsonl
from plategen.labels.paper import paper_label


def quick(**kw) -> FitConfig:
    settings = dict(batch_size=8, max_steps=2, log_every=1, device="cpu", threads=2)
    return FitConfig(**{**settings, **kw})


def test_two_sources_validate_apart_and_the_named_one_selects(shards: Path, tmp_path: Path) -> None:
    sources = [Source("a", str(shards), 1.0), Source("b", str(shards), 3.0)]
    result = fit(sources, tmp_path / "run", quick(aux="joint", select_on="b"), progress=False)
    rows = read_jsonl(tmp_path / "run" / "metrics.jsonl")
    val = [r for r in rows if r["kind"] == "val"]
    assert sorted(r["source"] for r in val) == ["a", "b"]
    train, val = (len(load_data(shards, split)) for split in ("train", "val"))
    assert result.train_samples == 2 * train  # both sources train on all of their train split
    assert result.val_samples == val  # the selecting source's validation
    config = json.loads((tmp_path / "run" / "config.json").read_text())
    assert [(s["name"], s["weight"], s["data"]["name"]) for s in config["sources"]] == [
        ("a", 1.0, shards.name),
        ("b", 3.0, shards.name),
    ]
    assert config["fit"]["select_on"] == "b"


def test_a_missing_source_and_an_unknown_select_on_are_named(shards: Path, tmp_path: Path) -> None:
    with pytest.raises(TrainingError, match="data source 'gone' not found"):
        fit(
            [Source("a", str(shards)), Source("gone", str(tmp_path / "nope"))],
            tmp_path / "r1",
            quick(aux="off"),
        )
    with pytest.raises(ConfigError, match="select_on: 'c' names no source"):
        fit([Source("a", str(shards))], tmp_path / "r2", quick(aux="off", select_on="c"))


def test_the_schedule_drives_the_rate_and_resume_keeps_it(shards: Path, tmp_path: Path) -> None:
    run = tmp_path / "run"
    cfg = quick(aux="off", schedule="cosine", warmup=1, max_steps=4, lr=1e-3)
    first = fit(shards, run, replace(cfg, time_budget_s=1e-9), progress=False)  # stops after step 1
    assert (first.stopped, first.steps) == ("time_budget", 1)
    # another length moves the cosine's later rates (step 3's over 6 steps is not its rate over 4;
    # step 2's, the first after warm-up, is the base rate either way): refused, naming the field,
    # where the run used to go on silently with this call's length
    schedule = cfg.lr_schedule()
    assert schedule.lr_at(2, 1, 6) != pytest.approx(schedule.lr_at(2, 1, 4))
    with pytest.raises(
        RunError, match=re.escape("--resume with max_steps=6, but the run was started with max_steps=4")
    ):
        fit(shards, run, replace(cfg, max_steps=6, resume=True), progress=False)
    fit(shards, run, replace(cfg, resume=True), progress=False)
    lrs = {r["step"]: r["lr"] for r in read_jsonl(run / "metrics.jsonl") if r["kind"] == "train"}
    steps_per_epoch = 1_000_000  # cosine ignores it
    for step in (1, 2, 3, 4):
        assert lrs[step] == pytest.approx(schedule.lr_at(step - 1, steps_per_epoch, 4), rel=1e-12), step
    assert lrs[1] == pytest.approx(1e-3) and lrs[4] < lrs[3] < lrs[2]


def test_init_starts_from_the_model(shards: Path, tmp_path: Path) -> None:
    fit(shards, tmp_path / "first", quick(aux="off"), progress=False)
    first = load_model(tmp_path / "first")
    # a rate too small to move anything: the second run's weights are the first's
    result = fit(
        shards, tmp_path / "second", quick(aux="joint", init=str(tmp_path / "first"), lr=1e-12, seed=5)
    )
    second = load_model(tmp_path / "second")
    for (k, a), b in zip(first.state_dict().items(), second.state_dict().values()):
        if a.is_floating_point() and "running" not in k:
            torch.testing.assert_close(a, b, atol=1e-6, rtol=0)
    assert "decoder: fresh" in result.init


def test_init_errors_name_the_file(shards: Path, tmp_path: Path) -> None:
    bad = tmp_path / "junk.pth"
    bad.write_bytes(b"not a checkpoint")
    with pytest.raises(WeightsError, match="junk.pth"):
        fit(shards, tmp_path / "r1", quick(aux="off", init=str(bad)))
    save_run(tmp_path / "greek", LPRNet(ModelConfig(charset="αβγ")), {})
    with pytest.raises(WeightsError, match="shares no character"):
        fit(shards, tmp_path / "r2", quick(aux="off", init=str(tmp_path / "greek")))


def test_preset_paper_is_the_paper_code(shards: Path, tmp_path: Path) -> None:
    out = tmp_path / "paper"
    r = CliRunner().invoke(
        main,
        ["fit", str(shards), "--out", str(out), "--preset", "paper", "--max-steps", "1", "--batch-size", "4"],
    )
    assert r.exit_code == 0, r.output
    config = json.loads((out / "config.json").read_text())
    fit_cfg = config["fit"]
    assert (fit_cfg["decoder"], fit_cfg["context_norm"], fit_cfg["schedule"], fit_cfg["labels"]) == (
        "paper",
        "batch",
        "step",
        "paper",
    )
    assert fit_cfg["batch_size"] == 4 and fit_cfg["milestones"] == [4, 8, 12, 14, 16]  # explicit options win
    decoder = load_file(str(out / "decoder.safetensors"))
    shapes = {k: tuple(v.shape) for k, v in decoder.items()}
    classes = config["model"]["charset"].__len__() + 1
    assert shapes["up.0.weight"] == (448 + classes, 256, 2, 8)
    assert shapes["up.4.weight"] == (128, 64, 4, 6) and shapes["project.weight"] == (1, 64, 1, 1)
    assert not any("running" in k for k in decoder)  # no BatchNorm
    assert config["label_size"] == [94, 24]


def test_paper_labels_are_drawn_from_the_texts(shards: Path) -> None:
    from lprtrain.train.distributed import Dist
    from lprtrain.train.fit import load_sources

    train = load_sources((Source("a", str(shards)),), quick(labels="paper", aux="joint"), Dist(0, 1, 0)).train
    for i in (0, len(train) - 1):
        assert torch.equal(train.labels[i], torch.from_numpy(paper_label(train.texts[i]).copy()))


@pytest.mark.parametrize(
    "args, message",
    [
        (["--data", "a=SHARDS:0"], "weight must be > 0"),
        (["--data", "a=SHARDS:-1"], "weight must be > 0"),
        (["--data", "a=SHARDS", "--select-on", "zzz"], "select_on: 'zzz' names no source"),
        (["--data", "a=/nonexistent/shards"], "/nonexistent/shards: data source 'a' not found"),
        (["SHARDS", "--init", "/nonexistent/model.pth"], "/nonexistent/model.pth"),
    ],
)
def test_cli_bad_sources_give_one_error_line(shards: Path, tmp_path: Path, args, message) -> None:
    args = [a.replace("SHARDS", str(shards)) for a in args]
    r = CliRunner().invoke(
        main, ["fit", *args, "--out", str(tmp_path / "run"), "--max-steps", "1", "--aux", "off"]
    )
    assert r.exit_code in (1, 2), r.output
    assert "Traceback" not in r.output and "Error:" in r.output and message in r.output, r.output


@pytest.mark.parametrize(
    "sizes, weights, batch", [([5, 7], [1, 1], 4), ([3, 9, 4], [1, 3, 2], 6), ([8], [1], 3)]
)
def test_mixed_batches_draw_every_sample_of_each_source_from_its_own_rows(sizes, weights, batch) -> None:
    """Each source's rows sit at its offset in the concatenation, and an epoch's worth of steps
    draws each of its samples: an off-by-one offset leaves one sample out and reaches past the end."""
    mix = MixedBatches(sizes, weights, batch, seed=0)
    starts = [sum(sizes[:i]) for i in range(len(sizes))]
    drawn = [set() for _ in sizes]
    for step in range(4 * mix.steps_per_epoch()):
        rows = mix.rows(step).tolist()
        at = 0
        for i, count in enumerate(mix.counts):
            part = rows[at : at + min(count, sizes[i])]
            at += len(part)
            assert all(starts[i] <= r < starts[i] + sizes[i] for r in part), (i, part)
            drawn[i].update(part)
        assert at == len(rows)
    assert drawn == [set(range(s, s + n)) for s, n in zip(starts, sizes)]
