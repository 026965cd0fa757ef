"""What a call asked and what it answered, read per protocol family, for spans and for cost.

Nothing here imports OpenTelemetry. Answers are read either as the raw JSON body (whole answers)
or as the typed result a stream ends with (``final()``: native models or the unified
``Completion``); :func:`_get` reads both, so each protocol has one reader.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from .._pricing import TokenCounts

__all__ = ["Answer", "Request", "describe_request", "read_answer"]

#: path → (gen_ai.operation.name, gen_ai.provider.name, protocol family)
_ROUTES: dict[str, tuple[str, str, str]] = {
    "/v1/chat/completions": ("chat", "openai", "chat"),
    "/v1/responses": ("chat", "openai", "responses"),
    "/v1/messages": ("chat", "anthropic", "messages"),
    "/v1/completions": ("text_completion", "openai", "completions"),
    "/v1/embeddings": ("embeddings", "openai", "embeddings"),
}
_GEMINI = ("generate_content", "gcp.gemini", "gemini")

#: request field → semantic-convention attribute, per family (Gemini reads generationConfig)
_PARAMS: dict[str, tuple[tuple[str, str], ...]] = {
    "chat": (("max_completion_tokens", "gen_ai.request.max_tokens"),
             ("max_tokens", "gen_ai.request.max_tokens"),
             ("temperature", "gen_ai.request.temperature"), ("top_p", "gen_ai.request.top_p"),
             ("frequency_penalty", "gen_ai.request.frequency_penalty"),
             ("presence_penalty", "gen_ai.request.presence_penalty"),
             ("seed", "gen_ai.request.seed"), ("stop", "gen_ai.request.stop_sequences"),
             ("n", "gen_ai.request.choice.count"),
             ("reasoning_effort", "gen_ai.request.reasoning.level")),
    "responses": (("max_output_tokens", "gen_ai.request.max_tokens"),
                  ("temperature", "gen_ai.request.temperature"), ("top_p", "gen_ai.request.top_p")),
    "messages": (("max_tokens", "gen_ai.request.max_tokens"),
                 ("temperature", "gen_ai.request.temperature"), ("top_p", "gen_ai.request.top_p"),
                 ("top_k", "gen_ai.request.top_k"), ("stop_sequences", "gen_ai.request.stop_sequences")),
    "completions": (("max_tokens", "gen_ai.request.max_tokens"),
                    ("temperature", "gen_ai.request.temperature"), ("top_p", "gen_ai.request.top_p"),
                    ("frequency_penalty", "gen_ai.request.frequency_penalty"),
                    ("presence_penalty", "gen_ai.request.presence_penalty"),
                    ("seed", "gen_ai.request.seed"), ("stop", "gen_ai.request.stop_sequences"),
                    ("n", "gen_ai.request.choice.count")),
    "gemini": (("maxOutputTokens", "gen_ai.request.max_tokens"),
               ("temperature", "gen_ai.request.temperature"), ("topP", "gen_ai.request.top_p"),
               ("topK", "gen_ai.request.top_k"), ("stopSequences", "gen_ai.request.stop_sequences"),
               ("seed", "gen_ai.request.seed"), ("candidateCount", "gen_ai.request.choice.count"),
               ("frequencyPenalty", "gen_ai.request.frequency_penalty"),
               ("presencePenalty", "gen_ai.request.presence_penalty")),
    "embeddings": (),
}
#: where each family keeps the prompt (recorded only when content capture is on)
_PROMPT = {"chat": "messages", "responses": "input", "messages": "messages",
           "completions": "prompt", "gemini": "contents", "embeddings": "input"}


@dataclass
class Request:
    """One GenAI call as asked: what the span is named and attributed with before sending."""

    operation: str
    provider: str
    family: str
    model: str | None
    stream: bool
    attributes: dict[str, Any] = field(default_factory=dict)
    prompt: Any = None

    @property
    def span_name(self) -> str:
        return f"{self.operation} {self.model}" if self.model else self.operation


def describe_request(path: str, body: Any, params: Mapping[str, Any] | None) -> Request | None:
    """The GenAI call ``path`` makes, or None for other endpoints (account, media, files...)."""
    route = _ROUTES.get(path)
    body = body if isinstance(body, Mapping) else {}
    if route is not None:
        operation, provider, family = route
        model = body.get("model")
        stream = bool(body.get("stream"))
        settings: Mapping[str, Any] = body
    elif path.startswith("/v1beta/models/") and ":" in path:
        operation, provider, family = _GEMINI
        name, _, action = path[len("/v1beta/models/"):].partition(":")
        if action not in ("generateContent", "streamGenerateContent"):
            return None
        model = unquote(name)
        stream = action == "streamGenerateContent"
        config = body.get("generationConfig") or body.get("generation_config")
        settings = config if isinstance(config, Mapping) else {}
    else:
        return None
    if not isinstance(model, str):
        model = None
    attrs: dict[str, Any] = {
        "gen_ai.operation.name": operation,
        "gen_ai.provider.name": provider,
        "gen_ai.request.stream": stream,
    }
    if model:
        attrs["gen_ai.request.model"] = model
    for key, name in _PARAMS[family]:
        value = settings.get(key)
        if value is None or name in attrs:
            continue
        if name == "gen_ai.request.stop_sequences":
            value = [value] if isinstance(value, str) else [s for s in value if isinstance(s, str)]
        elif name == "gen_ai.request.choice.count" and value == 1:
            continue
        if isinstance(value, (bool, int, float, str, list)):
            attrs[name] = value
    if family == "chat":
        fmt = body.get("response_format")
        kind = fmt.get("type") if isinstance(fmt, Mapping) else None
        if kind in ("json_object", "json_schema"):
            attrs["gen_ai.output.type"] = "json"
    return Request(operation, provider, family, model, stream, attrs, body.get(_PROMPT[family]))


def _get(obj: Any, *names: str) -> Any:
    """A field of a JSON object or of a typed result, under the first of ``names`` present."""
    if obj is None:
        return None
    if isinstance(obj, Mapping):
        for name in names:
            value = obj.get(name)
            if value is not None:
                return value
        return None
    for name in names:
        value = getattr(obj, name, None)
        if value is not None:
            return value
    return None


def _int(value: Any) -> int:
    """A token count: a non-negative int, anything else counts as 0."""
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


def _items(value: Any) -> Any:
    """A JSON array or a typed list; anything else reads as empty."""
    return value if isinstance(value, (list, tuple)) else ()


@dataclass
class Answer:
    """What a call answered: the response attributes, token use and text (for opt-in capture)."""

    model: str | None = None
    id: str | None = None
    finish_reasons: list[str] = field(default_factory=list)
    input_tokens: int | None = None  # every prompt token, cached and cache-written included
    output_tokens: int | None = None  # reasoning included
    cache_read: int = 0
    cache_write: int = 0
    reasoning: int = 0
    counts: TokenCounts | None = None  # the split a price applies to; None without usage
    text: str | None = None


def _openai_usage(answer: Answer, usage: Any, input_key: tuple[str, ...],
                  output_key: tuple[str, ...]) -> None:
    if usage is None:
        return
    prompt = _int(_get(usage, *input_key))
    output = _int(_get(usage, *output_key))
    cached = _int(_get(_get(usage, "prompt_tokens_details", "input_tokens_details"), "cached_tokens"))
    answer.reasoning = _int(_get(_get(usage, "completion_tokens_details", "output_tokens_details"),
                                 "reasoning_tokens"))
    answer.input_tokens, answer.output_tokens, answer.cache_read = prompt, output, cached
    answer.counts = TokenCounts(input=max(0, prompt - cached), cached_input=cached, output=output)


def _read_chat(result: Any, answer: Answer) -> None:
    reasons, texts = [], []
    for choice in _items(_get(result, "choices")):
        reason = _get(choice, "finish_reason")
        if reason:
            reasons.append(str(reason))
        text = _get(_get(choice, "message"), "content") or _get(choice, "text")
        if isinstance(text, str):
            texts.append(text)
    answer.finish_reasons, answer.text = reasons, "".join(texts)
    _openai_usage(answer, _get(result, "usage"), ("prompt_tokens", "input_tokens"),
                  ("completion_tokens", "output_tokens"))


def _read_responses(result: Any, answer: Answer) -> None:
    status = _get(result, "status")
    if status:
        answer.finish_reasons = [str(status)]
    texts = []
    for item in _items(_get(result, "output")):
        for part in _items(_get(item, "content")):
            text = _get(part, "text")
            if isinstance(text, str):
                texts.append(text)
    answer.text = "".join(texts)
    _openai_usage(answer, _get(result, "usage"), ("input_tokens", "prompt_tokens"),
                  ("output_tokens", "completion_tokens"))


def _read_messages(result: Any, answer: Answer) -> None:
    reason = _get(result, "stop_reason")
    answer.finish_reasons = [str(reason)] if reason else []
    answer.text = "".join(
        t for t in (_get(b, "text") for b in _items(_get(result, "content"))) if isinstance(t, str)
    )
    usage = _get(result, "usage")
    if usage is None:
        return
    fresh = _int(_get(usage, "input_tokens"))
    read = _int(_get(usage, "cache_read_input_tokens"))
    write = _int(_get(usage, "cache_creation_input_tokens"))
    answer.input_tokens = fresh + read + write
    answer.output_tokens = _int(_get(usage, "output_tokens"))
    answer.cache_read, answer.cache_write = read, write
    answer.counts = TokenCounts(fresh, read, write, answer.output_tokens)


def _read_gemini(result: Any, answer: Answer) -> None:
    reasons, texts = [], []
    for candidate in _items(_get(result, "candidates")):
        reason = _get(candidate, "finishReason", "finish_reason")
        if reason:
            reasons.append(str(reason))
        for part in _items(_get(_get(candidate, "content"), "parts")):
            text = _get(part, "text")
            if isinstance(text, str) and not _get(part, "thought"):
                texts.append(text)
    answer.finish_reasons, answer.text = reasons, "".join(texts)
    answer.model = answer.model or _get(result, "modelVersion", "model_version")
    answer.id = answer.id or _get(result, "responseId", "response_id")
    usage = _get(result, "usageMetadata", "usage_metadata")
    if usage is None:
        return
    prompt = _int(_get(usage, "promptTokenCount", "prompt_token_count")) + _int(
        _get(usage, "toolUsePromptTokenCount", "tool_use_prompt_token_count"))
    cached = _int(_get(usage, "cachedContentTokenCount", "cached_content_token_count"))
    thoughts = _int(_get(usage, "thoughtsTokenCount", "thoughts_token_count"))
    output = _int(_get(usage, "candidatesTokenCount", "candidates_token_count")) + thoughts
    answer.input_tokens, answer.output_tokens = prompt, output
    answer.cache_read, answer.reasoning = cached, thoughts
    answer.counts = TokenCounts(input=max(0, prompt - cached), cached_input=cached, output=output)


def _read_embeddings(result: Any, answer: Answer) -> None:
    usage = _get(result, "usage")
    if usage is not None:
        prompt = _int(_get(usage, "prompt_tokens", "input_tokens"))
        answer.input_tokens = prompt
        answer.counts = TokenCounts(input=prompt)


def _read_unified(result: Any, answer: Answer) -> None:
    finish = _get(result, "finish")
    reason = _get(finish, "raw_reason", "reason")
    answer.finish_reasons = [str(reason)] if reason else []
    answer.text = _get(result, "text")
    usage = _get(result, "usage")
    if usage is None:
        return
    prompt, cached = _int(usage.input_tokens), _int(usage.cached_tokens)
    answer.input_tokens, answer.output_tokens = prompt, _int(usage.output_tokens)
    answer.cache_read, answer.reasoning = cached, _int(usage.reasoning_tokens)
    answer.counts = TokenCounts(input=max(0, prompt - cached), cached_input=cached,
                                output=answer.output_tokens)


_READERS = {
    "chat": _read_chat, "completions": _read_chat, "responses": _read_responses,
    "messages": _read_messages, "gemini": _read_gemini, "embeddings": _read_embeddings,
}


def read_answer(family: str, result: Any) -> Answer:
    """The response attributes of ``result``: a raw JSON body, a native result or a unified
    ``Completion`` (recognised by its ``protocol`` field), for a call of ``family``."""
    answer = Answer(model=_str(_get(result, "model")), id=_str(_get(result, "id")))
    if not isinstance(result, Mapping) and isinstance(getattr(result, "protocol", None), str) \
            and hasattr(result, "tool_calls"):
        _read_unified(result, answer)
    else:
        _READERS[family](result, answer)
    answer.model, answer.id = _str(answer.model), _str(answer.id)
    return answer


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None
