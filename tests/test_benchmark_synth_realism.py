"""benchmarks/synth_realism.py: the per-kind measures and the contact sheet, on a few synthetic photos
(no real data needed)."""

from __future__ import annotations

import cv2
import numpy as np

from benchmarks import synth_realism as realism


def _plate(margin_x: int = 0, margin_y: int = 0) -> np.ndarray:
    """A flat blue plate with white bars for glyphs, inside a grey margin, at 94×24."""
    w, h = 94 - 2 * margin_x, 24 - 2 * margin_y
    plate = np.zeros((h, w, 3), np.uint8)
    plate[:] = (170, 70, 10)
    for x in range(8, w - 8, 12):
        plate[h // 5 : h - h // 5, x : x + 3] = 245
    crop = np.full((24, 94, 3), 120, np.uint8)
    crop[margin_y : margin_y + h, margin_x : margin_x + w] = plate
    return crop


def test_plate_box_finds_the_framing():
    assert realism.plate_box(_plate(), "blue") == (0, 0, 94, 24)
    x0, y0, x1, y1 = realism.plate_box(_plate(5, 3), "blue")
    assert (x0, y0, x1, y1) == (5, 3, 89, 21)
    assert realism.plate_box(np.full((24, 94, 3), 120, np.uint8), "blue") is None


def test_measure_reads_colour_ink_and_stroke():
    stats = realism.measure(_plate(5, 3), "blue")
    assert 100 <= stats["bg hue"] <= 115  # OpenCV hue of (170, 70, 10)
    assert stats["ink/bg luminance"] > 2  # white glyphs on blue
    assert 2 <= stats["stroke px"] <= 5  # 3-px bars, resized a little wider
    assert abs(stats["plate h frac"] - 18 / 24) < 1e-9
    blank = realism.measure(np.full((24, 94, 3), 120, np.uint8), "blue")
    assert np.isnan(blank["bg hue"]) and np.isfinite(blank["mean B"])


def test_synthetic_sets_table_and_sheet(tmp_path, capsys):
    synth = realism.synth_sets("green", 3, 0, 1, 0.0, tmp_path / "photos")
    assert synth["rect"].crops.shape == (3, 24, 94, 3) and synth["point"].crops.shape == (3, 24, 94, 3)
    assert ((0 < synth["rect"].truth) & (synth["rect"].truth <= 1)).all()
    realism.print_table("green", [], synth)
    assert "synthetic statistics only" in capsys.readouterr().out
    real = realism.CropSet("gate-green", "real: test", synth["point"].crops)
    realism.print_table("green", [(real, "point")], synth)
    assert "x1.00" in capsys.readouterr().out  # the same crops as real and synthetic
    path = tmp_path / "sheet" / "green.png"
    realism.write_sheet("green", [(real, "point")], synth, path)
    sheet = cv2.imread(str(path))
    assert sheet.shape[1] == 6 * realism.TILE[0] + 5 * 2
