from __future__ import annotations

import subprocess
import sys


def test_plategen_and_its_cli_never_import_torch() -> None:
    code = (
        "import sys, plategen, plategen.align.stage, plategen.labels.stage, plategen.synth.stage,"
        " plategen.crop.stage, cli.plategen;"
        "from click.testing import CliRunner; CliRunner().invoke(cli.plategen.plategen, ['parse', 'x.jpg']);"
        "print('torch' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
