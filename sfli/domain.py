"""Box domains Ω = [a₁, b₁] × … × [a_d, b_d] and their validation."""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence, Union

DomainLike = Union["Box", Sequence[Sequence[float]], Sequence[float]]


@dataclass(frozen=True)
class Box:
    """An axis-aligned box given by its lower and upper corners."""

    lower: tuple[float, ...]
    upper: tuple[float, ...]

    @property
    def dim(self) -> int:
        return len(self.lower)

    @property
    def volume(self) -> float:
        """|Ω| = Π (b_k − a_k)."""
        return math.prod(b - a for a, b in zip(self.lower, self.upper))

    @property
    def center(self) -> tuple[float, ...]:
        return tuple((a + b) / 2 for a, b in zip(self.lower, self.upper))

    @property
    def half_widths(self) -> tuple[float, ...]:
        return tuple((b - a) / 2 for a, b in zip(self.lower, self.upper))

    def __repr__(self) -> str:
        sides = " × ".join(f"[{a:g}, {b:g}]" for a, b in zip(self.lower, self.upper))
        return f"Box({sides})"


def as_box(domain: DomainLike, dim: int | None = None) -> Box:
    """Validate a domain and return it as a :class:`Box`.

    Accepts a ``Box``; ``(a, b)`` for an interval; ``[(a1, b1), (a2, b2), ...]`` for a box; or
    ``[(a1, ..., ad), (b1, ..., bd)]`` is NOT accepted (ambiguous) — give one (a, b) pair per axis.
    Raises ValueError for an empty, inverted or non-finite box, or one whose dimension is not ``dim``.
    """
    if isinstance(domain, Box):
        box = domain
    else:
        try:
            pairs = [tuple(float(v) for v in side) for side in domain]  # type: ignore[union-attr]
        except TypeError:
            try:
                pairs = [tuple(float(v) for v in domain)]  # type: ignore[union-attr]
            except TypeError as err:
                raise ValueError(f"domain must be (a, b) or a list of (a, b) pairs, got {domain!r}") from err
        if not pairs or any(len(p) != 2 for p in pairs):
            raise ValueError(f"domain must be (a, b) or a list of (a, b) pairs, one per axis; got {domain!r}")
        box = Box(tuple(p[0] for p in pairs), tuple(p[1] for p in pairs))
    for k, (a, b) in enumerate(zip(box.lower, box.upper)):
        if not (math.isfinite(a) and math.isfinite(b)):
            raise ValueError(f"domain side {k} = [{a}, {b}] is not finite")
        if not a < b:
            raise ValueError(f"domain side {k} = [{a}, {b}] is empty or inverted; need a < b")
    if dim is not None and box.dim != dim:
        raise ValueError(f"domain {box} has dimension {box.dim} but the layer takes {dim} inputs")
    return box
