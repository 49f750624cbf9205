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


def _results(fn, tasks, workers, init, initargs, ordered, chunksize) -> Iterator:
    if workers <= 1 or len(tasks) <= 1:
        if init is not None:
            init(*initargs)
        yield from map(fn, tasks)
        return
    context = multiprocessing.get_context("spawn")
    with context.Pool(min(workers, len(tasks)), _start, (init, initargs)) as pool:
        run = pool.imap if ordered else pool.imap_unordered
        yield from run(fn, tasks, chunksize=chunksize)


def pool_map(
    fn: Callable[[Any], Any],
    tasks: Sequence,
    workers: int = 1,
    *,
    init: Callable | None = None,
    initargs: tuple = (),
    ordered: bool = False,
    chunksize: int = 1,
    desc: str | None = None,
    total: int | None = None,
    unit: str = "it",
    advance: Callable[[Any], int] = lambda result: 1,
    progress: bool = True,
) -> Iterator:
    """Yield `fn(task)` for every task: in input order if `ordered`, else as they finish.

    `workers` <= 1 (or a single task) runs inline in this process, after `init(*initargs)`; more
    start that many spawned processes (at most one per task), each running `init(*initargs)` first.
    A progress bar named `desc` counts `total` (default: the number of tasks), advanced by
    `advance(result)` per result; `progress=False` or no `desc` hides it.
    """
    bar = tqdm(
        total=len(tasks) if total is None else total, desc=desc, unit=unit, disable=not progress or not desc
    )
    with bar:
        for result in _results(fn, tasks, workers, init, initargs, ordered, chunksize):
            yield result
            bar.update(advance(result))


__all__ = ["pool_map"]
