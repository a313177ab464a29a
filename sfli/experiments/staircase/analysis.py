r"""Numbers that turn a training history into checkable statements (chapter 3, the staircase phenomenon).

All functions take plain sequences (recorded steps, losses, ε-ranks) so they can be tested on synthetic
histories with known answers.

**Alignment of loss drops with ε-rank jumps** (:func:`alignment`). On the regular grid of recorded steps
t_0 = 0, t_1 = Δ, …, t_n (the multiples of ``every``) take the record-low loss m_i = min_{j≤i} L_j and the
record-high ε-rank R_i = max_{j≤i} r_j (so Adam's transient loss spikes and one-neuron flickers of the rank
around ε do not count as drops or jumps). Interval i = (t_{i−1}, t_i] has the log-loss decrease
d_i = log m_{i−1} − log m_i ≥ 0 and is a *jump* when R_i > R_{i−1}. The *window* W is every interval within
``k`` intervals of a jump. Then

* share S = Σ_{i∈W} d_i / Σ_i d_i — the part of the total log-loss decrease that happens near a rank jump;
* coverage C = |W| / n — the part of the time axis the windows cover. C is exactly the expected share if the
  pattern of jumps were moved to a uniformly random circular offset: the chance baseline;
* lift S / C (> 1: loss drops concentrate near rank jumps; 1: no relation);
* local null: the mean share when the windows are shifted by s = ±(2k+1), …, ±(2k+``local_shifts``)
  intervals (not circularly) — a stricter baseline that keeps the coarse timing (both the loss and the rank
  move most early in training) and destroys only the fine one;
* corr: Pearson correlation over intervals of d_i with R_i − R_{i−1}.
"""
from __future__ import annotations

import math
from typing import Sequence

import numpy as np
from scipy.stats import spearmanr


def _grid(steps: Sequence[int], every: int) -> np.ndarray:
    """Indices of the recorded steps that are multiples of ``every`` (``every`` ≤ 0: all)."""
    steps = np.asarray(steps)
    return np.flatnonzero(steps % every == 0) if every > 0 else np.arange(len(steps))


def windows(jumps: np.ndarray, k: int) -> np.ndarray:
    """Boolean mask of the intervals within ``k`` intervals of a True in ``jumps``."""
    jumps = np.asarray(jumps, dtype=bool)
    mask = np.zeros(len(jumps), dtype=bool)
    for i in np.flatnonzero(jumps):
        mask[max(0, i - k):i + k + 1] = True
    return mask


def _shift(mask: np.ndarray, s: int) -> np.ndarray:
    out = np.zeros_like(mask)
    if s > 0:
        out[s:] = mask[:-s]
    elif s < 0:
        out[:s] = mask[-s:]
    else:
        out[:] = mask
    return out


def alignment(steps: Sequence[int], loss: Sequence[float], rank: Sequence[int], every: int = 0, k: int = 1,
              local_shifts: int = 10) -> dict[str, float]:
    """Share, coverage, lift, local null and correlation of loss drops vs ε-rank jumps (see the module).

    ``every``: use only the recorded steps that are multiples of it (the regular grid; 0: all recorded steps,
    meaningful only if they are equispaced). Returns NaN for share and lift when the loss never decreases, and
    for lift when there is no jump.
    """
    idx = _grid(steps, every)
    loss = np.asarray(loss, dtype=float)[idx]
    rank = np.asarray(rank, dtype=float)[idx]
    if len(idx) < 2:
        raise ValueError("alignment needs at least two recorded steps on the grid")
    low = np.minimum.accumulate(np.where(np.isfinite(loss) & (loss > 0), loss, np.inf))
    low = np.where(np.isfinite(low), low, np.nan)
    high = np.maximum.accumulate(rank)
    d = np.nan_to_num(-np.diff(np.log(low)), nan=0.0)
    dr = np.diff(high)
    jumps = dr > 0
    w = windows(jumps, k)
    total = d.sum()
    coverage = float(w.mean())
    share = float(d[w].sum() / total) if total > 0 else math.nan
    shifted = [d[_shift(w, s)].sum() / total for t in range(2 * k + 1, 2 * k + 1 + local_shifts)
               for s in (t, -t)] if total > 0 else []
    corr = (float(np.corrcoef(d, dr)[0, 1]) if d.std() > 0 and dr.std() > 0 else math.nan)
    return {
        "share": share,
        "coverage": coverage,
        "lift": share / coverage if coverage > 0 and not math.isnan(share) else math.nan,
        "local_null": float(np.mean(shifted)) if shifted else math.nan,
        "corr": corr,
        "n_jumps": int(jumps.sum()),
        "log_decrease": float(total),
    }


def rank_loss_spearman(steps: Sequence[int], loss: Sequence[float], rank: Sequence[int], every: int = 0) -> float:
    """Spearman correlation, over the recorded steps on the grid, of the loss with the ε-rank (negative: the
    loss falls as the rank rises); NaN when either is constant."""
    idx = _grid(steps, every)
    loss, rank = np.asarray(loss, dtype=float)[idx], np.asarray(rank, dtype=float)[idx]
    if np.ptp(rank) == 0 or np.ptp(loss) == 0:
        return math.nan
    return float(spearmanr(loss, rank).statistic)


def depth_monotone_fraction(ranks: np.ndarray) -> float:
    """Fraction of recorded steps (rows of the steps × layers array ``ranks``, layers in order) where
    r(layer l+1) ≥ r(layer l) for every l."""
    ranks = np.asarray(ranks, dtype=float)
    if ranks.ndim != 2 or ranks.shape[1] < 2:
        raise ValueError(f"ranks must be steps × layers with at least two layers, got shape {ranks.shape}")
    return float((np.diff(ranks, axis=1) >= 0).all(axis=1).mean())


def steps_to_level(steps: Sequence[int], loss: Sequence[float], level: float) -> float:
    """First recorded step whose loss is ≤ ``level``; NaN if never reached."""
    for step, value in zip(steps, loss):
        if value <= level:
            return float(step)
    return math.nan


def geomean(values) -> float:
    """Geometric mean of positive numbers (NaN if there are none)."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v) & (v > 0)]
    return float(np.exp(np.log(v).mean())) if len(v) else math.nan


def censored_median(values, cap: float) -> float:
    """Median of ``values`` with NaN (never reached) counted as ``cap`` — a lower bound when some are NaN."""
    v = np.asarray(values, dtype=float)
    return float(np.median(np.where(np.isnan(v), cap, v)))
