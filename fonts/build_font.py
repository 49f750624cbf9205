"""Rebuild the bundled plate font: a subset of Noto Sans CJK SC Bold (SIL OFL 1.1).

Usage: python fonts/build_font.py [--source /usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc]

The source is Debian's `fonts-noto-cjk` package (`apt-get install fonts-noto-cjk`). The subset keeps
only the characters Chinese plates use (provinces, special-use plate characters, Latin capitals,
digits, and a few punctuation marks for generic OCR reuse), so the repository stays small.
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
PLATE_HAN = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼警学使领港澳挂临试超军空海北南广沈成兰济"
LATIN = string.ascii_uppercase + string.digits + string.ascii_lowercase + " -·.:/"
# The OFL forbids "Source" (reserved by Adobe) in a modified font's name; we rename the family.
FAMILY = "PlateSans CJK Subset"


def build(source: Path = SOURCE, output: Path = OUTPUT) -> Path:
    """Subset `source` to the plate characters and write it to `output`; return the path."""
    font = TTCollection(str(source)).fonts[SC_INDEX]
    options = subset.Options()
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=PLATE_HAN + LATIN)
    subsetter.subset(font)
    names = font["name"]
    for record in names.names:
        if record.nameID in (1, 16):
            record.string = FAMILY
        elif record.nameID in (3, 4):
            record.string = f"{FAMILY} Bold"
        elif record.nameID == 6:
            record.string = "PlateSansCJKSubset-Bold"
    font.save(str(output))
    return output


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=SOURCE)
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args()
    path = build(args.source, args.output)
    print(f"wrote {path} ({path.stat().st_size // 1024} KiB)")


if __name__ == "__main__":
    main()
