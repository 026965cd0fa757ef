"""Gemini in the unified API: request out, deltas and :class:`Completion` back.

The unified stream reads to the end of the body (Gemini has no terminator), so usage sent after
the finish chunk is kept and repeated finish chunks give one :class:`Finish`, last.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

import pydantic_core

from ..._exceptions import InvalidRequestError, ResponseValidationError
from ...unified._adapter import NativeRequest, ProtocolAdapter, UnifiedRequest, answer_as
from ...unified._convert import (
    call_object,
    content_parts,
    data_url,
    drop_none,
    forced_function,
    function_tools,
    image_url_of,
    merge_turn,
    opening_system,
    text_only,
)
from ...unified._events import Completion, Finish, FinishReason, ToolCall, Usage
from ...unified._stream import UnifiedStream
from ._accumulate import function_call_id
from ._stream import GeminiFold
from ._types import GenerateContentResponse, UsageMetadata

__all__ = ["GEMINI", "GeminiAdapter", "GeminiUnifiedStream", "gemini_usage"]

#: Gemini finish reasons the unified API knows by name (others: see ``unified._finish``)
FINISH_REASONS: dict[str, FinishReason] = {
    "STOP": "stop", "MAX_TOKENS": "length", "SAFETY": "content_filter",
    "RECITATION": "content_filter", "BLOCKLIST": "content_filter",
    "PROHIBITED_CONTENT": "content_filter", "SPII": "content_filter",
    "IMAGE_SAFETY": "content_filter", "MALFORMED_FUNCTION_CALL": "error",
    "UNEXPECTED_TOOL_CALL": "error", "LANGUAGE": "error", "OTHER": "error",
}


def gemini_usage(usage: UsageMetadata) -> Usage:
    """Gemini counts thoughts apart from candidates: output includes them, as elsewhere."""
    thoughts = usage.thoughts_token_count or 0
    return Usage(input_tokens=usage.prompt_token_count or 0,
                 output_tokens=(usage.candidates_token_count or 0) + thoughts,
                 reasoning_tokens=thoughts, cached_tokens=usage.cached_content_token_count or 0)


def _part(part: Mapping[str, Any], where: str) -> dict[str, Any]:
    kind = part["type"]
    if kind in ("text", "input_text"):
        return {"text": part.get("text", "")}
    if kind == "image_url":
        url = image_url_of(part, where)
        data = data_url(url, where)
        if data is not None:
            return {"inlineData": {"mimeType": data[0], "data": data[1]}}
        mime = mimetypes.guess_type(url.split("?")[0])[0] or "image/jpeg"
        return {"fileData": {"mimeType": mime, "fileUri": url}}
    if kind == "input_audio" and isinstance(part.get("input_audio"), Mapping):
        audio = part["input_audio"]
        return {"inlineData": {"mimeType": f"audio/{audio.get('format') or 'wav'}",
                               "data": audio.get("data", "")}}
    if kind == "file" and isinstance(part.get("file"), Mapping):
        file_data = part["file"].get("file_data")
        data = data_url(file_data, where) if isinstance(file_data, str) else None
        if data is not None:
            return {"inlineData": {"mimeType": data[0], "data": data[1]}}
    raise InvalidRequestError(f"{where}: the gemini protocol cannot carry a {kind!r} part here")


def _tool_result(text: str) -> dict[str, Any]:
    """A tool result as the object Gemini wants: a JSON object as is, anything else wrapped."""
    try:
        value = pydantic_core.from_json(text) if text else None
    except ValueError:
        value = None
    return value if isinstance(value, dict) else {"result": text}


class GeminiAdapter(ProtocolAdapter[GenerateContentResponse]):
    """The Gemini protocol's bridge to the unified API."""

    def native_request(self, request: UnifiedRequest) -> NativeRequest:
        """The ``generateContent`` body for a unified request (system instruction up front, tool
        results as ``functionResponse`` parts naming their function); raises
        :class:`InvalidRequestError` for what it cannot carry."""
        tool_choice, stream = request.tool_choice, request.stream
        system: list[dict[str, Any]] = []
        contents: list[dict[str, Any]] = []
        call_names: dict[str, str] = {}
        for i, m in enumerate(request.messages):
            where = f"messages[{i}]"
            role = m["role"]
            if role in ("system", "developer"):
                text = opening_system(m, where, bool(contents), "gemini", "system instructions")
                system.append({"text": text})
            elif role == "user":
                parts = [_part(p, where) for p in content_parts(m.get("content"), where)]
                merge_turn(contents, "user", "parts", parts)
            elif role == "assistant":
                text = text_only(m.get("content"), where)
                parts = [{"text": text}] if text else []
                for call in m.get("tool_calls") or ():
                    call_id, name, parsed = call_object(call, where)
                    call_names[call_id] = name
                    google = (call.get("extra_content") or {}).get("google") or {}
                    parts.append(drop_none({"functionCall": {"name": name, "args": parsed},
                                            "thoughtSignature": google.get("thought_signature") or None}))
                merge_turn(contents, "model", "parts", parts)
            else:
                fn_name = call_names.get(str(m.get("tool_call_id"))) or m.get("name")
                if not isinstance(fn_name, str):
                    raise InvalidRequestError(f"{where}: gemini needs the function name of a tool "
                                              "result; no earlier assistant tool call has this tool_call_id")
                response = _tool_result(text_only(m.get("content"), where))
                merge_turn(contents, "user", "parts",
                            [{"functionResponse": {"name": fn_name, "response": response}}])
        declarations = [
            drop_none({"name": fn["name"], "description": fn.get("description"),
                        "parameters": fn.get("parameters")})
            for fn in function_tools(request.tools, "gemini")
        ]
        tool_config: dict[str, Any] | None = None
        if tool_choice is not None:
            forced = forced_function(tool_choice)
            calling: dict[str, Any] = (
                {"mode": "ANY", "allowedFunctionNames": [forced]} if forced else
                {"mode": {"auto": "AUTO", "none": "NONE", "required": "ANY"}[str(tool_choice)]})
            tool_config = {"functionCallingConfig": calling}
        s = request.sampling
        generation = drop_none({"maxOutputTokens": s.max_tokens, "temperature": s.temperature,
                                "topP": s.top_p, "stopSequences": s.stop})
        body = drop_none({
            "contents": contents, "systemInstruction": {"parts": system} if system else None,
            "tools": [{"functionDeclarations": declarations}] if declarations else None,
            "toolConfig": tool_config, "generationConfig": generation or None,
        })
        method = "streamGenerateContent" if stream else "generateContent"
        path = f"/v1beta/models/{quote(request.model.removeprefix('models/'), safe='')}:{method}"
        return NativeRequest(self.name, path, body, {"alt": "sse"} if stream else None)

    def completion(self, result: GenerateContentResponse, raw: Any = None) -> Completion:
        """The candidate whose ``index`` is 0 (its position when no index is given) as a
        unified Completion; a blocked prompt ends in ``content_filter``."""
        usage = gemini_usage(result.usage_metadata) if result.usage_metadata else None
        out = self.new_completion(result, raw, usage=usage, model=result.model_version,
                                  id=result.response_id)
        candidate = next((c for pos, c in enumerate(result.candidates)
                          if (c.index if c.index is not None else pos) == 0), None)
        if candidate is None:
            feedback = result.prompt_feedback
            if feedback is not None and feedback.block_reason:
                out.finish = Finish("content_filter", feedback.block_reason)
            return out
        text: list[str] = []
        reasoning: list[str] = []
        calls: list[ToolCall] = []
        for part in candidate.content.parts if candidate.content is not None else ():
            if part.function_call is not None:
                fn = part.function_call
                args = fn.args if fn.args is not None else {}
                raw_args = pydantic_core.to_json(args).decode()
                signature = part.thought_signature
                extra = {"google": {"thought_signature": signature}} if signature else None
                call_id = fn.id or function_call_id(result.response_id, len(calls), fn.name, raw_args)
                calls.append(ToolCall(call_id, fn.name, args, raw_args, extra))
            elif part.text is not None:
                (reasoning if part.thought else text).append(part.text)
        out.text = "".join(text)
        out.reasoning = "".join(reasoning)
        out.tool_calls = calls
        out.finish = self.finish(candidate.finish_reason, bool(calls))
        return out

    def answer(self, body: Any) -> GenerateContentResponse:
        """A whole ``generateContent`` answer, which must hold candidates or say why the prompt
        was blocked."""
        result = answer_as(GenerateContentResponse, body, "gemini")
        feedback = result.prompt_feedback
        if not result.candidates and not (feedback is not None and feedback.block_reason):
            raise ResponseValidationError("the gemini response has no candidates", body=body)
        return result


GEMINI = GeminiAdapter("gemini", GeminiFold, FINISH_REASONS)


class GeminiUnifiedStream(UnifiedStream):
    """The unified stream over Gemini chunks (read to the end of the body)."""

    protocol = "gemini"
    adapter = GEMINI
