"""The run folder's policy for `fit`: never overwrite a run, resume only a compatible one, and the
train state (RUN/train_state.pt) that resuming reads: tensors and plain types only, always loaded
with weights_only=True, the plain-dict checkpoint of model, optimizer, step and RNG.

A resumed run follows the settings it was started with (its config.json `fit`), so that it computes
exactly what an uninterrupted run would have. Setting by setting, what a `--resume` call may say:

    free      threads, device, log_every, time_budget_s: how, and for how long, this call runs
    ignored   init: the weights come from the train state (a note when it names another model)
    length    epochs, max_steps: where the run stops, so a new value extends or shortens it (a
              note says so); except under the cosine schedule, where every step's rate depends on
              the run's length: there a new value is an error
    the rest  anything else that shapes training (lr, schedule, warmup, batch_size, aux, seed,
              augment, dropout, precision, select_on, …) must be the run's value: an error names
              each field that differs
    data      the same sources (names and weights, when several), holding the same data (sha256),
              giving the same label size

An error rather than silently following the run's value: a library call or a command line that
asks for lr=0.01 and gets the run's lr=0.001 would mislead whoever reads its config. The CLI passes
every option, so a resume repeats the options the run was started with.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import torch

from plategen.io import atomic_path

from ..errors import ConfigError, RunError
from ..model.run import CONFIG_FILE, MODEL_FILE, STATE_FILE, read_config
from .config import FitConfig
from .provenance import identity, replayable_settings

STATE_KEYS = ("step", "epoch", "batch_in_epoch", "best", "best_step", "model", "optimizer")
FREE_FIELDS = ("resume", "threads", "device", "log_every", "time_budget_s", "init")
LENGTH_FIELDS = ("epochs", "max_steps")


def check_run_folder(out: Path, config: FitConfig, meta: dict) -> list[str]:
    """Refuse to overwrite a run without `resume`, and to resume one this fit would train
    differently (RunError naming every field that differs; see the module's table). `meta` is what
    this fit records in config.json (label_size, sources). Returns the notes a resume prints."""
    if not config.resume:
        existing = [f for f in (STATE_FILE, CONFIG_FILE, MODEL_FILE) if (out / f).is_file()]
        if existing:
            raise RunError(
                f"{out}: already holds a run ({existing[0]}); "
                "pass --resume to continue it or choose another --out"
            )
        return []
    if not (out / STATE_FILE).is_file():
        raise RunError(f"{out / STATE_FILE}: no train state to resume from (start without --resume)")
    old = read_config(out)
    stored = stored_config(out, old)
    differ = _setting_differences(stored, config) + _data_differences(old, meta)
    if differ:
        now = ", ".join(f"{name}={value}" for name, value, _ in differ)
        was = ", ".join(f"{name}={value}" for name, _, value in differ)
        why = (
            " (its cosine schedule spans the run's whole length)"
            if stored.schedule == "cosine" and any(name in LENGTH_FIELDS for name, _, _ in differ)
            else ""
        )
        raise RunError(
            f"{out}: --resume with {now}, but the run was started with {was}{why}; "
            "resume with the run's settings or start a new --out"
        )
    return _length_notes(stored, config) + _init_notes(old, config) + _world_notes(old, meta)


def run_plan(out: Path, config: FitConfig, meta: dict) -> tuple[list[str], FitConfig]:
    """`check_run_folder`, then the settings the schedule follows: this fit's, or a resumed run's
    own. A resume's `meta` then names the model the run started from, not one the resume names (and
    ignores). Returns (the notes a resume prints, the settings); raises what `check_run_folder` does."""
    notes = check_run_folder(out, config, meta)
    if not config.resume:
        return notes, config
    recorded = read_config(out)
    meta["fit"]["init"] = recorded["fit"].get("init")
    return notes, stored_config(out, recorded)


def stored_config(out: Path, recorded: dict | None = None) -> FitConfig:
    """The settings a run was started with (its config.json `fit`, or `recorded`, the config.json
    already read); settings a run from an older version lacks take FitConfig's defaults. Raises
    RunError naming config.json when it records no settings or ones this version cannot read."""
    recorded = read_config(out) if recorded is None else recorded
    fit = recorded.get("fit")
    if not isinstance(fit, dict):
        raise RunError(f"{out / CONFIG_FILE}: records no fit settings; this run cannot be resumed")
    try:
        return FitConfig.from_dict(replayable_settings(fit))
    except (ConfigError, TypeError) as exc:
        raise RunError(f"{out / CONFIG_FILE}: fit: {exc}") from None


def _setting_differences(stored: FitConfig, config: FitConfig) -> list[tuple[str, str, str]]:
    """(field, this fit's value, the run's value) for each setting a resume may not change."""
    may_change = FREE_FIELDS + (LENGTH_FIELDS if stored.schedule != "cosine" else ())
    return [
        (f.name, repr(getattr(config, f.name)), repr(getattr(stored, f.name)))
        for f in dataclasses.fields(FitConfig)
        if f.name not in may_change and getattr(config, f.name) != getattr(stored, f.name)
    ]


def _data_differences(old: dict, meta: dict) -> list[tuple[str, str, str]]:
    """(what, this fit's, the run's) for the label size and the sources (names and weights when
    several: one source's name is its folder's and its weight is moot), and each source's data."""
    differ = []
    if old.get("label_size") != meta.get("label_size"):
        differ.append(("label_size", repr(meta.get("label_size")), repr(old.get("label_size"))))
    was, now = old.get("sources"), meta.get("sources") or []
    if not isinstance(was, list):  # a run from before sources were recorded
        return differ

    def listed(sources: list) -> str:
        return "[" + ", ".join(f"{s.get('name')}:{s.get('weight')}" for s in sources) + "]"

    if len(was) != len(now) or (len(now) > 1 and listed(was) != listed(now)):
        return differ + [("sources", listed(now), listed(was))]
    for before, after in zip(was, now):
        a, b = (before.get("data") or {}).get("sha256"), (after.get("data") or {}).get("sha256")
        if a and b and a != b:
            differ.append((f"data of source {after['name']!r}", f"sha256 {b[:12]}…", f"sha256 {a[:12]}…"))
    return differ


def _length_notes(stored: FitConfig, config: FitConfig) -> list[str]:
    return [
        f"resume: the run goes on to {name}={getattr(config, name)!r} (it was started with "
        f"{getattr(stored, name)!r}; its {stored.schedule} schedule does not depend on the run's length)"
        for name in LENGTH_FIELDS
        if getattr(config, name) != getattr(stored, name)
    ]


def _init_notes(old: dict, config: FitConfig) -> list[str]:
    started = (old.get("fit") or {}).get("init")
    if not config.init:
        return []
    given = identity(config.init).get("sha256")
    if isinstance(started, dict) and given and started.get("sha256") == given:
        return []
    return [f"resume: --init {config.init} is not applied: the weights come from the train state"]


def _world_notes(old: dict, meta: dict) -> list[str]:
    was, now = old.get("world_size"), meta.get("world_size")
    if was is None or was == now:
        return []
    return [
        f"resume: the run was trained by {was} processes, this call runs {now}: batches differ from here on"
    ]


def save_train_state(out: Path, state: dict, config: FitConfig, device: torch.device) -> None:
    """Write RUN/train_state.pt (atomic): `state` (loop counters, model, optimizer) plus the RNG
    (the CPU's, and on CUDA this device's: augmentation and dropout draw there) and what a resume
    must match (aux, charset)."""
    charset = config.model_config().charset
    full = {**state, "rng": torch.get_rng_state(), "aux": config.aux, "charset": charset}
    if device.type == "cuda":
        full["cuda_rng"] = torch.cuda.get_rng_state(device)
    with atomic_path(out / STATE_FILE) as tmp:
        torch.save(full, tmp)


def load_train_state(out: Path, config: FitConfig) -> dict:
    """RUN/train_state.pt, checked to come from a fit like `config`, every tensor on the CPU (the
    RNG states must be CPU ByteTensors; `restore` moves the rest to the model's device). Raises
    RunError naming the file when it is unreadable (truncated, empty, not a checkpoint, needing
    arbitrary pickle), lacks a key, holds no RNG state, or comes from another aux or charset."""
    path = out / STATE_FILE
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # unpickling refused, truncated file, …: all mean "cannot resume"
        raise RunError(
            f"{path}: cannot read train state ({str(exc).splitlines()[0] if str(exc) else exc!r})"
        ) from None
    if not isinstance(state, dict):
        raise RunError(f"{path}: not a train state (a {type(state).__name__}, not a dict)")
    missing = [k for k in STATE_KEYS if k not in state]
    if missing:
        raise RunError(f"{path}: not a train state: key {missing[0]!r} missing")
    for key in ("rng", "cuda_rng"):
        value = state.get(key)
        if value is not None and not (isinstance(value, torch.Tensor) and value.dtype == torch.uint8):
            raise RunError(f"{path}: {key}: not an RNG state (expected a ByteTensor)")
    charset = config.model_config().charset
    if state.get("aux") != config.aux or state.get("charset") != charset:
        raise RunError(
            f"{path}: train state is from aux={state.get('aux')!r}, charset of "
            f"{len(state.get('charset') or '')} characters; this fit differs"
        )
    return state


def restore_rng(state: dict, device: torch.device) -> list[str]:
    """Set the CPU RNG, and on CUDA this device's RNG, to a train state's. Returns a note when the
    state and the device do not match (saved on CPU resumed on CUDA, or the other way round): the
    run goes on, but its random draws are not an uninterrupted run's."""
    if state.get("rng") is not None:
        torch.set_rng_state(state["rng"])
    cuda = state.get("cuda_rng")
    if device.type == "cuda":
        if cuda is None:
            return ["resume: the train state holds no CUDA RNG state (saved on CPU); CUDA draws restart"]
        torch.cuda.set_rng_state(cuda, device)
    elif cuda is not None:
        return [f"resume: the run's CUDA RNG state is not used on {device}; its CUDA draws are not replayed"]
    return []


def restore(path: Path, module: torch.nn.Module, optimizer: torch.optim.Optimizer, state: dict) -> None:
    """Load a train state's model and optimizer (each tensor goes to its parameter's device); RunError
    naming the file when they do not fit."""
    try:
        module.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
    except (RuntimeError, ValueError, KeyError, TypeError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise RunError(f"{path}: train state does not fit this model ({first})") from None
