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
