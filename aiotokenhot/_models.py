"""The base of every pydantic type: unknown fields are kept, never rejected."""

from __future__ import annotations

from typing import Any

import pydantic

__all__ = ["APIModel"]


class APIModel(pydantic.BaseModel):
    """Gateways add fields freely (``reasoning_content``, ``success``, cache counters...).

    ``extra="allow"`` keeps them reachable as attributes and in ``model_dump()``.
    """

    model_config = pydantic.ConfigDict(extra="allow", populate_by_name=True, protected_namespaces=())

    def to_dict(self) -> dict[str, Any]:
        """The model as plain JSON-ready data, unset optional fields left out."""
        return self.model_dump(mode="json", exclude_none=True, by_alias=True)
