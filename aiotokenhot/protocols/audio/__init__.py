"""Placeholder: filled by the protocol's issue."""

from .._resource import Resource

__all__ = ["Audio"]


class Audio(Resource):
    """Placeholder."""
