from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from plategen.data.ccpd import ADS, ALPHABETS, PROVINCES
from plategen.errors import FontCoverageError, FontError
from plategen.plates.fonts import bundled_latin_fonts, check_coverage, default_font_path, font_cmap

REPO = Path(__file__).resolve().parents[2]


def test_bundled_font_covers_every_ccpd_character() -> None:
    cmap = font_cmap(default_font_path())
    needed = set(PROVINCES + ALPHABETS + ADS) | set("使领港澳挂学警")
    assert needed <= cmap


def test_bundled_latin_fonts_cover_letters_and_digits_and_are_distinct() -> None:
    paths = bundled_latin_fonts()
    assert len(paths) == 4
    for path in paths:
        assert set(ADS) - {"O"} <= font_cmap(path), path  # CCPD's "O" means "no character"
    assert len({p.read_bytes() for p in paths}) == 4


def test_coverage_error_lists_missing_characters_and_counts() -> None:
    with pytest.raises(FontCoverageError) as err:
        check_coverage(["皖A12345", "皖A1234€", "€€", "ß"])
    message = str(err.value)
    assert "lacks glyphs for 2 characters" in message
    assert "'€' (U+20AC, 2 texts)" in message and "'ß' (U+00DF, 1 texts)" in message


def test_not_a_font_names_the_file(tmp_path: Path) -> None:
    bogus = tmp_path / "notafont.ttf"
    bogus.write_bytes(b"this is not a font at all" * 10)
    with pytest.raises(FontError, match="notafont.ttf: not a TrueType/OpenType font"):
        check_coverage(["A"], bogus)
    with pytest.raises(FontError, match="missing.ttf: font file not found"):
        check_coverage(["A"], tmp_path / "missing.ttf")


def test_licence_ships_with_the_font() -> None:
    text = (REPO / "fonts" / "OFL.txt").read_text()
    assert "SIL OPEN FONT LICENSE Version 1.1" in text
    assert "Apache License" in (REPO / "fonts" / "LICENSE-Roboto-Apache-2.0.txt").read_text()
    assert "Bitstream Vera" in (REPO / "fonts" / "LICENSE-DejaVu.txt").read_text()


@pytest.mark.slow
def test_non_editable_install_finds_the_font(tmp_path: Path) -> None:
    """Build a real wheel-style install into a folder and import plategen from there, not the repo:
    the font, every subpackage and the CLI (as `plategen_cli`; `import cli` finds nothing)."""
    target = tmp_path / "site"
    # Build from a copy: pip builds in the source tree, and a stale build/lib there would install
    # modules that have since moved.
    source = tmp_path / "src"
    shutil.copytree(REPO, source, ignore=shutil.ignore_patterns(".venv", ".git", "build", "*.egg-info"))
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--target",
            str(target),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    code = (
        "import plategen, plategen.plates.fonts as f; p = f.default_font_path();"
        "assert 'site' in plategen.__file__, plategen.__file__;"
        "assert p.is_file(), p; print(p); print(len(f.font_cmap(p)));"
        "assert all(q.is_file() and 'site' in str(q) for q in f.bundled_latin_fonts());"
        # every subpackage is installed, and the CLI installs under our name, never as a bare `cli`
        "import plategen.crop, plategen.align, plategen.labels, plategen.synth, plategen_cli.plategen;"
        "import importlib.util as u; assert u.find_spec('cli') is None, u.find_spec('cli')"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env={"PYTHONPATH": str(target)},
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    ).stdout.split()
    assert out[0].startswith(str(target)) and out[0].endswith("PlateSansCJK-Bold.otf")
    assert int(out[1]) > 100
    assert (target / "plategen" / "_fontdata" / "OFL.txt").is_file()
    assert (target / "plategen" / "_fontdata" / "LICENSE-Roboto-Apache-2.0.txt").is_file()
