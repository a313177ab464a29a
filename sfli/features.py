"""Neuron functions of every hidden layer of a network, read off with forward hooks."""
from __future__ import annotations

from collections import OrderedDict

import torch
from torch import nn


def hidden_features(model: nn.Module, x: torch.Tensor) -> "OrderedDict[str, torch.Tensor]":
    """Post-activation features {"hidden_k": N×n} of every hidden layer of ``model`` at points ``x``.

    Works for any ``nn.Module`` built from ``nn.Linear`` layers: the features of a hidden layer are what
    the next ``nn.Linear`` reads. Every ``nn.Linear`` is hooked; the inputs read before any ``nn.Linear``
    has produced an output are the (possibly transformed) network input and are skipped wherever they are
    read again; every other input is returned as "hidden_1", "hidden_2", … in call order. This covers the
    book's nets, plain ``nn.Sequential`` stacks, nets with an input transform or several input-facing
    layers (gated encoders), and third-party nets that apply their activation functionally (DeepXDE's
    ``FNN``); gated nets report the gated features each layer actually sees.
    Run under ``torch.no_grad``; the model's mode and parameters are untouched.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be an nn.Module, got {type(model).__name__}")
    captured: "OrderedDict[str, torch.Tensor]" = OrderedDict()
    seen: set[str] = set()
    inputs: set[int] = {id(x)}  # tensors that are the network's input, not a hidden layer's output
    produced = [False]  # has any nn.Linear finished its forward yet?

    def before(name: str):
        def hook(_module: nn.Module, args: tuple[torch.Tensor, ...]) -> None:
            z = args[0]
            if not produced[0]:
                inputs.add(id(z))
            if id(z) in inputs or name in seen:  # network input, or a second call of a shared layer
                return
            seen.add(name)
            captured[f"hidden_{len(captured) + 1}"] = z.detach().reshape(-1, z.shape[-1])

        return hook

    def after(_module: nn.Module, _args: tuple, _out: torch.Tensor) -> None:
        produced[0] = True

    linears = [(name, m) for name, m in model.named_modules() if isinstance(m, nn.Linear)]
    if not linears:
        raise ValueError(f"{type(model).__name__} has no nn.Linear layer; cannot locate hidden features")
    handles = [h for name, m in linears
               for h in (m.register_forward_pre_hook(before(name)), m.register_forward_hook(after))]
    try:
        with torch.no_grad():
            model(x)
    finally:
        for h in handles:
            h.remove()
    return captured
