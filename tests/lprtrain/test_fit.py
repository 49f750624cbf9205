"""fit: 2-step CPU runs per schedule on tiny shards, the run folder, resume, and the bad-input errors."""

from __future__ import annotations

import json
import math
import re
from dataclasses import replace
from pathlib import Path

import pytest
import torch
from safetensors import safe_open

from lprtrain.errors import CharsetError, ConfigError, RunError, TrainingError
from lprtrain.model.lprnet import ModelConfig
from lprtrain.model.run import load_model
from lprtrain.train.config import FitConfig
from lprtrain.train.distributed import Dist
from lprtrain.train.fit import fit
from lprtrain.train.sources import train_and_val
from plategen.data.shards import read_shard_manifest
from plategen.data.splits import hash_split
from plategen.io import read_jsonl
from plategen.plates.grammar import PLATE_CHARSET


def quick(**kw) -> FitConfig:
    settings = dict(batch_size=4, max_steps=2, log_every=1, device="cpu", threads=2)
    return FitConfig(**{**settings, **kw})


def optimizer_steps(run: Path) -> dict[str, int]:
    """Adam's per-parameter step count for one parameter of each part, from train_state.pt."""
    state = torch.load(run / "train_state.pt", weights_only=True)
    names = list(state["model"].keys())
    params = [k for k in names if not k.endswith(("running_mean", "running_var", "num_batches_tracked"))]
    counts = {}
    for i, name in enumerate(params):
        part = name.split(".")[1] if name.startswith("lprnet.") else name.split(".")[0]
        if i in state["optimizer"]["state"]:
            counts.setdefault(part, int(state["optimizer"]["state"][i]["step"]))
    return counts


@pytest.mark.parametrize(
    "field, value",
    [
        ("epochs", 0),
        ("batch_size", -1),
        ("lr", 0.0),
        ("weight_decay", -1.0),
        ("aux", "both"),
        ("aux_weight", -0.5),
        ("max_steps", 0),
        ("time_budget_s", 0.0),
        ("dropout", 1.0),
        ("input_size", (20, 10)),
        ("charset", "AA"),
        ("device", "tpu"),
    ],
)
def test_config_errors_name_the_field(field: str, value) -> None:
    with pytest.raises(ConfigError, match=f"^{field}:"):
        FitConfig(**{field: value})


def test_defaults_are_the_papers_table_1() -> None:
    c = FitConfig()
    assert (c.epochs, c.batch_size, c.input_size, c.lr, c.weight_decay, c.dropout) == (
        10,
        256,
        (94, 24),
        1e-3,
        2e-5,
        0.5,
    )


# per schedule: Adam steps per batch for the backbone, the classifier (container) and the decoder
SCHEDULES = {"alternate": (2, 1, 1), "joint": (1, 1, 1), "off": (1, 1, None)}


@pytest.mark.parametrize("aux", list(SCHEDULES))
def test_two_step_smoke_run_writes_a_deployable_run(shards: Path, tmp_path: Path, aux: str) -> None:
    run = tmp_path / "run"
    result = fit(shards, run, quick(aux=aux), progress=False)
    assert result.steps == 2 and result.stopped == "max_steps"
    rows = read_jsonl(run / "metrics.jsonl")
    train = [r for r in rows if r["kind"] == "train"]
    assert [r["step"] for r in train] == [1, 2]
    assert all(math.isfinite(r["ctc"]) for r in train)
    assert all(math.isfinite(r["mse"]) for r in train) if aux != "off" else all("mse" not in r for r in train)
    assert [r["kind"] for r in rows].count("val") == 1
    with safe_open(str(run / "model.safetensors"), "pt") as f:
        assert all(k.startswith(("backbone.", "container.")) for k in f.keys())
    assert (run / "decoder.safetensors").is_file() == (aux != "off")
    for name in ("config.json", "train_state.pt", "curves.png"):
        assert (run / name).stat().st_size > 0
    config = json.loads((run / "config.json").read_text())
    assert config["fit"]["aux"] == aux and config["label_size"] == [94, 24]
    assert config["alignment"]["layouts"] and config["font"]["sha256"]
    model = load_model(run)
    assert model(torch.zeros(1, 3, 24, 94)).shape == (1, len(config["charset"]) + 1, 18)
    backbone, container, decoder = SCHEDULES[aux]
    assert optimizer_steps(run) == {
        k: 2 * v for k, v in {"backbone": backbone, "container": container, "decoder": decoder}.items() if v
    }


def test_resume_continues_the_step_count(shards: Path, tmp_path: Path) -> None:
    run = tmp_path / "run"
    fit(shards, run, quick(max_steps=1), progress=False)
    with pytest.raises(RunError, match="already holds a run"):
        fit(shards, run, quick(max_steps=2), progress=False)
    with pytest.raises(
        RunError,
        match=re.escape(f"{run}: --resume with aux='joint', but the run was started with aux='alternate'"),
    ):
        fit(shards, run, quick(max_steps=2, aux="joint", resume=True), progress=False)
    result = fit(shards, run, quick(max_steps=2, resume=True), progress=False)
    assert result.steps == 2
    # the constant schedule's rates do not depend on the run's length: a resume may extend it, and says so
    assert result.notes == [
        "resume: the run goes on to max_steps=2 (it was started with 1; "
        "its constant schedule does not depend on the run's length)"
    ]
    assert [r["step"] for r in read_jsonl(run / "metrics.jsonl") if r["kind"] == "train"] == [1, 2]
    assert optimizer_steps(run)["backbone"] == 4  # alternate: two Adam steps per batch, across the resume


def test_a_time_budget_stops_after_at_least_one_step(shards: Path, tmp_path: Path) -> None:
    result = fit(shards, tmp_path / "run", quick(time_budget_s=1e-6, max_steps=5, aux="off"), progress=False)
    assert (result.stopped, result.steps) == ("time_budget", 1)
    assert (tmp_path / "run" / "model.safetensors").is_file()


def test_a_time_budget_counts_across_resumes(shards: Path, tmp_path: Path) -> None:
    run = tmp_path / "run"
    first = fit(shards, run, quick(max_steps=2, aux="off"), progress=False)
    assert first.trained_seconds > 0
    assert torch.load(run / "train_state.pt", weights_only=True)["seconds"] == pytest.approx(
        first.trained_seconds
    )
    # the earlier call already spent more than this budget: the resumed call trains no further step
    again = fit(
        shards,
        run,
        quick(max_steps=5, aux="off", resume=True, time_budget_s=first.trained_seconds / 2),
        progress=False,
    )
    assert (again.stopped, again.steps) == ("time_budget", 2)
    assert again.trained_seconds >= first.trained_seconds
    # with budget left it goes on
    more = fit(shards, run, quick(max_steps=3, aux="off", resume=True, time_budget_s=1e6), progress=False)
    assert (more.stopped, more.steps) == ("max_steps", 3)


def test_resume_without_a_state_is_refused(shards: Path, tmp_path: Path) -> None:
    with pytest.raises(RunError, match="no train state to resume from"):
        fit(shards, tmp_path / "nothing", quick(resume=True), progress=False)


def test_a_diverging_loss_stops_the_run_naming_the_step(shards: Path, tmp_path: Path) -> None:
    with pytest.raises(TrainingError, match=r"^step \d+: loss is not finite"):
        fit(shards, tmp_path / "run", quick(lr=1e30, max_steps=6, aux="off", dropout=0.0), progress=False)


def test_input_too_narrow_for_the_labels_is_refused_before_training(shards: Path, tmp_path: Path) -> None:
    with pytest.raises(TrainingError, match=r"needs \d+ CTC time steps .* input size 42x24 gives only T=5"):
        fit(shards, tmp_path / "run", quick(input_size=(42, 24)), progress=False)
    assert not (tmp_path / "run" / "train_state.pt").exists()


def test_charset_missing_data_characters_is_named(shards: Path, tmp_path: Path) -> None:
    with pytest.raises(CharsetError, match="'皖'"):
        fit(shards, tmp_path / "run", quick(charset="ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"), progress=False)


def test_without_a_val_split_the_same_text_rule_holds_out(shards: Path) -> None:
    # The tiny shards' train split was drawn by that rule (crop's hash of the text), so holding out
    # by it again moves no plate: one rule, whichever stage applies it. Manifests whose train rows
    # the rule did not draw: tests/lprtrain/test_splits.py.
    config = FitConfig(val_split="missing")
    total = read_shard_manifest(shards)["splits"]["train"]["count"]
    train, val = train_and_val(shards, config, Dist())
    assert (len(train), len(val)) == (total, 0)
    assert {hash_split(t) for t in train.texts} == {"train"}
    named, _ = train_and_val(shards, FitConfig(), Dist())
    assert sorted(named.texts) == sorted(train.texts)


@pytest.mark.parametrize("degrade", [False, True])
def test_augmentation_moves_crop_and_label_together(degrade: bool) -> None:
    from lprtrain.data.augment import augment_batch

    torch.manual_seed(0)
    x = torch.full((16, 3, 24, 94), -1.0)
    label = torch.zeros(16, 1, 24, 94)
    x[..., 6:18, 40:48] = 1.0  # a bright glyph-like bar ...
    label[..., 6:18, 40:48] = 1.0  # ... and its image label
    ax, al = augment_batch(x.clone(), label.clone(), degrade)
    assert ax.shape == x.shape and al.shape == label.shape
    assert not torch.allclose(ax, x)  # it does change the crops

    def centre(img: torch.Tensor) -> torch.Tensor:  # (B, H, W) weights → (B, 2) centroid (y, x)
        w = img / img.sum(dim=(1, 2), keepdim=True)
        ys, xs = torch.meshgrid(torch.arange(24.0), torch.arange(94.0), indexing="ij")
        return torch.stack([(w * ys).sum(dim=(1, 2)), (w * xs).sum(dim=(1, 2))], dim=1)

    grey = ax.mean(dim=1)
    lo, hi = grey.amin(dim=(1, 2)), grey.amax(dim=(1, 2))
    bright = (grey > ((lo + hi) / 2)[:, None, None]).float()  # halfway: noise and casts cannot cross it
    moved = (centre(al[:, 0]) - torch.tensor([11.5, 43.5])).abs().max()
    assert moved > 0.5  # the label moved ...
    assert (centre(bright) - centre(al[:, 0])).abs().max() < 1.0  # ... exactly where the crop's bar went


@pytest.mark.parametrize(
    "damage, message",
    [
        (lambda p: p.write_bytes(p.read_bytes()[:500]), "cannot read train state"),
        (lambda p: p.write_bytes(b""), "cannot read train state"),
        (lambda p: torch.save({"step": 1}, p), "not a train state: key 'epoch' missing"),
        (lambda p: torch.save([1, 2], p), "not a train state (a list, not a dict)"),
    ],
)
def test_resume_from_a_damaged_train_state_names_the_file(
    shards: Path, tmp_path: Path, damage, message
) -> None:
    run = tmp_path / "run"
    config = FitConfig(aux="off", batch_size=8, max_steps=1, device="cpu")
    fit(shards, run, config, progress=False)
    damage(run / "train_state.pt")
    with pytest.raises(RunError, match=re.escape(f"{run / 'train_state.pt'}: {message}")):
        fit(shards, run, replace(config, resume=True, max_steps=2), progress=False)


def test_resume_with_a_damaged_metrics_log_names_the_file(shards: Path, tmp_path: Path) -> None:
    run = tmp_path / "run"
    config = FitConfig(aux="off", batch_size=8, max_steps=1, device="cpu")
    fit(shards, run, config, progress=False)
    (run / "metrics.jsonl").write_bytes(b'{"step": 1, "kind"')
    message = f"{run / 'metrics.jsonl'}:1: not a metrics log row (invalid JSON: "
    with pytest.raises(RunError, match=re.escape(message)):
        fit(shards, run, replace(config, resume=True, max_steps=2), progress=False)


@pytest.mark.parametrize("cls", [FitConfig, ModelConfig])
def test_configs_reject_unknown_keys_naming_them(cls) -> None:
    with pytest.raises(ConfigError, match="unknown key 'epochz'"):
        cls.from_dict({**cls().to_dict(), "epochz": 3})
    assert cls.from_dict(cls().to_dict()) == cls()


def test_compare_config_rejects_unknown_keys() -> None:
    from lprtrain.evaluation.compare import CompareConfig

    with pytest.raises(ConfigError, match="unknown key 'seedz'"):
        CompareConfig.from_dict({"seedz": 2})
    with pytest.raises(ConfigError, match="unknown key 'lrr'"):
        CompareConfig.from_dict({"fit": {"lrr": 1.0}})
    assert CompareConfig.from_dict({"seeds": 2, "fit": {"epochs": 3}}).fit.epochs == 3


def test_degradation_softens_and_casts_crops_but_keeps_their_text() -> None:
    from lprtrain.data.augment import degrade_batch

    torch.manual_seed(0)
    x = torch.full((64, 3, 24, 94), -0.6)
    for left in range(8, 90, 12):  # seven sharp glyph-like bars
        x[..., 5:19, left : left + 4] = 0.8
    out = degrade_batch(x.clone())
    assert out.shape == x.shape
    # the plate's background (no bars below row 19) keeps its level, give or take the cast and noise
    assert abs(float(out[..., 20:, :].mean()) + 0.6) < 0.1
    torch.manual_seed(0)
    assert torch.equal(degrade_batch(x.clone()), out)  # seeded: a resumed run draws the same

    cols = torch.arange(8, 90, 12)

    def edge(t: torch.Tensor) -> torch.Tensor:  # (B,) the bars' left-edge step, averaged (noise cancels)
        return (t[..., 5:19, cols] - t[..., 5:19, cols - 1]).mean(dim=(1, 2, 3))

    softened = edge(out) < 0.75 * edge(x)  # more than the ±15 % colour gain can take off
    assert 0.25 < softened.float().mean() < 0.8  # blur or low resolution on part of the batch, not all
    means = out.mean(dim=(2, 3))  # (B, 3): a colour cast moves the channels apart
    assert (means.max(dim=1).values - means.min(dim=1).values).mean() > 0.02
    flat = (out - out.mean(dim=(1, 2, 3), keepdim=True)).flatten(1)
    ref = (x - x.mean(dim=(1, 2, 3), keepdim=True)).flatten(1)
    corr = (flat * ref).sum(1) / (flat.norm(dim=1) * ref.norm(dim=1))
    assert corr.min() > 0.8  # every crop still shows its bars where they were


def test_degrade_reaches_the_training_batches_and_the_run_config(shards: Path, tmp_path: Path) -> None:
    from lprtrain.data.plate_data import load_data
    from lprtrain.model.preprocess import to_input
    from lprtrain.train.loop import TrainTensors

    data = load_data(shards)
    idx = torch.arange(4)
    plain = to_input(data.images[:4])
    for augment, degrade in ((False, False), (False, True), (True, True)):
        tensors = TrainTensors(
            data.images, data.labels, data.texts, PLATE_CHARSET, torch.device("cpu"), False, augment, degrade
        )
        changed = not torch.allclose(tensors.batch(idx).x, plain)
        assert changed == (augment or degrade)
    run = tmp_path / "run"
    result = fit(shards, run, quick(aux="off", degrade=True), progress=False)
    assert result.steps == 2
    assert json.loads((run / "config.json").read_text())["fit"]["degrade"] is True
