"""Account endpoints: ``th.language_models``, ``th.tokenize``, ``th.api_key``, ``th.billing``."""

from . import _types
from ._resource import APIKey, Billing, LanguageModels, TokenizeParams, tokenize
from ._types import *  # noqa: F403 - its __all__ is part of this package's

__all__ = ["APIKey", "Billing", "LanguageModels", "TokenizeParams", "tokenize"]
__all__ += _types.__all__
