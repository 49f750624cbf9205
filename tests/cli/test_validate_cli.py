"""`plategen validate`: exit codes (--strict), the table, --json, --no-kinds, --charset and the
`Error:` lines of bad input."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from cli.plategen import plategen
from tests.plategen.test_validate import CLEAN, manifest


def run(*args: str):
    return CliRunner().invoke(plategen, ["validate", *map(str, args), "--workers", "1"])


@pytest.fixture
def clean(tmp_path):
    return manifest(tmp_path / "clean", CLEAN)


@pytest.fixture
def leaky(tmp_path):
    return manifest(tmp_path / "leaky", CLEAN + [("e.png", "京A12345", "val")])


def test_clean_data_passes_strict(clean) -> None:
    result = run(clean, "--strict")
    assert result.exit_code == 0, result.stdout
    assert f"{clean} (manifest): 4 samples" in result.stdout
    assert result.stdout.endswith("\nno problems\n")


def test_a_problem_fails_strict_naming_the_count(leaky) -> None:
    result = run(leaky, "--strict")
    assert result.exit_code == 1
    assert "  e.png: val text '京A12345' is also in train (a.png)" in result.stdout
    assert result.stdout.endswith("\n1 problem (leak 1)\n")
    assert result.stderr.endswith(f"Error: 1 problem (leak 1) in {leaky}\n")
    assert run(leaky).exit_code == 0  # without --strict a finding is reported, not fatal


def test_json_to_a_file_and_to_standard_output(leaky, tmp_path) -> None:
    out = tmp_path / "report.json"
    result = run(leaky, "--json", out)
    assert result.exit_code == 0 and result.stdout.endswith(f"report: {out}\n")
    written = json.loads(out.read_text(encoding="utf-8"))
    assert written["problems"] == 1 and written["findings"]["leak"][0]["path"].endswith("e.png")
    printed = json.loads(run(leaky, "--json", "-").stdout)
    assert printed == written


def test_no_kinds_turns_the_grammar_check_off(tmp_path) -> None:
    source = manifest(tmp_path, [("a.png", "HELLO", "train"), ("b.png", "WORLD", "val")])
    assert "\n1 problem" not in run(source).stdout
    assert "2 problems (no-kind 2)" in run(source).stdout
    result = run(source, "--no-kinds", "--strict")
    assert result.exit_code == 0, result.stdout
    assert "  no-kind            off" in result.stdout and "provinces" not in result.stdout


def test_charset_from_characters_and_from_the_shipped_reader(clean) -> None:
    result = run(clean, "--charset", "京A12345")
    row = "  charset              3  texts with characters outside the charset"
    assert f"{row} ('沪' in 1, 'B' in 1, '皖' in 1, 'D' in 1, '粤' in 1, 'Z' in 1, 1 more)\n" in result.stdout
    assert "  charset              0  " in run(clean, "--charset", "shipped").stdout


@pytest.mark.parametrize(
    "args, error",
    [
        (("{tmp}/nope",), "Error: {tmp}/nope: no such folder or file"),
        (("{clean}", "--charset", "{tmp}/run"), "Error: {tmp}/run: run config not found"),
        (
            ("{clean}", "--charset", "{tmp}/run/config.json"),
            "Error: {tmp}/run/config.json: run config not found",
        ),
    ],
)
def test_bad_input_is_one_error_line(clean, tmp_path, args, error: str) -> None:
    result = run(*(a.format(tmp=tmp_path, clean=clean) for a in args))
    assert result.exit_code == 1
    assert result.stderr == error.format(tmp=tmp_path) + "\n" and result.stdout == ""


def test_a_bad_minimum_size_is_a_usage_error(clean) -> None:
    result = run(clean, "--min-size", "0x8")
    assert result.exit_code == 2
    assert "Invalid value for '--min-size': min_size: (0, 8) must be two integers >= 1" in result.stderr
