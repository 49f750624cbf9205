"""Rebuild the bundled fonts: the plate font, a subset of Noto Sans CJK SC Bold (SIL OFL 1.1), and
the condensed Latin fonts `plategen synth` mixes in for letters and digits.

Usage: python fonts/build_font.py [--source /usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc]
                                  [--latin-dir DIR]

The sources are Debian packages: `fonts-noto-cjk`, `fonts-roboto-unhinted` (Roboto Condensed, Apache
2.0) and `fonts-dejavu-core` (DejaVu Sans Condensed Bold, Bitstream Vera licence). The subsets keep
only the characters plates use (provinces, special-use plate characters, Latin capitals, digits, and a
few punctuation marks for generic OCR reuse), so the repository stays small. Why the Latin fonts: real
plates use their own narrow font, and a reader trained on one font's digits learns that font (trained
300 s on synthetic plates with the CJK font's Latin glyphs alone it read 17 of 200 real crops; with
condensed fonts mixed in, 68: these four plus Liberation Sans Narrow, whose GPL licence kept it out).
"""

from __future__ import annotations

import argparse
import string
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection

HERE = Path(__file__).resolve().parent
SOURCE = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc")
SC_INDEX = 2  # "Noto Sans CJK SC Bold" inside the collection: simplified-Chinese glyph forms.
OUTPUT = HERE / "PlateSansCJK-Bold.otf"
# Every province abbreviation, plus the special plates: police, school, embassy, consulate, Hong Kong,
# Macau, coach, trailer, army, air force, and the "O" placeholder that CCPD uses for "no character".
PLATE_HAN = (
    "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼警学使领港澳挂临试超军空海北南广沈成兰济"
)
LATIN = string.ascii_uppercase + string.digits + string.ascii_lowercase + " -·.:/"
# The OFL forbids "Source" (reserved by Adobe) in a modified font's name; we rename the family.
FAMILY = "PlateSans CJK Subset"


def build(source: Path = SOURCE, output: Path = OUTPUT) -> Path:
    """Subset `source` to the plate characters and write it to `output`; return the path."""
    font = TTCollection(str(source)).fonts[SC_INDEX]
    _subset(font, PLATE_HAN + LATIN, all_layout_features=True)
    _rename(
        font, {1: FAMILY, 16: FAMILY, 3: f"{FAMILY} Bold", 4: f"{FAMILY} Bold", 6: "PlateSansCJKSubset-Bold"}
    )
    font.save(str(output))
    return output


def _subset(font, text: str, all_layout_features: bool = False) -> None:
    options = subset.Options()
    if all_layout_features:
        options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=text)
    subsetter.subset(font)


def _rename(font, names: dict[int, str]) -> None:
    """Set the given name-table entries (family, full name, PostScript name, …) in every record."""
    for record in font["name"].names:
        if record.nameID in names:
            record.string = names[record.nameID]


# (source file under --latin-dir, bundled file, family). The licences of Roboto (Apache 2.0) and DejaVu
# (Bitstream Vera: a modified font must not carry "Bitstream" or "Vera" in its name) ship beside them;
# all are renamed, as subsets are modified fonts.
LATIN_DIR = Path("/usr/share/fonts/truetype")
LATIN_FONTS = (
    (
        "roboto/unhinted/RobotoCondensed-Regular.ttf",
        "PlateLatinCondensed-Regular.ttf",
        "PlateLatin Condensed",
    ),
    (
        "roboto/unhinted/RobotoCondensed-Medium.ttf",
        "PlateLatinCondensed-Medium.ttf",
        "PlateLatin Condensed Medium",
    ),
    ("roboto/unhinted/RobotoCondensed-Bold.ttf", "PlateLatinCondensed-Bold.ttf", "PlateLatin Condensed Bold"),
    ("dejavu/DejaVuSansCondensed-Bold.ttf", "PlateLatinWide-Bold.ttf", "PlateLatin Wide Bold"),
)


def build_latin(source: Path, output: Path, family: str) -> Path:
    """Subset a Latin font to capitals, digits and the punctuation above, renamed to `family`."""
    from fontTools.ttLib import TTFont

    font = TTFont(str(source))
    _subset(font, LATIN)
    _rename(font, {1: family, 3: family, 4: family, 16: family, 6: family.replace(" ", "")})
    font.save(str(output))
    return output


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=SOURCE)
    parser.add_argument("--output", type=Path, default=OUTPUT)
    parser.add_argument(
        "--latin-dir",
        type=Path,
        default=LATIN_DIR,
        help="folder holding roboto/unhinted/ and dejavu/ (Debian's /usr/share/fonts/truetype)",
    )
    args = parser.parse_args()
    paths = [build(args.source, args.output)]
    paths += [build_latin(args.latin_dir / src, HERE / out, family) for src, out, family in LATIN_FONTS]
    for path in paths:
        print(f"wrote {path} ({path.stat().st_size // 1024} KiB)")


if __name__ == "__main__":
    main()
