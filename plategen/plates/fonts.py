"""Locate and check fonts. The bundled font is a subset of Noto Sans CJK SC Bold (SIL OFL 1.1)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from functools import lru_cache
from importlib import resources
from pathlib import Path

from ..errors import FontCoverageError, FontError

FONT_FILE = "PlateSansCJK-Bold.otf"
# Condensed Latin fonts (subsets of Roboto Condensed and DejaVu Sans Condensed Bold, see fonts/) that
# `plategen synth` mixes in for letters and digits, so a reader does not learn one font's digits.
LATIN_FONT_FILES = (
    "PlateLatinCondensed-Regular.ttf",
    "PlateLatinCondensed-Medium.ttf",
    "PlateLatinCondensed-Bold.ttf",
    "PlateLatinWide-Bold.ttf",
)


def _bundled(name: str) -> Path:
    """A file of fonts/, in a source checkout or an installed (non-editable) package."""
    checkout = Path(__file__).resolve().parents[2] / "fonts" / name
    if checkout.is_file():
        return checkout
    return Path(str(resources.files("plategen._fontdata") / name))


def default_font_path() -> Path:
    """Path of the bundled plate font (all plate characters)."""
    return _bundled(FONT_FILE)


def bundled_latin_fonts() -> tuple[Path, ...]:
    """Paths of the bundled condensed Latin fonts (capitals, digits, some punctuation)."""
    return tuple(_bundled(name) for name in LATIN_FONT_FILES)


def resolve_font(font: str | Path | None) -> Path:
    """The font to use: `font` if given, else the bundled one. Raises FontError if it is missing."""
    path = Path(font) if font is not None else default_font_path()
    if not path.is_file():
        raise FontError(f"{path}: font file not found")
    return path


@lru_cache(maxsize=8)
def font_cmap(path: Path) -> frozenset[str]:
    """Every character the font maps to a glyph. Raises FontError if the file is not a font."""
    from fontTools.ttLib import TTFont, TTLibError

    try:
        with TTFont(str(path), fontNumber=0, lazy=True) as font:
            cmap = font.getBestCmap()
    except (TTLibError, OSError, AssertionError, KeyError, ValueError) as exc:
        raise FontError(f"{path}: not a TrueType/OpenType font ({exc})") from None
    if not cmap:
        raise FontError(f"{path}: font has no Unicode character map")
    return frozenset(chr(code) for code in cmap)


def check_coverage(texts: Iterable[str], font: str | Path | None = None) -> Path:
    """Check that the font has a glyph for every character of every text; return the font path.

    Raises FontCoverageError listing each missing character and how many texts use it.
    """
    path = resolve_font(font)
    cmap = font_cmap(path)
    missing: Counter[str] = Counter()
    for text in texts:
        for ch in set(text) - cmap:
            missing[ch] += 1
    if missing:
        detail = ", ".join(f"{ch!r} (U+{ord(ch):04X}, {n} texts)" for ch, n in missing.most_common())
        raise FontCoverageError(f"{path}: font lacks glyphs for {len(missing)} characters: {detail}")
    return path
