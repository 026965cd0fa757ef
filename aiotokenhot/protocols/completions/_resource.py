"""``th.completions``: the legacy POST /v1/completions (prompt in, text out)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..._config import TimeoutTypes
from ..._exceptions import InvalidRequestError
from ...transport import RequestOptions
from .._resource import Resource
from ..chat._validate import check_body, request_body
from ._stream import TextCompletionStream
from ._types import TextCompletion

__all__ = ["Completions"]

PATH = "/v1/completions"
Prompt = str | Sequence[str] | Sequence[int] | Sequence[Sequence[int]]


def _check_prompt(prompt: Any) -> Any:
    if isinstance(prompt, str):
        return prompt
    if isinstance(prompt, (bytes, Mapping)) or not isinstance(prompt, Sequence) or not prompt:
        raise InvalidRequestError("prompt must be a string or a non-empty list of strings / tokens")
    first = prompt[0]
    kind = str if isinstance(first, str) else int if isinstance(first, int) else list
    for item in prompt:
        if kind is list:
            ok = isinstance(item, Sequence) and not isinstance(item, str) and all(
                isinstance(t, int) for t in item)
        else:
            ok = isinstance(item, kind) and not isinstance(item, bool)
        if not ok:
            raise InvalidRequestError("prompt lists must hold only strings, only token ids, "
                                      "or only lists of token ids")
    return [list(p) for p in prompt] if kind is list else list(prompt)


def completions_body(args: Mapping[str, Any]) -> dict[str, Any]:
    body = request_body(args)
    body["prompt"] = _check_prompt(body.get("prompt"))
    check_body(body)
    return body


class Completions(Resource):
    """Legacy text completions. Many modern models reject them: prefer ``th.chat.completions``."""

    async def create(
        self,
        *,
        model: str,
        prompt: Prompt,
        max_tokens: int | None = None,
        temperature: float | None = None,
        top_p: float | None = None,
        n: int | None = None,
        stop: str | Sequence[str] | None = None,
        seed: int | None = None,
        presence_penalty: float | None = None,
        frequency_penalty: float | None = None,
        logit_bias: Mapping[str, int] | None = None,
        logprobs: int | None = None,
        echo: bool | None = None,
        suffix: str | None = None,
        best_of: int | None = None,
        user: str | None = None,
        timeout: TimeoutTypes | None = None,
        max_retries: int | None = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        extra_body: Mapping[str, Any] | None = None,
    ) -> TextCompletion:
        """One whole completion; a list prompt gets one choice per prompt (times ``n``)."""
        body = completions_body(locals())
        options = RequestOptions.of(locals())
        result = await self._transport.request("POST", PATH, json=body, options=options)
        return result.parse(TextCompletion)

    def stream(
        self,
        *,
        model: str,
        prompt: Prompt,
        max_tokens: int | None = None,
        temperature: float | None = None,
        top_p: float | None = None,
        n: int | None = None,
        stop: str | Sequence[str] | None = None,
        seed: int | None = None,
        presence_penalty: float | None = None,
        frequency_penalty: float | None = None,
        logit_bias: Mapping[str, int] | None = None,
        logprobs: int | None = None,
        echo: bool | None = None,
        suffix: str | None = None,
        user: str | None = None,
        stream_options: Mapping[str, Any] | None = None,
        timeout: TimeoutTypes | None = None,
        max_retries: int | None = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        extra_body: Mapping[str, Any] | None = None,
    ) -> TextCompletionStream:
        """A stream of completion chunks, framed like chat (``data:`` … ``[DONE]``)."""
        body = completions_body(locals())
        body["stream"] = True
        options = RequestOptions.of(locals())
        return self._transport.stream(TextCompletionStream, "POST", PATH, json=body,
                                      options=options)
