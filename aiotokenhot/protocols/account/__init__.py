"""Account endpoints: ``th.language_models``, ``th.tokenize``, ``th.api_key``, ``th.billing``."""

from ._resource import APIKey, Billing, LanguageModels, TokenizeParams, tokenize
from ._types import (
    APIKeyInfo,
    BillingSubscription,
    BillingUsage,
    LanguageModel,
    Token,
    TokenizeResult,
    TokenUsage,
)

__all__ = ["APIKey", "APIKeyInfo", "Billing", "BillingSubscription", "BillingUsage",
           "LanguageModel", "LanguageModels", "Token", "TokenUsage", "TokenizeParams", "TokenizeResult",
           "tokenize"]
