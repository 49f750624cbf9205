"""The run folder's policy for `fit`: never overwrite a run, resume only a compatible one, and the
train state (RUN/train_state.pt) that resuming reads: tensors and plain types only, always loaded
with weights_only=True, the plain-dict checkpoint of model, optimizer, step and RNG."""

from __future__ import annotations

from pathlib import Path

import torch

from plategen.io import atomic_path

from ..errors import RunError
from ..model.run import CONFIG_FILE, MODEL_FILE, STATE_FILE, read_config
from .config import FitConfig
from .provenance import replayable_settings

STATE_KEYS = ("step", "epoch", "batch_in_epoch", "best", "best_step", "model", "optimizer")


def check_run_folder(out: Path, config: FitConfig, label_size: tuple[int, int] | None) -> None:
    """Refuse to overwrite a run without `resume`, and to resume an incompatible one (RunError)."""
    if not config.resume:
        existing = [f for f in (STATE_FILE, CONFIG_FILE, MODEL_FILE) if (out / f).is_file()]
        if existing:
            raise RunError(
                f"{out}: already holds a run ({existing[0]}); "
                "pass --resume to continue it or choose another --out"
            )
        return
    if not (out / STATE_FILE).is_file():
        raise RunError(f"{out / STATE_FILE}: no train state to resume from (start without --resume)")
    old = read_config(out)
    mc = config.model_config()
    fit = old.get("fit") if isinstance(old.get("fit"), dict) else {}
    was = {
        "charset": old["model"].get("charset"),
        "input_size": list(old["model"].get("input_size", [])),
        "aux": fit.get("aux"),
        "label_size": old.get("label_size"),
    }
    now = {
        "charset": mc.charset,
        "input_size": list(mc.input_size),
        "aux": config.aux,
        "label_size": list(label_size) if label_size else None,
    }
    for key in was:
        if was[key] != now[key]:
            raise RunError(
                f"{out}: cannot resume: the run was trained with {key}={was[key]!r}, "
                f"this fit asks for {now[key]!r}"
            )


def stored_schedule(out: Path):
    """The learning-rate schedule a run was started with (its config.json `fit`), for --resume.
    Settings a run from before schedules lacks take FitConfig's defaults."""
    return FitConfig.from_dict(replayable_settings(read_config(out).get("fit") or {})).lr_schedule()


def save_train_state(out: Path, state: dict, config: FitConfig) -> None:
    """Write RUN/train_state.pt (atomic): `state` (loop counters, model, optimizer) plus the RNG and
    what a resume must match (aux, charset)."""
    charset = config.model_config().charset
    full = {**state, "rng": torch.get_rng_state(), "aux": config.aux, "charset": charset}
    with atomic_path(out / STATE_FILE) as tmp:
        torch.save(full, tmp)


def load_train_state(out: Path, config: FitConfig, device: torch.device) -> dict:
    """RUN/train_state.pt, checked to come from a fit like `config`. Raises RunError naming the file
    when it is unreadable (truncated, empty, not a checkpoint, needing arbitrary pickle), lacks a
    key, or comes from another aux or charset."""
    path = out / STATE_FILE
    try:
        state = torch.load(path, map_location=device, weights_only=True)
    except Exception as exc:  # unpickling refused, truncated file, …: all mean "cannot resume"
        raise RunError(
            f"{path}: cannot read train state ({str(exc).splitlines()[0] if str(exc) else exc!r})"
        ) from None
    if not isinstance(state, dict):
        raise RunError(f"{path}: not a train state (a {type(state).__name__}, not a dict)")
    missing = [k for k in STATE_KEYS if k not in state]
    if missing:
        raise RunError(f"{path}: not a train state: key {missing[0]!r} missing")
    charset = config.model_config().charset
    if state.get("aux") != config.aux or state.get("charset") != charset:
        raise RunError(
            f"{path}: train state is from aux={state.get('aux')!r}, charset of "
            f"{len(state.get('charset') or '')} characters; this fit differs"
        )
    return state


def restore(path: Path, module: torch.nn.Module, optimizer: torch.optim.Optimizer, state: dict) -> None:
    """Load a train state's model and optimizer; RunError naming the file when they do not fit."""
    try:
        module.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
    except (RuntimeError, ValueError, KeyError, TypeError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise RunError(f"{path}: train state does not fit this model ({first})") from None
