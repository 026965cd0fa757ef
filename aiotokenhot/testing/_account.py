"""Fake-gateway routes for account endpoints.

- Gateway routes: ``/dashboard/billing/subscription`` and ``/dashboard/billing/usage`` (also
  under ``/v1``), ``/api/usage/token/``.
- xAI-only routes (``/v1/language-models[/{id}]``, ``/v1/tokenize-text``, ``/v1/api-key``):
  like TokenHot's gateway they answer 404 "Invalid URL" by default; set
  ``fake.state["xai_routes"] = True`` to serve them in xAI's shapes, and
  ``fake.state["language_models"] = [...]`` to serve another price list.
"""

from __future__ import annotations

import hashlib
import re
import time
from typing import TYPE_CHECKING, Any

import pydantic_core
from aiohttp import web

from ._server import FAKE_KEY, error_response, json_response

if TYPE_CHECKING:
    from ._server import FakeTokenHot

LANGUAGE_MODELS: tuple[dict[str, Any], ...] = (
    {"id": "grok-4.1", "fingerprint": "fp_fake41", "created": 1735689600, "object": "model",
     "owned_by": "xai", "version": "1.0.0", "input_modalities": ["text", "image"],
     "output_modalities": ["text"], "prompt_text_token_price": 20000,
     "cached_prompt_text_token_price": 5000, "prompt_image_token_price": 20000,
     "completion_text_token_price": 100000, "aliases": ["grok-4.1-latest"]},
    {"id": "grok-3-mini", "fingerprint": "fp_fake3m", "created": 1725148800, "object": "model",
     "owned_by": "xai", "version": "1.0.0", "input_modalities": ["text"],
     "output_modalities": ["text"], "prompt_text_token_price": 3000,
     "prompt_image_token_price": 0, "completion_text_token_price": 5000, "aliases": []},
)
_TOKEN = re.compile(r"\w+|[^\w\s]|\s+")


def register(app: web.Application, fake: FakeTokenHot) -> None:
    r = app.router
    for prefix in ("", "/v1"):
        r.add_get(prefix + "/dashboard/billing/subscription", subscription)
        r.add_get(prefix + "/dashboard/billing/usage", usage)
    r.add_get("/api/usage/token/", token_usage)
    r.add_get("/v1/language-models", xai(list_language_models))
    r.add_get("/v1/language-models/{model_id}", xai(get_language_model))
    r.add_post("/v1/tokenize-text", xai(tokenize_text))
    r.add_get("/v1/api-key", xai(api_key))


def xai(handler: Any) -> Any:
    """Serve ``handler`` only when the fake is told to act like xAI; else the gateway's 404."""

    async def route(request: web.Request) -> web.StreamResponse:
        if not request.app[FAKE_KEY].state.get("xai_routes"):
            return error_response(request.path, 404,
                                  f"Invalid URL ({request.method} {request.path})",
                                  "invalid_request_error", "")
        result: web.StreamResponse = await handler(request)
        return result

    return route


async def subscription(request: web.Request) -> web.StreamResponse:
    return json_response({"object": "billing_subscription", "has_payment_method": True,
                          "soft_limit_usd": 100.0, "hard_limit_usd": 100.0,
                          "system_hard_limit_usd": 100.0,
                          "access_until": int(time.time()) + 30 * 86400})


async def usage(request: web.Request) -> web.StreamResponse:
    return json_response({"object": "list", "total_usage": 1234.5})


async def token_usage(request: web.Request) -> web.StreamResponse:
    return json_response({"code": True, "message": "ok", "data": {
        "object": "token_usage", "name": "fake-key", "total_granted": 500000,
        "total_used": 123456, "total_available": 376544, "unlimited_quota": False,
        "model_limits": {}, "model_limits_enabled": False, "expires_at": 0}})


async def list_language_models(request: web.Request) -> web.StreamResponse:
    return json_response({"models": _language_models(request)})


def _language_models(request: web.Request) -> list[dict[str, Any]]:
    """The served price list: ``fake.state["language_models"]`` (xAI shape) or the default two."""
    return list(request.app[FAKE_KEY].state.get("language_models", LANGUAGE_MODELS))


async def get_language_model(request: web.Request) -> web.StreamResponse:
    wanted = request.match_info["model_id"]
    for model in _language_models(request):
        if wanted == model["id"] or wanted in model["aliases"]:
            return json_response(model)
    return error_response(request.path, 404, f"The model {wanted} does not exist",
                          "invalid_request_error", "model_not_found")


async def tokenize_text(request: web.Request) -> web.StreamResponse:
    try:
        body = pydantic_core.from_json(await request.read())
    except ValueError:
        body = None
    if not isinstance(body, dict) or not isinstance(body.get("text"), str) or not body.get("model"):
        return error_response(request.path, 400, "text and model are required")
    tokens = [{"token_id": int.from_bytes(hashlib.sha256(piece.encode()).digest()[:2], "big"),
               "string_token": piece, "token_bytes": list(piece.encode())}
              for piece in _TOKEN.findall(body["text"])]
    return json_response({"token_ids": tokens})


async def api_key(request: web.Request) -> web.StreamResponse:
    key = request.app[FAKE_KEY].api_key
    return json_response({
        "redacted_api_key": f"{key[:3]}...{key[-4:]}", "user_id": "user-fake",
        "name": "fake key", "create_time": "2025-01-01T00:00:00Z",
        "modify_time": "2025-01-01T00:00:00Z", "modified_by": "user-fake", "team_id": "team-fake",
        "acls": ["api-key:model:*", "api-key:endpoint:*"], "api_key_id": "key-fake",
        "team_blocked": False, "api_key_blocked": False, "api_key_disabled": False})
