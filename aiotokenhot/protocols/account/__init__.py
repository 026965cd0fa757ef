"""Placeholder: filled by the protocol's issue."""

from .._resource import Resource

__all__ = ["APIKey", "Billing", "LanguageModels"]


class APIKey(Resource):
    """Placeholder."""


class Billing(Resource):
    """Placeholder."""


class LanguageModels(Resource):
    """Placeholder."""


async def tokenize(client: object, **kwargs: object) -> object:
    raise NotImplementedError
