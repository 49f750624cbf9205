"""The one process pool of every batch stage: map a function over tasks, inline or across workers,
and the one progress bar of every long loop (`progress_bar`).

Spawn, not fork: a forked child of a process whose thread pools are running (torch, OpenCV, tqdm's
monitor) can deadlock on a lock copied in the held state. Tasks and results travel by pickle, so a
stage hands over chunks big enough to amortise that (`chunksize`, or tasks that are chunks).

A stage's worker is `fn(task, state)`: a frozen task dataclass per item, and one worker-state
dataclass (its config, output folder, fonts…) that `Workers` hands to each process once, when it
starts, instead of with every task. Both must pickle.
"""

from __future__ import annotations

import io
import itertools
import multiprocessing
import os
import stat
import sys
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence, Sized
from functools import partial
from typing import Any, TextIO

import cv2
from tqdm import tqdm

# In a worker process: the state its pool was started with (`_start`); the one place it is kept
_state: Any = None


def _start(state: Any) -> None:
    global _state
    cv2.setNumThreads(1)  # one process per core already; OpenCV threads would oversubscribe
    _state = state


def _call(fn: Callable, state: Any, task: Any) -> Any:
    return fn(task) if state is None else fn(task, state)


def _in_worker(fn: Callable, task: Any) -> Any:
    return _call(fn, _state, task)


class LogProgress:
    """A progress bar for a log file: one whole line per tenth of the work (and at the end) instead
    of a redraw per step. Takes the calls the stages make of a tqdm bar."""

    def __init__(self, total: int | None, desc: str, unit: str, file: TextIO, initial: int = 0) -> None:
        self.total, self.desc, self.unit, self.file = total, desc, unit, file
        self.n, self.postfix, self._start, self._shown = initial, "", time.perf_counter(), None

    def __enter__(self) -> LogProgress:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def update(self, n: int = 1) -> None:
        self.n += n
        if self.total and self._tenth() != self._shown and self.n < self.total:
            self._line()

    def set_postfix(self, values: dict | None = None, refresh: bool = True, **kwargs) -> None:
        self.postfix = ", ".join(f"{k}={v}" for k, v in {**(values or {}), **kwargs}.items())

    def close(self) -> None:
        if self._shown != "closed":
            self._line()
            self._shown = "closed"

    def _tenth(self) -> int:
        return 10 * self.n // self.total

    def _line(self) -> None:
        self._shown = self._tenth() if self.total else None
        seconds = time.perf_counter() - self._start
        done = (
            f"{100 * self.n / self.total:3.0f}% ({self.n}/{self.total} {self.unit})"
            if self.total
            else (f"{self.n} {self.unit}")
        )
        extra = f", {self.postfix}" if self.postfix else ""
        print(f"{self.desc}: {done} in {seconds:.1f} s{extra}", file=self.file, flush=True)


class _Off(LogProgress):
    def update(self, n: int = 1) -> None:
        self.n += n

    def close(self) -> None:
        pass


def progress_bar(
    total: int | None, desc: str | None, unit: str = "it", enabled: bool = True, initial: int = 0, file=None
):
    """The progress bar of a long loop, as stderr (or `file`) can show it: a live tqdm bar on a
    terminal; on a log file or pipe a line per tenth of the work (a redraw per step would fill the
    log); nothing on a stream with no file behind it (an embedding program's or a test's capture), or
    when not `enabled` or without `desc`. Each has tqdm's `update`, `set_postfix` and `close`."""
    file = sys.stderr if file is None else file
    where = _stream_kind(file) if enabled and desc else "none"
    if where == "terminal":
        return tqdm(total=total, desc=desc, unit=unit, initial=initial, file=file)
    if where == "log":
        return LogProgress(total, desc, unit, file, initial)
    return _Off(total, desc or "", unit, file, initial)


def _stream_kind(file) -> str:
    try:
        fd = file.fileno()
    except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
        return "none"
    if file.isatty():
        return "terminal"
    mode = os.fstat(fd).st_mode
    return "log" if stat.S_ISREG(mode) or stat.S_ISFIFO(mode) else "none"


class Workers:
    """A pool started ahead of its work: spawned processes take a few tenths of a second to import
    their modules, which they can do while the caller still plans (reads a dataset, checks what a
    re-run resumes). `workers` <= 1 starts nothing; `map` then runs inline.

    `state` (a worker-state dataclass) goes to each process once, as it starts; `map` then calls
    `fn(task, state)`, or `fn(task)` without a state.

        with Workers(4, CropWorker(root, out, config)) as workers:
            tasks = plan(...)
            for result in workers.map(crop_one, tasks, desc="crop"):
                ...
    """

    def __init__(self, workers: int = 1, state: Any = None) -> None:
        self.state, self.size = state, max(workers, 1)
        self._pool = None
        if workers > 1:
            self._pool = multiprocessing.get_context("spawn").Pool(workers, _start, (state,))

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *exc) -> None:
        if self._pool is not None:
            self._pool.terminate()
            self._pool.join()

    def _results(self, fn, tasks, ordered, chunksize) -> Iterator:
        if self._pool is None or (isinstance(tasks, Sized) and len(tasks) <= 1):
            yield from map(partial(_call, fn, self.state), tasks)
            return
        if not isinstance(tasks, Sequence):  # a stream: Pool.imap would drain it into memory first
            yield from self._streamed(fn, iter(tasks), chunksize)
            return
        run = self._pool.imap if ordered else self._pool.imap_unordered
        yield from run(partial(_in_worker, fn), tasks, chunksize=chunksize)

    def _streamed(self, fn, tasks: Iterator, chunksize: int) -> Iterator:
        """Results of a task stream in order, with at most a few chunks per worker in flight: memory
        stays flat however long the stream (synth --count 10**9), and the first results come at once."""
        pending: deque = deque()
        window = 4 * self.size
        while True:
            while len(pending) < window:
                chunk = list(itertools.islice(tasks, chunksize))
                if not chunk:
                    break
                pending.append(self._pool.apply_async(_run_chunk, (fn, chunk)))
            if not pending:
                return
            yield from pending.popleft().get()

    def map(
        self,
        fn: Callable[[Any], Any],
        tasks: Iterable,
        *,
        ordered: bool = False,
        chunksize: int = 1,
        desc: str | None = None,
        total: int | None = None,
        unit: str = "it",
        advance: Callable[[Any], int] = lambda result: 1,
        progress: bool = True,
    ) -> Iterator:
        """Yield `fn(task, state)` (`fn(task)` without a state) for every task: in input order if
        `ordered`, else as they finish. A progress bar named `desc` (`progress_bar`) counts `total`
        (default: the number of tasks), advanced by `advance(result)` per result; `progress=False`
        or no `desc` hides it.

        `tasks` that is not a sequence (a generator) is streamed: taken a few chunks at a time, never
        held whole, its results in order; give `total` for the bar."""
        if total is None and isinstance(tasks, Sized):
            total = len(tasks)
        with progress_bar(total, desc, unit, enabled=progress) as bar:
            for result in self._results(fn, tasks, ordered, chunksize):
                yield result
                bar.update(advance(result))


def _run_chunk(fn: Callable, chunk: list) -> list:
    return [_in_worker(fn, task) for task in chunk]


def pool_map(
    fn: Callable,
    tasks: Iterable,
    workers: int = 1,
    *,
    state: Any = None,
    **options,
) -> Iterator:
    """Yield `fn(task, state)` for every task, or `fn(task)` without a `state` (`Workers.map`'s
    `options`: ordered, chunksize, desc, total, unit, advance, progress).

    `workers` <= 1 (or a single task) runs inline in this process, with `state` itself; more start
    that many spawned processes (at most one per task), each given its own copy of `state` once.
    """
    count = len(tasks) if isinstance(tasks, Sized) else options.get("total")
    with Workers(workers if count is None else min(workers, count), state) as pool:
        yield from pool.map(fn, tasks, **options)


__all__ = ["Workers", "pool_map", "progress_bar", "LogProgress"]
