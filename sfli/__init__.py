"""sfli — ε-rank, structured first-layer initialization (SFLI), the nets, problems, the forward derivative
engine and the training loop. The book's chapters live in :mod:`sfli.experiments`, its tooling (CLI, pipeline,
regression, the reproduction page) in :mod:`sfli.repro`; this core imports neither."""
from __future__ import annotations

from . import init, nets
from .activations import ACTIVATIONS, FAMILIES, Activation
from .derivatives import (ENGINES, Derivatives, autograd_derivatives, derivatives, field_derivatives, resolve_engine,
                          supports_forward)
from .domain import Box, as_box
from .eps_rank import eps_rank, gram, gram_spectrum, rank_from_spectrum
from .features import hidden_features
from .first_order import FirstJet, first_derivatives
from .init import apply_sfli, sfli_
from .jet import DERIVATIVES, Jet
from .nets import MLP, FactorizedLinear, ModifiedMLP, PirateNet, ResMLP
from .quadrature import quadrature

__version__ = "0.1.0"

__all__ = [
    "ACTIVATIONS", "FAMILIES", "Activation", "Box", "as_box", "eps_rank", "gram", "gram_spectrum",
    "rank_from_spectrum", "hidden_features", "init", "nets", "apply_sfli", "sfli_",
    "quadrature", "ENGINES", "Derivatives", "derivatives",
    "autograd_derivatives", "field_derivatives", "first_derivatives", "FirstJet", "resolve_engine", "supports_forward", "DERIVATIVES", "Jet", "MLP", "ResMLP",
    "ModifiedMLP", "PirateNet", "FactorizedLinear",
]
