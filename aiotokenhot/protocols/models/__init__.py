"""Placeholder: filled by the protocol's issue."""

from .._resource import Resource

__all__ = ["Models"]


class Models(Resource):
    """Placeholder."""
