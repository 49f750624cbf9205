"""`fit --init`: weights map by character, so a reordered charset reads exactly as the source did."""

import pytest
import torch

from lprtrain.errors import WeightsError
from lprtrain.model.lprnet import LPRNet, ModelConfig, UpsamplingDecoder
from lprtrain.model.run import save_run
from lprtrain.train.warm_start import warm_start


def _trained_like(charset: str, seed: int = 0) -> LPRNet:
    torch.manual_seed(seed)
    model = LPRNet(ModelConfig(charset=charset, dropout=0.0))
    with torch.no_grad():  # non-trivial BN statistics, so a wrong row shows in the logits
        for name, buf in model.named_buffers():
            if "running_var" in name:
                buf.uniform_(0.5, 2.0)
            elif "running_mean" in name:
                buf.normal_(0, 0.3)
    return model.eval()


def test_reordered_charset_gives_the_same_logits_per_character(tmp_path):
    old = _trained_like("ABC123")
    save_run(tmp_path / "run", old, {})
    new_cfg = ModelConfig(charset="3C1BA2", dropout=0.0)  # the same characters, another order
    fresh = LPRNet(new_cfg)
    start = warm_start(tmp_path / "run", new_cfg, fresh, None)
    fresh.load_state_dict(start.lprnet)
    x = torch.randn(4, 3, 24, 94)
    with torch.no_grad():
        a, b = old(x), fresh.eval()(x)
    pairs = [(i, "ABC123".index(c)) for i, c in enumerate(new_cfg.charset)] + [(6, 6)]  # blank → blank
    for n, o in pairs:
        torch.testing.assert_close(b[:, n], a[:, o])


def test_added_characters_start_fresh_and_dropped_ones_go(tmp_path):
    old = _trained_like("ABC123")
    save_run(tmp_path / "run", old, {})
    new_cfg = ModelConfig(charset="3CBX21", dropout=0.0)  # X is new, A is dropped
    fresh = LPRNet(new_cfg)
    before = {k: v.clone() for k, v in fresh.state_dict().items()}
    start = warm_start(tmp_path / "run", new_cfg, fresh, None)
    assert (start.mapped, start.added, start.dropped) == ("3CB21", "X", "A")
    head_old, head_new = old.state_dict()["container.0.weight"], start.lprnet["container.0.weight"]
    # row "C" (new 1, old 2), reading context channel 448 + "B" (new 2, old 1)
    assert head_new[1, 448 + 2] == head_old[2, 448 + 1]
    torch.testing.assert_close(head_new[1, :448], head_old[2, :448])
    # X starts silent: its head row reads nothing and its logit lies far below every other class
    assert not head_new[3].any() and not head_new[:, 448 + 3].any()
    bias = start.lprnet["container.0.bias"]
    assert bias[3] < torch.cat([bias[:3], bias[4:]]).min() - 5
    assert not torch.equal(head_new[3], before["container.0.weight"][3])
    torch.testing.assert_close(
        start.lprnet["backbone.20.weight"][6], old.state_dict()["backbone.20.weight"][6]
    )
    assert "X" in start.summary() and "decoder: fresh" in start.summary()


def test_decoder_carries_over_when_the_run_kept_one(tmp_path):
    old = _trained_like("AB12")
    dec = UpsamplingDecoder(448 + old.config.num_classes, (94, 24))
    save_run(tmp_path / "run", old, {}, dec)
    cfg = ModelConfig(charset="AB12", dropout=0.0)
    fresh_dec = UpsamplingDecoder(448 + cfg.num_classes, (94, 24))
    start = warm_start(tmp_path / "run", cfg, LPRNet(cfg), fresh_dec)
    assert start.decoder is not None
    for k, v in dec.state_dict().items():
        torch.testing.assert_close(start.decoder[k], v)


def test_a_charset_with_nothing_in_common_cannot_map(tmp_path):
    save_run(tmp_path / "run", _trained_like("AB"), {})
    cfg = ModelConfig(charset="XY")
    with pytest.raises(WeightsError, match="shares no character"):
        warm_start(tmp_path / "run", cfg, LPRNet(cfg), None)


def test_a_file_that_is_not_a_model_is_refused(tmp_path):
    bad = tmp_path / "model.safetensors"
    bad.write_bytes(b"not weights")
    (tmp_path / "config.json").write_text('{"model": {"charset": "AB"}}')
    cfg = ModelConfig(charset="AB")
    with pytest.raises(WeightsError, match="model.safetensors"):
        warm_start(bad, cfg, LPRNet(cfg), None)


def test_a_reader_mapped_onto_every_kinds_charset_reads_as_before(plate_crops, tmp_path):
    """New classes must not disturb the old ones (random rows rescaled every plate's context). The
    older reader: the shipped one cut down to CCPD's charset (as the readers before issue 20 were)."""
    from lprtrain import load_data, load_model
    from lprtrain.evaluation.scoring import evaluate
    from lprtrain.model.run import SHIPPED_MODEL, save_run
    from plategen.data.ccpd import CCPD_CHARSET
    from plategen.plates.grammar import PLATE_CHARSET

    shipped = load_model(SHIPPED_MODEL)
    small = ModelConfig(charset=CCPD_CHARSET, context_norm=shipped.config.context_norm)
    cut = LPRNet(small)
    cut.load_state_dict(warm_start(SHIPPED_MODEL, small, cut, None).lprnet)
    save_run(tmp_path / "ccpd-reader", cut, {})
    old = load_model(tmp_path / "ccpd-reader").eval()
    assert set(old.config.charset) < set(PLATE_CHARSET)
    cfg = ModelConfig(charset=PLATE_CHARSET, context_norm=old.config.context_norm)
    fresh = LPRNet(cfg)
    start = warm_start(tmp_path / "ccpd-reader", cfg, fresh, None)
    assert set(start.added) == set(PLATE_CHARSET) - set(old.config.charset)
    fresh.load_state_dict(start.lprnet)
    data = load_data(plate_crops, None, old.config.input_size)
    a, b = evaluate(old, data), evaluate(fresh.eval(), data)
    # the copied channels shift each plate's context scaling a hair: one reading of 200 flips (a
    # doubled digit); random rows for the new classes changed most of them
    same = sum(p["pred"] == q["pred"] for p, q in zip(a.predictions, b.predictions))
    assert same >= len(a.predictions) - 2, same
    assert a.accuracy > 0.8 and abs(a.accuracy - b.accuracy) <= 0.01


def test_a_fine_tune_that_only_hurts_keeps_the_starting_model(shards, tmp_path):
    """fit --init scores the model it starts from on the run's own validation split, and keeps it as
    the best unless a step beats it: two steps at a rate that wrecks the weights must hand back the
    shipped reader as it was (it reads the tiny shards' synthetic plates nearly all right)."""
    from lprtrain.model.run import SHIPPED_MODEL, load_model
    from lprtrain.train.config import FitConfig
    from lprtrain.train.fit import fit
    from plategen.io import read_jsonl

    shipped = load_model(SHIPPED_MODEL)
    config = FitConfig(
        aux="off", batch_size=4, max_steps=1, lr=0.5, device="cpu", threads=2, init=str(SHIPPED_MODEL),
        context_norm=shipped.config.context_norm, charset=shipped.config.charset,
    )  # fmt: skip
    result = fit(shards, tmp_path / "run", config, progress=False)
    val = [r for r in read_jsonl(tmp_path / "run" / "metrics.jsonl") if r["kind"] == "val"]
    assert [r["step"] for r in val] == [0, 1]
    assert val[0]["accuracy"] > val[1]["accuracy"], val  # the fine-tune did get worse
    assert (result.best_step, result.best_accuracy) == (0, val[0]["accuracy"])
    assert "no step beat the --init model" in result.summary()
    kept = load_model(tmp_path / "run").state_dict()
    for k, v in shipped.state_dict().items():
        torch.testing.assert_close(kept[k], v, msg=k)
