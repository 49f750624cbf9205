"""Run tests as a fresh clone without ../shared/data runs them (issue 26).

CI has ../shared/data beside the repository, so it never takes the paths a user's clone takes without
it: the learning tests' synthetic crops, `export`'s synthetic check data. This copies the tree to a
temporary folder with no ../shared beside it (tests/mutations.py's copy, which also sets
PLATEGEN_SHARED_DATA=/nonexistent and drops CI), and runs pytest there on the copy's own code.

    .venv/bin/python tests/fresh_clone.py                 # the tests marked fresh_clone (what CI runs)
    .venv/bin/python tests/fresh_clone.py tests/ -q       # any pytest arguments: here the whole suite

Which tests take another path without the data is kept by the `fresh_clone` marker;
tests/test_fresh_clone.py fails when a test module reads the data's location without carrying it.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.mutations import check_imports, environment, prepare  # noqa: E402

DEFAULT_ARGS = ("-q", "-m", "fresh_clone")


def main(args: list[str]) -> int:
    with tempfile.TemporaryDirectory(prefix="fresh-clone-") as tmp:
        repo = prepare(Path(tmp), data=False)
        env = environment(repo, data=False)
        check_imports(repo, env)
        print(f"fresh clone at {repo} (no ../shared): pytest {' '.join(args)}", flush=True)
        cmd = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args]
        return subprocess.run(cmd, cwd=repo, env=env).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or list(DEFAULT_ARGS)))
