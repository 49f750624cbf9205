"""CCPD filenames: every annotation of a CCPD image lives in its name.

    025-95_113-154&383_386&473-386&473_177&454_154&383_363&402-0_0_22_27_27_33_16-37-15.jpg
    area-tiltH_tiltV-bboxTL_bboxBR-BR_BL_TL_TR-plate indices-brightness-blurriness

`parse_name` decodes one name into a `PlateName`; `format_name` writes it back, byte for byte.

CCPD's index tables cannot spell every plate (港 澳 使 领 挂, or 警 and 学 anywhere but first), and
its names say nothing of a plate's colour. The extended format, written by `plategen synth`, adds two
things, and a CCPD name is read exactly as before:

- an index may be a literal character instead of a number: one of the plate characters
  (`grammar.PLATE_CHARSET`) that the CCPD table at that position lacks, written bare if it is a
  Chinese character (`..-0_0_3_4_5_6_警-..`, `..-使_..`) and after `=` if it is ASCII (the digit
  after 使 in an embassy plate: `使_=0_..`); a character the table has is always written as its
  index, so each text has one spelling;
- an optional 8th field names the plate kind (`grammar.KINDS`: `-yellow`, `-green-large`…):
  `025-95_113-154&383_386&473-386&473_177&454_154&383_363&402-0_0_22_27_27_33_16-37-15-yellow.jpg`.
  Without it, a 7-character plate is `blue` and an 8-character one `green`, as in CCPD, and its
  text must fit one of the kinds CCPD holds (`CCPD_KINDS`).
"""

from __future__ import annotations

import string
from dataclasses import dataclass, replace
from pathlib import PurePath

from ..errors import FilenameError
from ..plates.grammar import KINDS, PLATE_CHARSET, accepting_kinds, unknown_kind, why_not

PROVINCES = tuple("皖沪津渝冀晋蒙辽吉黑苏浙京闽赣鲁豫鄂湘粤桂琼川贵云藏陕甘青宁新警学") + ("O",)
_LETTERS = tuple(c for c in string.ascii_uppercase if c not in "IO")
ALPHABETS = _LETTERS + ("O",)
ADS = _LETTERS + tuple(string.digits) + ("O",)
NO_CHAR = "O"  # CCPD's placeholder for "no character at this position"
# Every character a CCPD text can contain, in a stable order (the default training charset).
CCPD_CHARSET = "".join(PROVINCES[:-1]) + "".join(_LETTERS) + string.digits
CORNERS = ("bottom_right", "bottom_left", "top_left", "top_right")  # the order in the name
PLATE_TYPES = {7: "blue7", 8: "green8"}
DEFAULT_KINDS = {7: "blue", 8: "green"}  # what a name without a kind field holds, as in CCPD
# The kinds whose texts a name without a kind field may spell: CCPD2020's new-energy plates are small
# (D or F third) and large (D or F last), both named without one.
CCPD_KINDS = {7: ("blue",), 8: ("green", "green-large")}
_FIELDS = ("area", "tilt", "bbox", "vertices", "plate indices", "brightness", "blurriness", "kind")


@dataclass(frozen=True)
class PlateName:
    """One decoded CCPD annotation. Coordinates are pixels in the full image."""

    area: str  # raw digits, kept verbatim for the round trip; see `area_ratio`
    tilt: tuple[int, int]  # (horizontal, vertical) degrees
    bbox: tuple[tuple[int, int], tuple[int, int]]  # (top-left, bottom-right)
    vertices: tuple[tuple[int, int], ...]  # BR, BL, TL, TR
    indices: tuple[int | str, ...]  # a CCPD table index, or a literal character (extended format)
    brightness: int
    blurriness: int
    extension: str = ".jpg"
    kind_field: str | None = None  # the extended format's 8th field, verbatim; None in CCPD names

    @property
    def area_ratio(self) -> float:
        """Plate area over image area: "025" means 0.025."""
        return float("0." + self.area)

    @property
    def text(self) -> str:
        """The plate text, with CCPD's "no character" placeholders dropped."""
        tables = (PROVINCES, ALPHABETS) + (ADS,) * (len(self.indices) - 2)
        chars = (i if isinstance(i, str) else table[i] for table, i in zip(tables, self.indices))
        return "".join(c for c in chars if c != NO_CHAR)

    @property
    def kind(self) -> str:
        """The plate kind (`grammar.KINDS`): the name's kind field, else blue (7) or green (8)."""
        return self.kind_field or DEFAULT_KINDS[len(self.indices)]

    @property
    def plate_type(self) -> str:
        """The layout: kind and length, "blue7" for CCPD2019 plates, "green8" for CCPD2020 ones."""
        return f"{self.kind}{len(self.indices)}"

    @property
    def corners(self) -> dict[str, tuple[int, int]]:
        return dict(zip(CORNERS, self.vertices))

    def to_dict(self) -> dict:
        """All fields as JSON-ready named keys (the `plategen parse` output)."""
        (x1, y1), (x2, y2) = self.bbox
        return {
            "area": self.area,
            "area_ratio": self.area_ratio,
            "tilt": {"horizontal": self.tilt[0], "vertical": self.tilt[1]},
            "bbox": {"x1": x1, "y1": y1, "x2": x2, "y2": y2},
            "vertices": {k: list(v) for k, v in self.corners.items()},
            "indices": list(self.indices),
            "text": self.text,
            "plate_type": self.plate_type,
            "kind": self.kind,
            "brightness": self.brightness,
            "blurriness": self.blurriness,
        }

    @classmethod
    def from_dict(cls, d: dict) -> PlateName:
        """Inverse of `to_dict` (used to read crop indexes back)."""
        b = d["bbox"]
        return cls(
            area=d["area"],
            tilt=(d["tilt"]["horizontal"], d["tilt"]["vertical"]),
            bbox=((b["x1"], b["y1"]), (b["x2"], b["y2"])),
            vertices=tuple(tuple(d["vertices"][k]) for k in CORNERS),
            indices=tuple(d["indices"]),
            brightness=d["brightness"],
            blurriness=d["blurriness"],
            kind_field=d.get("kind") if d.get("kind") != DEFAULT_KINDS.get(len(d["indices"])) else None,
        )


def _int(raw: str, where: str, name: str, field: int) -> int:
    if not raw.isdigit():
        raise FilenameError(f"{name}: field {field} ({_FIELDS[field - 1]}): {where} {raw!r} is not a number")
    return int(raw)


def _point(raw: str, name: str, field: int) -> tuple[int, int]:
    parts = raw.split("&")
    if len(parts) != 2:
        raise FilenameError(f"{name}: field {field} ({_FIELDS[field - 1]}): point {raw!r} is not x&y")
    return (_int(parts[0], "x", name, field), _int(parts[1], "y", name, field))


def _tables(length: int) -> tuple[tuple[str, tuple[str, ...]], ...]:
    return (("provinces", PROVINCES), ("alphabets", ALPHABETS)) + (("ads", ADS),) * (length - 2)


def _indices(raw: str, name: str) -> tuple[int | str, ...]:
    parts = raw.split("_")
    if len(parts) not in PLATE_TYPES:
        raise FilenameError(
            f"{name}: field 5 (plate indices): {raw!r} has {len(parts)} indices, expected 7 or 8"
        )
    values = tuple(p[-1] if _literal(p) else _int(p, "index", name, 5) for p in parts)
    for pos, (value, (table_name, table)) in enumerate(zip(values, _tables(len(values)))):
        if isinstance(value, str):
            if value not in PLATE_CHARSET or value in table:
                why = (
                    "is not a plate character"
                    if value not in PLATE_CHARSET
                    else f"is index {table.index(value)}"
                )
                raise FilenameError(
                    f"{name}: field 5 (plate indices): literal {value!r} at position {pos} {why} "
                    f"(a literal must be a plate character that {table_name} lacks)"
                )
        elif value >= len(table):
            raise FilenameError(
                f"{name}: field 5 (plate indices): index {value} at position {pos} "
                f"out of range for {table_name} ({len(table)})"
            )
    return values


def _literal(token: str) -> bool:
    """An extended-format index token that is a character, not a number: 港, or =0 for ASCII."""
    return (len(token) == 1 and not token.isascii()) or (
        len(token) == 2 and token[0] == "=" and token[1].isascii()
    )


def _kind(raw: str, text: str, name: str) -> str:
    if raw not in KINDS:  # the one unknown-kind message; a bad name, skipped like any other
        raise unknown_kind(raw, f"{name}: field 8", FilenameError)
    reason = why_not(text, KINDS[raw])
    if reason:
        raise FilenameError(f"{name}: field 8 (kind): {raw!r} does not fit the text {text!r}: {reason}")
    return raw


def parse_name(path: str | PurePath) -> PlateName:
    """Decode a CCPD filename (a bare name or a path; only the basename is read).

    Raises FilenameError naming the file, the field and the value when the name is not a CCPD
    annotation (e.g. `ccpd_np` images, a truncated field, an index out of range, a non-number).
    """
    name = PurePath(path).name
    if not name:  # "" or a path ending in "/": the message would otherwise begin with ": "
        raise FilenameError(f"{str(path)!r}: not a CCPD annotation: no file name")
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    fields = stem.split("-", 7)  # the kind (8th field) may itself hold a '-': green-large
    if len(fields) < 7 or (len(fields) == 8 and not fields[7]):
        raise FilenameError(
            f"{name}: not a CCPD annotation: {len(fields)} '-'-separated fields, expected 7 or 8"
        )
    area, tilt, bbox, vertices, indices, brightness, blurriness = fields[:7]
    if not area.isdigit():
        raise FilenameError(f"{name}: field 1 (area): {area!r} is not a number")
    tilts = tilt.split("_")
    if len(tilts) != 2:
        raise FilenameError(f"{name}: field 2 (tilt): {tilt!r} is not h_v")
    corners = bbox.split("_")
    if len(corners) != 2:
        raise FilenameError(f"{name}: field 3 (bbox): {bbox!r} is not x1&y1_x2&y2")
    points = vertices.split("_")
    if len(points) != 4:
        raise FilenameError(f"{name}: field 4 (vertices): {vertices!r} has {len(points)} points, expected 4")
    plate = PlateName(
        area=area,
        tilt=(_int(tilts[0], "horizontal", name, 2), _int(tilts[1], "vertical", name, 2)),
        bbox=(_point(corners[0], name, 3), _point(corners[1], name, 3)),
        vertices=tuple(_point(p, name, 4) for p in points),
        indices=_indices(indices, name),
        brightness=_int(brightness, "value", name, 6),
        blurriness=_int(blurriness, "value", name, 7),
        extension=dot + ext,
    )
    if len(fields) == 8:
        return replace(plate, kind_field=_kind(fields[7], plate.text, name))
    _check_ccpd_text(plate.text, len(plate.indices), name)
    return plate


def _check_ccpd_text(text: str, length: int, name: str) -> None:
    """Refuse a text that a name without a kind field cannot hold: one that no CCPD kind's characters
    fit (警 in the middle, a literal 使 first, a "no character" O), which would reach the shards as a
    blue plate. Only the characters are checked (`why_not(rules=False)`): CCPD's tables spell any
    letter after any province, as real photos need (280 of the 91,979 names in ccpd-splits carry an
    issuing letter Appendix A lacks: 皖Q…)."""
    reasons = [why_not(text, KINDS[k], rules=False) for k in CCPD_KINDS[length]]
    if None in reasons:
        return
    others = [k for k in accepting_kinds(text, rules=False) if k not in CCPD_KINDS[length]]
    hint = f"; a {others[0]} plate's name ends in field 8 (-{others[0]})" if others else ""
    raise FilenameError(
        f"{name}: field 5 (plate indices): text {text!r} is not a plate a name without field 8 "
        f"(kind) can hold ({'; '.join(reasons)}){hint}"
    )


def format_name(plate: PlateName) -> str:
    """Write a `PlateName` back to its CCPD filename; `format_name(parse_name(n)) == n`."""
    (x1, y1), (x2, y2) = plate.bbox
    return (
        "-".join(
            [
                plate.area,
                f"{plate.tilt[0]}_{plate.tilt[1]}",
                f"{x1}&{y1}_{x2}&{y2}",
                "_".join(f"{x}&{y}" for x, y in plate.vertices),
                "_".join(_token(i) for i in plate.indices),
                str(plate.brightness),
                str(plate.blurriness),
            ]
            + ([plate.kind_field] if plate.kind_field else [])
        )
        + plate.extension
    )


def _token(index: int | str) -> str:
    return str(index) if isinstance(index, int) or not index.isascii() else "=" + index


def encode_text(text: str) -> tuple[int | str, ...]:
    """The CCPD indices of a plate text (inverse of `PlateName.text`); a plate character the CCPD
    table lacks at its position is kept as a literal (the extended format).

    Raises FilenameError if a character cannot sit at its position.
    """
    if len(text) not in PLATE_TYPES:
        raise FilenameError(f"text {text!r}: length {len(text)}, expected 7 or 8")
    out: list[int | str] = []
    for pos, (c, (_, table)) in enumerate(zip(text, _tables(len(text)))):
        if c in table and c != NO_CHAR:
            out.append(table.index(c))
        elif c in PLATE_CHARSET:
            out.append(c)
        else:
            raise FilenameError(
                f"text {text!r}: character {c!r} at position {pos} is not a CCPD character there"
            )
    return tuple(out)


def subset_of(path: str | PurePath) -> str | None:
    """The CCPD subset a file belongs to, from its nearest `ccpd_*` parent folder (or None)."""
    # string work, not PurePath(...).parents: planning a crop run calls this per photo
    folders = (path.as_posix() if isinstance(path, PurePath) else path.replace("\\", "/")).split("/")[:-1]
    return next((f for f in reversed(folders) if f.startswith("ccpd_")), None)


def plate_dict(path: str | PurePath) -> dict:
    """`parse_name(path).to_dict()` plus the file name and subset."""
    d = {"name": PurePath(path).name, **parse_name(path).to_dict()}
    d["subset"] = subset_of(path)
    return d


__all__ = [
    "PROVINCES",
    "ALPHABETS",
    "ADS",
    "CCPD_CHARSET",
    "CORNERS",
    "DEFAULT_KINDS",
    "CCPD_KINDS",
    "PlateName",
    "parse_name",
    "format_name",
    "encode_text",
    "subset_of",
    "plate_dict",
]
