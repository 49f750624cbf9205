"""ONNX export: dynamic batch, no decoder, ONNX Runtime matches torch; FLOPs and parameters."""

from __future__ import annotations

import errno
import re
from pathlib import Path

import numpy as np
import onnx
import pytest
import torch
from click.testing import CliRunner

from cli.lprtrain import lprtrain
from lprtrain import load_model
from lprtrain.deploy.export import export_onnx
from lprtrain.evaluation.scoring import predict_texts
from lprtrain.model.decode import greedy_decode
from lprtrain.model.flops import count_macs
from lprtrain.model.inference import (
    MICRO_BATCH,
    fold_batchnorm,
    forward_batch,
    ort_session,
    prepare_for_inference,
)
from lprtrain.model.lprnet import LPRNet, ModelConfig, TrainingModel
from lprtrain.model.preprocess import to_input
from lprtrain.model.run import save_run


def trained_like(seed: int = 0) -> LPRNet:
    """Random weights with non-trivial BatchNorm statistics (as after training)."""
    torch.manual_seed(seed)
    model = LPRNet(ModelConfig())
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.uniform_(-0.5, 0.5), m.running_var.uniform_(0.5, 2.0)
            m.weight.data.uniform_(0.5, 1.5), m.bias.data.uniform_(-0.2, 0.2)
    return model.eval()


@pytest.fixture
def run(tmp_path):
    training = TrainingModel(ModelConfig(), (94, 24))
    training.lprnet = trained_like()
    return save_run(tmp_path / "run", training.lprnet, {"label_size": [94, 24]}, training.decoder)


def test_flops_match_the_paper():
    macs = count_macs(LPRNet(ModelConfig()), torch.zeros(1, 3, 24, 94))
    assert 0.27e9 < 2 * macs < 0.31e9  # ≈0.29 GFLOPs per 94×24 plate


def test_bn_folding_and_channels_last_keep_outputs():
    model = trained_like(1)
    x = torch.randn(5, 3, 24, 94)
    with torch.no_grad():
        ref = model(x)
        folded = fold_batchnorm(model)
        assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in folded.modules())
        torch.testing.assert_close(folded(x), ref, rtol=1e-4, atol=1e-3)
        torch.testing.assert_close(
            prepare_for_inference(model)(x.contiguous(memory_format=torch.channels_last)),
            ref,
            rtol=1e-4,
            atol=1e-3,
        )


def test_export_onnx_dynamic_batch_without_decoder(run, tmp_path):
    report = export_onnx(run, tmp_path / "m.onnx", opset=17)
    assert report.ok, report.summary()
    assert 430_000 < report.parameters < 470_000
    graph = onnx.load(str(tmp_path / "m.onnx")).graph
    assert not any("decoder" in init.name or "ConvTranspose" in init.name for init in graph.initializer)
    assert not any(node.op_type == "ConvTranspose" for node in graph.node)
    assert graph.input[0].type.tensor_type.shape.dim[0].dim_param == "batch"
    session = ort_session(tmp_path / "m.onnx")
    for batch in (1, 3):
        x = np.random.default_rng(batch).normal(size=(batch, 3, 24, 94)).astype(np.float32)
        assert session.run(None, {"images": x})[0].shape == (batch, ModelConfig().num_classes, 18)


def test_export_cli_prints_parameters_and_flops(run, tmp_path, plate_crops):
    result = CliRunner().invoke(
        lprtrain, ["export", str(run), "--onnx", str(tmp_path / "m.onnx"), "--check-data", str(plate_crops)]
    )
    assert result.exit_code == 0, result.output
    parameters = sum(p.numel() for p in load_model(run).parameters())
    assert 440_000 < parameters < 470_000  # the paper's 0.45 M, give or take the charset's classes
    assert f"parameters {parameters:,}" in result.output
    assert re.search(r"0\.2[89]\d GFLOPs", result.output), result.output
    assert "real input" in result.output


def test_per_plate_models_read_in_micro_batches_with_unchanged_readings():
    model = trained_like(3)
    assert forward_batch(model.config, 100) == MICRO_BATCH < 100
    images = torch.randint(0, 256, (70, 24, 94, 3), dtype=torch.uint8)
    with torch.inference_mode():
        ref = greedy_decode(model(to_input(images)), model.config.charset)  # one pass over all 70
    got = predict_texts(model, images, batch_size=70)
    assert [t for t, _ in got] == [t for t, _ in ref]
    np.testing.assert_allclose([c for _, c in got], [c for _, c in ref], rtol=1e-3)


def test_batch_context_models_read_their_whole_batch_in_one_pass():
    """Their readings depend on the batch (LPRNet_Pytorch's context scaling), so splitting a batch
    into micro-batches would change what they compute."""
    torch.manual_seed(4)
    model = LPRNet(ModelConfig(context_norm="batch")).eval()
    images = torch.randint(0, 256, (70, 24, 94, 3), dtype=torch.uint8)
    images[35:] //= 4  # a dark half: per-32 context scales would differ from the 70-plate one
    with torch.inference_mode():
        ref = greedy_decode(model(to_input(images)), model.config.charset)
    got = predict_texts(model, images, batch_size=70)
    np.testing.assert_allclose([c for _, c in got], [c for _, c in ref], rtol=1e-3)


@pytest.mark.parametrize("cause", ["parent is a file", "disk full"])
def test_onnx_write_failure_is_one_error_line_and_leaves_no_file(run, tmp_path, monkeypatch, cause):
    (tmp_path / "afile").write_text("x")
    out, reason = tmp_path / "afile" / "m.onnx", f"{tmp_path / 'afile'} is a file, not a folder"
    if cause == "disk full":
        out, reason = tmp_path / "m.onnx", "No space left on device"

        def full(model, args, f, **kwargs):
            Path(f).write_bytes(b"half a model")
            raise OSError(errno.ENOSPC, reason)  # as a write() on a full disk: no file name

        monkeypatch.setattr(torch.onnx, "export", full)
    result = CliRunner().invoke(lprtrain, ["export", str(run), "--onnx", str(out)])
    assert result.exit_code == 1, result.output
    assert result.output == f"Error: {out}: cannot write: {reason}\n"
    assert not out.exists() and not list(out.parent.glob(".m.onnx*"))
