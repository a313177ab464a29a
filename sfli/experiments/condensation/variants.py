r"""Condensation beyond C1 (Zhou et al., arXiv:2105.11686): the residual net with one activation per layer (C2),
the low-frequency target (C3), a data set (C4), and the direction field of the 1-D initial dynamics (C6).

All settings are the paper's [paper] unless the settings say otherwise; see :mod:`.settings` (groups ``c2``,
``c3``, ``c4``, ``c6`` and ``counting``).
"""
from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

from ..seeding import generator
from .acts import PAPER_P, Act
from .core import build, c1_data, count_orientations, normalized_input_weights, train

# ---------------------------------------------------------------- C2: residual net, one activation per layer


class ResidualNet(nn.Module):
    r"""h₁ = σ₁(W₁x + b₁), h_l = σ_l(W_l h_{l−1} + b_l) + h_{l−1} (l ≥ 2), output W h_L + b [paper, C2]."""

    def __init__(self, in_dim: int, width: int, activations: list[str]) -> None:
        super().__init__()
        if not activations:
            raise ValueError("activations must name at least one hidden layer")
        sizes = [in_dim] + [width] * len(activations)
        self.layers = nn.ModuleList(nn.Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:]))
        self.acts = nn.ModuleList(Act(a) for a in activations)
        self.output = nn.Linear(width, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.acts[0](self.layers[0](x))
        for layer, act in zip(self.layers[1:], self.acts[1:]):
            h = act(layer(h)) + h
        return self.output(h)


def c2_data(n_train: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """x ~ U[−4, 2]³ (``n_train`` points), f(x) = Σ_k 4 sin(12 x_k + 1) [paper]."""
    g = torch.Generator().manual_seed(seed)
    x = -4.0 + 6.0 * torch.rand(n_train, 3, generator=g)
    return x, (4.0 * torch.sin(12.0 * x + 1.0)).sum(1, keepdim=True)


def run_c2(cfg: dict, seed: int) -> tuple[list[dict], dict[int, np.ndarray]]:
    """Train the C2 net once; count the orientations of each layer's input weights at that layer's epoch.
    Returns the rows and {layer: normalized input weights at its epoch}."""
    c2, counting = cfg["c2"], cfg["counting"]
    acts, epochs = c2["activations"], c2["epochs"]
    if len(acts) != len(epochs):
        raise ValueError(f"c2.activations ({len(acts)}) and c2.epochs ({len(epochs)}) must have the same length")
    g = generator("cond-c2", seed)
    net = ResidualNet(3, c2["width"], acts)
    for p in net.parameters():
        nn.init.normal_(p, 0.0, c2["std"], generator=g)
    x, y = c2_data(c2["n_train"], seed)
    rows: list[dict] = []
    weights: dict[int, np.ndarray] = {}

    def snap(step: int, n: ResidualNet) -> None:
        for layer, (act, at) in enumerate(zip(acts, epochs), start=1):
            if step == at:
                weights[layer] = normalized_input_weights(n.layers[layer - 1])
                c = count_orientations(weights[layer], counting["cos_threshold"], counting["min_share"])
                rows.append({"experiment": "c2", "layer": layer, "activation": act, "seed": seed, "step": step,
                             "paper_lines": PAPER_P[act], **c})

    train(net, x, y, c2["lr"], max(epochs), snap)
    return rows, weights


# ---------------------------------------------------------------- C3: a less oscillating target


def run_c3(cfg: dict, seed: int) -> list[dict]:
    """C1's x²·tanh net on sin(ω x_k + 1) for ω = 5 (C1) and ω = 2 (C3), counted after dropping neurons with
    ‖(w, b)‖ < ``c3.min_norm`` [paper, C3] — the same filter for both, so the two counts compare."""
    c1, c3, counting = cfg["c1"], cfg["c3"], cfg["counting"]
    rows = []
    for freq in (5.0, c3["frequency"]):
        x, y = c1_data(c1["n_train"], seed, frequency=freq)
        net = build(5, c1["width"], c3["activation"], "small", c1["small_std"], seed)
        train(net, x, y, c1["lr"], c1["epochs"])
        u = normalized_input_weights(net[0], min_norm=c3["min_norm"])
        c = count_orientations(u, counting["cos_threshold"], counting["min_share"]) if len(u) else \
            {"directions": 0, "lines": 0, "share": 0.0}
        rows.append({"experiment": "c3", "frequency": freq, "activation": c3["activation"], "seed": seed,
                     "kept": len(u), **c})
    return rows


# ---------------------------------------------------------------- C4: a data set


def load_dataset(name: str, n: int | None = None) -> tuple[torch.Tensor, torch.Tensor, str]:
    """Inputs scaled to [0, 1] and the digit label as a scalar target; returns (x, y, description).

    ``"digits"``: scikit-learn's 8×8 digits (1797 images, ships with scikit-learn — no download).
    ``"mnist"``: MNIST's first ``n`` (default 60000) images via OpenML; needs the network.
    """
    if name == "digits":
        from sklearn.datasets import load_digits

        data = load_digits()
        x, y = data.data / 16.0, data.target
        what = "scikit-learn 8×8 digits (ships with scikit-learn)"
    elif name == "mnist":
        from sklearn.datasets import fetch_openml

        try:
            data = fetch_openml("mnist_784", version=1, as_frame=False, parser="auto")
        except Exception as err:  # no network, proxy, OpenML down …
            raise RuntimeError(
                f"MNIST could not be downloaded from OpenML ({type(err).__name__}: {err}). The paper profile needs "
                "network access for C4; run the ci profile, which uses scikit-learn's 8×8 digits, or pass "
                "c4={'dataset': 'digits'}.") from err
        x, y = data.data / 255.0, data.target.astype(float)
        what = "MNIST (OpenML mnist_784)"
    else:
        raise ValueError(f"unknown data set {name!r}; valid: digits, mnist")
    n = len(x) if n is None else min(n, len(x))
    x = torch.as_tensor(np.asarray(x[:n], dtype=np.float32))
    y = torch.as_tensor(np.asarray(y[:n], dtype=np.float32))[:, None]
    return x, y, what


def run_c4(cfg: dict, seed: int, data: tuple[torch.Tensor, torch.Tensor]) -> tuple[list[dict], np.ndarray]:
    """d–``c4.width``–1 x²·tanh net at N(0, ``c4.std``²) on the data set, counted at ``c4.epochs``."""
    c4, counting = cfg["c4"], cfg["counting"]
    x, y = data
    g = generator("cond-c4", seed)
    net = nn.Sequential(nn.Linear(x.shape[1], c4["width"]), Act(c4["activation"]), nn.Linear(c4["width"], 1))
    for p in net.parameters():
        nn.init.normal_(p, 0.0, c4["std"], generator=g)
    losses = train(net, x, y, c4["lr"], c4["epochs"])
    u = normalized_input_weights(net[0])
    c = count_orientations(u, counting["cos_threshold"], counting["min_share"])
    return [{"experiment": "c4", "activation": c4["activation"], "seed": seed, "step": c4["epochs"],
             "loss": losses[-1], **c}], u


# ---------------------------------------------------------------- C6: the direction field in the (w, b) plane


def velocity(act: str, x: torch.Tensor, residual: torch.Tensor, theta: np.ndarray) -> np.ndarray:
    r"""Gradient-flow velocity of one neuron's input weight θ = (w, b) with output weight a = 1, given the
    current residual r_i = y_i − f(x_i): θ̇ = −∂L/∂θ = (2/n) Σ_i r_i σ'(θ·x̃_i) x̃_i, x̃ = (x, 1) (at
    initialization f ≈ 0 and r ≈ y). A neuron with a < 0 moves along −θ̇. ``theta``: k×2; returns k×2."""
    xt = torch.cat([x.double().reshape(-1, 1), torch.ones(len(x), 1, dtype=torch.float64)], 1)  # n×2
    th = torch.as_tensor(theta, dtype=torch.float64).requires_grad_(True)
    z = th @ xt.T  # k×n
    (ds,) = torch.autograd.grad(Act(act)(z).sum(), z)  # σ'(z)
    v = 2.0 / len(x) * (ds * residual.double().reshape(1, -1)) @ xt
    return v.detach().numpy()


def field_lines(act: str, x: torch.Tensor, residual: torch.Tensor, radius: float, n_angles: int = 3600,
                merge_deg: float = 3.0) -> list[float]:
    """Angles φ ∈ [0°, 180°) of the lines through the origin on which the :func:`velocity` field at ``radius`` is
    radial (its tangential component v·e_φ changes sign): the lines the neurons can condense on."""
    phi = np.linspace(0.0, 2 * np.pi, n_angles, endpoint=False)
    theta = radius * np.stack([np.cos(phi), np.sin(phi)], 1)
    v = velocity(act, x, residual, theta)
    tangential = -v[:, 0] * np.sin(phi) + v[:, 1] * np.cos(phi)
    crossing = np.flatnonzero(np.sign(tangential) != np.sign(np.roll(tangential, -1)))
    angles = sorted(np.degrees(phi[crossing]) % 180.0)
    lines: list[float] = []
    for a in angles:
        if not lines or a - lines[-1] > merge_deg:
            lines.append(a)
    if len(lines) > 1 and lines[0] + 180.0 - lines[-1] <= merge_deg:
        lines.pop()
    return lines


def neuron_lines(weights: np.ndarray, threshold: float, min_share: float) -> int:
    """Lines counted from 1-D neurons' (w, b) with the chapter's statistic at cosine ``threshold``."""
    w = weights / np.maximum(np.linalg.norm(weights, axis=1, keepdims=True), 1e-300)
    return int(count_orientations(w, threshold, min_share)["lines"])


def radius_of(weights: np.ndarray) -> float:
    """Median norm of the neurons' (w, b): where the field is evaluated."""
    return float(np.median(np.linalg.norm(weights, axis=1))) or math.nan
