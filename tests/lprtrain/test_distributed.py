"""`torchrun --nproc_per_node=2 -m lprtrain fit`: DDP with the gloo backend on CPU, 2 processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import torch
from safetensors.torch import load_file

from lprtrain.model.run import load_decoder, load_model
from plategen.io import read_jsonl

REPO = Path(__file__).resolve().parents[2]


def test_two_process_alternate_run_writes_one_run_folder(shards: Path, tmp_path: Path) -> None:
    run = tmp_path / "run"
    cmd = [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--standalone",
        "--nnodes=1",
        "--nproc_per_node=2",
        "-m",
        "lprtrain",
        "fit",
        str(shards),
        "--out",
        str(run),
        "--batch-size",
        "8",
        "--max-steps",
        "2",
        "--device",
        "cpu",
    ]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    proc = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.count("best validation accuracy") == 1  # rank 0 alone reports
    config = json.loads((run / "config.json").read_text())
    assert config["world_size"] == 2 and config["fit"]["aux"] == "alternate"
    assert [r["step"] for r in read_jsonl(run / "metrics.jsonl") if r["kind"] == "train"] == [1, 2]
    model = load_model(run)
    load_decoder(run, model, tuple(config["label_size"]))
    # both heads trained under DDP: the MSE step moved the decoder, the CTC step the classifier,
    # with two Adam steps per batch on the shared backbone
    state = torch.load(run / "train_state.pt", weights_only=True)
    steps = {int(s["step"]) for s in state["optimizer"]["state"].values()}
    assert steps == {2, 4}
    assert all(torch.isfinite(v).all() for v in load_file(str(run / "model.safetensors")).values())


# Each rank builds the mix from its own share of the sources; 18+3 and 18+2 samples at 4 a step
# make 6 and 5 steps an epoch, and a rank that runs a 6th step waits in its all-reduce forever.
AGREE = """
import sys
import torch.distributed as dist
from lprtrain.train.distributed import Dist
from lprtrain.train.sources import MixedBatches

rank, store = int(sys.argv[1]), sys.argv[2]
dist.init_process_group("gloo", init_method="file://" + store, rank=rank, world_size=2)
mix = MixedBatches([[18, 3], [18, 2]][rank], [1.0, 1.0], 4, seed=0)
print(mix.steps_per_epoch(), mix.steps_per_epoch(Dist(rank, 2)))
dist.destroy_process_group()
"""


def test_ranks_with_uneven_sources_agree_on_the_steps_of_an_epoch(tmp_path: Path) -> None:
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", AGREE, str(rank), str(tmp_path / "store")],
            cwd=REPO,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for rank in (0, 1)
    ]
    try:
        outputs = [p.communicate(timeout=120) for p in procs]
    finally:
        for p in procs:
            p.kill()  # a rank left waiting in a collective would outlive the test
    assert [p.returncode for p in procs] == [0, 0], [err[-2000:] for _, err in outputs]
    # alone each rank counts its own share; together they take the fewest
    assert [out.split() for out, _ in outputs] == [["6", "5"], ["5", "5"]]
