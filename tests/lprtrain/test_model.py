"""LPRNet layout compatibility with LPRNet_Pytorch, the MaxPool3d-free pool, and the decoder."""

from __future__ import annotations

import copy
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file
from torch import nn

from lprtrain.model.lprnet import (
    LPRNET_PYTORCH_CHARSET,
    ChannelStridePool,
    Dropout,
    LPRNet,
    ModelConfig,
    TrainingModel,
    count_parameters,
)
from lprtrain.model.run import MODEL_FILE, read_pth, save_run
from lprtrain.train.allocator import keep_freed_memory
from tests.conftest import SHARED_DATA

PRETRAINED = SHARED_DATA / "lprnet-pretrained" / "Final_LPRNet_model.pth"


@pytest.mark.parametrize("channel_stride, width_stride", [(1, 1), (2, 2), (4, 2)])
def test_channel_stride_pool_equals_maxpool3d(channel_stride, width_stride):
    x = torch.randn(3, 64, 20, 90, generator=torch.Generator().manual_seed(channel_stride))
    ref = nn.MaxPool3d(kernel_size=(1, 3, 3), stride=(channel_stride, 1, width_stride))
    assert torch.equal(ChannelStridePool(channel_stride, width_stride)(x), ref(x))


def reference(model: LPRNet) -> LPRNet:
    """The same weights with LPRNet_Pytorch's MaxPool3d over channels back in the graph."""
    ref = copy.deepcopy(model)
    for i, layer in enumerate(ref.backbone):
        if isinstance(layer, ChannelStridePool):
            ref.backbone[i] = nn.MaxPool3d((1, 3, 3), stride=(layer.channel_stride, 1, layer.width_stride))
    return ref


@pytest.mark.parametrize("context_norm", ["batch", "sample"])
def test_outputs_identical_to_maxpool3d_reference(context_norm):
    torch.manual_seed(0)
    model = LPRNet(ModelConfig(context_norm=context_norm)).eval()
    ref = reference(model)
    assert any(isinstance(m, nn.MaxPool3d) for m in ref.modules())
    x = torch.randn(4, 3, 24, 94)
    with torch.no_grad():
        out = model(x)
        assert out.shape == (4, model.config.num_classes, 18)
        assert torch.equal(out, ref(x))


def lprnet_pytorch_layout(classes: int) -> dict[str, tuple[int, ...]]:
    """Key → shape of LPRNet_Pytorch's state dict (BN buffers included)."""
    shapes: dict[str, tuple[int, ...]] = {}

    def conv(key, shape):
        shapes[f"{key}.weight"], shapes[f"{key}.bias"] = shape, (shape[0],)

    def bn(key, c):
        for name in ("weight", "bias", "running_mean", "running_var"):
            shapes[f"{key}.{name}"] = (c,)
        shapes[f"{key}.num_batches_tracked"] = ()

    def block(key, c_in, c_out):
        mid = c_out // 4
        for j, shape in zip(
            (0, 2, 4, 6), [(mid, c_in, 1, 1), (mid, mid, 3, 1), (mid, mid, 1, 3), (c_out, mid, 1, 1)]
        ):
            conv(f"{key}.block.{j}", shape)

    conv("backbone.0", (64, 3, 3, 3)), bn("backbone.1", 64)
    block("backbone.4", 64, 128), bn("backbone.5", 128)
    block("backbone.8", 64, 256), bn("backbone.9", 256)
    block("backbone.11", 256, 256), bn("backbone.12", 256)
    conv("backbone.16", (256, 64, 1, 4)), bn("backbone.17", 256)
    conv("backbone.20", (classes, 256, 13, 1)), bn("backbone.21", classes)
    conv("container.0", (classes, 448 + classes, 1, 1))
    return shapes


def test_state_dict_matches_lprnet_pytorch_layout():
    model = LPRNet(ModelConfig(charset=LPRNET_PYTORCH_CHARSET))
    got = {k: tuple(v.shape) for k, v in model.state_dict().items()}
    assert got == lprnet_pytorch_layout(68)


def test_state_dict_matches_the_pretrained_file():
    if not PRETRAINED.is_file():
        pytest.skip(f"real data not available: {PRETRAINED}")
    state = read_pth(PRETRAINED)
    model = LPRNet(ModelConfig(charset=LPRNET_PYTORCH_CHARSET))
    assert {k: tuple(v.shape) for k, v in state.items()} == {
        k: tuple(v.shape) for k, v in model.state_dict().items()
    }


def test_decoder_output_has_the_label_size():
    model = TrainingModel(ModelConfig(), label_size=(94, 24)).eval()
    with torch.no_grad():
        x = torch.randn(2, 3, 24, 94)
        logits, drawn = model(x)
    assert logits.shape == (2, model.lprnet.config.num_classes, 18)
    assert drawn.shape == (2, 1, 24, 94)
    # the label is the decoder's drawing of LPRNet's own context map, and depends on the crop
    with torch.no_grad():
        again = model.decoder(model.lprnet.features(x))
    assert torch.equal(drawn, again)
    assert (drawn[0] - drawn[1]).abs().max() > 1e-4


def test_deployed_model_has_lprnet_size_and_no_decoder(tmp_path):
    model = TrainingModel(ModelConfig(), label_size=(94, 24))
    assert 430_000 < count_parameters(model.lprnet) < 470_000  # the paper's ~0.45 M
    assert count_parameters(model) > count_parameters(model.lprnet)
    save_run(tmp_path, model.lprnet, {"label_size": [94, 24]}, model.decoder)
    deployed = load_file(str(tmp_path / MODEL_FILE))
    assert set(deployed) == set(model.lprnet.state_dict())
    assert sum(
        v.numel() for k, v in deployed.items() if not k.endswith("num_batches_tracked")
    ) == count_parameters(model.lprnet) + sum(
        b.numel() for n, b in model.lprnet.named_buffers() if "running" in n
    )


@pytest.mark.parametrize("channels_last", [False, True])
def test_dropout_is_bernoulli_half_with_inverted_scaling(channels_last):
    torch.manual_seed(0)
    x = torch.rand(8, 64, 16, 21) + 0.5  # strictly positive: a zero in the output is a dropped element
    if channels_last:
        x = x.contiguous(memory_format=torch.channels_last)
    x.requires_grad_(True)
    drop = Dropout(0.5).train()
    y = drop(x)
    kept = y != 0
    assert abs(kept.float().mean().item() - 0.5) < 0.01  # 172k elements: sd of the rate is 0.0012
    assert torch.allclose(y[kept], 2 * x.detach()[kept])
    # neighbours along every axis are independent: no stripes from the byte packing
    for dim in range(4):
        a, b = kept.narrow(dim, 0, kept.shape[dim] - 1), kept.narrow(dim, 1, kept.shape[dim] - 1)
        assert abs((a & b).float().mean().item() - 0.25) < 0.01
    y.sum().backward()
    assert torch.equal(x.grad, 2 * kept.float())
    assert torch.equal(drop.eval()(x), x)  # identity at inference


def test_dropout_follows_the_torch_seed_and_falls_back_for_other_rates():
    x = torch.ones(4, 8, 5, 5)
    torch.manual_seed(3)
    a = Dropout(0.5).train()(x)
    torch.manual_seed(3)
    assert torch.equal(a, Dropout(0.5).train()(x))  # resume restores torch's RNG, so masks repeat
    torch.manual_seed(0)
    y = Dropout(0.3).train()(torch.ones(100_000))  # 256·0.3 is not whole: torch's dropout
    assert abs((y == 0).float().mean().item() - 0.3) < 0.01


RESIDENT_AFTER_FREE = """
import os, sys, torch
from pathlib import Path
from lprtrain.train.allocator import keep_freed_memory
def resident_mb():
    return int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
switched = keep_freed_memory() if sys.argv[1] == "keep" else False
before = resident_mb()
big = torch.ones(50_000_000)  # 200 MB: glibc would mmap it and unmap it on free
peak = resident_mb()
del big
print(switched, round(peak - before), round(peak - resident_mb()))
"""


def test_keep_freed_memory_switches_glibc_malloc_to_reuse():
    if not sys.platform.startswith("linux"):
        pytest.skip("glibc only")

    def run(mode: str) -> list[str]:  # a fresh process: the setting is process-wide and one-way
        out = subprocess.run(
            [sys.executable, "-c", RESIDENT_AFTER_FREE, mode],
            capture_output=True,
            text=True,
            check=True,
            cwd=Path(__file__).resolve().parents[2],
        )
        return out.stdout.split()

    switched, grew, released = run("keep")
    assert switched == "True" and int(grew) > 150
    assert int(released) < 50  # the pages stay, so the next step's tensors reuse them
    _, grew, released = run("default")
    assert int(released) > 150  # what it replaces: the 200 MB go back to the OS at once
    assert keep_freed_memory() is True and keep_freed_memory() is True  # idempotent in-process


BIG_TOP_AFTER_FREE = """
import ctypes, ctypes.util, os
from pathlib import Path
from lprtrain.train.allocator import keep_freed_memory
def resident_mb():
    return int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
keep_freed_memory()
libc = ctypes.CDLL(ctypes.util.find_library("c"))
libc.malloc.restype, libc.malloc.argtypes = ctypes.c_void_p, [ctypes.c_size_t]
libc.free.argtypes, libc.memset.argtypes = [ctypes.c_void_p], [ctypes.c_void_p, ctypes.c_int, ctypes.c_size_t]
n = 2300 * 2**20  # above glibc's largest trim threshold, 2 GiB: a batch-256 step's heap gets there
p = libc.malloc(n)
libc.memset(p, 1, n)
peak = resident_mb()
libc.free(p)  # it is the top of the heap: glibc trims it unless trimming is off
print(round(peak - resident_mb()))
"""


def test_keep_freed_memory_keeps_a_freed_top_of_the_heap_above_2_gib():
    if not sys.platform.startswith("linux"):
        pytest.skip("glibc only")
    out = subprocess.run(
        [sys.executable, "-c", BIG_TOP_AFTER_FREE],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert int(out.stdout) < 50  # MB given back to the OS
