"""`plategen.pool`: the progress bar every stage shows, as the place it is shown can take it."""

from __future__ import annotations

import io
import operator
import os
import pty
import subprocess
import sys
from pathlib import Path

from tqdm import tqdm

from plategen.pool import LogProgress, pool_map, progress_bar

_STAGE = "from plategen.pool import pool_map; list(pool_map(abs, range(1000), 1, desc='crop', unit='img'))"


def test_a_log_file_gets_a_line_per_tenth_not_a_redraw_per_step(tmp_path: Path) -> None:
    """Before, stderr redirected to a log got a carriage-return redraw for every step."""
    log = tmp_path / "log.txt"
    with open(log, "w") as stderr:
        subprocess.run([sys.executable, "-c", _STAGE], stderr=stderr, check=True, timeout=60)
    text = log.read_text()
    lines = text.splitlines()
    assert "\r" not in text and text.endswith("\n")
    assert 10 <= len(lines) <= 12, lines
    assert lines[-1].startswith("crop: 100% (1000/1000 img) in ")
    assert [line.split("%")[0] for line in lines[1:-1]] == [f"crop: {p:3d}" for p in range(10, 100, 10)]


def test_a_pipe_gets_lines_too_and_a_terminal_a_live_bar() -> None:
    piped = subprocess.run([sys.executable, "-c", _STAGE], capture_output=True, text=True, check=True)
    assert "\r" not in piped.stderr and len(piped.stderr.splitlines()) <= 12
    leader, follower = pty.openpty()
    try:
        with open(follower, "w", closefd=False) as terminal:
            assert isinstance(progress_bar(10, "crop", file=terminal), tqdm)
    finally:
        os.close(leader)
        os.close(follower)


def test_a_stream_with_no_file_behind_it_or_progress_off_shows_nothing() -> None:
    captured = io.StringIO()  # what an embedding program or click's CliRunner hands over as stderr
    for bar in (progress_bar(5, "crop", file=captured), progress_bar(5, "crop", enabled=False)):
        with bar:
            bar.update(5)
            bar.set_postfix({"loss": "0.1"}, refresh=False)
    assert captured.getvalue() == ""


def test_the_log_lines_carry_the_postfix_and_start_where_a_resumed_run_is(tmp_path: Path) -> None:
    with open(tmp_path / "log", "w") as file:
        with LogProgress(100, "fit (alternate)", "step", file, initial=50) as bar:
            bar.set_postfix({"ctc": "0.5000"}, refresh=False)
            bar.update(50)
    lines = (tmp_path / "log").read_text().splitlines()
    assert len(lines) == 1 and lines[0].startswith("fit (alternate): 100% (100/100 step) in ")
    assert lines[0].endswith(", ctc=0.5000")


def test_lprtrain_bars_are_the_same_bar(tmp_path: Path) -> None:
    """eval, predict and fit show plategen's bar too: a log gets lines, not a redraw per batch."""
    import numpy as np

    from plategen.io import write_image_atomic

    rng = np.random.default_rng(0)
    for i in range(40):
        write_image_atomic(tmp_path / "crops" / f"皖A1234{i % 10}_{i}.png", rng.integers(0, 255, (24, 94, 3)))
    log = tmp_path / "log.txt"
    cmd = [sys.executable, "-m", "lprtrain", "predict", str(tmp_path / "crops"), "--batch-size", "1"]
    with open(log, "w") as stderr:
        subprocess.run(cmd, stderr=stderr, stdout=subprocess.DEVNULL, check=True, timeout=120)
    text = log.read_text()
    assert "\r" not in text, text[:500]
    lines = [line for line in text.splitlines() if line.startswith("predict:")]
    assert 10 <= len(lines) <= 12 and lines[-1].startswith("predict: 100% (40/40 batch)"), text


def test_each_task_comes_with_the_worker_state() -> None:
    """`fn(task, state)`: the state goes to each spawned process once, not through a module global
    of the stage; without a state, `fn(task)`."""
    tasks, want = list(range(20)), [100 + t for t in range(20)]
    assert list(pool_map(operator.add, tasks, 1, state=100)) == want
    assert sorted(pool_map(operator.add, tasks, 2, state=100, chunksize=3)) == want
    assert list(pool_map(operator.add, iter(tasks), 2, state=100, chunksize=3, total=20)) == want
    assert list(pool_map(abs, [-1, -2], 1)) == [1, 2]
