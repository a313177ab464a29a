"""Chapter 1's claims: the book's own checks of the ε-rank against exact answers (must hold everywhere)."""
from __future__ import annotations

from ..claims import Claim

EVERYWHERE = ("smoke", "ci", "paper")

CLAIMS = (
    Claim("eps-rank-hilbert", "book", "[ours]",
          "The computed ε-rank of the monomials 1, x, …, x^k on [0, 1] equals the ε-rank of the exact Hilbert "
          "matrix, for every k and every ε ≥ 1e-10.",
          "hilbert/max_rank_error", "==", 0, origin="principle", must_hold=EVERYWHERE,
          note="exact answer: the rank counts agree exactly"),
    Claim("eps-rank-legendre", "book", "[ours]",
          "The Gram matrix of orthonormal Legendre polynomials is the identity (largest |λ − 1|).",
          "legendre/max_eig_deviation", "<", 1e-8, origin="principle", must_hold=EVERYWHERE,
          note="a numerical tolerance: float64 round-off of degree-255 polynomials and their Gauss weights is "
               "about 3e-10 at the paper profile, five decades below any ε the book uses"),
    Claim("eps-rank-duplicates", "book", "[ours]",
          "q duplicated neurons lower the ε-rank by exactly q (largest error of the deficit).",
          "duplicates/rank_deficit_error", "==", 0, origin="principle", must_hold=EVERYWHERE,
          note="exact answer, by Cauchy interlacing"),
)
