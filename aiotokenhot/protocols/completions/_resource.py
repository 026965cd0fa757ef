"""``th.completions``: the legacy POST /v1/completions (prompt in, text out)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal, overload

from typing_extensions import Unpack

from ..._exceptions import InvalidRequestError
from ...transport import RequestOptions
from .._raw import RawMethod, RawStreamMethod, RawView, raw_view
from .._resource import Resource, accepts
from ..chat._validate import check_body
from ._params import CompletionCreateParams, CompletionStreamParams, _AnyParams
from ._stream import TextCompletionStream
from ._types import TextCompletion

__all__ = ["Completions", "CompletionsWithRawResponse"]

PATH = "/v1/completions"


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


def completions_body(fields: dict[str, Any], *, stream: bool) -> dict[str, Any]:
    """The checked JSON body from a method's body fields (``None`` values already dropped)."""
    fields["prompt"] = _check_prompt(fields.get("prompt"))
    check_body(fields)
    if stream:
        if "best_of" in fields:
            raise InvalidRequestError("best_of cannot be used with a streamed answer")
        fields["stream"] = True
    elif "stream_options" in fields:
        raise InvalidRequestError("stream_options needs a streamed answer (stream=True or .stream())")
    return fields


class Completions(Resource):
    """Legacy text completions. Many modern models reject them: prefer ``th.chat.completions``."""

    @overload
    async def create(
        self, *, stream: Literal[False] = False, **params: Unpack[CompletionCreateParams]
    ) -> TextCompletion: ...

    @overload
    async def create(
        self, *, stream: Literal[True], **params: Unpack[CompletionStreamParams]
    ) -> TextCompletionStream: ...

    @overload
    async def create(
        self, *, stream: bool, **params: Unpack[_AnyParams]
    ) -> TextCompletion | TextCompletionStream: ...

    @accepts(_AnyParams)
    async def create(
        self, *, stream: bool = False, **params: Unpack[_AnyParams]
    ) -> TextCompletion | TextCompletionStream:
        """Complete a prompt (``POST /v1/completions``); with ``stream=True``, the open stream.

        Parameters that matter:

        - ``model`` (str); ``prompt``: a string, a list of strings (one choice each, times
          ``n``), a list of token ids, or a list of such lists.
        - ``max_tokens``: upper bound on generated tokens per choice (>= 1); ``temperature``
          0–2; ``top_p`` 0–1; ``n`` (>= 1) and ``best_of`` (>= 1, not with streams);
          ``stop``: a string or a list of strings; ``logprobs``: how many (0–5); ``echo``
          repeats the prompt; ``suffix`` comes after the completion.
        - Per call: ``timeout`` (seconds or :class:`~aiotokenhot.Timeout`), ``max_retries``,
          ``extra_headers``, ``extra_query``, ``extra_body``.

        Returns a :class:`TextCompletion` (``.choices[i].text``, ``.usage`` in tokens,
        ``.request_id``), or with ``stream=True`` the open :class:`TextCompletionStream`.

        Raises :class:`~aiotokenhot.InvalidRequestError` for bad arguments (an empty or mixed
        prompt list, out-of-range numbers) before anything is sent, ``TypeError`` for an
        unknown keyword, :class:`~aiotokenhot.APIStatusError` subclasses for error answers
        (many chat-only models answer with a ``BadRequestError``),
        :class:`~aiotokenhot.APITimeoutError` / :class:`~aiotokenhot.APIConnectionError` once
        retries are spent.
        """
        fields, options = RequestOptions.split(params)
        body = completions_body(fields, stream=stream)
        if stream:
            chunks = self._transport.stream(TextCompletionStream, "POST", PATH, json=body,
                                            options=options)
            return await chunks.__aenter__()
        result = await self._transport.request("POST", PATH, json=body, options=options)
        return result.parse(TextCompletion)

    @accepts(CompletionStreamParams)
    def stream(self, **params: Unpack[CompletionStreamParams]) -> TextCompletionStream:
        """A :class:`TextCompletionStream` of completion chunks (``data:`` … ``[DONE]``).

        Takes the keywords of :meth:`create` except ``best_of``, plus ``stream_options``
        (``{"include_usage": True}``). Returns the stream unopened: the request is sent on
        ``async with`` or the first iteration, where status errors are raised; ``final()`` is
        the accumulated :class:`TextCompletion` once read to the end.

        Raises the argument errors of :meth:`create` now, before anything is sent; a cut stream
        raises :class:`~aiotokenhot.IncompleteStreamError` with what arrived in ``.partial``.
        """
        fields, options = RequestOptions.split(params)
        body = completions_body(fields, stream=True)
        return self._transport.stream(TextCompletionStream, "POST", PATH, json=body,
                                      options=options)

    with_raw_response = raw_view(lambda: CompletionsWithRawResponse)


class CompletionsWithRawResponse(RawView[Completions]):
    create = RawMethod(Completions.create)
    stream = RawStreamMethod(Completions.stream)
