"""`compare`: the paper's experiment as a reproducible report.

Trains `--aux off`, `alternate` and `joint` on the same shards with the same seeds and budget,
evaluates every run on the same test sets, and writes the paper's tables (Table 2: accuracy and LCR
per test set; Table 3: FLOPs, parameters, FPS; Table 4: per-character P/R/F1) as Markdown and JSON,
plus `curves.png` (all runs' curves) and `fig13.png` (per-character P/R/F1 gain, Fig. 13).
With several seeds every figure is a mean ± standard deviation, so a gain can be told from noise.
This module runs the runs; `compare_report` turns their evaluations into the tables.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import torch

from plategen.errors import reject_unknown_keys
from plategen.io import write_json_atomic, write_text_atomic

from ..data.plate_data import PlateData, is_shards, load_data, splits_of
from ..errors import ConfigError
from ..model.inference import prepare_for_inference
from ..model.run import METRICS_FILE, STATE_FILE, load_model, read_json, read_metrics
from ..train.config import AUX_MODES, FitConfig
from ..train.fit import as_sources, fit
from ..train.sources import Source, reuse_loaded_data
from .compare_report import markdown, tables
from .scoring import evaluate

DONE = "compare-done.json"  # written into a run folder once its fit finished (resume marker)


@dataclass(frozen=True)
class CompareConfig:
    """Which schedules to train, how many seeds, and the shared training budget."""

    modes: tuple[str, ...] = AUX_MODES[::-1]  # off, joint, alternate
    seeds: int = 1
    fit: FitConfig = field(default_factory=FitConfig)  # aux and seed are set per run
    tests: tuple[str, ...] = ()  # extra test sets: crop folders, manifests or shard folders
    fps_plates: int = 200  # plates timed one at a time for Table 3's FPS

    def __post_init__(self) -> None:
        bad = [m for m in self.modes if m not in AUX_MODES]
        if bad or not self.modes:
            raise ConfigError(f"modes: expected some of {', '.join(AUX_MODES)}, got {list(self.modes)!r}")
        if not isinstance(self.seeds, int) or self.seeds < 1:
            raise ConfigError(f"seeds: expected a positive integer, got {self.seeds!r}")

    @classmethod
    def from_dict(cls, d: dict) -> CompareConfig:
        """The config as JSON holds it (`fit` a FitConfig dict). Raises ConfigError naming an unknown key."""
        reject_unknown_keys(cls, d)
        d = dict(d)
        if "fit" in d:
            d["fit"] = FitConfig.from_dict(d["fit"])
        return cls(**{k: tuple(v) if k in ("modes", "tests") else v for k, v in d.items()})


@dataclass
class CompareReport:
    out: Path
    results: dict  # everything compare.json holds
    files: list[Path]

    def summary(self) -> str:
        tested = [f"  {name}: {origin}" for name, origin in self.results["test_sets"].items()]
        return "\n".join(
            [self.results["markdown"].split("\n## Table 3")[0].strip(), "", "test sets:", *tested, ""]
            + [f"  {p}" for p in self.files]
        )


def test_sets(
    sources: tuple[Source, ...], extra: tuple[str, ...], input_size: tuple[int, int]
) -> dict[str, PlateData]:
    """Each source's test split (else its val split; a source with neither gives no test set: its
    train samples are no test) plus every extra test set whole, keyed by a name; each set's
    `origin()` says which split it holds. Raises ConfigError when that leaves no test set."""
    sets = {}
    for source in sources:
        counts = splits_of(source.path)
        split = next((s for s in ("test", "val") if counts.get(s)), None)
        if split is not None:
            single = len(sources) == 1 and is_shards(source.path)
            sets[f"shards:{split}" if single else f"{source.name}:{split}"] = load_data(
                source.path, split, input_size
            )
    for path in extra:
        sets[Path(path).name] = load_data(path, None, input_size)
    if not sets:
        raise ConfigError(
            f"tests: {', '.join(s.path for s in sources)}: no test or val sample, and no --test set was given"
        )
    return sets


def _train(shards, run: Path, config: FitConfig, progress: bool) -> dict:
    done = run / DONE
    if done.is_file():  # resume: a finished run is not trained again
        return read_json(done)
    resume = (run / STATE_FILE).is_file()  # an interrupted run goes on from its last checkpoint
    if not resume and run.is_dir():  # interrupted before its first checkpoint: nothing to keep
        for p in run.iterdir():
            p.unlink()
    result = fit(shards, run, replace(config, resume=resume), progress=progress)
    info = {
        "steps": result.steps,
        "seconds": result.trained_seconds,
        "images_per_s": result.images_per_s,
        "best_accuracy": result.best_accuracy,
        "resumed": resume,
    }
    write_json_atomic(done, info)
    return info


def measure_fps(model, size: tuple[int, int], plates: int) -> float:
    """Plates per second read one at a time (batch 1, the deployment case), BN folded, one thread.

    One thread: a single plate's convolutions are too small to split, and on a busy machine every
    intra-op barrier waits for a descheduled thread (measured here: 426 ms vs 7 ms per plate)."""
    fast = prepare_for_inference(model)
    w, h = size
    x = torch.randn(1, 3, h, w).contiguous(memory_format=torch.channels_last)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with torch.inference_mode():
            for _ in range(10):
                fast(x)
            start = time.perf_counter()
            for _ in range(plates):
                fast(x)
        return plates / (time.perf_counter() - start)
    finally:
        torch.set_num_threads(threads)


def compare(
    data, out: str | Path, config: CompareConfig = CompareConfig(), progress: bool = True
) -> CompareReport:
    """Train every (mode, seed) on DATA (one source or several, as `fit` takes), evaluate on the same
    test sets, write tables and figures to OUT.

    Re-running resumes: finished runs are kept, an interrupted one goes on from its last checkpoint
    (`fit --resume`; the time budget spans both calls). Raises what `fit` and `load_data` raise.
    """
    shards, out = as_sources(data), Path(out)
    out.mkdir(parents=True, exist_ok=True)
    sets = test_sets(shards, config.tests, config.fit.input_size)
    runs: dict[str, list[dict]] = {}
    with reuse_loaded_data():  # every run trains on the same data: read it once
        for mode in config.modes:
            for k in range(config.seeds):
                seed = config.fit.seed + k
                run = out / f"{mode}-seed{seed}"
                info = _train(shards, run, replace(config.fit, aux=mode, seed=seed), progress)
                model = load_model(run)
                evals = {name: evaluate(model, data, progress=False).to_json() for name, data in sets.items()}
                runs.setdefault(mode, []).append(
                    {
                        "run": str(run),
                        "seed": seed,
                        "train": info,
                        "eval": evals,
                        "fps": measure_fps(model, config.fit.input_size, config.fps_plates),
                    }
                )
    results = tables(runs, model)
    results["test_sets"] = {name: data.origin() for name, data in sets.items()}
    results["markdown"] = markdown(results, config)
    files = [out / "compare.md", out / "compare.json", out / "curves.png"]
    write_text_atomic(files[0], results["markdown"])
    write_json_atomic(files[1], results)
    from .figures import plot_char_gain, plot_compare_curves

    plot_compare_curves(
        {m: [read_metrics(Path(r["run"]) / METRICS_FILE) for r in rs] for m, rs in runs.items()},
        files[2],
    )
    if "off" in runs and len(runs) > 1:
        other = next(m for m in ("alternate", "joint") if m in runs)
        files.append(out / "fig13.png")
        plot_char_gain(results["table4"]["off"], results["table4"][other], f"{other} − off", files[-1])
    return CompareReport(out, results, files)
