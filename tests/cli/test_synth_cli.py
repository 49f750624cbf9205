"""`plategen synth`: writes parseable photos, resumes, and gives one clear error on bad input."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from cli.plategen import plategen
from plategen.data.ccpd import parse_name
from plategen.plates.fonts import bundled_latin_fonts


def test_synth_writes_named_photos_and_resumes(tmp_path: Path) -> None:
    args = [
        "synth",
        str(tmp_path / "out"),
        "--count",
        "3",
        "--seed",
        "4",
        "--kinds",
        "blue:2,police",
        "--workers",
        "1",
    ]
    result = CliRunner().invoke(plategen, args)
    assert result.exit_code == 0, result.output
    assert "synth: 3 written, 0 already present, 0 failed (2 blue, 1 police)" in result.output
    names = sorted(p.name for p in (tmp_path / "out").glob("*.jpg"))
    assert len(names) == 3
    assert sorted(parse_name(n).kind for n in names) == ["blue", "blue", "police"]
    assert sum(parse_name(n).text.endswith("警") and n.endswith("-police.jpg") for n in names) == 1
    again = CliRunner().invoke(plategen, args)
    assert again.exit_code == 0 and "0 written, 3 already present" in again.output


def test_missing_font_is_one_error_line(tmp_path: Path) -> None:
    missing = tmp_path / "nope.otf"
    result = CliRunner().invoke(
        plategen, ["synth", str(tmp_path / "out"), "--count", "1", "--font", str(missing), "--workers", "1"]
    )
    assert result.exit_code == 1
    assert result.output == f"Error: {missing}: font file not found\n"


@pytest.mark.parametrize(
    "args, message",
    [
        (["--count", "0"], "Invalid value for '--count'"),
        (["--count", "2", "--kinds", "purple"], "unknown kind 'purple'"),
        (["--count", "2", "--kinds", "blue:0"], "weight 0 must be a finite number > 0"),
        (["--count", "2", "--kinds", "blue,police:-2"], "weight -2 must be a finite number > 0"),
        (["--count", "2", "--seed", "-1"], "Invalid value for '--seed'"),
        (["--count", "2", "--workers", "0"], "Invalid value for '--workers'"),
        ([], "Missing option '--count'"),
    ],
)
def test_bad_arguments_are_usage_errors(tmp_path: Path, args: list[str], message: str) -> None:
    result = CliRunner().invoke(plategen, ["synth", str(tmp_path / "out"), *args])
    assert result.exit_code == 2
    assert message in result.output
    assert not (tmp_path / "out").exists()


def test_font_choice_flags_reach_the_renderer(tmp_path: Path) -> None:
    """Default: the bundled Latin fonts mixed in; --plate-font-only: none; --latin-font: the given ones."""

    def run(name: str, *extra: str) -> list[bytes]:
        args = ["synth", str(tmp_path / name), "--count", "6", "--seed", "2", "--workers", "1", *extra]
        assert CliRunner().invoke(plategen, args).exit_code == 0
        return [p.read_bytes() for p in sorted((tmp_path / name).glob("*.jpg"))]

    default, plain = run("default"), run("plain", "--plate-font-only")
    assert default != plain
    assert run("given", *sum((["--latin-font", str(p)] for p in bundled_latin_fonts()), [])) == default


@pytest.mark.parametrize("home, most_home", [("0", 3), ("1", 12)])
def test_home_fraction_sets_the_province_prior(tmp_path: Path, home: str, most_home: int) -> None:
    out = tmp_path / "out"
    args = ["synth", str(out), "--count", "12", "--kinds", "blue", "--home-fraction", home]
    args += ["--home-province", "苏"]
    result = CliRunner().invoke(plategen, [*args, "--home-letter-fraction", "1", "--workers", "1"])
    assert result.exit_code == 0, result.output
    texts = [parse_name(p.name).text for p in out.glob("*.jpg")]
    assert len(texts) == 12
    assert sum(t[0] == "苏" for t in texts) <= most_home and (home == "0" or most_home == 12)
    assert all(t[1] == "A" for t in texts)


def test_a_font_lacking_a_kinds_special_character_is_one_error_naming_the_kind(tmp_path: Path) -> None:
    latin = bundled_latin_fonts()[0]  # has letters and digits, no Chinese at all
    args = ["synth", str(tmp_path / "out"), "--count", "1", "--kinds", "police", "--font", str(latin)]
    result = CliRunner().invoke(plategen, args)
    assert result.exit_code == 1
    assert result.output.startswith("Error: kind 'police': ") and "'警'" in result.output
    assert len(result.output.strip().splitlines()) == 1
