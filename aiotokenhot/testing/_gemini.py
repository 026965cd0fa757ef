"""Fake-gateway routes for native Gemini, under ``/v1beta/models/...`` and ``/v1/models/...``.

- ``POST {base}/models/{model}:generateContent`` — one answer.
- ``POST {base}/models/{model}:streamGenerateContent?alt=sse`` — ``data:`` chunks, each text a
  delta, the last one with ``finishReason`` and full ``usageMetadata``, then the body ends (no
  terminator). Without ``alt=sse`` the chunks come as one JSON array, as Google does.
- ``POST {base}/models/{model}:countTokens``, ``GET /v1beta/models`` (names without the
  ``models/`` prefix, like TokenHot's gateway) and ``GET /v1beta/models/{model}``.

Requests are read in either casing. The reply echoes the last user text (function responses
are not echoed), like the other protocols. With ``tools`` (function declarations; mode not
``NONE``; the last turn not a function response) the answer is one ``functionCall`` whose args
come from the declaration's schema. ``thinkingConfig.includeThoughts`` adds thought parts;
``maxOutputTokens`` / ``stopSequences`` cut the reply; ``responseModalities`` with ``IMAGE`` or
``AUDIO`` adds an inline PNG / 24 kHz PCM part.
"""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING, Any

from aiohttp import web

from ._anthropic import cut_at_stop
from ._embeddings import gemini_embed_reply
from ._media import gemini_image_reply, gemini_tts_reply
from ._openai import reasoning_pieces, schema_arguments, split_pieces
from ._replies import count_tokens, reply_pieces, text_of
from ._server import FAKE_KEY, json_response, send_sse
from ._structured import schema_reply, wants_refusal

if TYPE_CHECKING:
    from ._server import FakeTokenHot

Frames = list[tuple[str | None, Any]]

MODELS = ("gemini-2.5-flash", "gemini-2.5-pro", "gemini-3.1-pro-preview", "gemini-2.5-flash-image",
          "gemini-2.5-flash-preview-tts")
PNG_1X1 = ("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5E"
           "rkJggg==")
PCM_MIME = "audio/L16;codec=pcm;rate=24000"
_STATUS = {400: "INVALID_ARGUMENT", 404: "NOT_FOUND"}


def register(app: web.Application, fake: FakeTokenHot) -> None:
    app.router.add_get("/v1beta/models", list_models)
    app.router.add_get("/v1beta/models/{model}", get_model)
    app.router.add_post("/v1beta/models/{model_action}", model_action)
    # Gemini relay aliases under /v1 (GET /v1/models[/{id}] belongs to the OpenAI routes)
    app.router.add_post("/v1/models/{model_action}", model_action)


def google_error(status: int, message: str) -> web.Response:
    return json_response({"error": {"code": status, "message": message,
                                    "status": _STATUS.get(status, "UNKNOWN")}}, status=status)


def _get(obj: Any, camel: str, snake: str) -> Any:
    if not isinstance(obj, dict):
        return None
    value = obj.get(camel)
    return obj.get(snake) if value is None else value


def _parts(content: Any) -> list[Any]:
    parts = _get(content, "parts", "parts")
    return parts if isinstance(parts, list) else []


def prompt_of(contents: list[Any]) -> tuple[str, int, bool]:
    """(last user text, prompt token count, whether the last turn answers a function call)."""
    prompt = ""
    for content in reversed(contents):
        if isinstance(content, dict) and content.get("role") in (None, "user"):
            prompt = text_of([p for p in _parts(content) if isinstance(p, dict) and "text" in p])
            if prompt:
                break
    tokens = sum(count_tokens(text_of(_parts(c))) for c in contents)
    answered = any(isinstance(p, dict) and _get(p, "functionResponse", "function_response")
                   for p in _parts(contents[-1]))
    return prompt, tokens, answered


def _lower_types(schema: Any) -> Any:
    """Gemini schemas may spell types in capitals (``STRING``); the arg builder wants JSON Schema."""
    if isinstance(schema, dict):
        return {k: (v.lower() if k == "type" and isinstance(v, str) else _lower_types(v))
                for k, v in schema.items()}
    return schema


def _pick_function(body: dict[str, Any]) -> dict[str, Any] | None:
    declarations = [d for tool in (body.get("tools") or []) if isinstance(tool, dict)
                    for d in (_get(tool, "functionDeclarations", "function_declarations") or [])
                    if isinstance(d, dict)]
    if not declarations:
        return None
    calling = _get(_get(body, "toolConfig", "tool_config"), "functionCallingConfig",
                   "function_calling_config")
    if str(_get(calling, "mode", "mode") or "").upper() == "NONE":
        return None
    allowed = _get(calling, "allowedFunctionNames", "allowed_function_names") or []
    for decl in declarations:
        if decl.get("name") in allowed:
            return decl
    return declarations[0]


class _Answer:
    """The fake model turn: thought parts, then text pieces or one function call, then media."""

    def __init__(self, body: dict[str, Any], model: str, words: int, rid: str) -> None:
        contents = body["contents"]
        prompt, self.prompt_tokens, answered = prompt_of(contents)
        config = _get(body, "generationConfig", "generation_config") or {}
        thinking = _get(config, "thinkingConfig", "thinking_config") or {}
        self.model = model
        self.id = rid
        self.thoughts = (reasoning_pieces(prompt)
                         if _get(thinking, "includeThoughts", "include_thoughts") else [])
        self.call: dict[str, Any] | None = None
        self.pieces: list[str] = []
        self.finish = "STOP"
        decl = None if answered else _pick_function(body)
        if decl is not None:
            schema = _get(decl, "parameters", "parametersJsonSchema") or decl.get(
                "parameters_json_schema")
            self.call = {"name": decl.get("name", "tool"),
                         "args": schema_arguments(_lower_types(schema), prompt)}
        modalities = [str(m).upper() for m in
                      (_get(config, "responseModalities", "response_modalities") or [])]
        self.media: list[dict[str, Any]] = []
        if "IMAGE" in modalities:
            self.media.append({"inlineData": {"mimeType": "image/png", "data": PNG_1X1}})
        if "AUDIO" in modalities:
            pcm = base64.b64encode(bytes(4800)).decode()  # 0.1 s of 24 kHz 16-bit silence
            self.media.append({"inlineData": {"mimeType": PCM_MIME, "data": pcm}})
        schema = _get(config, "responseJsonSchema", "response_json_schema") or _get(
            config, "responseSchema", "response_schema")
        json_mode = _get(config, "responseMimeType", "response_mime_type") == "application/json"
        if self.call is None and json_mode and schema is not None:
            if wants_refusal(prompt):
                self.finish = "SAFETY"  # Gemini's refusal: blocked, no text
            else:
                self.pieces = split_pieces(schema_reply(_lower_types(schema), prompt))
        elif self.call is None and (not modalities or "TEXT" in modalities):
            self.pieces = self._cut(reply_pieces(prompt, words), config)

    def _cut(self, pieces: list[str], config: Any) -> list[str]:
        kept, seq = cut_at_stop(pieces, _get(config, "stopSequences", "stop_sequences"))
        if seq is not None:
            return kept
        limit = _get(config, "maxOutputTokens", "max_output_tokens")
        if isinstance(limit, int) and 0 < limit < len(pieces):
            self.finish = "MAX_TOKENS"
            return pieces[:limit]
        return pieces

    def usage(self, final: bool) -> dict[str, Any]:
        usage: dict[str, Any] = {"promptTokenCount": self.prompt_tokens}
        if final:
            out = len(self.pieces) + (count_tokens(str(self.call)) if self.call else 0)
            usage["candidatesTokenCount"] = out
            usage["totalTokenCount"] = self.prompt_tokens + out + len(self.thoughts)
            if self.thoughts:
                usage["thoughtsTokenCount"] = len(self.thoughts)
        return usage

    def part_runs(self) -> list[list[dict[str, Any]]]:
        """The parts, one list per stream chunk."""
        runs: list[list[dict[str, Any]]] = [[{"text": t, "thought": True}] for t in self.thoughts]
        runs += [[{"text": p}] for p in self.pieces]
        if self.call is not None:
            runs.append([{"functionCall": self.call}])
        runs += [[m] for m in self.media]
        return runs or [[{"text": ""}]]

    def _chunk(self, parts: list[dict[str, Any]], final: bool) -> dict[str, Any]:
        candidate: dict[str, Any] = {"content": {"role": "model", "parts": parts}, "index": 0}
        if final:
            candidate["finishReason"] = self.finish
            candidate["safetyRatings"] = []
        return {"candidates": [candidate], "usageMetadata": self.usage(final),
                "modelVersion": self.model, "responseId": self.id}

    def response(self) -> dict[str, Any]:
        parts: list[dict[str, Any]] = []
        if self.thoughts:
            parts.append({"text": "".join(self.thoughts), "thought": True})
        if self.pieces:
            parts.append({"text": "".join(self.pieces)})
        if self.call is not None:
            parts.append({"functionCall": self.call})
        parts += self.media
        return self._chunk(parts or [{"text": ""}], final=True)

    def chunks(self) -> list[dict[str, Any]]:
        runs = self.part_runs()
        return [self._chunk(run, final=i == len(runs) - 1) for i, run in enumerate(runs)]


async def _body(request: web.Request) -> Any:
    try:
        return await request.json()
    except ValueError:
        return None


async def model_action(request: web.Request) -> web.StreamResponse:
    fake = request.app[FAKE_KEY]
    model, sep, action = request.match_info["model_action"].rpartition(":")
    if not sep or not model:
        return google_error(404, f"unknown route {request.path}: expected models/{{model}}:{{action}}")
    body = await _body(request)
    if not isinstance(body, dict):
        return google_error(400, "the body must be a JSON object")
    if action == "countTokens":
        request_body = _get(body, "generateContentRequest", "generate_content_request") or body
        contents = request_body.get("contents") if isinstance(request_body, dict) else None
        if not isinstance(contents, list):
            return google_error(400, "contents is required")
        return json_response({"totalTokens": sum(count_tokens(text_of(_parts(c))) for c in contents)})
    embedded = gemini_embed_reply(action, body)
    if embedded is not None:
        return json_response(embedded[1], status=embedded[0])
    if action not in ("generateContent", "streamGenerateContent"):
        return google_error(404, f"unknown method {action!r}")
    contents = body.get("contents")
    if not isinstance(contents, list) or not contents:
        return google_error(400, "* GenerateContentRequest.contents: contents is not specified")
    for i, content in enumerate(contents):
        if not isinstance(content, dict) or content.get("role") not in (None, "user", "model", "function"):
            return google_error(400, f"contents[{i}].role: Please use a valid role: user, model.")
        if not _parts(content):
            return google_error(400, f"contents[{i}].parts: must not be empty")
    if action == "generateContent":  # Gemini image and TTS models: answers from _media
        media = gemini_image_reply(model, body) or gemini_tts_reply(model, body)
        if media is not None:
            return json_response(media)
    answer = _Answer(body, model.removeprefix("models/"), fake.reply_words,
                     f"fake-gemini-{len(fake.requests)}")
    if action == "generateContent":
        return json_response(answer.response())
    if request.query.get("alt") != "sse":
        return json_response(answer.chunks())
    return await send_sse(request, [(None, chunk) for chunk in answer.chunks()])


def _model_info(name: str) -> dict[str, Any]:
    return {"name": name, "displayName": name, "description": f"{name} (fake)",
            "inputTokenLimit": 1048576, "outputTokenLimit": 65536,
            "supportedGenerationMethods": ["generateContent", "streamGenerateContent", "countTokens"]}


async def list_models(request: web.Request) -> web.StreamResponse:
    return json_response({"models": [_model_info(m) for m in MODELS], "nextPageToken": None})


async def get_model(request: web.Request) -> web.StreamResponse:
    return json_response(_model_info(request.match_info["model"].removeprefix("models/")))
