"""A stage's settings record (crop.json, render.json, synth.json) that is not one is named, not
taken: a re-run must never resume into a folder whose record it cannot read (issue 26)."""

from __future__ import annotations

from pathlib import Path

import pytest

from plategen import CropConfig
from plategen.crop import stage as crop_stage
from plategen.errors import ConfigError, ShardError
from plategen.labels import settings as label_settings
from plategen.synth import settings as synth_settings

STAGES = [
    ("crop.json", "crop settings", ConfigError, lambda out: crop_stage.check_settings(out, CropConfig())),
    ("render.json", "render settings", ShardError, label_settings.made_settings),
    ("synth.json", "synth settings", ConfigError, lambda out: synth_settings.check_settings(out, {})),
]


@pytest.mark.parametrize("name, what, error, check", STAGES, ids=[s[0] for s in STAGES])
@pytest.mark.parametrize(
    "text, reason",
    [
        ("{not json", "are not valid JSON (Expecting property name enclosed in double quotes)"),
        ("[1, 2]", "must be a JSON object, got list"),
    ],
)
def test_a_record_that_is_not_one_is_named(tmp_path: Path, name, what, error, check, text, reason) -> None:
    (tmp_path / name).write_text(text, encoding="utf-8")
    with pytest.raises(error) as caught:
        check(tmp_path)
    assert str(caught.value) == f"{tmp_path / name}: {what} {reason}"
