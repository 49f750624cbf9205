"""`lprtrain fit`: a one-step run through the CLI, and the exact errors on bad input."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from cli.lprtrain import lprtrain
from tests.lprtrain.tiny import tiny_shards


@pytest.fixture(scope="module")
def shards(tmp_path_factory) -> Path:
    return tiny_shards(tmp_path_factory.getbasetemp())


def invoke(*args: str):
    return CliRunner().invoke(lprtrain, ["fit", *args])


def test_fit_trains_and_prints_a_summary(shards: Path, tmp_path: Path) -> None:
    run = tmp_path / "run"
    result = invoke(
        str(shards),
        "--out",
        str(run),
        "--aux",
        "joint",
        "--aux-weight",
        "0.5",
        "--batch-size",
        "4",
        "--max-steps",
        "1",
        "--device",
        "cpu",
        "--threads",
        "2",
    )
    assert result.exit_code == 0, result.output
    assert "trained 1 steps" in result.output and "best validation accuracy on" in result.output
    assert (run / "model.safetensors").is_file() and (run / "decoder.safetensors").is_file()
    same = ("--aux-weight", "0.5", "--batch-size", "4", "--device", "cpu", "--threads", "2")
    again = invoke(str(shards), "--out", str(run), *same, "--aux", "off", "--resume", "--max-steps", "2")
    assert again.exit_code == 1
    assert again.output == (
        f"Error: {run}: --resume with aux='off', but the run was started with aux='joint'; "
        "resume with the run's settings or start a new --out\n"
    )
    # the constant schedule does not depend on the run's length: a resume extends it, and says so
    longer = invoke(str(shards), "--out", str(run), *same, "--aux", "joint", "--resume", "--max-steps", "2")
    assert longer.exit_code == 0, longer.output
    assert "resume: the run goes on to max_steps=2 (it was started with 1; " in longer.output
    assert "trained 2 steps" in longer.output


def test_resume_with_another_length_of_a_cosine_run_names_the_field(shards: Path, tmp_path: Path) -> None:
    run = tmp_path / "run"
    start = ("--aux", "off", "--batch-size", "4", "--device", "cpu", "--schedule", "cosine", "--warmup", "1")
    first = invoke(str(shards), "--out", str(run), *start, "--max-steps", "3", "--time-budget", "1e-9")
    assert first.exit_code == 0 and "trained 1 steps" in first.output, first.output
    again = invoke(str(shards), "--out", str(run), *start, "--max-steps", "5", "--resume")
    assert again.exit_code == 1
    assert again.output == (
        f"Error: {run}: --resume with max_steps=5, but the run was started with max_steps=3 (its cosine "
        "schedule spans the run's whole length); resume with the run's settings or start a new --out\n"
    )


@pytest.mark.parametrize(
    "args, message",
    [
        (
            ["--epochs", "0"],
            "Error: Invalid value for '--epochs': epochs: expected a positive integer, got 0",
        ),
        (["--lr", "-1"], "Error: Invalid value for '--lr': lr: expected > 0, got -1.0"),
        (
            ["--input-size", "30x10"],
            "Error: Invalid value for '--input-size': input_size: 30x10 is too small for LPRNet (min 40x22)",
        ),
        (
            ["--time-budget", "0"],
            "Error: Invalid value for '--time-budget': time_budget_s: expected > 0 seconds, got 0.0",
        ),
    ],
)
@pytest.mark.parametrize("command", ["fit", "compare"])
def test_bad_settings_are_usage_errors_named_alike_in_fit_and_compare(
    tmp_path: Path, command: str, args: list[str], message: str
) -> None:
    if command == "compare" and args[0] == "--input-size":
        pytest.skip("compare trains at the default input size")
    result = CliRunner().invoke(lprtrain, [command, str(tmp_path), "--out", str(tmp_path / "run"), *args])
    assert result.exit_code == 2
    assert result.output.strip().splitlines()[-1] == message


def test_fit_and_compare_options_come_from_fit_config() -> None:
    from cli.compare import compare
    from cli.fit import fit
    from lprtrain.train.config import FitConfig

    fit_opts = {p.name: p for p in fit.params}
    for p in compare.params:
        if (
            p.name in FitConfig.__dataclass_fields__
        ):  # the same option, the same default and help in both commands
            assert (p.opts, p.default, p.help) == (
                fit_opts[p.name].opts,
                fit_opts[p.name].default,
                fit_opts[p.name].help,
            )
    assert fit_opts["epochs"].default == FitConfig().epochs and fit_opts["lr"].default == FitConfig().lr
    assert fit_opts["time_budget_s"].opts == ["--time-budget"]


def test_missing_shards_is_one_error_line(tmp_path: Path) -> None:
    result = invoke(str(tmp_path / "nope"), "--out", str(tmp_path / "run"), "--aux", "off")
    assert result.exit_code == 1
    assert (
        result.output.startswith("Error: ") and "nope" in result.output and "Traceback" not in result.output
    )


def test_out_is_required(tmp_path: Path) -> None:
    assert invoke(str(tmp_path)).exit_code == 2
