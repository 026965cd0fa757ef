"""Public names loaded on first use (PEP 562), so that importing a package costs only what is used."""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any

__all__ = ["load_export"]


def load_export(package: str, exports: Mapping[str, str], namespace: dict[str, Any],
                name: str) -> Any:
    """The body of a package's module-level ``__getattr__``: import the module ``exports`` names
    for ``name`` (relative to ``package``), keep the value in the package's ``namespace`` (so the
    next access is a plain attribute) and return it.

    Raises ``AttributeError`` for a name that is not exported, as a missing attribute would.
    """
    module = exports.get(name)
    if module is None:
        raise AttributeError(f"module {package!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, package), name)
    namespace[name] = value
    return value
