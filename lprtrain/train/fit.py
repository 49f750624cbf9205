"""`fit`: train LPRNet from shards, with the paper's auxiliary image-label decoder.

    alternate  for each batch an optimizer step on MSE (decoder vs image label), then one on CTC,
               on the same data with shared weights (the paper's Fig. 5)
    joint      one step on CTC + w·MSE (the cheap variant eq. (9) motivates)
    off        plain LPRNet

Runs single-process, or under `torchrun` with DistributedDataParallel (see `distributed`). Writes
RUN/{model,decoder}.safetensors (the best epoch by validation accuracy, then LCR), config.json,
train_state.pt, metrics.jsonl and curves.png. The settings are `config.FitConfig`; the data, read
once and put on the device before the first step, is `sources.prepare`'s; what may be written into RUN, and
what a resume must match, is `resume`; what config.json records of the data and the starting model
(names and hashes, never paths) is `provenance`.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path

import torch

from plategen.pool import progress_bar

from ..errors import TrainingError
from ..model.lprnet import ModelConfig, TrainingModel
from ..model.run import (
    CONFIG_FILE,
    CURVES_FILE,
    DECODER_FILE,
    METRICS_FILE,
    MODEL_FILE,
    STATE_FILE,
    save_run,
)
from . import distributed
from .allocator import keep_freed_memory
from .config import AUX_MODES, FitConfig
from .curves import MetricsLog, plot_curves
from .loop import train_batch, validate
from .precision import autocast_for, resolve_precision
from .resume import load_train_state, restore, restore_rng, save_train_state
from .schedule import run_steps
from .sources import Prepared, Source, as_sources, load_sources, prepare

PLOT_EVERY_S = 30.0


@dataclass
class FitResult:
    """What a fit did. Best metrics are known on rank 0 only (None elsewhere)."""

    run: Path
    steps: int
    epoch: int
    best_accuracy: float | None
    best_lcr: float | None
    best_step: int | None
    train_samples: int
    val_samples: int
    seconds: float  # this call's
    images_per_s: float  # this call's
    stopped: str  # "epochs", "max_steps" or "time_budget"
    files: list[Path] = field(default_factory=list)
    trained_seconds: float = 0.0  # training time across every call that built this run
    init: str | None = None  # what --init mapped (rank 0, fresh runs)
    notes: list[str] = field(default_factory=list)  # what a resume followed or could not replay (rank 0)

    def summary(self) -> str:
        best = (
            "n/a"
            if self.best_accuracy is None
            else f"{self.best_accuracy:.4f} (LCR {self.best_lcr:.4f}, step {self.best_step})"
        )
        if self.best_step == 0:  # fit --init: no step beat the model it started from
            best += "; no step beat the --init model, which is saved as the best"
        lines = [
            f"trained {self.steps} steps ({self.epoch} epochs, stopped by {self.stopped}) "
            f"on {self.train_samples} samples in {self.seconds:.1f}s ({self.images_per_s:.1f} img/s)",
            f"best validation accuracy on {self.val_samples} samples: {best}",
        ]
        return "\n".join(lines + [f"  {p}" for p in self.files])


def fit(
    data: str | Path | Source | Sequence[str | Path | Source],
    out: str | Path,
    config: FitConfig = FitConfig(),
    progress: bool = True,
) -> FitResult:
    """Train on DATA and write the run to OUT; under torchrun every rank calls this. Returns a FitResult.

    DATA is one source (shards, or crops with --aux off) or several `Source`s (or `NAME=PATH:WEIGHT`
    strings), each batch drawing from them by weight; every source is validated on its own, and
    `config.select_on` names the one whose accuracy picks the best model.

    Raises ConfigError (bad sources), ShardError (bad shards), CharsetError (data characters missing
    from the charset),
    TrainingError (labels too long for the CTC, or a NaN/inf loss, naming the step), RunError
    (OUT already holds a run without `resume`, or an incompatible run with it).
    """
    d = distributed.from_env()
    device = distributed.setup(d, config.device or ("cuda" if torch.cuda.is_available() else "cpu"))
    if config.threads:
        torch.set_num_threads(config.threads)
    keep_freed_memory()
    try:
        autocast = autocast_for(resolve_precision(config.precision, device), device)
        mc = config.model_config()
        prepared = prepare(data, Path(out), config, mc, d, device)
        result = _Trainer(prepared, Path(out), config, mc, d, device, autocast, progress).run()
        distributed.barrier(d)
        return result
    finally:
        distributed.teardown(d)


class _Trainer:
    """One fit's loop on prepared data (`sources.prepare`): the model, the optimizer, the steps and
    the checkpoints."""

    def __init__(
        self,
        data: Prepared,
        out: Path,
        config: FitConfig,
        mc: ModelConfig,
        d: distributed.Dist,
        device: torch.device,
        autocast: Callable[[], AbstractContextManager],
        progress: bool,
    ) -> None:
        self.cfg, self.d, self.device, self.out, self.progress = config, d, device, out, progress
        self.mc, self.autocast = mc, autocast  # autocast: the forward passes' precision (`precision`)
        self.train, self.vals, self.mix = data.train, data.vals, data.mix
        self.label_size, self.meta, self.plan, self.notes = data.label_size, data.meta, data.plan, data.notes
        self.select_on = data.select_on
        self.n, self.steps_per_epoch = data.samples, data.steps_per_epoch
        self.val_texts = self.vals[self.select_on][1] if self.select_on in self.vals else []
        self._build(config.channels_last)
        if self.progress and self.d.main:
            for note in self.notes:
                print(note, file=sys.stderr)

    def _build(self, channels_last: bool) -> None:
        torch.manual_seed(self.cfg.seed)  # the same initial weights on every rank
        label_size = self.label_size if self.cfg.aux != "off" else None
        self.heads = TrainingModel(self.mc, label_size).to(self.device)
        self.blank = self.mc.blank
        if channels_last:
            self.heads = self.heads.to(memory_format=torch.channels_last)
        self.init_summary = self._warm_start() if self.cfg.init and not self.cfg.resume else None
        self.opt = torch.optim.Adam(
            self.heads.parameters(), lr=self.cfg.lr, weight_decay=self.cfg.weight_decay
        )
        self.schedule = self.plan.lr_schedule()  # a resumed run's is the one it started with
        self.net = distributed.wrap(self.heads, self.d, self.device, find_unused=self.cfg.aux == "alternate")
        # seconds: training time of earlier calls, so a time budget spans resumes as max_steps does
        self.state = {
            "step": 0,
            "epoch": 0,
            "batch_in_epoch": 0,
            "best": None,
            "best_step": None,
            "seconds": 0.0,
        }
        if self.cfg.resume:
            self._load_state()
        torch.manual_seed(self.cfg.seed * 7919 + self.d.rank + self.state["step"])  # dropout noise per rank
        if self.cfg.resume and self.d.main:  # only rank 0's RNG is saved
            self.notes += restore_rng(self._saved_rng, self.device)
        self.log = MetricsLog(self.out / METRICS_FILE, self.state["step"] if self.cfg.resume else None)

    def _warm_start(self) -> str:
        from .warm_start import warm_start

        start = warm_start(self.cfg.init, self.mc, self.heads.lprnet, self.heads.decoder)
        self.heads.lprnet.load_state_dict(start.lprnet)
        if start.decoder is not None:
            self.heads.decoder.load_state_dict(start.decoder)
        if self.progress and self.d.main:
            print(start.summary(), file=sys.stderr)
        return start.summary()

    def _save_state(self) -> None:
        state = {**self.state, "model": self.heads.state_dict(), "optimizer": self.opt.state_dict()}
        save_train_state(self.out, state, self.cfg, self.device)

    def _load_state(self) -> None:
        state = load_train_state(self.out, self.cfg)
        restore(self.out / STATE_FILE, self.heads, self.opt, state)
        self.state = {k: state[k] for k in ("step", "epoch", "batch_in_epoch", "best", "best_step")}
        self.state["seconds"] = float(state.get("seconds", 0.0))  # states from before it was kept: 0
        self._saved_rng = {k: state.get(k) for k in ("rng", "cuda_rng")}

    _saved_rng: dict = {}
    _origin = 0.0  # perf_counter() minus the training seconds of earlier calls
    _last: dict | None = None  # losses of the latest step (device tensors until `_sync`)
    _plotted = -float("inf")  # perf_counter() of the last curves.png
    _bad_step: torch.Tensor | None = None  # the first step with a NaN/inf loss, 0 if none (on the device)

    # ---- the loop ----

    def run(self) -> FitResult:
        per_rank = max(1, self.cfg.batch_size // self.d.world)
        n, steps_per_epoch = self.n, self.steps_per_epoch
        start, images, stopped = time.perf_counter(), 0, "epochs"
        self._origin = start - self.state["seconds"]
        if self.init_summary is not None and self.state["step"] == 0:
            self._score_start()
        total = run_steps(self.cfg.epochs, self.cfg.max_steps, steps_per_epoch)
        # the schedule's length: a resumed run's own (its max_steps may differ only where it is moot)
        self.schedule_steps = run_steps(self.plan.epochs, self.plan.max_steps, steps_per_epoch)
        bar = progress_bar(
            total,
            f"fit ({self.cfg.aux})",
            "step",
            enabled=self.progress and self.d.main,
            initial=min(self.state["step"], total),
        )
        with bar:
            while self.state["epoch"] < self.cfg.epochs and stopped == "epochs":
                perm = self._permutation(n) if self.mix is None else None
                for k in range(self.state["batch_in_epoch"], steps_per_epoch):
                    stopped = self._stop_reason(first=self.state["step"] == 0)
                    if stopped != "epochs":
                        break
                    if self.mix is None:
                        rows = perm[k * per_rank : (k + 1) * per_rank]
                    else:
                        rows = self.mix.rows(self.state["epoch"] * steps_per_epoch + k)
                    images += self._one_step(rows, bar)
                    self.state["batch_in_epoch"] = k + 1
                else:
                    self.state["epoch"] += 1
                    self.state["batch_in_epoch"] = 0
                self._checkpoint(complete=stopped == "epochs")
            seconds = time.perf_counter() - start
            return self._result(stopped, seconds, images)

    def _permutation(self, n: int) -> torch.Tensor:
        gen = torch.Generator().manual_seed(
            self.cfg.seed * 1_000_003 + self.state["epoch"] * 7919 + self.d.rank
        )
        return torch.randperm(len(self.train), generator=gen)[:n]

    def _trained_seconds(self) -> float:
        return time.perf_counter() - self._origin

    def _stop_reason(self, first: bool) -> str:
        if self.cfg.max_steps and self.state["step"] >= self.cfg.max_steps:
            return "max_steps"
        if self.cfg.time_budget_s is not None and not first:  # a budget always buys the run one step
            over = self._trained_seconds() >= self.cfg.time_budget_s
            if self.d.active:
                # ranks stop together; agreeing waits on the device, so they agree at log steps only
                if self.state["step"] % self.cfg.log_every:
                    return "epochs"
                flag = torch.tensor([float(over)], device=self.device)
                over = distributed.all_sum(flag, self.d).item() > 0
            if over:
                return "time_budget"
        return "epochs"

    def _one_step(self, idx: torch.Tensor, bar) -> int:
        step = self.state["step"] + 1
        lr = self.schedule.lr_at(step - 1, self.steps_per_epoch, self.schedule_steps)
        losses = train_batch(
            self.net,
            self.opt,
            self.train,
            idx,
            lr,
            self.cfg.aux,
            self.cfg.aux_weight,
            self.blank,
            lambda named: self._agree(named, step),
            self.autocast,
        )
        self.state["step"] = step
        self._last = {**losses, "lr": lr}
        logged = step % self.cfg.log_every == 0 or step == 1
        if logged:
            self._sync()
            self.log.add(kind="train", step=step, epoch=self.state["epoch"], **self._last)
        bar.update(1)
        if logged:  # shown from the next update on, as before the step's own line
            bar.set_postfix({k: f"{v:.4f}" for k, v in self._last.items() if k != "lr"}, refresh=False)
        return len(idx) * self.d.world

    def _agree(self, named: dict[str, torch.Tensor], step: int) -> dict[str, torch.Tensor]:
        """Average the losses over ranks, on the device. A NaN/inf is noted there too, with the first
        step that had one; `_sync` reads it at the next log step or checkpoint, so a step never waits
        for the device. (The weights may go non-finite in between; no checkpoint is saved from them.)"""
        values = (
            distributed.all_sum(torch.stack([v.detach().float() for v in named.values()]), self.d)
            / self.d.world
        )
        bad = ~torch.isfinite(values).all()
        if self._bad_step is None:
            self._bad_step = torch.zeros((), dtype=torch.long, device=values.device)
        self._bad_step = torch.where(bad & (self._bad_step == 0), step, self._bad_step)
        return dict(zip(named, values))

    def _sync(self) -> None:
        """Bring the latest losses to the host; stop every rank (they hold the same rank-averaged
        values) if any step since the last sync had a NaN/inf loss."""
        if self._last is None:
            return
        self._last = {k: float(v) for k, v in self._last.items()}
        bad = int(self._bad_step) if self._bad_step is not None else 0
        if bad:
            shown = ", ".join(f"{k}={v}" for k, v in self._last.items() if k != "lr")
            raise TrainingError(
                f"step {bad}: loss is not finite (at step {self.state['step']}: {shown}); "
                f"lower the learning rate (lr={self.cfg.lr})"
            )

    def _checkpoint(self, complete: bool) -> None:
        """Validate, keep the best model, save the train state, flush metrics and curves (rank 0)."""
        self.state["seconds"] = self._trained_seconds()  # wall time of the loop, earlier validations included
        self._sync()  # a non-finite loss since the last log step stops the run before anything is saved
        if not self.d.main or self.state["step"] == 0:
            return
        self._log_last_step()
        if complete or self.state["best"] is None or self.state["batch_in_epoch"]:
            self._keep_best()
        self._save_state()
        self._flush(complete)

    def _log_last_step(self) -> None:
        """The last step is always logged, whether or not it was a log step."""
        logged = [r["step"] for r in self.log.rows if r["kind"] == "train"]
        if self._last and (not logged or logged[-1] != self.state["step"]):
            self.log.add(kind="train", step=self.state["step"], epoch=self.state["epoch"], **self._last)

    def _keep_best(self) -> None:
        """Validate; save the model as the run's best if it beats the best so far (ties broken by LCR)."""
        metrics = self._validate()
        score = [metrics["accuracy"], metrics["lcr"]]
        if self.state["best"] is None or score > self.state["best"]:
            self.state["best"], self.state["best_step"] = score, self.state["step"]
            save_run(self.out, self.heads.lprnet, {k: v for k, v in self.meta.items()}, self.heads.decoder)

    def _flush(self, complete: bool) -> None:
        """Write metrics.jsonl, and curves.png when due: drawing the figure takes about a second, so on
        short epochs it is redrawn at most every PLOT_EVERY_S seconds, and always at the end of the
        run's last epoch or at a stop."""
        self.log.flush()
        now = time.perf_counter()
        if not complete or now - self._plotted >= PLOT_EVERY_S or self._last_epoch():
            plot_curves(self.log.rows, self.out / CURVES_FILE)
            self._plotted = now

    def _score_start(self) -> None:
        """fit --init: validate the starting model before the first step and keep it as the best (step
        0), so a fine-tune that only makes it worse (too high a rate, too few steps) hands it back
        instead of its worse self. Saved with a train state, so the run can be resumed from here."""
        if not self.d.main or self.select_on not in self.vals:  # no validation samples to score it on
            return
        metrics = self._validate()
        self.state["best"], self.state["best_step"] = [metrics["accuracy"], metrics["lcr"]], 0
        save_run(self.out, self.heads.lprnet, dict(self.meta), self.heads.decoder)
        self.state["seconds"] = self._trained_seconds()
        self._save_state()
        self.log.flush()

    def _validate(self) -> dict:
        """Validate on every source's held-out samples (one metrics row each; a single source's row
        carries no name, as before); returns the metrics of the source that selects the model."""
        chosen = {"accuracy": 0.0, "lcr": 0.0}
        for name, (tensors, texts) in self.vals.items():
            metrics = validate(self.heads.lprnet, tensors, texts, self.cfg.batch_size)
            named = {"source": name} if self.mix is not None else {}  # a mix: several sources
            self.log.add(kind="val", step=self.state["step"], epoch=self.state["epoch"], **named, **metrics)
            if name == self.select_on:
                chosen = metrics
        return chosen

    def _last_epoch(self) -> bool:
        """Whether the epoch just completed is the run's last (by epochs or by max_steps)."""
        done = self.state["epoch"] >= self.cfg.epochs
        return done or bool(self.cfg.max_steps and self.state["step"] >= self.cfg.max_steps)

    def _result(self, stopped: str, seconds: float, images: int) -> FitResult:
        best = self.state["best"] or [None, None]
        names = [MODEL_FILE, DECODER_FILE, CONFIG_FILE, STATE_FILE, METRICS_FILE, CURVES_FILE]
        files = [self.out / f for f in names if (self.out / f).is_file()] if self.d.main else []
        return FitResult(
            self.out,
            self.state["step"],
            self.state["epoch"],
            best[0],
            best[1],
            self.state["best_step"],
            len(self.train) * self.d.world,
            len(self.val_texts),
            seconds,
            images / max(seconds, 1e-9),
            stopped,
            files,
            self.state["seconds"],
            self.init_summary,
            self.notes if self.d.main else [],
        )


__all__ = ["AUX_MODES", "FitConfig", "FitResult", "fit", "load_sources", "as_sources"]
