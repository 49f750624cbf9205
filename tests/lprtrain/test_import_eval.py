"""Acceptance on real data: the imported LPRNet_Pytorch model reads 179 of the 200 crops right."""

from __future__ import annotations

import json

from click.testing import CliRunner

from cli.lprtrain import lprtrain
from lprtrain.model.lprnet import LPRNET_PYTORCH_CHARSET
from lprtrain.model.run import read_config


def test_import_then_eval_reproduces_the_published_figure(tmp_path, pretrained_pth, plate_crops):
    runner = CliRunner()
    run = tmp_path / "pretrained"
    result = runner.invoke(lprtrain, ["import", str(pretrained_pth), str(run)])
    assert result.exit_code == 0, result.output
    config = read_config(run)
    assert config["model"]["charset"] == LPRNET_PYTORCH_CHARSET and config["model"]["context_norm"] == "batch"
    assert len(config["source"]["sha256"]) == 64

    report_path = tmp_path / "report.json"
    result = runner.invoke(lprtrain, ["eval", str(run), str(plate_crops), "--json", str(report_path)])
    assert result.exit_code == 0, result.output
    report = json.loads(report_path.read_text(encoding="utf-8"))
    assert (report["total"], report["correct"]) == (200, 179)
    assert report["accuracy"] == 0.895 and report["lcr"] == 0.935
    assert report["tn1"] + report["tn2"] == 21
    assert {"per_char", "per_subset", "confusions"} <= report.keys()
    assert report["per_char"]["皖"]["support"] > 0
    assert "accuracy 0.8950  LCR 0.9350" in result.output
