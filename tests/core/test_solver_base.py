"""Points in and on the box, output layouts, error metrics."""
import math

import pytest
import torch

from sfli.domain import as_box
from sfli.solvers import BoxProblem, MixedResidual, box_boundary, box_interior, relative_l2
from sfli.solvers.base import boundary_area


@pytest.mark.parametrize("d", [1, 2, 5])
def test_boundary_points_lie_on_the_faces_in_proportion_to_their_area(d):
    box = as_box([(0.0, 1.0)] * (d - 1) + [(0.0, 3.0)]) if d > 1 else as_box((0.0, 1.0))
    x = box_boundary(box, 600, torch.Generator().manual_seed(0), torch.float64)
    lo, hi = torch.tensor(box.lower, dtype=torch.float64), torch.tensor(box.upper, dtype=torch.float64)
    on = (x == lo) | (x == hi)
    assert bool(on.any(1).all()) and bool(((x >= lo) & (x <= hi)).all())
    if d > 1:  # the two faces normal to the long axis have area 1, the others 3 each
        share = float(on[:, -1].double().mean())
        assert share == pytest.approx(2 / (2 + 6 * (d - 1)), abs=2 / 600)
        assert boundary_area(box) == pytest.approx(2 + 6 * (d - 1))
    y = box_interior(box, 100, torch.Generator().manual_seed(0))
    assert y.shape == (100, d) and bool(((y > lo.float()) & (y < hi.float())).all())


def test_problem_points_layout_and_columns():
    problem = MixedResidual(dim=3, n_interior=20, n_boundary=12, domain=[(0, 1), (0, 2), (-1, 1)])
    pts = problem.points(torch.Generator().manual_seed(0), torch.float64)
    assert {k: tuple(v.shape) for k, v in pts.items()} == {"interior": (20, 3), "boundary": (12, 3),
                                                          "f": (20, 1), "g": (12, 1)}
    assert problem.columns("p") == [1, 2, 3] and problem.columns("u") == [0]
    again = problem.points(torch.Generator().manual_seed(0), torch.float64)
    assert all(torch.equal(pts[k], again[k]) for k in pts)
    with pytest.raises(ValueError, match="dimension 2 but the layer takes 3"):
        BoxProblem(dim=3, domain=[(0, 1), (0, 1)])


def test_relative_l2():
    w = torch.full((4,), 0.25, dtype=torch.float64)
    a = torch.tensor([[1.0], [1.0], [1.0], [1.0]], dtype=torch.float64)
    assert relative_l2(a, a, w) == 0.0
    assert relative_l2(1.1 * a, a, w) == pytest.approx(0.1)
    assert relative_l2(a, 0 * a, w) == pytest.approx(1.0)  # absolute when the exact norm is 0
    v = torch.ones(4, 3, dtype=torch.float64)
    assert relative_l2(v + torch.tensor([0.0, 0.0, 1.0]), v, w) == pytest.approx(1 / math.sqrt(3))
    with pytest.raises(ValueError, match="shapes differ"):
        relative_l2(v, a, w)
