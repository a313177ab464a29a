"""Neuron functions of every hidden layer of a network, read off with forward hooks."""
from __future__ import annotations

from collections import OrderedDict

import torch
from torch import nn


def hidden_features(model: nn.Module, x: torch.Tensor) -> "OrderedDict[str, torch.Tensor]":
    """Post-activation features {"hidden_k": N×n} of every hidden layer of ``model`` at points ``x``.

    Works for any ``nn.Module`` built from ``nn.Linear`` layers: the features of a hidden layer are what
    the next ``nn.Linear`` reads. So every ``nn.Linear`` that does not read the raw input ``x`` is hooked,
    in call order, and its input is returned as "hidden_1", "hidden_2", … in that order. This covers the
    book's nets, plain ``nn.Sequential`` stacks, and third-party nets that apply their activation
    functionally (DeepXDE's ``FNN``); gated nets report the gated features each layer actually sees.
    Run under ``torch.no_grad``; the model's mode and parameters are untouched.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be an nn.Module, got {type(model).__name__}")
    captured: "OrderedDict[str, torch.Tensor]" = OrderedDict()
    seen: set[str] = set()

    def hook_for(name: str):
        def hook(_module: nn.Module, inputs: tuple[torch.Tensor, ...]) -> None:
            z = inputs[0]
            if z is x or name in seen:  # raw input, or a second call of a shared layer
                return
            seen.add(name)
            captured[f"hidden_{len(captured) + 1}"] = z.detach().reshape(-1, z.shape[-1])

        return hook

    handles = [m.register_forward_pre_hook(hook_for(name)) for name, m in model.named_modules()
               if isinstance(m, nn.Linear)]
    if not handles:
        raise ValueError(f"{type(model).__name__} has no nn.Linear layer; cannot locate hidden features")
    try:
        with torch.no_grad():
            model(x)
    finally:
        for h in handles:
            h.remove()
    return captured
