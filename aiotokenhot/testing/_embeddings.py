"""Fake-gateway embeddings: ``POST /v1/embeddings`` and Gemini ``embedContent`` /
``batchEmbedContents`` (the Gemini route calls :func:`gemini_embed_reply`).

Vectors are deterministic: seeded by the input text (token ids are joined as text), unit
length, of the asked dimension (``dimensions`` / ``outputDimensionality``; defaults 1536 for
OpenAI-style models, 768 for Gemini). ``encoding_format="base64"`` packs little-endian float32
as OpenAI does. :func:`fake_embedding` gives the same vector a test can compare against.
"""

from __future__ import annotations

import array
import base64
import hashlib
import math
import random
import sys
from typing import Any

from aiohttp import web

from ._replies import count_tokens, text_of
from ._server import error_response, json_body, json_response

__all__ = ["fake_embedding", "gemini_embed_reply", "register"]

OPENAI_DIMENSIONS = 1536
GEMINI_DIMENSIONS = 768
MAX_DIMENSIONS = 8192


def register(app: web.Application, fake: Any) -> None:
    app.router.add_post("/v1/embeddings", embeddings)


def fake_embedding(text: str, dimensions: int) -> list[float]:
    """The vector the fake gateway returns for ``text``: ``dimensions`` floats of unit length,
    each a float32 value (exactly what the base64 wire form carries), the same for the same text.
    Lets a test compare what it got from the fake with what it expects. Public as
    ``aiotokenhot.testing.fake_embedding``."""
    rng = random.Random(hashlib.sha256(text.encode()).digest())
    values = [rng.gauss(0.0, 1.0) for _ in range(dimensions)]
    norm = math.sqrt(sum(v * v for v in values)) or 1.0
    return array.array("f", (v / norm for v in values)).tolist()


def _base64(values: list[float]) -> str:
    packed = array.array("f", values)
    if sys.byteorder == "big":
        packed.byteswap()
    return base64.b64encode(packed.tobytes()).decode()


def _texts(value: Any) -> list[str] | None:
    if isinstance(value, str) and value:
        return [value]
    if isinstance(value, list) and value:
        if all(isinstance(v, int) and not isinstance(v, bool) for v in value):
            return [" ".join(map(str, value))]
        out = []
        for item in value:
            if isinstance(item, str) and item:
                out.append(item)
            elif isinstance(item, list) and item and all(isinstance(t, int) for t in item):
                out.append(" ".join(map(str, item)))
            else:
                return None
        return out
    return None


async def embeddings(request: web.Request) -> web.StreamResponse:
    body = await json_body(request)
    if body is None or not body.get("model"):
        return error_response(request.path, 400, "model is required", "invalid_request_error")
    texts = _texts(body.get("input"))
    if texts is None:
        return error_response(request.path, 400, "input must be a non-empty string, list of "
                              "strings or token ids", "invalid_request_error")
    dims = body.get("dimensions", OPENAI_DIMENSIONS)
    if not isinstance(dims, int) or isinstance(dims, bool) or not 1 <= dims <= MAX_DIMENSIONS:
        return error_response(request.path, 400, f"dimensions must be 1..{MAX_DIMENSIONS}",
                              "invalid_request_error")
    fmt = body.get("encoding_format") or "float"
    if fmt not in ("float", "base64"):
        return error_response(request.path, 400, "encoding_format must be float or base64",
                              "invalid_request_error")
    data = []
    for i, text in enumerate(texts):
        vector = fake_embedding(text, dims)
        data.append({"object": "embedding", "index": i,
                     "embedding": _base64(vector) if fmt == "base64" else vector})
    tokens = sum(count_tokens(t) for t in texts)
    return json_response({"object": "list", "data": data, "model": body["model"],
                          "usage": {"prompt_tokens": tokens, "total_tokens": tokens}})


def _gemini_vector(request: Any) -> list[float] | str:
    """One EmbedContentRequest's vector, or why it is invalid."""
    if not isinstance(request, dict):
        return "each request must be an object"
    text = text_of(request.get("content"))
    if not text:
        return "content.parts must hold text"
    dims = request.get("outputDimensionality") or request.get("output_dimensionality")
    dims = dims or GEMINI_DIMENSIONS
    if not isinstance(dims, int) or not 1 <= dims <= MAX_DIMENSIONS:
        return f"outputDimensionality must be 1..{MAX_DIMENSIONS}"
    return fake_embedding(text, dims)


def gemini_embed_reply(action: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]] | None:
    """(status, body) for ``embedContent`` / ``batchEmbedContents``; None for other actions."""
    if action == "embedContent":
        vector = _gemini_vector(body)
        if isinstance(vector, str):
            return 400, {"error": {"code": 400, "message": vector, "status": "INVALID_ARGUMENT"}}
        return 200, {"embedding": {"values": vector}}
    if action == "batchEmbedContents":
        requests = body.get("requests")
        if not isinstance(requests, list) or not requests:
            return 400, {"error": {"code": 400, "message": "requests must not be empty",
                                   "status": "INVALID_ARGUMENT"}}
        vectors = []
        for i, item in enumerate(requests):
            vector = _gemini_vector(item)
            if isinstance(vector, str):
                return 400, {"error": {"code": 400, "message": f"requests[{i}]: {vector}",
                                       "status": "INVALID_ARGUMENT"}}
            vectors.append({"values": vector})
        return 200, {"embeddings": vectors}
    return None
