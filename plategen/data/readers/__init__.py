"""The built-in dataset readers; importing this package registers them (see `plategen.data.registry`).

Asked in this order; the first whose `detect` accepts the source reads it:

- crop-index (10): a `plategen crop` index, `index.jsonl` or a folder holding one;
- manifest (20): any other file, `path<TAB>text[<TAB>split]` lines;
- ccpd (30): a folder with `splits/` or `ccpd_*` folders, or whose first images carry CCPD names;
- text-folder (90): any other folder, crops named by their text (`皖A12345.jpg`, `皖A12345_2.jpg`).
"""

from . import ccpd_tree, crop_index, manifest, text_folder

__all__ = ["ccpd_tree", "crop_index", "manifest", "text_folder"]
