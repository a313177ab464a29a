"""The book theme (sfli.plotting): its palette and method colours, the seeds band, the theme itself."""
import subprocess
import sys

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
import seaborn as sns
from matplotlib.colors import to_hex
from matplotlib.figure import Figure

from sfli import plotting
from sfli.init import METHODS


def test_palette_is_seaborns_colorblind():
    assert list(plotting.PALETTE) == sns.color_palette("colorblind").as_hex()


def test_every_initialization_has_its_own_colour_and_sfli_blue_means_sfli_only():
    assert set(METHODS) <= set(plotting.METHOD_COLORS) == set(plotting.METHOD_LABELS)
    colors = list(plotting.METHOD_COLORS.values())
    assert len(set(colors)) == len(colors)
    sfli = plotting.method_color("sfli")
    assert sfli not in plotting.SERIES and plotting.REFERENCE not in plotting.SERIES
    assert all(c in plotting.PALETTE + plotting.EXTRA for c in colors) and all(c in plotting.PALETTE for c in plotting.SERIES)


def test_method_helpers():
    assert plotting.method_palette(["xavier_normal", "sfli", "sfli"]) == {
        "xavier_normal": plotting.METHOD_COLORS["xavier_normal"], "sfli": plotting.METHOD_COLORS["sfli"]}
    with pytest.raises(KeyError, match="no book colour"):
        plotting.method_color("lecun_normal")
    assert plotting.method_label("kaiming_normal") == "He normal" and plotting.method_label("other") == "other"
    pal = plotting.series_palette(range(10))
    assert list(pal.values())[:8] == list(plotting.SERIES) and pal[8] == plotting.SERIES[0]


def test_importing_changes_no_rc():
    code = ("import matplotlib as mpl; before = dict(mpl.rcParams); import sfli.plotting; "
            "changed = [k for k in before if mpl.rcParams[k] != before[k]]; assert not changed, changed")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_theme_is_applied_and_idempotent():
    with mpl.rc_context():
        plotting.set_book_theme()
        once = dict(mpl.rcParams)
        plotting.use_style()
        assert dict(mpl.rcParams) == once
        assert not once["axes.spines.top"] and not once["axes.spines.right"] and once["axes.grid"]
        assert once["legend.fontsize"] >= 9 and once["xtick.labelsize"] >= 9 and once["axes.labelsize"] >= 10
        assert [to_hex(c) for c in once["axes.prop_cycle"].by_key()["color"]] == list(plotting.SERIES)


def _samples(seed=0):
    rng = np.random.default_rng(seed)
    xs = np.array([1.0, 2.0, 4.0, 8.0])
    return pd.DataFrame([{"seed": s, "x": x, "y": float(rng.uniform(1, 10) * x)} for s in range(5) for x in xs])


def _band(ax):
    (band,) = ax.collections
    return band.get_paths()[0].vertices


@pytest.mark.parametrize("estimator, centre", [("mean", np.mean), (plotting.geometric_mean,
                                                                     lambda v: np.exp(np.log(v).mean()))])
def test_seeds_band_draws_the_estimate_and_the_min_max(estimator, centre):
    data = _samples()
    ax = Figure().add_subplot()
    ax.set(xlabel="width m", ylabel="ε-rank")
    line = plotting.seeds_band(ax, data, "x", "y", color=plotting.method_color("sfli"), label="SFLI",
                               estimator=estimator)
    stats = data.groupby("x").y
    np.testing.assert_allclose(line.get_xdata(), stats.mean().index)
    np.testing.assert_allclose(line.get_ydata(), stats.agg(centre).to_numpy())
    verts = _band(ax)
    for x, lo, hi in zip(stats.min().index, stats.min(), stats.max()):
        ys = verts[np.isclose(verts[:, 0], x), 1]
        assert ys.min() == pytest.approx(lo) and ys.max() == pytest.approx(hi)
    assert to_hex(line.get_color()) == plotting.method_color("sfli") and line.get_label() == "SFLI"
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("width m", "ε-rank")  # seaborn's column names do not stay
    assert ax.get_legend() is None


def test_seeds_band_refuses_a_log_axis_drawn_before():
    ax = Figure().add_subplot()
    ax.set_yscale("log")
    with pytest.raises(ValueError, match="y scale"):
        plotting.seeds_band(ax, _samples(), "x", "y")


def test_new_figures_are_not_held_by_pyplot():
    before = plt.get_fignums()
    fig, ax = plotting.subplots(figsize=(3, 2))
    assert ax.figure is fig and tuple(fig.get_size_inches()) == (3, 2)
    fig, axes = plotting.axes_grid(1, 3, 6, 2, sharey=True)
    assert axes.shape == (1, 3) and fig.get_layout_engine() is not None
    assert plt.get_fignums() == before
