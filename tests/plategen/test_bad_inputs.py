"""Every file a plategen command reads: a wrong, truncated, empty or non-UTF-8 one ends in one
`Error:` line naming the file (exit 1), never a traceback."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from cli.plategen import plategen

NAME = "025-95_113-154&383_386&473-386&473_177&454_154&383_363&402-0_0_22_27_27_33_16-37-15.jpg"
LATIN1 = "a.png\tcaf\xe9\n".encode("latin-1")  # not UTF-8


def write(path, data: bytes | str):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    return path


# (file name, contents, command (FILE = that file, DIR = its folder), expected Error line)
CASES = [
    (
        "m.txt",
        b"ok.png\tAB\n" + LATIN1,
        ["align", "DIR", "--manifest", "FILE"],
        "FILE: line 2: manifest is not UTF-8",
    ),
    (
        "m.txt",
        LATIN1,
        ["render-labels", "DIR", "--alignment", "DIR/a.json", "DIR/out", "--manifest", "FILE"],
        None,
    ),
    ("m.txt", b"", ["align", "FILE"], "FILE: manifest is empty"),
    ("m.txt", b"a.png HELLO\n", ["align", "FILE"], "FILE:1: expected 'path<TAB>text', got 'a.png HELLO'"),
    (
        "names.txt",
        b"\xff\xfe" + NAME.encode("utf-16-le"),
        ["parse", "--from-file", "FILE"],
        "FILE: line 1: name list is not UTF-8",
    ),
    (
        "index.jsonl",
        b'{"crop": "a.png", "te',
        ["align", "FILE"],
        "FILE:1: not a crop index row (invalid JSON: ",
    ),
    (
        "index.jsonl",
        b"[1, 2]\n",
        ["align", "FILE"],
        "FILE:1: not a crop index row (a JSON list, not an object)",
    ),
    (
        "index.jsonl",
        b'{"crop": "a.png", "text": 7}\n',
        ["align", "FILE"],
        "FILE:1: field 'text': expected a non-empty string, got 7",
    ),
    (
        "index.jsonl",
        b'{"crop": "a.png", "text": "\xe9"}\n',
        ["align", "FILE"],
        "FILE: line 1: crop index is not UTF-8",
    ),
    ("index.jsonl", b"\n\n", ["align", "FILE"], "FILE: crop index is empty"),
    (
        "splits/test.txt",
        b"ccpd_base/\xe9.jpg\n",
        ["crop", "DIR", "DIR/out"],
        "FILE: line 1: CCPD split file is not UTF-8",
    ),
    (
        "a.json",
        b'{"version": 1, "lay',
        ["render-labels", "DIR/c", "--alignment", "FILE", "DIR/out"],
        "FILE: not valid JSON",
    ),
    ("a.json", b"\xe9", ["render-labels", "DIR/c", "--alignment", "FILE", "DIR/out"], "FILE: not valid JSON"),
    ("a.json", b"", ["render-labels", "DIR/c", "--alignment", "FILE", "DIR/out"], "FILE: not valid JSON"),
]


@pytest.mark.parametrize("name, data, args, expected", CASES)
def test_bad_file_is_one_error_line(tmp_path, name, data, args, expected) -> None:
    path = write(tmp_path / name, data)
    write(tmp_path / "c" / "皖A12345.png", b"")  # a crop folder for render-labels
    if "splits" in name:
        write(tmp_path / "ccpd_base" / NAME, b"")
    if expected is None:  # the manifest is read after the alignment: give a valid one
        write(
            tmp_path / "a.json",
            '{"version": 1, "layouts": {"len2": {"width": 94, "height": 24, '
            '"top": 2, "bottom": 20, "chars": [[2, 40], [50, 90]]}}}',
        )
        expected = "FILE: line 1: manifest is not UTF-8"
    root = str(tmp_path)
    args = [a.replace("FILE", str(path)).replace("DIR", root) for a in args]
    result = CliRunner().invoke(plategen, args)
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    last = result.output.strip().splitlines()[-1]
    assert last.startswith("Error: " + expected.replace("FILE", str(path))), last
