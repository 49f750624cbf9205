"""`plategen synth`: writes parseable photos, resumes, and gives one clear error on bad input."""

from __future__ import annotations

import resource
import subprocess
import sys
import time
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
        (["--count", "-3"], "Invalid value for '--count'"),
        (["--count", "2", "--kinds", "blue:"], "'blue:': empty weight; give blue:WEIGHT, or blue for 1"),
        (["--count", "2", "--kinds", "blue,police,blue"], "kind 'blue' is named twice; give each kind once"),
        (["--count", "2", "--kinds", "blue:inf"], "weight inf must be a finite number > 0"),
        (["--count", "2", "--kinds", "blue:nan,police"], "weight nan must be a finite number > 0"),
        (
            ["--count", "2", "--kinds", "blue", "--kinds", "police"],
            "Error: --kinds given twice; give it once",
        ),
        (["--count", "2", "--count", "3"], "Error: --count given twice; give it once"),
        (["--count", "2", "--seed", "1", "--seed=2"], "Error: --seed given twice; give it once"),
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


def test_weights_whose_sum_overflows_still_mix_evenly(tmp_path: Path) -> None:
    args = ["synth", str(tmp_path / "out"), "--count", "4", "--kinds", "blue:1e308,police:1e308"]
    result = CliRunner().invoke(plategen, [*args, "--workers", "1"])
    assert result.exit_code == 0, result.output
    assert "(2 police, 2 blue)" in result.output  # before: every share 0, all 4 the last kind


def test_an_out_that_is_a_file_is_a_usage_error(tmp_path: Path) -> None:
    out = tmp_path / "photos"
    out.write_text("")
    result = CliRunner().invoke(plategen, ["synth", str(out), "--count", "1"])
    assert (
        result.exit_code == 2
        and f"Error: Invalid value for 'OUT': Directory '{out}' is a file." in result.output
    )
    below = CliRunner().invoke(plategen, ["synth", str(out / "sub"), "--count", "1"])
    assert below.exit_code == 1
    assert (
        below.output == f"Error: {out / 'sub' / 'synth.json'}: cannot write: {out} is a file, not a folder\n"
    )


def test_a_huge_seed_works(tmp_path: Path) -> None:
    args = ["synth", str(tmp_path / "out"), "--count", "1", "--seed", str(10**30), "--workers", "1"]
    result = CliRunner().invoke(plategen, args)
    assert result.exit_code == 0, result.output
    assert [parse_name(p).text for p in (tmp_path / "out").glob("*.jpg")]


def test_a_rerun_with_other_settings_is_one_error_and_force_starts_over(tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = ["synth", str(out), "--count", "2", "--kinds", "blue", "--workers", "1"]
    assert CliRunner().invoke(plategen, first).exit_code == 0
    other = ["synth", str(out), "--count", "2", "--kinds", "police", "--workers", "1"]
    refused = CliRunner().invoke(plategen, other)
    assert refused.exit_code == 1
    assert refused.output == (
        f"Error: {out}: its photos were made with kinds blue:1, this run asks for police:1; synth into "
        "another folder, repeat the first run's settings, or pass --force to start over\n"
    )
    seed = CliRunner().invoke(plategen, [*first, "--seed", "3"])
    assert seed.exit_code == 1 and "its photos were made with seed 0, this run asks for 3;" in seed.output
    forced = CliRunner().invoke(plategen, [*other, "--force"])
    assert forced.exit_code == 0 and "2 written, 0 already present" in forced.output
    assert sorted(parse_name(p).kind for p in out.glob("*.jpg")) == ["police", "police"]
    again = CliRunner().invoke(plategen, [arg if arg != "2" else "3" for arg in other])  # --count 3
    assert again.exit_code == 0 and "1 written, 2 already present" in again.output


def _cap_memory() -> None:
    """1.5 GB of address space (a run takes 0.7): the old task list would otherwise fill the machine."""
    resource.setrlimit(resource.RLIMIT_AS, (3 * 2**29, 3 * 2**29))


def test_a_huge_count_writes_its_first_photo_in_seconds_in_little_memory(tmp_path: Path) -> None:
    """Before, --count 10**8 held 4 GB and had written nothing after a minute."""
    out = tmp_path / "out"
    args = ["synth", str(out), "--count", str(10**9), "--kinds", "blue", "--workers", "1"]
    code = "import sys; from cli.plategen import main; sys.argv[0] = 'plategen'; main()"
    proc = subprocess.Popen(
        [sys.executable, "-c", code, *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        preexec_fn=_cap_memory,
    )
    try:
        deadline = time.monotonic() + 30
        while not any(out.glob("*.jpg")) and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        status = Path(f"/proc/{proc.pid}/status")
        rss = (
            next(
                (
                    int(line.split()[1])
                    for line in status.read_text().splitlines()
                    if line.startswith("VmRSS")
                ),
                0,
            )
            if status.exists()
            else 0
        )
    finally:
        proc.kill()
        proc.wait()
    assert any(out.glob("*.jpg")), "no photo within 30 s"
    assert rss < 600_000, f"{rss} kB resident"


def test_the_output_is_the_summary_alone_when_stderr_is_no_terminal(tmp_path: Path) -> None:
    """Before, a progress-bar redraw per photo went wherever stderr went."""
    result = CliRunner().invoke(plategen, ["synth", str(tmp_path / "out"), "--count", "3", "--workers", "1"])
    assert result.exit_code == 0
    assert result.output.startswith("synth: 3 written") and len(result.output.splitlines()) == 1
