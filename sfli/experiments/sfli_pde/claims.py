"""Chapter 8's claims: the SFLI paper's effects on PDE benchmarks (arXiv:2507.11962, [paper] abstract: SFLI in
plain MLPs, modified MLPs and PirateNets "significantly improves the initial ε-rank", accelerates convergence and
enhances prediction accuracy), measured per (problem, arch) cell of the ci benchmark and as a share over the cells
a profile runs; and the book's own check of the PDEs it trains on.

The paper's claims are findings (regressed, never must-hold). Thresholds, fixed before the runs: a ratio of 1
(SFLI better than the best plain baseline, each statistic taking its own best) — a principle; the shares need
"more often than not" (> ½) — a principle. The benchmark is ours, not the paper's. The residual check is
must-hold: the residual of a PDE at its exact solution is zero up to round-off (float64: 1e-10 relative, a
numerical tolerance).
"""
from __future__ import annotations

from ..claims import Claim
from .runs import PROBLEMS
from .settings import SETTINGS

CLAIM_CELLS = tuple(f"{p}/{a}" for p in SETTINGS["ci"]["problems"] for a in SETTINGS["ci"]["archs"])

_EFFECTS = {
    "rank_ratio": ("raises the initial ε-rank",
                   "the ε-rank of the last hidden layer at initialization (seed mean) is higher than the best plain "
                   "baseline's"),
    "speedup": ("accelerates convergence",
                "it reaches the first error level (relative L² error) in fewer steps (median over seeds) than the "
                "fastest plain baseline"),
    "error_ratio": ("improves accuracy",
                    "its final relative L² error (median over seeds) is lower than the most accurate plain "
                    "baseline's"),
}
_NOTE = ("a ratio of 1 (baseline / SFLI, or SFLI / baseline for the ε-rank); plain baselines: Xavier normal and "
         "PyTorch's default, the same learning rate for all; the benchmark is ours")


def _cell_claims(cell: str) -> list[Claim]:
    problem, arch = cell.split("/")
    return [Claim(f"pde-{effect.split()[0]}-{problem}-{arch}", "2507.11962", "[paper]",
                  f"SFLI {effect} — {PROBLEMS[problem].description}, {arch}: {what}.",
                  f"{cell}/{metric}", ">", 1.0, origin="principle", note=_NOTE)
            for metric, (effect, what) in _EFFECTS.items()]


CLAIMS = (
    *(c for cell in CLAIM_CELLS for c in _cell_claims(cell)),
    *(Claim(f"pde-share-{metric}", "2507.11962", "[paper]",
            f"SFLI {effect} in more than half of the (problem, arch) cells the profile runs.",
            f"cells/share_{metric}", ">", 0.5, origin="principle",
            note="more often than not; the per-cell claims say where it holds and where it does not")
      for metric, (effect, _) in _EFFECTS.items()),
    *(Claim(f"pde-residual-at-exact-{p}", "book", "[ours]",
            f"The residual of the {p} PDE the chapter trains on vanishes at its exact solution (relative RMS, "
            "float64, autograd).", f"check/residual/{p}", "<", 1e-10, origin="principle",
            must_hold=tuple(prof for prof in ("smoke", "ci") if p in SETTINGS[prof]["problems"]),
            note="round-off level: a numerical tolerance")
      for p in ("poisson", "helmholtz")),
)
