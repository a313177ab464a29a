"""The book's networks: the MLP and the residual MLP (later chapters add the modified MLP and PirateNet)."""
from __future__ import annotations

import torch
from torch import nn

from .activations import Activation, check_activation
from .init import initialize_


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
