"""The model catalogue: ``th.models.list()`` and ``th.models.retrieve(id)``."""

from ._resource import Models
from ._types import Model, ModelList

__all__ = ["Model", "ModelList", "Models"]
