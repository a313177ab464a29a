"""The book's figure theme, on seaborn: one palette, one colour per method, one band over seeds.

* Colours: seaborn's ``"colorblind"`` palette (Okabe–Ito's colour-blind-safe hues, extended to ten).
  :data:`METHOD_COLORS` fixes one colour per initialization, the same in every chapter; SFLI's blue is used for
  nothing else. Other categorical series (activations, input dimensions, layers, seeds, variants) take
  :data:`SERIES` in order; grey (:data:`REFERENCE`) and black are left for reference lines and exact values.
* Maps: :data:`SEQUENTIAL_CMAP` for magnitudes, :data:`DIVERGING_CMAP` (centred at 0) for signed quantities.
* Spreads over seeds: :func:`seeds_band`, ``seaborn.lineplot`` with the min–max band.
* New figures: :func:`subplots`, ``plt.subplots`` without pyplot (nothing left open, nothing shown twice), and
  :func:`axes_grid`, a constrained grid of axes.

Importing this module changes nothing; :func:`set_book_theme` (alias :func:`use_style`) applies the theme.
"""
from __future__ import annotations

from typing import Any, Callable, Iterable

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

#: seaborn's "colorblind" palette (``sns.color_palette("colorblind").as_hex()``), in seaborn's order.
PALETTE = ("#0173b2", "#de8f05", "#029e73", "#d55e00", "#cc78bc",
           "#ca9161", "#fbafe4", "#949494", "#ece133", "#56b4e9")
BLUE, ORANGE, GREEN, VERMILLION, PURPLE, BROWN, PINK, GREY, YELLOW, SKY = PALETTE

#: reference lines (thresholds, full rank, diagonals); exact values are drawn in black.
REFERENCE = GREY

#: One colour per initialization, in every chapter: SFLI blue (its quasi-random placement: sky blue, the same
#: family); the Xavier pair warm (orange, brown), the He pair green and pink, PyTorch's default vermillion.
METHOD_COLORS = {
    "sfli": BLUE, "sfli_quasi": SKY,
    "xavier_normal": ORANGE, "xavier_uniform": BROWN,
    "kaiming_normal": GREEN, "kaiming_uniform": PINK,
    "pytorch_default": VERMILLION, "small_gaussian": PURPLE,
}
METHOD_LABELS = {
    "sfli": "SFLI", "sfli_quasi": "SFLI, quasi", "xavier_normal": "Xavier normal", "xavier_uniform": "Xavier uniform",
    "pytorch_default": "PyTorch default", "kaiming_normal": "He normal", "kaiming_uniform": "He uniform",
    "small_gaussian": "small Gaussian", "rff": "random Fourier features",
}

#: Colours of categorical series that are not methods, in order: the palette without SFLI's blue and the grey.
SERIES = (ORANGE, GREEN, PURPLE, VERMILLION, BROWN, SKY, PINK, YELLOW)

#: Five more colour-blind-safe hues (Paul Tol's "muted" scheme) beyond the palette's ten: for the deep-ReLU
#: initializations of chapter 7 (RAI wine, LPS olive, anti-correlated indigo, their combination with RAI purple) and
#: for random Fourier features (rose; an input embedding chapter 6 compares SFLI with).
WINE, OLIVE, INDIGO, TOL_PURPLE, ROSE = "#882255", "#999933", "#332288", "#aa4499", "#cc6677"
EXTRA = (WINE, OLIVE, INDIGO, TOL_PURPLE, ROSE)
METHOD_COLORS.update({"rai": WINE, "lps": OLIVE, "anticorrelated": INDIGO, "anticorrelated_rai": TOL_PURPLE,
                      "rff": ROSE})
METHOD_LABELS.update({"rai": "RAI", "lps": "LPS (ours)", "anticorrelated": "anti-correlated",
                      "anticorrelated_rai": "anti-correlated + RAI"})

#: Heat maps of magnitudes (perceptually uniform, colour-blind safe, both ends visible on white).
SEQUENTIAL_CMAP = "viridis"
#: Heat maps of signed quantities (cosines, log ratios), centred at 0: blue below, red above (ColorBrewer's
#: RdBu, colour-blind safe; reverse it where blue should mean "SFLI higher").
DIVERGING_CMAP = "RdBu_r"

#: Statistic of the band of :func:`seeds_band`: the 0–100 percentile interval, i.e. min–max over seeds.
MIN_MAX = ("pi", 100)

#: The rc on top of seaborn's "ticks" style at the "notebook" context: light grid, no top/right spines.
RC = {
    "figure.figsize": (6.4, 4.0),
    "figure.dpi": 110,
    "savefig.bbox": "tight",
    "axes.grid": True,
    "grid.color": ".9",
    "grid.linewidth": 0.8,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "legend.frameon": False,
    "image.cmap": SEQUENTIAL_CMAP,
}
#: Context "notebook" scaled by 0.9: 10.8 pt labels and titles, 9.9 pt ticks and legends.
FONT_SCALE = 0.9


def set_book_theme() -> None:
    """Apply the book's theme to matplotlib through ``seaborn.set_theme`` (idempotent; once per notebook)."""
    sns.set_theme(context="notebook", style="ticks", palette=list(SERIES), font_scale=FONT_SCALE, rc=RC)


def use_style() -> None:
    """The name the chapters' sessions call: :func:`set_book_theme`."""
    set_book_theme()


def method_color(name: str) -> str:
    """The book's colour of initialization ``name`` (a key of :data:`METHOD_COLORS`)."""
    try:
        return METHOD_COLORS[name]
    except KeyError:
        raise KeyError(f"no book colour for method {name!r}; known: {', '.join(METHOD_COLORS)}") from None


def method_label(name: str) -> str:
    """How the book names initialization ``name`` (``name`` itself when it has no label)."""
    return METHOD_LABELS.get(name, name)


def method_palette(names: Iterable[str]) -> dict[str, str]:
    """``{name: colour}`` for the methods ``names``, for seaborn's ``palette=`` with ``hue`` on method names."""
    return {name: method_color(name) for name in dict.fromkeys(names)}


def series_palette(levels: Iterable) -> dict:
    """``{level: colour}`` from :data:`SERIES` in order (cycling past eight), for non-method categories."""
    return {level: SERIES[i % len(SERIES)] for i, level in enumerate(dict.fromkeys(levels))}


def subplots(nrows: int = 1, ncols: int = 1, *, figsize: tuple[float, float], layout: str | None = None,
             **kwargs) -> tuple[Figure, Any]:
    """``plt.subplots(nrows, ncols, figsize=..., **kwargs)`` on a :class:`~matplotlib.figure.Figure` that pyplot does
    not hold: a chapter returns it, saves it and displays it once, and nothing stays open between figures.
    ``layout``: ``"constrained"``, ``"tight"`` or None (the rc's)."""
    fig = Figure(figsize=figsize, layout=layout)
    return fig, fig.subplots(nrows, ncols, **kwargs)


def axes_grid(nrows: int, ncols: int, width: float, height: float, **kwargs) -> tuple[Figure, np.ndarray]:
    """A ``width`` × ``height`` inch figure with an nrows × ncols array of axes (always 2-D), constrained layout,
    outside pyplot (:func:`subplots`); ``kwargs`` go to ``Figure.subplots`` (``sharex``, ``sharey``, …)."""
    return subplots(nrows, ncols, figsize=(width, height), layout="constrained", squeeze=False, **kwargs)


def geometric_mean(values) -> float:
    """exp(mean(log v)): the centre of a band on a log axis (an ``estimator`` for :func:`seeds_band`)."""
    return float(np.exp(np.log(np.asarray(values, dtype=float)).mean()))


def seeds_band(ax, data: pd.DataFrame, x: str, y: str, *, color: str | None = None, label: str | None = None,
               estimator: str | Callable = "mean", marker: str | None = "o", **kwargs) -> Line2D:
    """Draw ``y`` against ``x`` from long-form ``data`` (one row per seed and x): the ``estimator`` over the
    rows at each x (default the mean) as a line, the min–max over them as a band (``seaborn.lineplot`` with
    ``errorbar=MIN_MAX``); returns the line. The axes' labels are left as they were and no legend is drawn.

    The statistic is taken in data units: set a log y scale after the call (on a log y axis seaborn would
    average the logarithms), which is checked; a log x axis (shared, say) only groups the rows.
    """
    if ax.get_yscale() != "linear":
        raise ValueError("seeds_band: set the y scale after drawing the bands (seaborn averages on a log scale)")
    xlabel, ylabel, before = ax.get_xlabel(), ax.get_ylabel(), len(ax.lines)
    kwargs.setdefault("markersize", 4)
    sns.lineplot(data=data, x=x, y=y, ax=ax, estimator=estimator, errorbar=MIN_MAX, color=color, label=label,
                 marker=marker, legend=False, err_kws={"alpha": 0.2, "linewidth": 0}, **kwargs)
    ax.set(xlabel=xlabel, ylabel=ylabel)
    return ax.lines[before]
