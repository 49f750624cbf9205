"""The one process pool of every batch stage: map a function over tasks, inline or across workers.

Spawn, not fork: a forked child of a process whose thread pools are running (torch, OpenCV, tqdm's
monitor) can deadlock on a lock copied in the held state. Tasks and results travel by pickle, so a
stage hands over chunks big enough to amortise that (`chunksize`, or tasks that are chunks).
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import cv2
from tqdm import tqdm


def _start(init: Callable | None, initargs: tuple) -> None:
    cv2.setNumThreads(1)  # one process per core already; OpenCV threads would oversubscribe
    if init is not None:
        init(*initargs)


class Workers:
    """A pool started ahead of its work: spawned processes take a few tenths of a second to import
    their modules, which they can do while the caller still plans (reads a dataset, checks what a
    re-run resumes). `workers` <= 1 starts nothing; `map` then runs inline.

        with Workers(4, init, initargs) as workers:
            tasks = plan(...)
            for result in workers.map(fn, tasks, desc="crop"):
                ...
    """

    def __init__(self, workers: int = 1, init: Callable | None = None, initargs: tuple = ()) -> None:
        self.init, self.initargs = init, initargs
        self._pool = None
        if workers > 1:
            self._pool = multiprocessing.get_context("spawn").Pool(workers, _start, (init, initargs))

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *exc) -> None:
        if self._pool is not None:
            self._pool.terminate()
            self._pool.join()

    def _results(self, fn, tasks, ordered, chunksize) -> Iterator:
        if self._pool is None or len(tasks) <= 1:
            if self.init is not None:
                self.init(*self.initargs)
            yield from map(fn, tasks)
            return
        run = self._pool.imap if ordered else self._pool.imap_unordered
        yield from run(fn, tasks, chunksize=chunksize)

    def map(
        self,
        fn: Callable[[Any], Any],
        tasks: Sequence,
        *,
        ordered: bool = False,
        chunksize: int = 1,
        desc: str | None = None,
        total: int | None = None,
        unit: str = "it",
        advance: Callable[[Any], int] = lambda result: 1,
        progress: bool = True,
    ) -> Iterator:
        """Yield `fn(task)` for every task: in input order if `ordered`, else as they finish. A
        progress bar named `desc` counts `total` (default: the number of tasks), advanced by
        `advance(result)` per result; `progress=False` or no `desc` hides it."""
        bar = tqdm(
            total=len(tasks) if total is None else total,
            desc=desc,
            unit=unit,
            disable=not progress or not desc,
        )
        with bar:
            for result in self._results(fn, tasks, ordered, chunksize):
                yield result
                bar.update(advance(result))


def pool_map(
    fn: Callable[[Any], Any],
    tasks: Sequence,
    workers: int = 1,
    *,
    init: Callable | None = None,
    initargs: tuple = (),
    **options,
) -> Iterator:
    """Yield `fn(task)` for every task (`Workers.map`'s `options`: ordered, chunksize, desc, total,
    unit, advance, progress).

    `workers` <= 1 (or a single task) runs inline in this process, after `init(*initargs)`; more
    start that many spawned processes (at most one per task), each running `init(*initargs)` first.
    """
    with Workers(min(workers, len(tasks)), init, initargs) as pool:
        yield from pool.map(fn, tasks, **options)


__all__ = ["Workers", "pool_map"]
