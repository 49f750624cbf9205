"""CCPD trees: CCPD2019 (`ccpd_*` folders, optional `splits/*.txt`), CCPD2020
(`ccpd_green/{train,val,test}`), or any tree of CCPD-named photos. Every annotation is in the name
(`plategen.data.ccpd`); each image's split comes from the split files, else from its folder names (a
CCPD2019 test subset is a test set), else from `splits.hash_split` of its plate text (the one rule).
"""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath

from ...errors import DatasetError, FilenameError
from ...io import read_text
from ...plates.grammar import sample_kind
from ..ccpd import parse_name, subset_of
from ..registry import Dataset, ReadOptions, register
from ..samples import Sample, length_layout
from ..splits import SPLITS, hash_split

SOURCE_EXTENSIONS = (".jpg", ".jpeg", ".png")
# CCPD2019 subsets that are test sets only; train and val come from ccpd_base.
TEST_SUBSETS = frozenset(f"ccpd_{s}" for s in ("blur", "challenge", "db", "fn", "rotate", "tilt", "weather"))
NO_ANNOTATION_SUBSETS = frozenset({"ccpd_np"})
_SNIFF = 8  # images looked at to tell a tree of CCPD names from other images


def is_ccpd_tree(source: Path) -> bool:
    """A folder with `splits/` or `ccpd_*` folders, or whose first images carry CCPD names."""
    if not source.is_dir():
        return False
    if (source / "splits").is_dir() or any(
        p.name.startswith("ccpd_") and p.is_dir() for p in source.iterdir()
    ):
        return True
    for i, path in enumerate(_walk(source, None)):
        if i >= _SNIFF:
            return False
        try:
            parse_name(path.name)
            return True
        except FilenameError:
            continue
    return False


@register("ccpd", detect=is_ccpd_tree, order=30)
def read_ccpd(source: Path, options: ReadOptions) -> Dataset:
    """Every CCPD photo under `source` (not under `options.exclude`), sorted, as a Sample with its
    corners, bbox and every name field; images without an annotation are skipped with the reason.
    Raises DatasetError if there are no images, or a split file is unreadable."""
    val_fraction = options.held_out()
    split_files = read_split_files(source)
    samples, skipped = [], []
    for path in find_sources(source, options.exclude):
        rel = path.relative_to(source).as_posix()  # strings from here on: this loop runs per photo
        name = rel.rpartition("/")[2]
        subset = subset_of(rel)
        if subset in NO_ANNOTATION_SUBSETS:
            skipped.append((rel, f"no annotation ({subset} images carry no plate)"))
            continue
        try:
            plate = parse_name(name)
        except FilenameError as exc:
            skipped.append((rel, f"not a CCPD name: {exc}"))
            continue
        split = assign_split(rel, split_files, val_fraction, plate.text)
        fields = {"source": rel, "name": name, "split": split, "subset": subset, **plate.to_dict()}
        layout = str(fields.get(options.layout_key or "plate_type") or length_layout(plate.text))
        br, bl, tl, tr = plate.vertices
        kind = sample_kind(fields, layout, path)  # the name's kind: parse_name checked it
        samples.append(
            Sample(path, plate.text, layout, split, subset, fields, (tl, tr, br, bl), plate.bbox, kind)
        )
    return Dataset(samples, skipped)


def read_split_files(root: Path) -> dict[str, str]:
    """{relative path: split} from ROOT/splits/*.txt: train/val/test.txt name their split, any other
    file (CCPD's ccpd_blur.txt, …) lists test images. Explicit split files win."""
    folder = root / "splits"
    mapping: dict[str, str] = {}
    files = sorted(folder.glob("*.txt")) if folder.is_dir() else []
    # subset files first so that train/val/test.txt override them
    for path in sorted(files, key=lambda p: p.stem in SPLITS):
        split = path.stem if path.stem in SPLITS else "test"
        for line in read_text(path, "CCPD split file").splitlines():
            rel = line.strip().replace("\\", "/")
            if rel:
                mapping[str(PurePosixPath(rel))] = split
    return mapping


def assign_split(
    rel: str | PurePosixPath, split_files: dict[str, str], val_fraction: float, text: str
) -> str:
    """Split of one image (`rel`: its POSIX path under the root, `text`: its plate): split files,
    else folder names, else a hash of the text, so that other photos of one plate stay together."""
    rel = str(rel)
    if rel in split_files:
        return split_files[rel]
    folders = rel.split("/")[:-1]
    named = [part for part in folders if part in SPLITS]
    if named:
        return named[-1]
    if subset_of(rel) in TEST_SUBSETS:
        return "test"
    return hash_split(text, val_fraction)


def find_sources(root: Path, exclude: Path | None = None) -> list[Path]:
    """Every candidate image under `root` (sorted), leaving out the `exclude` folder."""
    found = sorted(_walk(root, exclude))
    if not found:
        raise DatasetError(f"{root}: no images found (looked for {', '.join(SOURCE_EXTENSIONS)})")
    return found


def _walk(root: Path, exclude: Path | None):
    skip = exclude.resolve() if exclude is not None else None
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if skip is None or (Path(dirpath) / d).resolve() != skip)
        for f in sorted(filenames):
            if Path(f).suffix.lower() in SOURCE_EXTENSIONS:
                yield Path(dirpath) / f


__all__ = [
    "read_ccpd",
    "is_ccpd_tree",
    "read_split_files",
    "assign_split",
    "find_sources",
    "SPLITS",
    "TEST_SUBSETS",
]
