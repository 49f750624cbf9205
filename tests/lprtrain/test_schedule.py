"""Learning-rate schedules: the paper's step rule exactly, cosine end points, warm-up, bad values."""

import math

import pytest

from lprtrain.errors import ConfigError
from lprtrain.train.schedule import PAPER_MILESTONES, Schedule, run_steps


@pytest.mark.parametrize(
    "epoch, factor",
    [
        (0, 1.0),
        (3, 1.0),
        (4, 0.1),
        (7, 0.1),
        (8, 0.01),
        (11, 0.01),
        (12, 1e-3),
        (14, 1e-4),
        (15, 1e-4),
        (16, 1.0),
        (30, 1.0),
    ],  # past the last milestone the paper's code goes back to the base rate
)
def test_step_schedule_is_the_paper_code(epoch, factor):
    s = Schedule("step", base_lr=1e-3, milestones=PAPER_MILESTONES)
    steps_per_epoch = 50
    for step in (epoch * steps_per_epoch, epoch * steps_per_epoch + 49):
        assert s.lr_at(step, steps_per_epoch, 10_000) == pytest.approx(1e-3 * factor, rel=1e-12)


def test_cosine_runs_from_base_to_floor():
    s = Schedule("cosine", base_lr=2e-3, min_factor=0.05)
    assert s.lr_at(0, 10, 1000) == pytest.approx(2e-3)
    assert s.lr_at(500, 10, 1000) == pytest.approx(2e-3 * (0.05 + 0.95 * 0.5))
    assert s.lr_at(1000, 10, 1000) == pytest.approx(2e-3 * 0.05)
    rates = [s.lr_at(k, 10, 1000) for k in range(0, 1001, 100)]
    assert all(a > b for a, b in zip(rates, rates[1:]))


def test_warmup_ramps_linearly_then_hands_over():
    s = Schedule("cosine", base_lr=1e-3, warmup_steps=10)
    assert [s.lr_at(k, 5, 110) for k in (0, 4, 9)] == pytest.approx([1e-4, 5e-4, 1e-3])
    assert s.lr_at(10, 5, 110) == pytest.approx(1e-3)
    assert s.lr_at(60, 5, 110) == pytest.approx(1e-3 * (0.01 + 0.99 * 0.5 * (1 + math.cos(math.pi / 2))))
    assert Schedule("constant", base_lr=1e-3).lr_at(123, 5, 110) == 1e-3


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"kind": "linear"}, "schedule"),
        ({"warmup_steps": -1}, "warmup"),
        ({"milestones": (8, 4)}, "milestones"),
        ({"milestones": (0,)}, "milestones"),
        ({"min_factor": 2.0}, "min_factor"),
    ],
)
def test_bad_schedules_name_the_field(kwargs, field):
    with pytest.raises(ConfigError, match=f"^{field}:"):
        Schedule(**kwargs)


@pytest.mark.parametrize(
    "epochs, max_steps, steps_per_epoch, steps", [(10, None, 30, 300), (10, 50, 30, 50), (2, 500, 30, 60)]
)
def test_a_run_lasts_its_epochs_cut_short_by_max_steps(epochs, max_steps, steps_per_epoch, steps):
    assert run_steps(epochs, max_steps, steps_per_epoch) == steps
