"""The book's networks: the MLP, the residual MLP, the modified MLP and (in :mod:`sfli.pirate`) PirateNet.

Every net has ``forward(x)`` and ``forward_jet(jet)``, the same map on second-order jets (:mod:`sfli.jet`),
which the forward derivative engine (:mod:`sfli.derivatives`) uses.
"""
from __future__ import annotations

import torch
from torch import nn

from .activations import Activation, check_activation
from .init import initialize_
from .jet import Jet, linear


class MLP(nn.Module):
    """Fully connected net x ↦ W_{L+1} σ(W_L … σ(W_1 x + b_1) … + b_L) + b_{L+1} with ``depth`` hidden layers.

    Every layer is initialized by ``init`` (a name from :data:`sfli.init.METHODS` other than ``"sfli"``;
    default Xavier normal with zero biases, as jaxpi). Apply SFLI to the first layer afterwards with
    :func:`sfli.apply_sfli` or ``sfli.init.sfli_(model.first, domain)``.
    """

    def __init__(
        self,
        in_dim: int,
        width: int,
        depth: int,
        out_dim: int = 1,
        activation: str = "tanh",
        init: str = "xavier_normal",
        generator: torch.Generator | None = None,
    ) -> None:
        super().__init__()
        for name, value in (("in_dim", in_dim), ("width", width), ("depth", depth), ("out_dim", out_dim)):
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        if init == "sfli":
            raise ValueError("init='sfli' needs the domain: build the MLP, then call sfli.apply_sfli(model, domain)")
        self.activation = check_activation(activation)
        sizes = [in_dim] + [width] * depth
        self.hidden = nn.ModuleList(nn.Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:]))
        self.act = Activation(activation)
        self.output = nn.Linear(width, out_dim)
        for layer in [*self.hidden, self.output]:
            initialize_(layer, init, generator=generator)

    @property
    def first(self) -> nn.Linear:
        """The input-facing layer (where SFLI acts)."""
        return self.hidden[0]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for layer in self.hidden:
            x = self.act(layer(x))
        return self.output(x)

    def forward_jet(self, jet: Jet) -> Jet:
        for layer in self.hidden:
            jet = linear(layer, jet).activate(self.activation)
        return linear(self.output, jet)


class ResMLP(MLP):
    """Residual MLP (ResNet-style): h₁ = σ(W₁x + b₁), h_{l+1} = h_l + σ(W_{l+1} h_l + b_{l+1}), u = W_out h_L + b.

    Same layers, names and initialization as :class:`MLP` (so SFLI applies the same way); only the skip
    connections differ. The features of hidden layer l are h_l, what the next layer reads.
    """

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.act(self.hidden[0](x))
        for layer in self.hidden[1:]:
            h = h + self.act(layer(h))
        return self.output(h)

    def forward_jet(self, jet: Jet) -> Jet:
        h = linear(self.hidden[0], jet).activate(self.activation)
        for layer in self.hidden[1:]:
            h = h + linear(layer, h).activate(self.activation)
        return linear(self.output, h)


class ModifiedMLP(MLP):
    r"""Modified MLP (Wang, Teng & Perdikaris 2021) with ``depth`` hidden layers W_1 … W_depth:

    U = σ(W_u x + b_u), V = σ(W_v x + b_v), H_1 = σ(W_1 x + b_1),
    Z_k = σ(W_{k+1} H_k + b_{k+1}), H_{k+1} = (1 − Z_k) ⊙ U + Z_k ⊙ V (k < depth), u = W_out H_depth + b_out.

    Same constructor and initialization as :class:`MLP`; the encoders are ``encoder_u`` and ``encoder_v``.
    ``first`` is W_1 and is registered first, so :func:`sfli.apply_sfli` acts on it. Whether SFLI belongs on the
    U/V encoders too is not known from the paper: ``apply_sfli(model, domain, where="encoders")`` does both.
    The features of hidden layer k are H_k (gated for k ≥ 2).
    """

    def __init__(
        self,
        in_dim: int,
        width: int,
        depth: int,
        out_dim: int = 1,
        activation: str = "tanh",
        init: str = "xavier_normal",
        generator: torch.Generator | None = None,
    ) -> None:
        super().__init__(in_dim, width, depth, out_dim, activation, init, generator)
        self.encoder_u, self.encoder_v = nn.Linear(in_dim, width), nn.Linear(in_dim, width)
        for layer in (self.encoder_u, self.encoder_v):
            initialize_(layer, init, generator=generator)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        u, v = self.act(self.encoder_u(x)), self.act(self.encoder_v(x))
        h = self.act(self.hidden[0](x))
        for layer in self.hidden[1:]:
            z = self.act(layer(h))
            h = u + z * (v - u)  # = (1 − z) ⊙ u + z ⊙ v
        return self.output(h)

    def forward_jet(self, jet: Jet) -> Jet:
        u = linear(self.encoder_u, jet).activate(self.activation)
        v = linear(self.encoder_v, jet).activate(self.activation)
        h = linear(self.hidden[0], jet).activate(self.activation)
        for layer in self.hidden[1:]:
            z = linear(layer, h).activate(self.activation)
            h = u + z * (v - u)
        return linear(self.output, h)


from .pirate import FactorizedLinear, PirateNet  # noqa: E402  (re-exported: one module per net family)
