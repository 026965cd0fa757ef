"""Model catalogue types for GET /v1/models and GET /v1/models/{id}."""

from __future__ import annotations

from collections.abc import Iterator

from pydantic import Field

from ..._models import APIModel

__all__ = ["Model", "ModelList"]


class Model(APIModel):
    """One model. ``supported_endpoint_types`` (gateway-defined, an open set) tells which
    protocols can call it, e.g. ``openai``, ``anthropic``, ``gemini``, ``openai-response``."""

    id: str
    object: str = "model"
    created: int | None = None
    owned_by: str | None = None
    supported_endpoint_types: list[str] | None = None


class ModelList(APIModel):
    """The models the key's group may use. Iterable, sized and indexable like its ``data``."""

    object: str = "list"
    data: list[Model] = Field(default_factory=list)

    def __iter__(self) -> Iterator[Model]:  # type: ignore[override]
        return iter(self.data)

    def __len__(self) -> int:
        return len(self.data)

    def __getitem__(self, index: int) -> Model:
        return self.data[index]

    @property
    def ids(self) -> list[str]:
        return [m.id for m in self.data]

    def supporting(self, endpoint_type: str) -> list[Model]:
        """The models whose ``supported_endpoint_types`` include ``endpoint_type``."""
        return [m for m in self.data if endpoint_type in (m.supported_endpoint_types or ())]
