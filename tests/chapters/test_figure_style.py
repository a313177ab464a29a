"""The figures of chapters 1–5 in the book theme, on tiny made-up results (no training): plain Figures with labelled
axes, nothing left open in pyplot, and SFLI in the same colour in every chapter that shows it (the checks of
figure_checks.py; chapters 6–9 apply them to their figures in their tiny end-to-end runs)."""
from types import SimpleNamespace

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from figure_checks import assert_book_figure, sfli_colours
from matplotlib.colors import to_hex

from sfli.experiments.condensation import plots as ch4
from sfli.experiments.eps_rank import plots as ch1
from sfli.experiments.performance import plots as ch5
from sfli.experiments.sfli_init import plots as ch2
from sfli.experiments.staircase import plots as ch3
from sfli.plotting import method_color, use_style

SEEDS = (0, 1, 2)


@pytest.fixture(autouse=True, scope="module")
def _theme():
    use_style()


def _eps_rank():
    rows = [{"init": init, "seed": s, "N": n, "eps_rank": min(n, 3 + s + 5 * (init == "sfli"))}
            for init in ("sfli", "xavier_normal") for s in SEEDS for n in (4, 8, 16)]
    return SimpleNamespace(cfg={"eps": 1e-3}, sens_nodes=pd.DataFrame(rows))


def _sfli_init():
    ranks = pd.DataFrame([{"activation": "tanh", "dim": d, "width": w, "method": m, "seed": s,
                           "first": w // (1 + (m != "sfli")) - s, "last": w // 2 - s}
                          for d in (1, 2) for w in (8, 16) for m in ("sfli", "xavier_normal", "kaiming_normal")
                          for s in SEEDS])
    x = np.linspace(-1, 1, 5)
    neurons = pd.DataFrame([{"method": m, "neuron": i, "x": v, "value": np.tanh((i + 1) * v)}
                            for m in ("sfli", "xavier_normal") for i in range(3) for v in x])
    return SimpleNamespace(ranks=ranks, neurons=neurons, metrics={})


def _staircase():
    runs = pd.DataFrame([{"run": f"{init}-{s}", "problem": "poisson", "depth": 2, "width": 8, "init": init, "seed": s}
                         for init in ("xavier_normal", "sfli") for s in SEEDS])
    steps = np.arange(0, 50, 10)
    curves = pd.DataFrame([{"run": r, "step": t, "loss": 10.0 / (1 + t + k), "error": 1.0 / (2 + t + k),
                            "hidden_1": 2 + k, "hidden_2": 3 + k}
                           for k, r in enumerate(runs.run) for t in steps])
    return SimpleNamespace(cfg={"pinn": {"depth": 2, "width": 8, "levels": [0.5]}}, runs=runs, curves=curves)


def _condensation():
    rng = np.random.default_rng(0)
    u = rng.normal(size=(6, 3))
    u /= np.linalg.norm(u, axis=1, keepdims=True)
    return SimpleNamespace(cfg={"c1": {"activations": ["tanh"]}}, weights={("tanh", "small"): u, ("tanh", "sfli"): u})


def _performance():
    rows = [{"problem": "poisson2d", "net": "mlp2x8", "points": 64, "variant": v, "ms": ms}
            for v, ms in (("autograd-eager", 3.0), ("forward-eager", 1.5))]
    return SimpleNamespace(rows=rows)


FIGURES = {
    "ch1 sensitivity": lambda: ch1.plot_sensitivity_nodes(_eps_rank()),
    "ch2 rank vs width": lambda: ch2.plot_rank_vs_width(_sfli_init(), "first"),
    "ch2 neurons": lambda: ch2.plot_neurons_1d(_sfli_init()),
    "ch3 pinn": lambda: ch3.plot_pinn(_staircase()),
    "ch4 heat maps": lambda: ch4.plot_c1_heatmaps(_condensation(), inits=("small", "sfli")),
    "ch5 speed": lambda: ch5.plot_speed(_performance()),
}


@pytest.mark.parametrize("name", FIGURES)
def test_figures_are_labelled_figures_outside_pyplot(name):
    open_before = plt.get_fignums()
    assert_book_figure(FIGURES[name](), name)
    assert plt.get_fignums() == open_before


@pytest.mark.parametrize("name", [n for n in FIGURES if not n.startswith("ch5")])
def test_sfli_has_the_book_colour_in_every_chapter(name):
    assert sfli_colours(FIGURES[name]()) == {method_color("sfli")}


def test_non_method_series_avoid_sfli_blue():
    fig = ch5.plot_speed(_performance())
    bars = {to_hex(p.get_facecolor()) for p in fig.axes[0].patches}
    assert bars and method_color("sfli") not in bars
