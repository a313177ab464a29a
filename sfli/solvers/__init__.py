r"""Solvers from the group's papers where SFLI is meant to plug in, as problems :func:`sfli.train.fit` trains.

Poisson −Δu = f on [0, 1]^d: :class:`PoissonPINN`, :class:`DeepRitz`, :class:`MixedResidual` (MIM,
arXiv:2206.07474). Biharmonic Δ²u = f (LDLM, arXiv:2103.08915): :class:`BiharmonicPINN` (direct),
:class:`BiharmonicSecondOrder`, :class:`BiharmonicFirstOrder`. A third-order example: the Airy equation
u_t + u_xxx = 0 (:class:`AiryPINN`, :class:`AiryFirstOrder`). Exact solutions in any dimension
(:mod:`~sfli.solvers.solutions`), error metrics (:func:`relative_errors`).
"""
from __future__ import annotations

from .airy import AiryFirstOrder, AiryPINN
from .base import BoxProblem, Concat, ExactNet, box_boundary, box_interior
from .ldlm import BiharmonicFirstOrder, BiharmonicPINN, BiharmonicSecondOrder, laplacian_of_laplacian
from .metrics import relative_errors, relative_l2
from .mixed import MixedResidual
from .poisson import DeepRitz, PoissonPINN
from .solutions import SOLUTIONS, Gaussian, PlaneWaves, make_solution

#: The solvers by name: Poisson and biharmonic formulations.
POISSON = {"pinn": PoissonPINN, "ritz": DeepRitz, "mim": MixedResidual}
BIHARMONIC = {"direct": BiharmonicPINN, "second_order": BiharmonicSecondOrder, "first_order": BiharmonicFirstOrder}
AIRY = {"direct": AiryPINN, "first_order": AiryFirstOrder}


def make_problem(equation: str, formulation: str, **options: object):
    """The problem of ``equation`` (``"poisson"``, ``"biharmonic"``, ``"airy"``) in ``formulation`` (a key of
    :data:`POISSON`, :data:`BIHARMONIC`, :data:`AIRY`), built with ``options``."""
    table = {"poisson": POISSON, "biharmonic": BIHARMONIC, "airy": AIRY}
    if equation not in table:
        raise ValueError(f"unknown equation {equation!r}; valid: {', '.join(table)}")
    if formulation not in table[equation]:
        raise ValueError(f"unknown formulation {formulation!r} for {equation}; valid: {', '.join(table[equation])}")
    return table[equation][formulation](**options)


__all__ = [
    "AiryFirstOrder", "AiryPINN", "BoxProblem", "Concat", "ExactNet", "box_boundary", "box_interior", "BiharmonicFirstOrder",
    "BiharmonicPINN", "BiharmonicSecondOrder", "laplacian_of_laplacian", "relative_errors", "relative_l2",
    "MixedResidual", "DeepRitz", "PoissonPINN", "SOLUTIONS", "Gaussian", "PlaneWaves", "make_solution",
    "POISSON", "BIHARMONIC", "AIRY", "make_problem",
]
