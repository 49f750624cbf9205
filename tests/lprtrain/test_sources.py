"""Several data sources: spec parsing, batch shares, each source's own order, resumable by step."""

import pytest
import torch

from lprtrain.errors import ConfigError
from lprtrain.train.sources import MixedBatches, Source, batch_counts, check_sources


@pytest.mark.parametrize(
    "text, expected",
    [
        ("synth=shards/:1", Source("synth", "shards/", 1.0)),
        ("real=/data/real:3", Source("real", "/data/real", 3.0)),
        ("real=/data/real", Source("real", "/data/real", 1.0)),
        ("/data/realshards/:0.5", Source("realshards", "/data/realshards/", 0.5)),
        ("a=C:/x:y:2", Source("a", "C:/x:y", 2.0)),
        ("a=dir:with:colon", Source("a", "dir:with:colon", 1.0)),
    ],
)
def test_parse(text, expected):
    assert Source.parse(text) == expected


@pytest.mark.parametrize(
    "text, message",
    [
        ("a=x:0", "weight must be > 0"),
        ("a=x:-2", "weight must be > 0"),
        ("a b=x", "must be a word"),
        ("a=", "expected"),
    ],
)
def test_parse_rejects(text, message):
    with pytest.raises(ConfigError, match=message):
        Source.parse(text)


def test_check_sources():
    a, b = Source("a", "x"), Source("b", "y")
    check_sources((a, b), "b")
    with pytest.raises(ConfigError, match="select_on: 'c' names no source"):
        check_sources((a, b), "c")
    with pytest.raises(ConfigError, match="used twice"):
        check_sources((a, Source("a", "z")), None)


@pytest.mark.parametrize(
    "weights, batch, counts",
    [([1, 3], 64, [16, 48]), ([1, 1, 1], 64, [22, 21, 21]), ([1, 1000], 8, [1, 7]), ([2, 1], 10, [7, 3])],
)
def test_batch_counts(weights, batch, counts):
    assert batch_counts(weights, batch) == counts


def test_rows_draw_by_weight_and_cover_each_source_every_epoch():
    mix = MixedBatches([100, 10], [1, 1], batch_size=10, seed=3)
    seen_small = []
    for step in range(10):
        rows = mix.rows(step)
        assert len(rows) == 10
        assert ((rows < 100).sum(), (rows >= 100).sum()) == (5, 5)
        seen_small += (rows[rows >= 100] - 100).tolist()
    # 10 steps × 5 = 50 draws of the 10-sample source: five full passes, each a permutation
    for k in range(5):
        assert sorted(seen_small[k * 10 : (k + 1) * 10]) == list(range(10))
    assert sorted(torch.cat([mix.rows(s)[:5] for s in range(20)]).tolist()) == list(range(100))


def test_rows_are_a_function_of_the_step():
    a = MixedBatches([50, 7], [1, 3], batch_size=8, seed=1)
    b = MixedBatches([50, 7], [1, 3], batch_size=8, seed=1)
    first = [a.rows(s) for s in range(30)]
    assert all(torch.equal(b.rows(s), first[s]) for s in (29, 3, 17))  # any order, a resumed fit too
    assert not torch.equal(MixedBatches([50, 7], [1, 3], 8, seed=2).rows(0), first[0])
