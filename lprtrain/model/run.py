"""The run folder: deployable weights, config, and (for runs we trained) the decoder and train state.

RUN/model.safetensors    LPRNet only (what is deployed)
RUN/decoder.safetensors  the auxiliary decoder (kept for `predict --label-preview`)
RUN/config.json          charset, input size, architecture, provenance, all settings
RUN/train_state.pt       optimizer, step, RNG (tensors only; loaded with weights_only=True)
RUN/metrics.jsonl, RUN/curves.png
"""

from __future__ import annotations

import json
from pathlib import Path

import torch
from torch import nn

from plategen.io import atomic_path, read_jsonl, write_json_atomic

from ..errors import RunError, WeightsError
from .lprnet import LPRNET_PYTORCH_CHARSET, LPRNet, ModelConfig, UpsamplingDecoder, build_decoder

MODEL_FILE, DECODER_FILE, CONFIG_FILE = "model.safetensors", "decoder.safetensors", "config.json"
STATE_FILE, METRICS_FILE, CURVES_FILE = "train_state.pt", "metrics.jsonl", "curves.png"
FORMAT = 1
# Every top-level key a config.json of this FORMAT may hold (save_run's own, fit's and import's).
CONFIG_KEYS = frozenset(
    {"format", "architecture", "model", "charset", "input_size", "label_size", "shards", "alignment"}
    | {"font", "fit", "world_size", "source", "sources", "imported"}
)


def save_safetensors(module: nn.Module, path: Path, metadata: dict | None = None) -> None:
    from safetensors.torch import save_file

    state = {k: v.detach().contiguous().cpu() for k, v in module.state_dict().items()}
    with atomic_path(path) as tmp:
        save_file(state, str(tmp), metadata={k: json.dumps(v) for k, v in (metadata or {}).items()})


def load_checked(module: nn.Module, state: dict[str, torch.Tensor], source: str | Path) -> None:
    """Load a state dict, raising WeightsError naming the key and both shapes on any mismatch."""
    own = module.state_dict()
    missing = [k for k in own if k not in state]
    unexpected = [k for k in state if k not in own]
    if missing or unexpected:
        raise WeightsError(
            f"{source}: keys do not match the model: missing {missing[:3]}, unexpected {unexpected[:3]}"
        )
    for k, v in state.items():
        if tuple(v.shape) != tuple(own[k].shape):
            raise WeightsError(
                f"{source}: key {k!r}: file has shape {tuple(v.shape)}, model expects {tuple(own[k].shape)}"
            )
    module.load_state_dict(state)


def save_run(run: str | Path, model: LPRNet, config: dict, decoder: UpsamplingDecoder | None = None) -> Path:
    """Write the deployable model (and optionally the decoder) plus config.json to RUN."""
    run = Path(run)
    run.mkdir(parents=True, exist_ok=True)
    save_safetensors(model, run / MODEL_FILE)
    if decoder is not None:
        save_safetensors(decoder, run / DECODER_FILE)
    write_json_atomic(
        run / CONFIG_FILE,
        {"format": FORMAT, "architecture": "LPRNet", **config, "model": model.config.to_dict()},
    )
    return run


def read_json(path: str | Path):
    """The JSON in `path`, a file lprtrain wrote (metrics.jsonl, JSON Lines, is `read_metrics`'s).

    Raises RunError naming the file when it is missing, unreadable, not UTF-8 or not valid JSON
    (a truncated write, or another file in its place)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise RunError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except OSError as exc:
        raise RunError(f"{path}: cannot read file ({exc.strerror or exc})") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise RunError(f"{path}: not valid JSON ({exc})") from None


def read_metrics(path: str | Path) -> list[dict]:
    """The rows of a run's metrics.jsonl. Raises RunError naming the file, and the line at fault
    (a torn write, or another file in its place)."""
    return read_jsonl(path, "metrics log", RunError)


def read_config(run: str | Path) -> dict:
    """RUN/config.json as a dict, checked: a JSON object of known keys, `model` a valid ModelConfig.

    Raises RunError naming the file (and the key) when it is missing, unreadable, not UTF-8, not
    JSON, or holds a key or format this version does not know (a run written by a newer version)."""
    path = Path(run) / CONFIG_FILE
    if not path.is_file():
        raise RunError(f"{path}: run config not found (is {run} a run folder?)")
    config = read_json(path)
    if not isinstance(config, dict) or "model" not in config:
        raise RunError(f"{path}: key 'model' missing")
    unknown = sorted(set(config) - CONFIG_KEYS)
    if unknown:
        raise RunError(f"{path}: unknown key {unknown[0]!r} (written by a newer version of lprtrain?)")
    if config.get("format", FORMAT) != FORMAT:
        raise RunError(f"{path}: format {config['format']!r}, this version reads format {FORMAT}")
    try:
        ModelConfig.from_dict(config["model"])
    except (TypeError, ValueError) as exc:  # ConfigError is a ValueError
        raise RunError(f"{path}: model: {exc}") from None
    return config


# The reader that ships inside the package (its model card: MODEL_CARD.md beside the weights);
# `predict`, `eval` and `export` use it when no model is named.
SHIPPED_MODEL = Path(__file__).parents[1] / "models" / "default"


def shipped_model() -> Path:
    """The shipped run folder. Raises RunError when this install lacks it."""
    if not (SHIPPED_MODEL / MODEL_FILE).is_file():
        raise RunError(f"{SHIPPED_MODEL}: the shipped model is missing from this install; name a model")
    return SHIPPED_MODEL


def is_model(path: str | Path) -> bool:
    """Whether PATH names a model: a run folder (config.json and weights), a .safetensors or a .pth."""
    path = Path(path)
    if path.is_dir():
        return (path / CONFIG_FILE).is_file() and (path / MODEL_FILE).is_file()
    return path.suffix in (".pth", ".safetensors")


def refuse_model(path: str | Path, expected: str, hint: str) -> None:
    """Raise RunError when PATH, given where `expected` belongs (images, data), is a model: a run
    folder, finished or not (a run's own files in it), or a weights file. The message ends with
    `hint`: the command that takes it as the model."""
    path = Path(path)
    if path.is_dir():
        if not any((path / f).is_file() for f in (CONFIG_FILE, MODEL_FILE, STATE_FILE, METRICS_FILE)):
            return
        what = "a model run"
    elif path.is_file() and path.suffix in (".pth", ".safetensors"):
        what = "a weights file"
    else:
        return
    raise RunError(f"{path}: {what}, not {expected}; {hint}")


def load_model(source: str | Path | None = None) -> LPRNet:
    """An LPRNet in eval mode from a run folder, a model.safetensors (config.json beside it), or an
    LPRNet_Pytorch .pth checkpoint; None: the shipped model. Raises RunError/WeightsError naming the file."""
    source = shipped_model() if source is None else Path(source)
    if source.suffix == ".pth":
        return lprnet_pytorch_model(source)
    run = source if source.is_dir() else source.parent
    weights = source if source.is_file() else run / MODEL_FILE
    if not source.exists():
        raise WeightsError(f"{source}: no such run folder or weights file")
    config = ModelConfig.from_dict(read_config(run)["model"])
    model = LPRNet(config)
    load_checked(model, read_safetensors(weights), weights)
    return model.eval()


def load_decoder(run: str | Path, model: LPRNet, label_size: tuple[int, int]) -> UpsamplingDecoder:
    path = Path(run) / DECODER_FILE
    if not path.is_file():
        raise RunError(f"{path}: this run kept no decoder (train with --aux alternate or joint)")
    decoder = build_decoder(model, label_size)
    load_checked(decoder, read_safetensors(path), path)
    return decoder.eval()


def read_safetensors(path: Path) -> dict[str, torch.Tensor]:
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    if not path.is_file():
        raise WeightsError(f"{path}: weights file not found")
    try:
        return load_file(str(path))
    except (SafetensorError, OSError) as exc:
        raise WeightsError(f"{path}: not a valid safetensors file ({exc})") from None


def read_pth(path: str | Path) -> dict[str, torch.Tensor]:
    """Read a legacy torch.save state dict with weights_only=True (CUDA tensors mapped to CPU).

    A file that needs arbitrary pickle is refused with WeightsError."""
    import pickle

    path = Path(path)
    if not path.is_file():
        raise WeightsError(f"{path}: weights file not found")
    try:
        state = torch.load(str(path), map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as exc:
        first = str(exc).splitlines()[0] if str(exc) else "unsafe pickle"
        raise WeightsError(f"{path}: refused: the file needs arbitrary pickle to load ({first})") from None
    except Exception as exc:  # truncated or foreign files fail in many ways (EOFError, IndexError, …)
        raise WeightsError(
            f"{path}: not a torch checkpoint ({str(exc).splitlines()[0] if str(exc) else exc!r})"
        ) from None
    if isinstance(state, dict) and "state_dict" in state and isinstance(state["state_dict"], dict):
        state = state["state_dict"]
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise WeightsError(f"{path}: not a state dict of tensors")
    return {k.removeprefix("module."): v for k, v in state.items()}


def lprnet_pytorch_model(path: str | Path, charset: str = LPRNET_PYTORCH_CHARSET) -> LPRNet:
    """An LPRNet loaded from an LPRNet_Pytorch checkpoint, faithful to that code (batch context norm)."""
    model = LPRNet(ModelConfig(charset=charset, context_norm="batch"))
    load_checked(model, read_pth(path), path)
    return model.eval()
