"""Seeded random generators shared by the chapters: a unit's draws depend on its spec, never on run order."""
from __future__ import annotations

import zlib

import torch


def generator(*key: object) -> torch.Generator:
    """A CPU ``torch.Generator`` seeded by a stable hash (CRC-32) of ``key``, e.g. ``("net", "tanh", 2, 64, seed)``."""
    return torch.Generator().manual_seed(zlib.crc32("/".join(map(str, key)).encode()))
