"""Measures the chapters share on training curves: the first step at a level, and a ratio of two censored values."""
from __future__ import annotations

import math
from typing import Sequence

import numpy as np


def first_reach(steps: Sequence[float], values: Sequence[float], level: float, censor: float) -> float:
    """The first ``steps[i]`` with ``values[i] ≤ level``; ``censor`` (e.g. the budget) if there is none."""
    hit = np.flatnonzero(np.asarray(values, dtype=float) <= level)
    return float(np.asarray(steps)[hit[0]]) if len(hit) else float(censor)


def ratio(num: float, den: float) -> float:
    """num / den, with ∞/∞ = 1 (both censored or diverged), x/0 = ∞ for x > 0 and 0/0 = 1."""
    if math.isinf(num) and math.isinf(den):
        return 1.0
    if den == 0:
        return math.inf if num > 0 else 1.0
    return num / den
