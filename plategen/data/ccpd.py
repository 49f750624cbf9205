"""CCPD filenames: every annotation of a CCPD image lives in its name.

    025-95_113-154&383_386&473-386&473_177&454_154&383_363&402-0_0_22_27_27_33_16-37-15.jpg
    area-tiltH_tiltV-bboxTL_bboxBR-BR_BL_TL_TR-plate indices-brightness-blurriness

`parse_name` decodes one name into a `PlateName`; `format_name` writes it back, byte for byte.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from pathlib import PurePath

from ..errors import FilenameError

PROVINCES = tuple("皖沪津渝冀晋蒙辽吉黑苏浙京闽赣鲁豫鄂湘粤桂琼川贵云藏陕甘青宁新警学") + ("O",)
_LETTERS = tuple(c for c in string.ascii_uppercase if c not in "IO")
ALPHABETS = _LETTERS + ("O",)
ADS = _LETTERS + tuple(string.digits) + ("O",)
NO_CHAR = "O"  # CCPD's placeholder for "no character at this position"
# Every character a CCPD text can contain, in a stable order (the default training charset).
CCPD_CHARSET = "".join(PROVINCES[:-1]) + "".join(_LETTERS) + string.digits
CORNERS = ("bottom_right", "bottom_left", "top_left", "top_right")  # the order in the name
PLATE_TYPES = {7: "blue7", 8: "green8"}
_FIELDS = ("area", "tilt", "bbox", "vertices", "plate indices", "brightness", "blurriness")


@dataclass(frozen=True)
class PlateName:
    """One decoded CCPD annotation. Coordinates are pixels in the full image."""

    area: str  # raw digits, kept verbatim for the round trip; see `area_ratio`
    tilt: tuple[int, int]  # (horizontal, vertical) degrees
    bbox: tuple[tuple[int, int], tuple[int, int]]  # (top-left, bottom-right)
    vertices: tuple[tuple[int, int], ...]  # BR, BL, TL, TR
    indices: tuple[int, ...]
    brightness: int
    blurriness: int
    extension: str = ".jpg"

    @property
    def area_ratio(self) -> float:
        """Plate area over image area: "025" means 0.025."""
        return float("0." + self.area)

    @property
    def text(self) -> str:
        """The plate text, with CCPD's "no character" placeholders dropped."""
        tables = (PROVINCES, ALPHABETS) + (ADS,) * (len(self.indices) - 2)
        chars = (table[i] for table, i in zip(tables, self.indices))
        return "".join(c for c in chars if c != NO_CHAR)

    @property
    def plate_type(self) -> str:
        """ "blue7" for CCPD2019 plates, "green8" for CCPD2020 new-energy plates."""
        return PLATE_TYPES[len(self.indices)]

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


def _indices(raw: str, name: str) -> tuple[int, ...]:
    parts = raw.split("_")
    if len(parts) not in PLATE_TYPES:
        raise FilenameError(
            f"{name}: field 5 (plate indices): {raw!r} has {len(parts)} indices, expected 7 or 8"
        )
    values = tuple(_int(p, "index", name, 5) for p in parts)
    tables = (("provinces", PROVINCES), ("alphabets", ALPHABETS)) + (("ads", ADS),) * (len(values) - 2)
    for pos, (value, (table_name, table)) in enumerate(zip(values, tables)):
        if value >= len(table):
            raise FilenameError(
                f"{name}: field 5 (plate indices): index {value} at position {pos} "
                f"out of range for {table_name} ({len(table)})"
            )
    return values


def parse_name(path: str | PurePath) -> PlateName:
    """Decode a CCPD filename (a bare name or a path; only the basename is read).

    Raises FilenameError naming the file, the field and the value when the name is not a CCPD
    annotation (e.g. `ccpd_np` images, a truncated field, an index out of range, a non-number).
    """
    name = PurePath(path).name
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    fields = stem.split("-")
    if len(fields) != 7:
        raise FilenameError(f"{name}: not a CCPD annotation: {len(fields)} '-'-separated fields, expected 7")
    area, tilt, bbox, vertices, indices, brightness, blurriness = fields
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
    return PlateName(
        area=area,
        tilt=(_int(tilts[0], "horizontal", name, 2), _int(tilts[1], "vertical", name, 2)),
        bbox=(_point(corners[0], name, 3), _point(corners[1], name, 3)),
        vertices=tuple(_point(p, name, 4) for p in points),
        indices=_indices(indices, name),
        brightness=_int(brightness, "value", name, 6),
        blurriness=_int(blurriness, "value", name, 7),
        extension=dot + ext,
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
                "_".join(str(i) for i in plate.indices),
                str(plate.brightness),
                str(plate.blurriness),
            ]
        )
        + plate.extension
    )


def encode_text(text: str, plate_type: str | None = None) -> tuple[int, ...]:
    """The CCPD indices of a plate text (inverse of `PlateName.text`).

    Raises FilenameError if a character cannot sit at its position.
    """
    tables = (PROVINCES, ALPHABETS) + (ADS,) * (len(text) - 2)
    if len(text) not in PLATE_TYPES:
        raise FilenameError(f"text {text!r}: length {len(text)}, expected 7 or 8")
    out = []
    for pos, (c, table) in enumerate(zip(text, tables)):
        if c not in table or c == NO_CHAR:
            raise FilenameError(
                f"text {text!r}: character {c!r} at position {pos} is not a CCPD character there"
            )
        out.append(table.index(c))
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
    "PlateName",
    "parse_name",
    "format_name",
    "encode_text",
    "subset_of",
    "plate_dict",
]
