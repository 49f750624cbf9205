"""Does a refactor change what the commands write? Run the pipeline on real data and list a hash of
every output, then compare two listings (issue 27: "nothing changes in behaviour").

    .venv/bin/python tests/same_output.py run /tmp/before     # at the commit before the change
    .venv/bin/python tests/same_output.py run /tmp/after      # after it
    .venv/bin/python tests/same_output.py diff /tmp/before /tmp/after

To run an older commit, check it out beside (`git worktree add /tmp/old COMMIT`) and run its copy of
this script with PLATEGEN_SHARED_DATA=$PWD/../shared/data: the commands import that copy's code.

What runs, each through this checkout's command: synth (40 photos of every kind), crop of those and of
../shared/data/ccpd-images, align --show, render-labels, eval of the shipped reader on plate-crops
and the val split of real-crops (its text), predict --json on plate-crops, export --onnx (its bytes),
and a 6-step fit from the shards (its weights). Fields that hold a time or an absolute path are
blanked before hashing; nothing else is.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
import tarfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("PLATEGEN_SHARED_DATA") or REPO.parent / "shared" / "data")
# Values that differ between two identical runs: times, and the folder the run was made in.
# A shard tar's checksum covers its members' mtimes, so it is compared by its members instead.
VOLATILE = re.compile(
    r'"(seconds|elapsed|started|finished|created|time|timestamp|sha256|[a-z_]*_s)": [^,}\n]+'
)
TIMES = re.compile(r"\b\d+(\.\d+)? ?(s|[a-z]+/s)\b")  # "in 5.8 s", "(7 images/s)" in summaries
REPO_PATH = re.compile(r'"[^"]*/(fonts/[^"]*)"')  # the bundled font, under each checkout's own path
SKIP = ("listing.json", "train_state.pt", ".progress.json")  # seconds trained; finishing order


GROUPS = ("plategen", "lprtrain")


def steps(out: Path) -> list[list[str]]:
    # The commands of this checkout's cli package (the installed scripts import the editable one).
    p, t = ([sys.executable, "-c", f"from cli.{g} import {g}; {g}(prog_name={g!r})"] for g in GROUPS)
    o = str(out)
    return [
        [*p, "synth", f"{o}/synth", "--count", "40", "--seed", "3", "--workers", "2"],
        [*p, "crop", f"{o}/synth", f"{o}/synth-crops", "--workers", "2"],
        [*p, "crop", str(DATA / "ccpd-images"), f"{o}/crops", "--workers", "2"],
        [*p, "align", f"{o}/synth-crops", "--show", "--out", f"{o}/alignment.json", "--workers", "2"],
        [*p, "render-labels", f"{o}/synth-crops", "--alignment", f"{o}/alignment.json", f"{o}/shards"],
        [*t, "eval", str(DATA / "plate-crops")],
        [*t, "eval", str(DATA / "real-crops"), "--split", "val"],
        [*t, "predict", str(DATA / "plate-crops"), "--json"],
        [*t, "export", "--onnx", f"{o}/model.onnx", "--check-data", str(DATA / "plate-crops")],
        [*t, "fit", f"{o}/shards", "--out", f"{o}/run", "--max-steps", "6", "--batch-size", "16"],
    ]


def run(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=False)
    log = []
    for i, cmd in enumerate(steps(out)):
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        r = subprocess.run(cmd, capture_output=True, text=True, cwd=out, env=env)
        stdout = r.stdout.replace(str(out), "OUT").replace(str(DATA), "DATA")
        log.append({"step": i, "cmd": " ".join(cmd[3:5]), "rc": r.returncode})
        (out / f"stderr-{i:02d}.txt").write_text(r.stderr, encoding="utf-8")  # progress: times
        (out / f"stdout-{i:02d}.txt").write_text(stdout, encoding="utf-8")
        print(
            f"{i:2d} rc={r.returncode} {' '.join(cmd[3:5])}",
            r.stderr[-300:] if r.returncode else "",
            flush=True,
        )
    (out / "steps.json").write_text(json.dumps(log, indent=1), encoding="utf-8")
    hash_outputs(out)


def hash_outputs(out: Path) -> None:
    """Write OUT/listing.json: a hash of each output, its volatile values blanked."""
    listing = {}
    for f in sorted(out.rglob("*")):
        if f.is_file() and f.name not in SKIP and not f.name.startswith("stderr-"):
            data = members(f) if f.suffix == ".tar" else f.read_bytes()
            if f.suffix == ".json":  # key order may follow which worker finished first
                data = json.dumps(json.loads(data), sort_keys=True, ensure_ascii=False).encode()
            if f.suffix in (".json", ".jsonl", ".txt", ".tsv", ".tar"):
                text = data.decode("utf-8", "replace").replace(str(out), "OUT").replace(str(DATA), "DATA")
                text = REPO_PATH.sub(r'"REPO/\1"', VOLATILE.sub(r'"\1": _', text))
                data = (TIMES.sub("_", text) if f.name.startswith("stdout-") else text).encode()
            listing[str(f.relative_to(out))] = hashlib.sha256(data).hexdigest()[:16]
    (out / "listing.json").write_text(json.dumps(listing, indent=1, ensure_ascii=False), encoding="utf-8")
    print(f"{len(listing)} files hashed into {out / 'listing.json'}")


def members(tar: Path) -> bytes:
    with tarfile.open(tar) as t:
        return b"".join(m.name.encode() + t.extractfile(m).read() for m in t.getmembers() if m.isfile())


def diff(a: Path, b: Path) -> int:
    la, lb = (json.loads((x / "listing.json").read_text(encoding="utf-8")) for x in (a, b))
    differ = sorted(k for k in la.keys() & lb.keys() if la[k] != lb[k])
    only = sorted(la.keys() ^ lb.keys())
    print(f"{len(la.keys() & lb.keys())} files in both, {len(differ)} differ, {len(only)} in one only")
    for k in differ:
        print(f"  differs: {k}")
    for k in only:
        print(f"  only in {'before' if k in la else 'after'}: {k}")
    return 1 if differ or only else 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["run"] and len(sys.argv) == 3:
        run(Path(sys.argv[2]).resolve())
    elif sys.argv[1:2] == ["hash"] and len(sys.argv) == 3:  # again, after a change to this script
        hash_outputs(Path(sys.argv[2]).resolve())
    elif sys.argv[1:2] == ["diff"] and len(sys.argv) == 4:
        sys.exit(diff(Path(sys.argv[2]), Path(sys.argv[3])))
    else:
        sys.exit(__doc__)
