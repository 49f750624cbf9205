"""Training precision: auto resolves from the CPU flags, bf16 is refused clearly where it isn't native,
and a bf16 step gives finite losses close to fp32's."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from click.testing import CliRunner

from cli.lprtrain import lprtrain
from lprtrain.errors import ConfigError
from lprtrain.model.lprnet import ModelConfig, TrainingModel
from lprtrain.train import precision
from lprtrain.train.loop import Batch, train_step
from lprtrain.train.precision import autocast_for, cpu_flags, resolve_precision

CPU = torch.device("cpu")


@pytest.mark.parametrize(
    "flags, asked, expected",
    [
        ({"avx2", "avx512f", "avx512_bf16"}, "auto", "bf16"),
        ({"avx2", "amx_bf16", "amx_tile"}, "auto", "bf16"),
        ({"avx2", "avx512f", "avx512_vnni"}, "auto", "fp32"),
        (set(), "auto", "fp32"),
        ({"avx512_bf16"}, "bf16", "bf16"),
        ({"avx512_bf16"}, "fp32", "fp32"),
    ],
)
def test_precision_resolves_from_cpu_flags(flags, asked, expected) -> None:
    assert resolve_precision(asked, CPU, flags) == expected


def test_bf16_without_native_support_is_refused() -> None:
    with pytest.raises(ConfigError, match=r"^precision: bf16 needs native bf16 support.*--precision auto"):
        resolve_precision("bf16", CPU, {"avx2", "avx512f"})


def test_cpu_flags_reads_cpuinfo(tmp_path: Path) -> None:
    info = tmp_path / "cpuinfo"
    info.write_text("processor\t: 0\nflags\t\t: fpu avx2 amx_bf16\n\nprocessor\t: 1\nflags\t\t: fpu\n")
    assert cpu_flags(info) == {"fpu", "avx2", "amx_bf16"}
    assert cpu_flags(tmp_path / "missing") == set()


def test_fit_bf16_on_a_cpu_without_it_is_one_error_line(shards: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(precision, "cpu_flags", lambda: {"avx2"})
    result = CliRunner().invoke(
        lprtrain,
        [
            "fit",
            str(shards),
            "--out",
            str(tmp_path / "run"),
            "--precision",
            "bf16",
            "--device",
            "cpu",
            "--max-steps",
            "1",
            "--batch-size",
            "4",
        ],
    )
    assert result.exit_code == 1, result.output
    assert result.output.startswith("Error: precision: bf16 needs native bf16 support")
    assert "--precision auto" in result.output and result.output.count("\n") == 1


@pytest.mark.skipif(not precision.has_bf16(CPU), reason="this CPU has no native bf16")
def test_bf16_step_losses_are_finite_and_close_to_fp32() -> None:
    torch.manual_seed(0)
    x = torch.randn(8, 3, 24, 94)
    targets = torch.randint(0, 60, (8, 7))
    batch = Batch(x, torch.rand(8, 1, 24, 94), targets, torch.full((8,), 7))
    losses = {}
    for name in ("fp32", "bf16"):
        torch.manual_seed(1)
        net = TrainingModel(ModelConfig(dropout=0.0), (94, 24))
        opt = torch.optim.Adam(net.parameters(), lr=1e-3)
        check = lambda named: {k: float(v.detach()) for k, v in named.items()}  # noqa: E731
        steps = [
            train_step(net, opt, batch, "joint", 1.0, 67, check, autocast_for(name, CPU)) for _ in range(3)
        ]
        losses[name] = steps
    for a, b in zip(losses["fp32"], losses["bf16"]):
        for k in a:
            assert torch.isfinite(torch.tensor(b[k]))
            assert abs(a[k] - b[k]) <= 0.05 * abs(a[k]) + 1e-3, (k, a[k], b[k])
