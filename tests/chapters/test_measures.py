"""The measures the chapters share on training curves (sfli.experiments.measures)."""
import math

from sfli.experiments.measures import first_reach, ratio


def test_first_reach_is_the_first_recorded_step_at_the_level_or_the_censor():
    assert first_reach([0, 10, 20, 30], [1.0, 0.5, 0.1, 0.05], 0.1, 99) == 20  # ≤: the level itself counts
    assert first_reach([0, 10, 20], [1.0, 0.5, 0.2], 0.1, 99) == 99
    assert first_reach([0, 10], [float("nan"), 0.01], 0.1, 99) == 10  # a NaN never reaches a level


def test_ratio_of_censored_and_zero_values():
    assert ratio(30.0, 10.0) == 3.0
    assert ratio(math.inf, math.inf) == 1.0  # both censored or diverged: a tie
    assert ratio(math.inf, 10.0) == math.inf and ratio(10.0, math.inf) == 0.0
    assert ratio(1.0, 0.0) == math.inf and ratio(0.0, 0.0) == 1.0
