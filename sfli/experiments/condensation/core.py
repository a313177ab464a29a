"""Building blocks of the condensation chapter: the orientation statistic, the normalized ε-rank, the
two-layer nets at the chapter's scales, the full-batch training loop and the targets (Zhou et al., arXiv:2105.11686).
"""
from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

from ...eps_rank import gram_spectrum, rank_from_spectrum
from ...init import sfli_, small_gaussian_
from ..seeding import generator
from .acts import ACTS, Act

# ---------------------------------------------------------------- the statistic

def input_weights(layer: nn.Linear) -> np.ndarray:
    """Rows u_j = (w_j, b_j) of a layer: each neuron's input weight with its bias (float64)."""
    return torch.cat([layer.weight.detach(), layer.bias.detach()[:, None]], 1).double().cpu().numpy()


def normalized_input_weights(first: nn.Linear, min_norm: float = 0.0) -> np.ndarray:
    """Rows u_j/‖u_j‖ of :func:`input_weights`, dropping neurons with ‖u_j‖ < ``min_norm`` (C3 [paper])."""
    w = input_weights(first)
    norm = np.linalg.norm(w, axis=1, keepdims=True)
    keep = norm[:, 0] >= min_norm
    return w[keep] / np.maximum(norm[keep], 1e-300)


def count_orientations(u: np.ndarray, threshold: float = 0.9, min_share: float = 0.05) -> dict[str, float]:
    """Count condensed orientations of unit rows ``u``: greedily take the row with the most rows at cosine
    ≥ ``threshold`` among those left, make them a cluster, repeat; clusters of ≥ ``min_share`` of the rows
    are orientations. Lines: orientations merged with an opposite one (mean directions at cosine ≤ −threshold).
    Returns directions, lines, share (fraction of rows in counted clusters)."""
    u = np.asarray(u, dtype=float)
    m = len(u)
    cos = u @ u.T
    left, clusters = np.ones(m, bool), []
    while left.any():
        near = (cos >= threshold) & left[None, :] & left[:, None]
        counts = near.sum(1)
        j = int(np.argmax(counts))
        members = np.flatnonzero(near[j])
        clusters.append(members)
        left[members] = False
    big = [c for c in clusters if len(c) >= max(2, math.ceil(min_share * m))]
    means = [u[c].mean(0) / np.linalg.norm(u[c].mean(0)) for c in big]
    paired, lines = set(), 0
    for i in range(len(means)):
        if i in paired:
            continue
        lines += 1
        for k in range(i + 1, len(means)):
            if k not in paired and means[i] @ means[k] <= -threshold:
                paired.add(k)
                break
    return {"directions": len(big), "lines": lines, "share": sum(len(c) for c in big) / m}


def order_neurons(u: np.ndarray) -> np.ndarray:
    """Order for the heat map: leaves of an average-linkage clustering on the distance 1 − cos."""
    from scipy.cluster.hierarchy import leaves_list, linkage
    from scipy.spatial.distance import squareform

    d = np.clip(1.0 - u @ u.T, 0.0, 2.0)
    np.fill_diagonal(d, 0.0)
    return leaves_list(linkage(squareform(d, checks=False), "average"))


def normalized_eps_rank(first: nn.Linear, act: str, x: torch.Tensor, w: torch.Tensor, eps: float) -> int:
    """ε-rank of the first-layer neurons σ(w_j·x + b_j), each scaled to unit L² norm on the quadrature [ours:
    small weights make every raw neuron tiny, so the raw ε-rank would only measure the scale]."""
    with torch.no_grad():
        f = ACTS[act](first(x.to(first.weight.dtype))).double()
    n = torch.sqrt((w[:, None] * f ** 2).sum(0) / w.sum()).clamp_min(1e-300)
    return rank_from_spectrum(gram_spectrum(f / n, w / w.sum()), eps)


# ---------------------------------------------------------------- nets and training

def build(d: int, m: int, act: str, init: str, small_std: float, seed: int, gamma: float = 1.0,
          box: list[tuple[float, float]] | None = None) -> nn.Sequential:
    """A d–m–1 net σ = ``act`` with biases; both layers at ``init``: "small" (every parameter N(0, small_std²)),
    "common" (variance 1/m), "gamma" (variance m^(−γ)) or "sfli" (variance 1/m, then SFLI on the first layer over
    ``box``). Seeded by (d, m, act, seed): the same draws for every init and γ."""
    g = generator("cond", d, m, act, seed)
    net = nn.Sequential(nn.Linear(d, m), Act(act), nn.Linear(m, 1))
    for lin in (net[0], net[2]):
        if init == "small":
            for p in lin.parameters():
                nn.init.normal_(p, 0.0, small_std, generator=g)
        elif init == "common":
            small_gaussian_(lin, gamma=1.0, m=m, generator=g)
        elif init == "gamma":
            small_gaussian_(lin, gamma=gamma, m=m, generator=g)
        elif init == "sfli":
            small_gaussian_(lin, gamma=1.0, m=m, generator=g)
        else:
            raise ValueError(f"unknown init {init!r}; valid: small, common, gamma, sfli")
    if init == "sfli":
        sfli_(net[0], box, act, generator=g)
    return net


def train(net: nn.Sequential, x: torch.Tensor, y: torch.Tensor, lr: float, epochs: int, snap=None) -> list[float]:
    """Full-batch Adam on the MSE for ``epochs`` steps; ``snap(step, net)`` is called at steps 0..epochs (before
    that step's update). Returns the loss at every step.

    Why not :func:`sfli.train.fit`: the paper's protocol is plain full-batch Adam on a fixed sample (C4: a data set
    with no exact solution), one step per "epoch", with the weights read at given epochs (``snap``). ``fit`` trains
    a :class:`~sfli.train.Problem` (points drawn from its box, the L² error on a quadrature grid, ε-ranks per
    logged step); none of that is needed here, and this 10-line loop states the paper's protocol exactly."""
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    losses = []
    for step in range(epochs + 1):
        opt.zero_grad(set_to_none=True)
        loss = ((net(x) - y) ** 2).mean()
        losses.append(float(loss.detach()))
        if snap is not None:
            snap(step, net)
        if step < epochs:
            loss.backward()
            opt.step()
    return losses


def c1_data(n_train: int, seed: int, frequency: float = 5.0) -> tuple[torch.Tensor, torch.Tensor]:
    """``n_train`` points x ~ U[−4, 2]^5 (the seed's own) and the target :func:`c1_target`."""
    g = torch.Generator().manual_seed(seed)
    x = -4.0 + 6.0 * torch.rand(n_train, 5, generator=g)
    return x, c1_target(x, frequency)


def c1_target(x: torch.Tensor, frequency: float = 5.0) -> torch.Tensor:
    """f(x) = Σ_k 3.5 sin(ω x_k + 1), ω = 5 in C1 and 2 in C3 [paper]."""
    return (3.5 * torch.sin(frequency * x + 1)).sum(1, keepdim=True)


def c5_data(n_train: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """``n_train`` points x ~ U[−1, 1.5] (the seed's own) and the target :func:`c5_target`."""
    g = torch.Generator().manual_seed(seed)
    x = -1.0 + 2.5 * torch.rand(n_train, 1, generator=g)
    return x, c5_target(x)


def c5_target(x: torch.Tensor) -> torch.Tensor:
    """f(x) = sin(3x) + sin(6x)/2 [paper, C5 and C6]."""
    return torch.sin(3 * x) + torch.sin(6 * x) / 2
