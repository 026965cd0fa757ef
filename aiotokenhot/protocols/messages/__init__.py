"""Placeholder: filled by the protocol's issue."""

from .._resource import Resource

__all__ = ["Messages"]


class Messages(Resource):
    """Placeholder."""
