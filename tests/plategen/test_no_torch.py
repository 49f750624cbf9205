from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path


def test_plategen_and_its_cli_never_import_torch() -> None:
    code = (
        "import sys, plategen, plategen.align.stage, plategen.labels.stage, plategen.synth.stage,"
        " plategen.crop.stage, cli.plategen;"
        "from click.testing import CliRunner; CliRunner().invoke(cli.plategen.plategen, ['parse', 'x.jpg']);"
        "print('torch' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


# Each run: the command's error path (one `Error:` line), then whether torch got imported. Every
# command of the group is run: one without a row here gets a missing path and an unknown option.
_RUN_ERRORS = """
import json, sys
from click.testing import CliRunner
from cli.plategen import plategen

runs, missing = json.loads(sys.argv[1]), sys.argv[2]
for name in plategen.commands:
    for args in runs.get(name, [[name, missing], [name, "--no-such-option"]]):
        result = CliRunner().invoke(plategen, args)
        error = [line for line in result.output.splitlines() if line.startswith("Error:")]
        print(json.dumps([args, result.exit_code, error, "torch" in sys.modules]), flush=True)
"""


def test_no_plategen_command_imports_torch_on_its_error_paths(tmp_path: Path) -> None:
    missing = str(tmp_path / "missing")
    font = tmp_path / "font.ttf"
    font.write_text("not a font")
    text = tmp_path / "crops"
    text.mkdir()
    (text / "a.png").write_bytes(b"not a png")
    runs = {
        "parse": [["parse", "x.jpg"], ["parse", "--from-file", str(font.with_suffix(".bin"))]],
        "kind": [["kind", "皖A12KKK"]],
        "synth": [
            ["synth", missing, "--count", "1", "--font", str(font), "--workers", "1"],
            ["synth", missing, "--count", "1", "--kinds", "blue,blue"],
        ],
        "crop": [
            ["crop", missing, str(tmp_path / "out")],
            ["crop", str(text), str(tmp_path / "out"), "--strict"],
        ],
        "align": [["align", missing], ["align", str(text), "--out", str(tmp_path / "a.json")]],
        "render-labels": [["render-labels", str(text), str(tmp_path / "shards"), "--alignment", missing]],
    }
    (font.with_suffix(".bin")).write_bytes(b"\xff\xfe\x00bad")
    out = subprocess.run(
        [sys.executable, "-c", _RUN_ERRORS, json.dumps(runs), missing],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout
    rows = [json.loads(line) for line in out.splitlines()]
    assert {row[0][0] for row in rows} >= set(runs)
    for args, code, error, torch in rows:
        assert code in (1, 2) and len(error) == 1, (args, code, error)
        assert not torch, f"plategen {' '.join(args)} imported torch on its way to {error[0]!r}"
