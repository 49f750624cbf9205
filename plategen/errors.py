"""The plategen error hierarchy. Every message names the file, the field and the value."""

from __future__ import annotations


class PlategenError(Exception):
    """Base class of every error plategen raises on bad input."""


class ConfigError(PlategenError, ValueError):
    """A configuration value is out of range; the message names the field."""


class FilenameError(PlategenError, ValueError):
    """A filename is not a valid CCPD annotation."""


class ImageReadError(PlategenError):
    """An image file is missing, unreadable, or not a decodable image."""


class GeometryError(PlategenError):
    """Annotated corners are degenerate or fall outside the image."""


class FontError(PlategenError):
    """A font file is missing or is not a font."""


class FontCoverageError(FontError):
    """The font lacks glyphs that the texts need."""


class AlignmentError(PlategenError):
    """An alignment.json is corrupt, foreign, or lacks a layout."""


class DatasetError(PlategenError):
    """An input folder, index or manifest is missing, empty or malformed."""


class ShardError(PlategenError):
    """A training shard is missing a member, truncated, or fails its checksum."""


class WriteError(PlategenError, OSError):
    """An output could not be written (a full disk, no permission, a parent that is a file); the
    message names the path and the reason. An OSError too, so callers that catch one still do."""


def reject_unknown_keys(cls: type, d: object, where: str = "") -> None:
    """Raise ConfigError naming the first key of `d` that is not a field of the dataclass `cls` (a
    typo, or a file written by a newer version), or saying `d` is not a JSON object at all."""
    if not isinstance(d, dict):
        raise ConfigError(f"{where or cls.__name__}: expected a JSON object, got {type(d).__name__}")
    unknown = [k for k in d if k not in cls.__dataclass_fields__]
    if unknown:
        raise ConfigError(
            f"{where or cls.__name__}: unknown key {unknown[0]!r} (written by a newer version, or a typo?); "
            f"known keys: {', '.join(cls.__dataclass_fields__)}"
        )


def reason(exc: Exception, path: object) -> str:
    """`exc`'s message without its leading "PATH: ", for a report row or line that names the path
    already (`skipped PATH: REASON`, not the path twice)."""
    return str(exc).removeprefix(f"{path}: ")
