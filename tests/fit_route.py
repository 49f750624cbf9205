"""The road through `fit` (issue 27): the modules a tiny fit passes through, in order.

Runs `lprtrain.train.fit.fit` on tiny shards (made first by `tests/lprtrain/tiny.py`, outside the
count) with `FitConfig()`'s settings except a CPU, 2 steps and a batch of 4, recording each call
into lprtrain/, plategen/ or cli/ with `sys.setprofile`:

    a function counts once, at its first call (a loop's second pass takes the same road);
    comprehensions, generator expressions and lambdas belong to the function they sit in;
    only calls down to DEPTH below `fit` (default 3: fit → the trainer → its steps → theirs) count;
    a stay is a run of consecutive calls in one module, and a return is a stay in a module
    the road had already left.

    .venv/bin/python tests/fit_route.py            # stays, modules, returns, and the route
    .venv/bin/python tests/fit_route.py --depth 99 # every depth
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PACKAGES = ("lprtrain/", "plategen/", "cli/")


def _ours(code) -> str | None:
    """The repo-relative file of a function of ours (not a comprehension or lambda), else None."""
    name = code.co_filename
    if not name.startswith(str(REPO) + "/") or code.co_name.startswith("<"):
        return None
    rel = name[len(str(REPO)) + 1 :]
    return rel if rel.startswith(PACKAGES) else None


def record(shards: Path, out: Path) -> list[tuple[str, str, int, int]]:
    """(module file, function, first line, depth below fit) of each call of ours, in order."""
    from lprtrain.train.config import FitConfig
    from lprtrain.train.fit import fit

    calls = []

    def profile(frame, event, arg) -> None:
        if event != "call" or _ours(frame.f_code) is None:
            return
        depth, up = -1, frame
        while up is not None:
            depth += _ours(up.f_code) is not None
            up = up.f_back
        code = frame.f_code
        calls.append((_ours(code), code.co_name, code.co_firstlineno, depth))

    config = FitConfig(device="cpu", threads=2, max_steps=2, batch_size=4)
    sys.setprofile(profile)
    try:
        fit(shards, out, config)  # progress on, as by default (its lines go to stderr)
    finally:
        sys.setprofile(None)
    return calls


def route(calls: list[tuple[str, str, int, int]], depth: int) -> list[tuple[str, list[str]]]:
    """The stays: (module, the functions called there), first calls only, down to `depth`."""
    seen, stays = set(), []
    for module, name, line, d in calls:
        if d > depth or (module, name, line) in seen:
            continue
        seen.add((module, name, line))
        if stays and stays[-1][0] == module:
            stays[-1][1].append(name)
        else:
            stays.append((module, [name]))
    return stays


def returns(stays: list[tuple[str, list[str]]]) -> int:
    """Stays in a module the road had already left."""
    left, count = set(), 0
    for i, (module, _) in enumerate(stays):
        count += module in left
        if i:
            left.add(stays[i - 1][0])
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--depth", type=int, default=3, help="calls this far below fit count")
    args = parser.parse_args()
    sys.path.insert(0, str(REPO))
    from tests.lprtrain.tiny import tiny_shards

    with tempfile.TemporaryDirectory() as tmp:
        shards = tiny_shards(Path(tmp))
        calls = record(shards, Path(tmp) / "run")
    stays = route(calls, args.depth)
    for module, names in stays:
        print(f"{module:36s} {' '.join(names)}")
    modules = len({m for m, _ in stays})
    print(f"depth {args.depth}: {len(stays)} stays in {modules} modules, {returns(stays)} returns")


if __name__ == "__main__":
    main()
