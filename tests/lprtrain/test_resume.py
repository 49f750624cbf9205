"""Resume: a run stopped part way and resumed ends bit-identical to an uninterrupted one (one source
and two, cosine with warm-up, augmentation and dropout drawing from the RNG); what a resume may
change (the table in `lprtrain.train.resume`); the RNG states load on the CPU, CUDA's included."""

from __future__ import annotations

import importlib
import re
from dataclasses import replace
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from lprtrain.errors import RunError
from lprtrain.model.lprnet import LPRNet, ModelConfig
from lprtrain.model.run import STATE_FILE, save_run
from lprtrain.train import resume
from lprtrain.train.config import FitConfig
from lprtrain.train.fit import _Trainer, fit
from lprtrain.train.resume import check_run_folder, load_train_state, restore_rng, save_train_state
from lprtrain.train.sources import Source
from plategen.io import read_jsonl

from .tiny import tiny_shards

fit_module = importlib.import_module("lprtrain.train.fit")  # the package's `fit` is the function
SMALL = 10  # plates; ~7 train, so two epochs are a handful of steps


def step_clock(self: _Trainer) -> float:
    """The trainer's clock at one second per step: a time budget of k stops a run right after step k
    (a budget changes nothing a run computes), and train_state's `seconds` is the same in every run."""
    return float(self.state["step"])


# joint: both heads in one optimizer step (alternate's two per batch double the time, and resume
# the same); augment and dropout draw from the RNG, so a state that failed to restore it shows
SETTINGS = dict(
    epochs=2, aux="joint", schedule="cosine", warmup=1, augment=True, log_every=1, device="cpu", threads=2
)
CASES = {  # data, batch size: two steps per epoch on the ~7 training plates
    "one source": (lambda shards: shards, 4),
    "two sources": (lambda shards: [Source("a", str(shards), 1.0), Source("b", str(shards), 2.0)], 7),
}


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> Path:
    return tiny_shards(tmp_path_factory.getbasetemp(), SMALL)


@pytest.fixture(scope="module")
def uninterrupted(small: Path, tmp_path_factory):
    """case → (run folder, steps per epoch) of the run nobody stopped; each trained once per module."""
    runs: dict[str, tuple[Path, int]] = {}

    def get(case: str) -> tuple[Path, int]:
        if case not in runs:
            data, batch = CASES[case]
            out = tmp_path_factory.mktemp("whole") / "run"
            with pytest.MonkeyPatch.context() as mp:
                mp.setattr(_Trainer, "_trained_seconds", step_clock)
                mp.setattr(fit_module, "plot_curves", lambda rows, path: None)  # ~1 s a checkpoint
                result = fit(data(small), out, FitConfig(batch_size=batch, **SETTINGS), progress=False)
            assert (result.stopped, result.epoch) == ("epochs", 2)
            runs[case] = (out, result.steps // 2)
        return runs[case]

    return get


def assert_identical(a, b, where: str = "") -> int:
    """Every tensor bit for bit (dtype too), every other value equal; returns the tensors compared."""
    if isinstance(a, torch.Tensor):
        assert isinstance(b, torch.Tensor) and a.dtype == b.dtype and torch.equal(a, b), where
        return 1
    if isinstance(a, dict):
        assert isinstance(b, dict) and sorted(a, key=str) == sorted(b, key=str), where
        return sum(assert_identical(a[k], b[k], f"{where}/{k}") for k in a)
    if isinstance(a, (list, tuple)):
        assert type(a) is type(b) and len(a) == len(b), where
        return sum(assert_identical(x, y, f"{where}[{i}]") for i, (x, y) in enumerate(zip(a, b)))
    assert a == b, f"{where}: {a!r} != {b!r}"
    return 0


# each stop and each data path once (a fit here takes seconds): mid-epoch resumes one source's
# shuffled order part way; an epoch's end is where a killed run resumes from, and leaves nothing apart
@pytest.mark.parametrize("case, where", [("one source", "mid-epoch"), ("two sources", "at an epoch's end")])
def test_a_stopped_run_resumes_bit_identical(
    small: Path, uninterrupted, tmp_path: Path, monkeypatch, case: str, where: str
) -> None:
    whole, per_epoch = uninterrupted(case)
    assert per_epoch >= 2
    stop = per_epoch if where == "at an epoch's end" else per_epoch + 1  # past warm-up; in epoch 2
    data, batch = CASES[case]
    config = FitConfig(batch_size=batch, **SETTINGS)
    monkeypatch.setattr(_Trainer, "_trained_seconds", step_clock)
    monkeypatch.setattr(fit_module, "plot_curves", lambda rows, path: None)
    run = tmp_path / "run"
    first = fit(data(small), run, replace(config, time_budget_s=float(stop)), progress=False)
    assert (first.stopped, first.steps) == ("time_budget", stop)
    rest = fit(data(small), run, replace(config, resume=True), progress=False)
    assert (rest.stopped, rest.steps, rest.notes) == ("epochs", 2 * per_epoch, [])

    kept, ours = (torch.load(r / STATE_FILE, weights_only=True) for r in (whole, run))
    train = [[r for r in read_jsonl(p / "metrics.jsonl") if r["kind"] == "train"] for p in (whole, run)]
    assert train[0] == train[1]  # every step's losses and rate
    if where == "mid-epoch":
        # the stopped call validated at its stop, which the whole run did not: the best model
        # either may have kept differs, everything training computed may not
        for k in ("best", "best_step"):
            kept.pop(k), ours.pop(k)
    tensors = assert_identical(kept, ours, STATE_FILE)
    assert tensors > 2 * len(LPRNet(ModelConfig()).state_dict())  # model, Adam's moments, the RNG
    if where == "at an epoch's end":
        for name in ("model.safetensors", "decoder.safetensors"):
            assert_identical(load_file(str(whole / name)), load_file(str(run / name)), name)
        assert read_jsonl(whole / "metrics.jsonl") == read_jsonl(run / "metrics.jsonl")


# ---- what a resume may change: check_run_folder against a run folder, no training ----

SOURCES = [
    {"name": "synth", "weight": 1.0, "data": {"name": "s", "of": "shards", "sha256": "a" * 64}},
    {"name": "real", "weight": 3.0, "data": {"name": "r", "of": "shards", "sha256": "b" * 64}},
]
STARTED = FitConfig(schedule="cosine", warmup=5, max_steps=300)


def run_folder(tmp_path: Path, started: FitConfig) -> Path:
    out = tmp_path / "run"
    meta = {"fit": started.to_dict(), "label_size": [94, 24], "sources": SOURCES, "world_size": 1}
    save_run(out, LPRNet(started.model_config()), meta)
    (out / STATE_FILE).write_bytes(b"")  # check_run_folder only asks whether there is one
    return out


def check(out: Path, started: FitConfig = STARTED, meta: dict | None = None, **changes) -> list[str]:
    meta = {"label_size": [94, 24], "sources": SOURCES, "world_size": 1, **(meta or {})}
    return check_run_folder(out, replace(started, resume=True, **changes), meta)


@pytest.mark.parametrize(
    "changes",
    [{}, {"threads": 1, "device": "cpu", "log_every": 1, "time_budget_s": 60.0}],
)
def test_a_resume_may_change_how_and_how_long_a_call_runs(tmp_path: Path, changes: dict) -> None:
    assert check(run_folder(tmp_path, STARTED), **changes) == []


@pytest.mark.parametrize("field, value", [("max_steps", 500), ("epochs", 12)])
def test_a_resume_may_change_the_length_of_a_run_whose_rates_do_not_depend_on_it(
    tmp_path: Path, field: str, value: int
) -> None:
    started = replace(STARTED, schedule="step")
    notes = check(run_folder(tmp_path, started), started, **{field: value})
    was = getattr(started, field)
    assert notes == [
        f"resume: the run goes on to {field}={value} (it was started with {was}; "
        "its step schedule does not depend on the run's length)"
    ]


@pytest.mark.parametrize(
    "changes, now, was",
    [
        (
            {"max_steps": 500},
            "max_steps=500",
            "max_steps=300 (its cosine schedule spans the run's whole length)",
        ),
        ({"epochs": 12}, "epochs=12", "epochs=10 (its cosine schedule spans the run's whole length)"),
        ({"lr": 0.01, "seed": 3}, "lr=0.01, seed=3", "lr=0.001, seed=0"),
        ({"schedule": "constant"}, "schedule='constant'", "schedule='cosine'"),
        ({"warmup": 0}, "warmup=0", "warmup=5"),
        ({"batch_size": 64}, "batch_size=64", "batch_size=256"),
        (
            {"aux": "joint", "aux_weight": 0.5},
            "aux='joint', aux_weight=0.5",
            "aux='alternate', aux_weight=1.0",
        ),
        ({"augment": True}, "augment=True", "augment=False"),
        ({"dropout": 0.1}, "dropout=0.1", "dropout=0.5"),
        ({"precision": "bf16"}, "precision='bf16'", "precision='fp32'"),
        ({"select_on": "real"}, "select_on='real'", "select_on=None"),
        ({"input_size": (96, 24)}, "input_size=(96, 24)", "input_size=(94, 24)"),
    ],
)
def test_a_resume_that_would_train_differently_names_each_field(
    tmp_path: Path, changes: dict, now: str, was: str
) -> None:
    out = run_folder(tmp_path, STARTED)
    message = (
        f"{out}: --resume with {now}, but the run was started with {was}; "
        "resume with the run's settings or start a new --out"
    )
    with pytest.raises(RunError, match=f"^{re.escape(message)}$"):
        check(out, **changes)


@pytest.mark.parametrize(
    "meta, now, was",
    [
        ({"label_size": [47, 12]}, "label_size=[47, 12]", "label_size=[94, 24]"),
        ({"sources": [SOURCES[0], {**SOURCES[1], "weight": 1.0}]}, "sources=[synth:1.0, real:1.0]", None),
        ({"sources": SOURCES[:1]}, "sources=[synth:1.0]", None),
        (
            {"sources": [SOURCES[0], {**SOURCES[1], "data": {**SOURCES[1]["data"], "sha256": "c" * 64}}]},
            "data of source 'real'=sha256 cccccccccccc…",
            "data of source 'real'=sha256 bbbbbbbbbbbb…",
        ),
    ],
)
def test_a_resume_on_other_data_names_it(tmp_path: Path, meta: dict, now: str, was: str | None) -> None:
    out = run_folder(tmp_path, STARTED)
    was = was or "sources=[synth:1.0, real:3.0]"
    with pytest.raises(
        RunError, match=re.escape(f"--resume with {now}, but the run was started with {was};")
    ):
        check(out, meta=meta)


def test_a_resume_on_another_number_of_processes_says_so(tmp_path: Path) -> None:
    notes = check(run_folder(tmp_path, STARTED), meta={"world_size": 2})
    assert notes == [
        "resume: the run was trained by 1 processes, this call runs 2: batches differ from here on"
    ]


# ---- the RNG states: saved with the run, loaded on the CPU, CUDA's restored on CUDA only ----


def saved_state(out: Path, device: str = "cpu") -> dict:
    out.mkdir(parents=True, exist_ok=True)
    counters = {"step": 3, "epoch": 1, "batch_in_epoch": 0, "best": None, "best_step": None}
    save_train_state(out, {**counters, "model": {}, "optimizer": {}}, FitConfig(), torch.device(device))
    return counters


def test_the_train_state_loads_on_the_cpu_and_restores_the_rng_exactly(tmp_path: Path, monkeypatch) -> None:
    torch.manual_seed(1234)
    torch.rand(5)  # a state no seed gives
    expected = torch.get_rng_state()
    saved_state(tmp_path)
    draws = torch.rand(3)
    asked = []
    real_load = torch.load
    monkeypatch.setattr(
        resume.torch, "load", lambda *a, **kw: asked.append(kw.get("map_location")) or real_load(*a, **kw)
    )
    state = load_train_state(tmp_path, FitConfig())
    # a CUDA run's state mapped onto its device would hand set_rng_state a CUDA tensor, and
    # set_rng_state takes a CPU ByteTensor only
    assert asked == ["cpu"]
    assert state["rng"].device.type == "cpu" and state["rng"].dtype == torch.uint8
    torch.manual_seed(0)
    assert restore_rng(state, torch.device("cpu")) == []
    assert torch.equal(torch.get_rng_state(), expected) and torch.equal(torch.rand(3), draws)


class FakeCuda:
    """torch.cuda's RNG calls on a machine without CUDA: what was asked, and what it hands back."""

    def __init__(self, monkeypatch) -> None:
        self.state = torch.arange(16, dtype=torch.uint8)
        self.set: list[tuple[torch.Tensor, torch.device]] = []
        monkeypatch.setattr(torch.cuda, "get_rng_state", lambda device="cuda": self.state.clone())
        monkeypatch.setattr(
            torch.cuda, "set_rng_state", lambda state, device="cuda": self.set.append((state, device))
        )


def test_a_cuda_run_saves_and_restores_its_cuda_rng(tmp_path: Path, monkeypatch) -> None:
    cuda = FakeCuda(monkeypatch)
    saved_state(tmp_path, "cuda:0")
    state = load_train_state(tmp_path, FitConfig())
    assert torch.equal(state["cuda_rng"], cuda.state) and state["cuda_rng"].device.type == "cpu"
    assert restore_rng(state, torch.device("cuda", 0)) == []
    assert len(cuda.set) == 1 and torch.equal(cuda.set[0][0], cuda.state)
    assert cuda.set[0][1] == torch.device("cuda", 0)


def test_a_state_from_the_other_kind_of_device_resumes_with_a_note(tmp_path: Path, monkeypatch) -> None:
    cuda = FakeCuda(monkeypatch)
    saved_state(tmp_path / "gpu", "cuda:0")
    on_cpu = restore_rng(load_train_state(tmp_path / "gpu", FitConfig()), torch.device("cpu"))
    assert on_cpu == ["resume: the run's CUDA RNG state is not used on cpu; its CUDA draws are not replayed"]
    saved_state(tmp_path / "cpu")
    on_gpu = restore_rng(load_train_state(tmp_path / "cpu", FitConfig()), torch.device("cuda", 0))
    assert on_gpu == ["resume: the train state holds no CUDA RNG state (saved on CPU); CUDA draws restart"]
    assert cuda.set == []


def test_a_train_state_whose_rng_is_not_an_rng_state_names_the_file(tmp_path: Path) -> None:
    counters = saved_state(tmp_path)
    state = torch.load(tmp_path / STATE_FILE, weights_only=True)
    torch.save({**state, **counters, "rng": torch.zeros(3)}, tmp_path / STATE_FILE)
    with pytest.raises(RunError, match=re.escape(f"{tmp_path / STATE_FILE}: rng: not an RNG state")):
        load_train_state(tmp_path, FitConfig())
