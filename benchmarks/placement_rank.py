r"""ε-rank at initialization of PirateNet's first features under each ``apply_sfli(where=…)`` placement
(issue 14), against its usual Xavier-normal initialization. No training: a quick look, not the chapter's
comparison. Domain: Allen–Cahn's [−1, 1] × [0, 1]; features on a 64² Gauss grid; ε = sfli's default. Every
block's α is set to 0.5 (at its initial 0 the blocks do not reach the output and the last features would be
the first). Measured (width 128, 3 seeds; first / last features):

    net                      xavier   first k=0  first k=2  encoders k=0  encoders k=2  embedding k=0  k=2
    fourier s=1              21 / 19  64 / 26    24 / 20    100 / 80      30 / 27       128 / 128      37 / 34
    periodic x               3 / 8    74 / 42    19 / 12    74 / 83       19 / 25       —              —
    periodic x + fourier     42 / 37  89 / 43    41 / 38    122 / 101     44 / 39       128 / 128      54 / 47


``nice -n 19 .venv/bin/python benchmarks/placement_rank.py``
"""
from __future__ import annotations

import statistics

import torch

import sfli
from sfli.eps_rank import eps_rank
from sfli.features import hidden_features
from sfli.nets import PirateNet
from sfli.quadrature import quadrature

DOMAIN = [(-1.0, 1.0), (0.0, 1.0)]
NETS = {"fourier s=1": {"fourier_scale": 1.0}, "periodic x": {"periods": {0: 2.0}, "fourier_scale": None},
        "periodic x + fourier s=1": {"periods": {0: 2.0}, "fourier_scale": 1.0}}


def main(width: int = 128, seeds: int = 3) -> None:
    torch.set_num_threads(1)
    x, w = quadrature(DOMAIN, 64)  # 64 points per axis
    x = x.float()
    print(f"PirateNet(2, {width}, 2, tanh) on {DOMAIN}: eps-rank of the first hidden features (z1 of block 1 with a "
          f"Fourier embedding, else the input layer) and of the last, median over {seeds} seeds")
    for name, kw in NETS.items():
        wheres = ["xavier", "first", "encoders"] + (["embedding"] if kw.get("fourier_scale") else [])
        for where in wheres:
            for k in ((0,) if where == "xavier" else (0, 2)):
                first, last = [], []
                for seed in range(seeds):
                    model = PirateNet(2, width, 2, generator=torch.Generator().manual_seed(seed), **kw)
                    if where != "xavier":
                        sfli.apply_sfli(model, DOMAIN, where=where, derivative_order=k,
                                        generator=torch.Generator().manual_seed(100 + seed))
                    for b in model.blocks:  # a trained-like residual stream: α ≠ 0, else blocks are invisible
                        b.alpha.data.fill_(0.5)
                    feats = list(hidden_features(model, x).values())
                    first.append(eps_rank(feats[0].double(), w))
                    last.append(eps_rank(feats[-1].double(), w))
                print(f"  {name:26s} {where:9s} k={k}: first {statistics.median(first):5.0f}   "
                      f"last {statistics.median(last):5.0f}", flush=True)


if __name__ == "__main__":
    main()
