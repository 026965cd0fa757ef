"""Account-side types: xAI model prices, tokens, key info; gateway balance and usage."""

from __future__ import annotations

from pydantic import Field

from ..._models import APIModel

__all__ = ["APIKeyInfo", "BillingSubscription", "BillingUsage", "LanguageModel", "Token",
           "TokenUsage", "TokenizeResult"]


class LanguageModel(APIModel):
    """A model with its prices (xAI ``/v1/language-models``); prices are in xAI's own unit."""

    id: str
    object: str | None = None
    created: int | None = None
    owned_by: str | None = None
    version: str | None = None
    fingerprint: str | None = None
    input_modalities: list[str] = Field(default_factory=list)
    output_modalities: list[str] = Field(default_factory=list)
    prompt_text_token_price: int | None = None
    cached_prompt_text_token_price: int | None = None
    prompt_image_token_price: int | None = None
    completion_text_token_price: int | None = None
    aliases: list[str] = Field(default_factory=list)


class LanguageModelList(APIModel):
    models: list[LanguageModel] = Field(default_factory=list)


class Token(APIModel):
    token_id: int
    string_token: str | None = None
    token_bytes: list[int] = Field(default_factory=list)


class TokenizeResult(APIModel):
    """``POST /v1/tokenize-text``: the tokens of a text for one model."""

    token_ids: list[Token] = Field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.token_ids)


class APIKeyInfo(APIModel):
    """What the gateway says about the calling key (xAI ``/v1/api-key``); never the key itself."""

    redacted_api_key: str | None = None
    api_key_id: str | None = None
    name: str | None = None
    user_id: str | None = None
    team_id: str | None = None
    create_time: str | None = None
    modify_time: str | None = None
    modified_by: str | None = None
    acls: list[str] = Field(default_factory=list)
    team_blocked: bool = False
    api_key_blocked: bool = False
    api_key_disabled: bool = False


class BillingSubscription(APIModel):
    """Legacy OpenAI subscription shape built from the key's quota; values are operator-set."""

    object: str | None = None
    has_payment_method: bool | None = None
    soft_limit_usd: float | None = None
    hard_limit_usd: float | None = None
    system_hard_limit_usd: float | None = None
    access_until: int | None = None


class BillingUsage(APIModel):
    """Legacy OpenAI usage shape: ``total_usage`` is in cents."""

    object: str | None = None
    total_usage: float = 0.0

    @property
    def total_usage_usd(self) -> float:
        return self.total_usage / 100.0


class TokenUsage(APIModel):
    """The calling key's quota (``GET /api/usage/token/``); keys vary by gateway version."""

    name: str | None = None
    total_granted: float | None = None
    total_used: float | None = None
    total_available: float | None = None
    unlimited_quota: bool | None = None
    expires_at: int | None = None
