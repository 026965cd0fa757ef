"""The tool-running loop: ``th.run_tools(...)`` and its streaming form ``th.stream_tools(...)``.

One turn: send the conversation with the tools, get a reply, run the tool calls it holds
(concurrently, each with a timeout), append the reply and the results in the OpenAI chat shape
the unified calls take (each protocol's conversion carries them: ``tool_result`` blocks,
``function_call_output`` items, ``functionResponse`` parts, Gemini thought signatures in
``ToolCall.extra``), and go again until a reply has no tool calls. Built on the public unified
calls, so a ``model`` list is a fallback chain here too.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Mapping, Sequence
from contextlib import aclosing
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import anyio
import pydantic
from typing_extensions import Required, TypedDict

from .._config import TimeoutTypes
from .._exceptions import (
    InvalidRequestError,
    MaxTurnsExceededError,
    TokenHotError,
    ToolCallError,
)
from ..unified import Attempt, Completion, ToolCall, UnifiedEvent, Usage
from ..unified._fallback import GeneratorStream
from ._tool import Tool, ToolLike, as_tool, output_text

if TYPE_CHECKING:
    from .._client import AsyncTokenHot

__all__ = ["ToolLoopParams", "ToolResult", "ToolRunResult", "ToolStream", "run_tools"]

DEFAULT_MAX_TURNS = 10
DEFAULT_TOOL_TIMEOUT = 60.0


class ToolLoopParams(TypedDict, total=False):
    """The arguments of ``th.run_tools(...)`` and ``th.stream_tools(...)``.

    ``model``: a model name or a fallback chain (list). ``messages``: the conversation in the
    OpenAI chat shape (not modified; the loop works on a copy). ``tools``: functions,
    coroutine functions or :class:`Tool` objects. ``max_turns``: most model replies (default
    10). ``tool_timeout``: seconds each tool call may run (default 60; None: no limit).
    ``on_tool_error``: ``"return"`` (default) sends a failing tool's error text back to the
    model as its result; ``"raise"`` raises it. ``deadline``: seconds for each reply's fallback
    chain (see ``th.stream``; a single model becomes a chain of one). The rest is passed to
    every turn's ``th.complete`` / ``th.stream`` (so a ``tool_choice`` of ``"required"`` holds
    for every reply, and the loop ends only at ``max_turns``).
    """

    model: Required[str | Sequence[str]]
    messages: Required[Sequence[Mapping[str, Any]]]
    tools: Required[Sequence[ToolLike]]
    max_turns: int
    tool_timeout: float | None
    on_tool_error: Literal["return", "raise"]
    tool_choice: str | Mapping[str, Any] | None
    max_tokens: int | None
    temperature: float | None
    top_p: float | None
    stop: str | Sequence[str] | None
    protocol: str
    timeout: TimeoutTypes | None
    max_retries: int | None
    extra_headers: Mapping[str, str] | None
    extra_query: Mapping[str, Any] | None
    extra_body: Mapping[str, Any] | None
    deadline: float | None


_LOOP_ONLY = frozenset({"model", "messages", "tools", "max_turns", "tool_timeout", "on_tool_error"})
_KNOWN = frozenset(ToolLoopParams.__annotations__)


@dataclass(slots=True)
class ToolResult:
    """One executed tool call (an event of ``th.stream_tools``).

    ``output`` is the text sent back to the model; ``value`` what the tool returned (None when
    it failed); ``error`` the exception when it failed (its text is the ``output``); ``turn``
    counts model replies from 1.
    """

    call: ToolCall
    output: str
    value: Any = None
    error: BaseException | None = None
    turn: int = 0

    @property
    def id(self) -> str:
        return self.call.id

    @property
    def name(self) -> str:
        return self.call.name

    def to_message(self) -> dict[str, Any]:
        """The result as an OpenAI-chat ``tool`` message, to append to the conversation."""
        return {"role": "tool", "tool_call_id": self.call.id, "content": self.output}


@dataclass
class ToolRunResult:
    """What a tool loop ends with: the last reply, the whole conversation, every tool result,
    the number of model replies, the models of a fallback chain that failed, the total usage."""

    completion: Completion
    messages: list[dict[str, Any]]
    results: list[ToolResult] = field(default_factory=list)
    turns: int = 0
    #: models of a fallback chain that failed on any turn, in order (see ``Completion.attempts``)
    attempts: list[Attempt] = field(default_factory=list)
    #: the tokens of every reply added up (None when no reply reported usage)
    usage: Usage | None = None

    @property
    def text(self) -> str:
        """The text of the last reply (the answer)."""
        return self.completion.text


class _Loop:
    """The state of one tool loop, shared by the whole and the streaming form."""

    def __init__(self, client: AsyncTokenHot, caller: str, params: Mapping[str, Any]) -> None:
        unknown = sorted(set(params) - _KNOWN)
        if unknown:
            raise InvalidRequestError(f"{caller}() got unexpected argument(s): {', '.join(unknown)}")
        missing = sorted({"model", "messages", "tools"} - set(params))
        if missing:
            raise InvalidRequestError(f"{caller}() needs {', '.join(missing)}")
        self.client = client
        self.caller = caller
        model = params["model"]
        self.model: str | list[str] = model if isinstance(model, str) else list(model)
        messages = params["messages"]
        if isinstance(messages, (str, bytes)) or not isinstance(messages, Sequence):
            raise InvalidRequestError("messages must be a list of chat messages")
        self.messages: list[dict[str, Any]] = [dict(m) for m in messages]
        tools = params["tools"]
        if isinstance(tools, (str, bytes)) or not isinstance(tools, Sequence) or not tools:
            raise InvalidRequestError("tools must be a non-empty list of functions or Tool objects")
        self.tools: dict[str, Tool] = {}
        for item in tools:
            tool = as_tool(item)
            if tool.name in self.tools:
                raise InvalidRequestError(f"two tools are named {tool.name!r}")
            self.tools[tool.name] = tool
        self.max_turns = params.get("max_turns", DEFAULT_MAX_TURNS)
        if isinstance(self.max_turns, bool) or not isinstance(self.max_turns, int) \
                or self.max_turns < 1:
            raise InvalidRequestError(f"max_turns must be an integer >= 1, got {self.max_turns!r}")
        self.tool_timeout = params.get("tool_timeout", DEFAULT_TOOL_TIMEOUT)
        if self.tool_timeout is not None and (
            isinstance(self.tool_timeout, bool) or not isinstance(self.tool_timeout, (int, float))
            or self.tool_timeout <= 0
        ):
            raise InvalidRequestError("tool_timeout must be a positive number of seconds or None")
        self.on_tool_error = params.get("on_tool_error", "return")
        if self.on_tool_error not in ("return", "raise"):
            raise InvalidRequestError("on_tool_error must be 'return' or 'raise'")
        self.request = {k: v for k, v in params.items() if k not in _LOOP_ONLY}
        if self.request.get("deadline") is not None and isinstance(self.model, str):
            self.model = [self.model]  # a deadline is a chain's: a chain of one
        self.schemas = [tool.to_openai() for tool in self.tools.values()]
        self.results: list[ToolResult] = []
        self.attempts: list[Attempt] = []
        self.usage: Usage | None = None
        self.turns = 0

    def call_arguments(self) -> dict[str, Any]:
        """The arguments of this turn's ``th.complete`` / ``th.stream``."""
        return {"model": self.model, "messages": self.messages, "tools": self.schemas,
                **self.request}

    def check(self) -> None:
        """Convert the first turn's request now, so bad arguments raise before anything is sent."""
        self.client.stream(**self.call_arguments())

    def replied(self, completion: Completion) -> bool:
        """Record a reply; True when it calls tools (the loop goes on)."""
        self.turns += 1
        self.messages.append(completion.to_message())
        self.attempts += completion.attempts
        if completion.usage is not None:
            total = self.usage or Usage()
            used = completion.usage
            self.usage = Usage(total.input_tokens + used.input_tokens,
                               total.output_tokens + used.output_tokens,
                               total.reasoning_tokens + used.reasoning_tokens,
                               total.cached_tokens + used.cached_tokens)
        if isinstance(self.model, list) and completion.attempts:
            # later turns start at the model that answered: the ones before it just failed
            self.model = self.model[len(completion.attempts):]
        return bool(completion.tool_calls)

    def too_many_turns(self, completion: Completion) -> MaxTurnsExceededError:
        return MaxTurnsExceededError(
            f"the model still called tools after max_turns={self.max_turns} replies",
            messages=self.messages, completion=completion, turns=self.turns,
        )

    def result(self, completion: Completion) -> ToolRunResult:
        return ToolRunResult(completion, self.messages, self.results, self.turns, self.attempts,
                             self.usage)

    async def execute(self, calls: list[ToolCall]) -> AsyncGenerator[ToolResult, None]:
        """Run the calls concurrently; yield each result as it finishes; then append them to
        the conversation in the order of the calls. Leaving early cancels the ones running."""
        tasks = {asyncio.ensure_future(self._run(call)): i for i, call in enumerate(calls)}
        results: list[ToolResult | None] = [None] * len(calls)
        try:
            pending = set(tasks)
            while pending:
                done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
                for task in sorted(done, key=tasks.__getitem__):
                    result = results[tasks[task]] = task.result()
                    yield result
        finally:
            for task in tasks:
                task.cancel()
            with anyio.CancelScope(shield=True):
                await asyncio.gather(*tasks, return_exceptions=True)
        finished = [r for r in results if r is not None]
        self.results += finished
        self.messages += [r.to_message() for r in finished]

    async def _run(self, call: ToolCall) -> ToolResult:
        tool = self.tools.get(call.name)
        if tool is None:
            known = ", ".join(self.tools)
            return self._failed(call, ToolCallError(
                f"there is no tool named {call.name!r} (tools: {known})", call=call))
        if call.arguments is None:
            return self._failed(call, ToolCallError(
                f"the arguments of {call.name!r} are not valid JSON: {call.raw_arguments[:200]!r}",
                call=call))
        try:
            bound = tool.bind(call.arguments)
        except pydantic.ValidationError as exc:
            return self._failed(call, ToolCallError(
                f"invalid arguments for {call.name!r}: {exc}", call=call))
        timeout = tool.timeout or self.tool_timeout
        try:
            if timeout is None:
                value = await tool.invoke(bound)
            else:
                with anyio.move_on_after(timeout) as scope:
                    value = await tool.invoke(bound)
                if scope.cancelled_caught:
                    return self._failed(call, ToolCallError(
                        f"tool {call.name!r} did not finish within {timeout}s", call=call))
        except Exception as exc:
            if self.on_tool_error == "raise":
                raise
            return self._failed(call, exc)
        return ToolResult(call, output_text(value), value, None, self.turns)

    def _failed(self, call: ToolCall, error: Exception) -> ToolResult:
        if self.on_tool_error == "raise":
            raise error
        return ToolResult(call, f"Error: {type(error).__name__}: {error}", None, error, self.turns)


async def run_tools(client: AsyncTokenHot, **params: Any) -> ToolRunResult:
    """Run the tool loop with whole replies (``th.complete``); see :class:`ToolLoopParams`.

    Returns a :class:`ToolRunResult`. Raises :class:`MaxTurnsExceededError` (with the
    conversation so far) when the ``max_turns``-th reply still calls tools, after running
    those calls; :class:`ToolCallError` or the tool's own exception with
    ``on_tool_error="raise"``; any error of the unified call.
    """
    loop = _Loop(client, "run_tools", params)
    loop.check()
    while True:
        completion = await client.complete(**loop.call_arguments())
        if not loop.replied(completion):
            return loop.result(completion)
        async with aclosing(loop.execute(completion.tool_calls)) as results:
            async for _ in results:
                pass
        if loop.turns >= loop.max_turns:
            raise loop.too_many_turns(completion)


class ToolStream(GeneratorStream[UnifiedEvent | ToolResult]):
    """``th.stream_tools(...)``: the tool loop, streamed.

    Yields the unified events of every reply (:class:`TextDelta`, :class:`ToolCallDelta`...,
    each reply ending with its :class:`Usage` and :class:`Finish`) and one :class:`ToolResult`
    per executed call, as each finishes. Use ``async with th.stream_tools(...) as s`` (leaving
    the block, or :meth:`aclose`, closes the open connection and cancels running tools) and
    ``async for event in s``; :meth:`text` gives the text pieces of every reply (tool results
    are run, not shown); after the end, :meth:`final` is the :class:`ToolRunResult`. Bad arguments raise when
    the stream is made, before anything is sent; errors as :func:`run_tools`.
    """

    def __init__(self, client: AsyncTokenHot, **params: Any) -> None:
        self._loop = _Loop(client, "stream_tools", params)
        self._loop.check()
        self._result: ToolRunResult | None = None
        self._gen: AsyncGenerator[UnifiedEvent | ToolResult, None] = self._run()

    @property
    def messages(self) -> list[dict[str, Any]]:
        """The conversation so far (the input, then each reply and its tool results)."""
        return self._loop.messages

    @property
    def turns(self) -> int:
        """Model replies so far."""
        return self._loop.turns

    async def until_done(self) -> ToolRunResult:
        """Consume the rest and return :meth:`final`."""
        async for _ in self._gen:
            pass
        return self.final()

    def final(self) -> ToolRunResult:
        """The last reply, the whole conversation and every tool result."""
        if self._result is None:
            raise TokenHotError("final() needs the tool stream to be consumed to its end first")
        return self._result

    async def _run(self) -> AsyncGenerator[UnifiedEvent | ToolResult, None]:
        loop = self._loop
        while True:
            stream = loop.client.stream(**loop.call_arguments())
            try:
                async for event in stream:
                    yield event
            finally:
                with anyio.CancelScope(shield=True):
                    await stream.aclose()
            completion = stream.final()
            if not loop.replied(completion):
                self._result = loop.result(completion)
                return
            async with aclosing(loop.execute(completion.tool_calls)) as results:
                async for result in results:
                    yield result
            if loop.turns >= loop.max_turns:
                raise loop.too_many_turns(completion)
