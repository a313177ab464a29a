"""One figure style for the whole book: Okabe–Ito colours (colour-blind safe), labelled axes, seed bands."""
from __future__ import annotations

from typing import Sequence

import matplotlib as mpl
import numpy as np

#: Okabe & Ito (2008), the colour-blind-safe qualitative palette.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")

#: A fixed colour per initialization, so every figure of the book agrees.
METHOD_COLORS = {
    "sfli": PALETTE[0], "xavier_normal": PALETTE[1], "xavier_uniform": PALETTE[5],
    "pytorch_default": PALETTE[3], "kaiming_normal": PALETTE[2], "kaiming_uniform": PALETTE[6],
    "small_gaussian": PALETTE[4],
}
METHOD_LABELS = {
    "sfli": "SFLI", "xavier_normal": "Xavier normal", "xavier_uniform": "Xavier uniform",
    "pytorch_default": "PyTorch default", "kaiming_normal": "He normal", "kaiming_uniform": "He uniform",
    "small_gaussian": "small Gaussian",
}

STYLE = {
    "figure.figsize": (6.4, 4.0),
    "figure.dpi": 110,
    "axes.prop_cycle": mpl.cycler(color=PALETTE),
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "font.size": 10,
    "legend.frameon": False,
    "savefig.bbox": "tight",
}


def use_style() -> None:
    """Apply the book's style to matplotlib (call once per notebook)."""
    mpl.rcParams.update(STYLE)


def mean_band(ax, x: Sequence[float], samples: np.ndarray, label: str | None = None, color: str | None = None,
              marker: str | None = "o", **kwargs):
    """Plot the mean over seeds (rows of ``samples``) with a min–max band; returns the line."""
    samples = np.atleast_2d(np.asarray(samples, dtype=float))
    mean = samples.mean(axis=0)
    (line,) = ax.plot(x, mean, label=label, color=color, marker=marker, ms=3, **kwargs)
    if samples.shape[0] > 1:
        ax.fill_between(x, samples.min(axis=0), samples.max(axis=0), color=line.get_color(), alpha=0.2, lw=0)
    return line
