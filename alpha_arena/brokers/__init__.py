"""Live brokers: `ClobBroker` (real orders through py-clob-client-v2) and `PaperBroker`
(live data, fills by the simulator's rules), plus the `OrderJournal` both rely on.

Contents load on first use, so importing this package does not import the CLOB SDK.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from alpha_arena.brokers.clob import ClobBroker, ClobSettings
    from alpha_arena.brokers.journal import OrderJournal
    from alpha_arena.brokers.paper import PaperBroker

_EXPORTS = {
    "ClobBroker": "alpha_arena.brokers.clob",
    "ClobSettings": "alpha_arena.brokers.clob",
    "OrderJournal": "alpha_arena.brokers.journal",
    "PaperBroker": "alpha_arena.brokers.paper",
}

__all__ = ["ClobBroker", "ClobSettings", "OrderJournal", "PaperBroker"]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'alpha_arena.brokers' has no attribute {name!r}")
