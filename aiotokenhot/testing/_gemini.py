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
come from the declaration's schema (``FakeTokenHot(tool_calls=N)``: N calls in one chunk; a
``gemini-3`` model signs the first with a ``thoughtSignature`` and
answers 400 to a conversation where it did not come back).
``thinkingConfig.includeThoughts`` adds thought parts;
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
from ._openai import calls_tools, parallel_tools, reasoning_pieces, schema_arguments, split_pieces
from ._replies import count_tokens, reply_pieces, text_of
from ._server import FAKE_KEY, json_body, json_response, send_sse
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


FAKE_THOUGHT_SIGNATURE = "ZmFrZS10aG91Z2h0LXNpZ25hdHVyZQ=="


def _pick_functions(body: dict[str, Any], n: int) -> list[dict[str, Any]]:
    declarations = [d for tool in (body.get("tools") or []) if isinstance(tool, dict)
                    for d in (_get(tool, "functionDeclarations", "function_declarations") or [])
                    if isinstance(d, dict)]
    if not declarations:
        return []
    calling = _get(_get(body, "toolConfig", "tool_config"), "functionCallingConfig",
                   "function_calling_config")
    if str(_get(calling, "mode", "mode") or "").upper() == "NONE":
        return []
    allowed = _get(calling, "allowedFunctionNames", "allowed_function_names") or []
    for decl in declarations:
        if decl.get("name") in allowed:
            return [decl]
    return parallel_tools(declarations[0], declarations, False, n)


def _tool_rounds(contents: list[Any]) -> int:
    """How many model turns of the conversation called functions."""
    return sum(1 for c in contents if isinstance(c, dict) and c.get("role") == "model"
               and any(isinstance(p, dict) and _get(p, "functionCall", "function_call")
                       for p in _parts(c)))


def _unsigned_call(contents: list[Any]) -> bool:
    """Gemini 3 rejects a conversation whose model turn's first function call lost its signature."""
    for content in contents:
        calls = [p for p in _parts(content)
                 if isinstance(p, dict) and _get(p, "functionCall", "function_call")]
        if calls and not _get(calls[0], "thoughtSignature", "thought_signature"):
            return True
    return False


class _Answer:
    """The fake model turn: thought parts, then text pieces or one function call, then media."""

    def __init__(self, body: dict[str, Any], model: str, fake: FakeTokenHot, rid: str) -> None:
        words = fake.reply_words
        contents = body["contents"]
        prompt, self.prompt_tokens, answered = prompt_of(contents)
        config = _get(body, "generationConfig", "generation_config") or {}
        thinking = _get(config, "thinkingConfig", "thinking_config") or {}
        self.model = model
        self.id = rid
        self.thoughts = (reasoning_pieces(prompt)
                         if _get(thinking, "includeThoughts", "include_thoughts") else [])
        self.calls: list[dict[str, Any]] = []
        self.pieces: list[str] = []
        self.finish = "STOP"
        picked = (_pick_functions(body, fake.tool_calls)
                  if calls_tools(answered, _tool_rounds(contents), fake.tool_rounds) else [])
        for decl in picked:
            schema = _get(decl, "parameters", "parametersJsonSchema") or decl.get(
                "parameters_json_schema")
            call: dict[str, Any] = {"functionCall": {
                "name": decl.get("name", "tool"),
                "args": schema_arguments(_lower_types(schema), prompt)}}
            if not self.calls and model.startswith("gemini-3"):
                call["thoughtSignature"] = FAKE_THOUGHT_SIGNATURE
            self.calls.append(call)
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
        if not self.calls and json_mode and schema is not None:
            if wants_refusal(prompt):
                self.finish = "SAFETY"  # Gemini's refusal: blocked, no text
            else:
                self.pieces = split_pieces(schema_reply(_lower_types(schema), prompt))
        elif not self.calls and (not modalities or "TEXT" in modalities):
            self.pieces = self._cut(reply_pieces(prompt, words, fake.replies), config)

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
            out = len(self.pieces) + sum(count_tokens(str(c["functionCall"])) for c in self.calls)
            usage["candidatesTokenCount"] = out
            usage["totalTokenCount"] = self.prompt_tokens + out + len(self.thoughts)
            if self.thoughts:
                usage["thoughtsTokenCount"] = len(self.thoughts)
        return usage

    def part_runs(self) -> list[list[dict[str, Any]]]:
        """The parts, one list per stream chunk."""
        runs: list[list[dict[str, Any]]] = [[{"text": t, "thought": True}] for t in self.thoughts]
        runs += [[{"text": p}] for p in self.pieces]
        if self.calls:
            runs.append(list(self.calls))
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
        parts += self.calls
        parts += self.media
        return self._chunk(parts or [{"text": ""}], final=True)

    def chunks(self) -> list[dict[str, Any]]:
        runs = self.part_runs()
        return [self._chunk(run, final=i == len(runs) - 1) for i, run in enumerate(runs)]


async def model_action(request: web.Request) -> web.StreamResponse:
    fake = request.app[FAKE_KEY]
    model, sep, action = request.match_info["model_action"].rpartition(":")
    if not sep or not model:
        return google_error(404, f"unknown route {request.path}: expected models/{{model}}:{{action}}")
    body = await json_body(request)
    if body is None:
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
    if model.removeprefix("models/").startswith("gemini-3") and _unsigned_call(contents):
        return google_error(400, "Function call is missing a thought_signature in functionCall "
                                 "parts. This is required for tools to work correctly.")
    if action == "generateContent":  # Gemini image and TTS models: answers from _media
        media = gemini_image_reply(model, body) or gemini_tts_reply(model, body)
        if media is not None:
            return json_response(media)
    answer = _Answer(body, model.removeprefix("models/"), fake,
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
