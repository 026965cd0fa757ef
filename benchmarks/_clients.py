"""Every client the benchmark drives, behind one small interface.

Each client answers four questions the same way for every protocol: consume a whole stream and
return its text (:meth:`Client.stream`), send one non-streaming request (:meth:`Client.request`),
time a stream's first text event (:meth:`Client.first_event`) and hold a stream open
(:meth:`Client.open_stream`). Libraries are imported in :meth:`Client.start`, so a client whose
library is missing is skipped with a reason instead of breaking the run.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

__all__ = ["ALL_CLIENTS", "Client", "ClientUnavailable", "Sink", "model_name"]

PROMPT = [{"role": "user", "content": "Say something long."}]
GEMINI_CONTENTS = [{"role": "user", "parts": [{"text": "Say something long."}]}]
KEY = "sk-bench-not-a-real-key"
_PREFIX = {"chat": "gpt-bench", "responses": "gpt-bench", "messages": "claude-bench",
           "gemini": "gemini-bench"}


class ClientUnavailable(Exception):
    """The client cannot run here (library missing, protocol not built yet)."""


def model_name(protocol: str, *options: str) -> str:
    """A model name the payload server decodes (see ``_server``); the prefix routes unified."""
    return "-".join((_PREFIX[protocol], *options))


Closer = Callable[[], Awaitable[Any]]
Sink = Callable[[str], Any]


class Client:
    """One benchmarked client. Subclasses fill in the four operations."""

    name = "client"
    family = "peer"  # "raw", "aiotokenhot" or "peer"
    protocols: tuple[str, ...] = ()
    #: the client's own library, for the cold-start probe (None: not measured).
    cold_start: str | None = None

    async def start(self, base_url: str, limit: int) -> None:
        raise NotImplementedError

    async def aclose(self) -> None:
        pass

    async def stream(self, protocol: str, model: str, sink: Sink) -> None:
        """Consume a whole stream, passing each text piece to ``sink`` (bytes-only: nothing)."""
        raise NotImplementedError

    async def request(self, protocol: str, model: str) -> None:
        raise NotImplementedError

    async def first_event(self, protocol: str, model: str) -> float:
        raise NotImplementedError

    async def open_stream(self, protocol: str, model: str) -> Closer:
        raise NotImplementedError


# -- raw aiohttp ceilings -------------------------------------------------------------------------

def _raw_route(protocol: str, base: str, model: str, stream: bool) -> tuple[str, dict[str, Any]]:
    if protocol == "gemini":
        verb = "streamGenerateContent?alt=sse" if stream else "generateContent"
        return f"{base}/v1beta/models/{model}:{verb}", {"contents": GEMINI_CONTENTS}
    path = {"chat": "/v1/chat/completions", "responses": "/v1/responses",
            "messages": "/v1/messages"}[protocol]
    body: dict[str, Any] = {"model": model, "stream": stream}
    if protocol == "responses":
        body["input"] = "Say something long."
    else:
        body["messages"] = PROMPT
    if protocol == "messages":
        body["max_tokens"] = 1024
    return base + path, body


def _chat_text(obj: Any) -> str | None:
    choices = obj["choices"]
    return choices[0]["delta"].get("content") if choices else None


def _responses_text(obj: Any) -> str | None:
    return obj["delta"] if obj["type"] == "response.output_text.delta" else None


def _messages_text(obj: Any) -> str | None:
    if obj["type"] == "content_block_delta":
        return obj["delta"].get("text")  # type: ignore[no-any-return]
    return None


def _gemini_text(obj: Any) -> str | None:
    return obj["candidates"][0]["content"]["parts"][0].get("text")  # type: ignore[no-any-return]


RAW_TEXT: dict[str, Callable[[Any], str | None]] = {
    "chat": _chat_text, "responses": _responses_text, "messages": _messages_text,
    "gemini": _gemini_text,
}


class RawBytes(Client):
    """aiohttp reading the body and nothing else: the transport ceiling."""

    name = "raw aiohttp (bytes only)"
    family = "raw"
    protocols = ("chat", "responses", "messages", "gemini")
    cold_start = "aiohttp"

    async def start(self, base_url: str, limit: int) -> None:
        import aiohttp

        try:
            from orjson import dumps
        except ImportError:  # the bench extra is not installed: a stdlib body is fine here
            from json import dumps as _dumps

            def dumps(obj: Any) -> bytes:
                return _dumps(obj).encode()

        self._dumps = dumps
        self._base = base_url
        self._headers = {"Authorization": f"Bearer {KEY}", "Content-Type": "application/json"}
        self._session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=limit))

    async def aclose(self) -> None:
        await self._session.close()

    async def _post(self, protocol: str, model: str, stream: bool) -> Any:
        url, body = _raw_route(protocol, self._base, model, stream)
        return await self._session.post(url, data=self._dumps(body), headers=self._headers)

    async def stream(self, protocol: str, model: str, sink: Sink) -> None:
        resp = await self._post(protocol, model, True)
        read = resp.content.readany
        while await read():
            pass
        resp.release()

    async def request(self, protocol: str, model: str) -> None:
        resp = await self._post(protocol, model, False)
        await resp.read()
        resp.release()

    async def first_event(self, protocol: str, model: str) -> float:
        start = time.perf_counter()
        resp = await self._post(protocol, model, True)
        await resp.content.readany()
        took = time.perf_counter() - start
        while await resp.content.readany():
            pass
        resp.release()
        return took

    async def open_stream(self, protocol: str, model: str) -> Closer:
        resp = await self._post(protocol, model, True)
        await resp.content.readany()

        async def close() -> None:
            resp.close()

        return close


def sse_data(buf: bytes, chunk: bytes) -> tuple[list[bytes], bytes]:
    """Split complete SSE frames off ``buf + chunk``; return their ``data`` payloads and the rest."""
    buf += chunk
    if b"\r" in buf:
        buf = buf.replace(b"\r\n", b"\n")
    frames = buf.split(b"\n\n")
    rest = frames.pop()
    out = []
    for frame in frames:
        for line in frame.split(b"\n"):
            if line.startswith(b"data:"):
                out.append(line[6:] if line[5:6] == b" " else line[5:])
    return out, rest


class RawOrjson(RawBytes):
    """aiohttp + SSE split + ``orjson.loads`` into dicts, no types: the parsing ceiling."""

    name = "raw aiohttp + SSE + orjson"

    async def start(self, base_url: str, limit: int) -> None:
        self._loads = _require("orjson").loads
        await super().start(base_url, limit)

    async def stream(self, protocol: str, model: str, sink: Sink) -> None:
        resp = await self._post(protocol, model, True)
        loads, extract = self._loads, RAW_TEXT[protocol]
        buf = b""
        read = resp.content.readany
        while chunk := await read():
            datas, buf = sse_data(buf, chunk)
            for data in datas:
                if data == b"[DONE]":
                    continue
                piece = extract(loads(data))
                if piece:
                    sink(piece)
        resp.release()

    async def request(self, protocol: str, model: str) -> None:
        resp = await self._post(protocol, model, False)
        self._loads(await resp.read())
        resp.release()

    async def first_event(self, protocol: str, model: str) -> float:
        start = time.perf_counter()
        resp = await self._post(protocol, model, True)
        loads, extract = self._loads, RAW_TEXT[protocol]
        buf = b""
        took = 0.0
        read = resp.content.readany
        while chunk := await read():
            datas, buf = sse_data(buf, chunk)
            for data in datas:
                if not took and data != b"[DONE]" and extract(loads(data)):
                    took = time.perf_counter() - start
        resp.release()
        return took


# -- aiotokenhot -------------------------------------------------------------------------------------

def _chat_attr(chunk: Any) -> str | None:
    return chunk.choices[0].delta.content if chunk.choices else None  # type: ignore[no-any-return]


def _responses_attr(event: Any) -> str | None:
    return event.delta if event.type == "response.output_text.delta" else None  # type: ignore[no-any-return]


def _messages_attr(event: Any) -> str | None:
    if event.type == "content_block_delta" and event.delta.type == "text_delta":
        return event.delta.text  # type: ignore[no-any-return]
    return None


def _gemini_attr(chunk: Any) -> str | None:
    cands = chunk.candidates
    return cands[0].content.parts[0].text if cands else None  # type: ignore[no-any-return]


#: the loop users write over typed events, per protocol: read the text by attribute.
ATTRIBUTE_READ: dict[str, Callable[[Any], str | None]] = {
    "chat": _chat_attr, "responses": _responses_attr, "messages": _messages_attr,
    "gemini": _gemini_attr,
}


class _TokenHotBase(Client):
    family = "aiotokenhot"
    cold_start = "aiotokenhot"

    async def start(self, base_url: str, limit: int) -> None:
        from aiotokenhot import AsyncTokenHot

        self._th = AsyncTokenHot(api_key=KEY, base_url=base_url, max_connections=limit,
                                 max_retries=0)

    async def aclose(self) -> None:
        await self._th.aclose()

    def _open(self, protocol: str, model: str) -> Any:
        """The protocol's own typed stream (``th.chat.completions.stream`` ...)."""
        th = self._th
        if protocol == "chat":
            return th.chat.completions.stream(model=model, messages=PROMPT)
        if protocol == "responses":
            return th.responses.stream(model=model, input="Say something long.")
        if protocol == "messages":
            return th.messages.stream(model=model, max_tokens=1024, messages=PROMPT)
        return th.gemini.stream_generate_content(model, contents=GEMINI_CONTENTS)

    def _pieces(self, stream: Any, protocol: str) -> AsyncIterator[str | None]:
        """What the user's loop sees for each event: its text piece (or None)."""
        read = ATTRIBUTE_READ[protocol]

        async def gen() -> AsyncIterator[str | None]:
            async for event in stream:
                yield read(event)

        return gen()

    async def stream(self, protocol: str, model: str, sink: Sink) -> None:
        async with self._open(protocol, model) as s:
            async for piece in self._pieces(s, protocol):
                if piece:
                    sink(piece)

    async def first_event(self, protocol: str, model: str) -> float:
        start = time.perf_counter()
        took = 0.0
        async with self._open(protocol, model) as s:
            async for piece in self._pieces(s, protocol):
                if not took and piece:
                    took = time.perf_counter() - start
        return took

    async def open_stream(self, protocol: str, model: str) -> Closer:
        s = self._open(protocol, model)
        await s.__aenter__()
        await s.__aiter__().__anext__()
        return s.aclose  # type: ignore[no-any-return]

    async def request(self, protocol: str, model: str) -> None:
        th = self._th
        if protocol == "chat":
            await th.chat.completions.create(model=model, messages=PROMPT)
        elif protocol == "responses":
            await th.responses.create(model=model, input="Say something long.")
        elif protocol == "messages":
            await th.messages.create(model=model, max_tokens=1024, messages=PROMPT)
        else:
            await th.gemini.generate_content(model, contents=GEMINI_CONTENTS)


class TokenHotNative(_TokenHotBase):
    """The loop users write: iterate the protocol's typed events and read the text by attribute
    (``chunk.choices[0].delta.content``, ``event.delta.text``, ``event.delta``,
    ``chunk.candidates[0].content.parts[0].text``)."""

    name = "aiotokenhot typed events, attribute read"
    protocols = ("chat", "responses", "messages", "gemini")

    async def stream(self, protocol: str, model: str, sink: Sink) -> None:
        read = ATTRIBUTE_READ[protocol]
        n = 0
        async with self._open(protocol, model) as s:
            async for event in s:
                piece = read(event)
                if piece:
                    sink(piece)
                    n += len(piece)
        final_text = _final_text(protocol, s)
        if final_text is not None and len(final_text) != n:
            raise AssertionError(f"final() text differs from the streamed text on {protocol}")


class TokenHotText(_TokenHotBase):
    """The same typed stream read through ``.text()`` (text pieces only, no events handed out)."""

    name = "aiotokenhot .text()"
    protocols = ("chat", "responses", "messages", "gemini")
    cold_start = None

    def _pieces(self, stream: Any, protocol: str) -> AsyncIterator[str | None]:
        return stream.text()  # type: ignore[no-any-return]


def _final_text(protocol: str, stream: Any) -> str | None:
    """The text of a drained stream's final answer (None when the shape is not known here)."""
    try:
        final = stream.final()
        if protocol == "chat":
            return final.choices[0].message.content  # type: ignore[no-any-return]
        if protocol == "responses":
            return final.output_text  # type: ignore[no-any-return]
        if protocol == "messages":
            return "".join(b.text for b in final.content if b.type == "text")
        return "".join(p.text or "" for p in final.candidates[0].content.parts)
    except (AttributeError, IndexError, TypeError):
        return None


class TokenHotUnified(_TokenHotBase):
    """``th.stream(model=..., messages=...)``: one delta stream whatever the protocol."""

    name = "aiotokenhot th.stream()"
    protocols = ("chat", "responses", "messages", "gemini")
    cold_start = None

    def _open(self, protocol: str, model: str) -> Any:
        kwargs: dict[str, Any] = {}
        if protocol == "responses":
            kwargs["protocol"] = "responses"
        return self._th.stream(model=model, messages=PROMPT, max_tokens=1024, **kwargs)

    def _pieces(self, stream: Any, protocol: str) -> AsyncIterator[str | None]:
        from aiotokenhot import TextDelta

        async def gen() -> AsyncIterator[str | None]:
            async for event in stream:
                yield event.text if isinstance(event, TextDelta) else None

        return gen()


class TokenHotCore(_TokenHotBase):
    """The core alone: transport + SSE decoder + Stream base + one small pydantic chunk model
    (uses the transport's private ``stream``: skipped with a reason if that changes)."""

    name = "aiotokenhot core (Stream + chunk model)"
    protocols = ("chat",)
    cold_start = None

    def _open(self, protocol: str, model: str) -> Any:
        from ._core import CoreChatStream

        return self._th._transport.stream(
            CoreChatStream, "POST", "/v1/chat/completions",
            json={"model": model, "messages": PROMPT, "stream": True},
        )

    async def request(self, protocol: str, model: str) -> None:
        from ._core import BenchCompletion

        result = await self._th._transport.request(
            "POST", "/v1/chat/completions", json={"model": model, "messages": PROMPT})
        result.parse(BenchCompletion)


# -- official SDKs ----------------------------------------------------------------------------------

def _require(module: str) -> Any:
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise ClientUnavailable(f"{module} is not installed (pip install -e '.[bench]')") from exc


class OpenAIClient(Client):
    """``openai.AsyncOpenAI`` on its default httpx transport."""

    name = "openai (httpx)"
    protocols = ("chat", "responses")
    cold_start = "openai"
    aiohttp = False

    async def start(self, base_url: str, limit: int) -> None:
        openai = _require("openai")
        httpx = _require("httpx2" if hasattr(openai, "DefaultAioHttpClient") else "httpx")
        limits = httpx.Limits(max_connections=limit, max_keepalive_connections=limit)
        if self.aiohttp:
            try:
                http_client = openai.DefaultAioHttpClient(limits=limits)
            except RuntimeError as exc:  # the aiohttp extra is missing
                raise ClientUnavailable(str(exc)) from exc
        else:
            http_client = openai.DefaultAsyncHttpxClient(limits=limits)
        # a generous timeout (also for connecting): on a loaded machine 500 connections opened
        # at once can take longer than the SDK's 5 s connect default, and that is not measured
        self._c = openai.AsyncOpenAI(api_key=KEY, base_url=base_url + "/v1", max_retries=0,
                                     http_client=http_client, timeout=60.0)

    async def aclose(self) -> None:
        await self._c.close()

    async def _open(self, protocol: str, model: str) -> Any:
        if protocol == "chat":
            return await self._c.chat.completions.create(
                model=model, messages=PROMPT, stream=True, stream_options={"include_usage": True}
            )
        return await self._c.responses.create(model=model, input="Say something long.", stream=True)

    @staticmethod
    def _text(protocol: str, event: Any) -> str | None:
        return ATTRIBUTE_READ[protocol](event)

    async def stream(self, protocol: str, model: str, sink: Sink) -> None:
        text = self._text
        async with await self._open(protocol, model) as s:
            async for event in s:
                piece = text(protocol, event)
                if piece:
                    sink(piece)

    async def request(self, protocol: str, model: str) -> None:
        if protocol == "chat":
            await self._c.chat.completions.create(model=model, messages=PROMPT)
        else:
            await self._c.responses.create(model=model, input="Say something long.")

    async def first_event(self, protocol: str, model: str) -> float:
        start = time.perf_counter()
        took = 0.0
        async with await self._open(protocol, model) as s:
            async for event in s:
                if not took and self._text(protocol, event):
                    took = time.perf_counter() - start
        return took

    async def open_stream(self, protocol: str, model: str) -> Closer:
        s = await self._open(protocol, model)
        await s.__aiter__().__anext__()
        return s.close  # type: ignore[no-any-return]


class OpenAIAiohttp(OpenAIClient):
    name = "openai (aiohttp transport)"
    aiohttp = True
    cold_start = None


class AnthropicClient(Client):
    """``anthropic.AsyncAnthropic`` (raw typed events of ``messages.create(stream=True)``)."""

    name = "anthropic (httpx)"
    protocols = ("messages",)
    cold_start = "anthropic"
    aiohttp = False

    async def start(self, base_url: str, limit: int) -> None:
        anthropic = _require("anthropic")
        httpx = _require("httpx2" if hasattr(anthropic, "DefaultAioHttpClient") else "httpx")
        limits = httpx.Limits(max_connections=limit, max_keepalive_connections=limit)
        if self.aiohttp:
            try:
                http_client = anthropic.DefaultAioHttpClient(limits=limits)
            except RuntimeError as exc:
                raise ClientUnavailable(str(exc)) from exc
        else:
            http_client = anthropic.DefaultAsyncHttpxClient(limits=limits)
        self._c = anthropic.AsyncAnthropic(api_key=KEY, base_url=base_url, max_retries=0,
                                           http_client=http_client, timeout=60.0)

    async def aclose(self) -> None:
        await self._c.close()

    async def _open(self, model: str) -> Any:
        return await self._c.messages.create(model=model, max_tokens=1024, messages=PROMPT,
                                             stream=True)

    @staticmethod
    def _text(event: Any) -> str | None:
        if event.type == "content_block_delta" and event.delta.type == "text_delta":
            return event.delta.text  # type: ignore[no-any-return]
        return None

    async def stream(self, protocol: str, model: str, sink: Sink) -> None:
        text = self._text
        async with await self._open(model) as s:
            async for event in s:
                piece = text(event)
                if piece:
                    sink(piece)

    async def request(self, protocol: str, model: str) -> None:
        await self._c.messages.create(model=model, max_tokens=1024, messages=PROMPT)

    async def first_event(self, protocol: str, model: str) -> float:
        start = time.perf_counter()
        took = 0.0
        async with await self._open(model) as s:
            async for event in s:
                if not took and self._text(event):
                    took = time.perf_counter() - start
        return took

    async def open_stream(self, protocol: str, model: str) -> Closer:
        s = await self._open(model)
        await s.__aiter__().__anext__()
        return s.close  # type: ignore[no-any-return]


class AnthropicAiohttp(AnthropicClient):
    name = "anthropic (aiohttp transport)"
    aiohttp = True
    cold_start = None


class GoogleGenAIClient(Client):
    """``google.genai.Client().aio`` (it uses aiohttp when aiohttp is installed)."""

    name = "google-genai"
    protocols = ("gemini",)
    cold_start = "google-genai"

    async def start(self, base_url: str, limit: int) -> None:
        genai = _require("google.genai")
        types = _require("google.genai.types")
        self._c = genai.Client(api_key=KEY, http_options=types.HttpOptions(
            base_url=base_url, api_version="v1beta"))
        self._aio = self._c.aio

    async def aclose(self) -> None:
        await self._aio.aclose()

    @staticmethod
    def _text(chunk: Any) -> str | None:
        cands = chunk.candidates
        return cands[0].content.parts[0].text if cands else None  # type: ignore[no-any-return]

    async def stream(self, protocol: str, model: str, sink: Sink) -> None:
        text = self._text
        async for chunk in await self._aio.models.generate_content_stream(
            model=model, contents="Say something long."
        ):
            piece = text(chunk)
            if piece:
                sink(piece)

    async def request(self, protocol: str, model: str) -> None:
        await self._aio.models.generate_content(model=model, contents="Say something long.")

    async def first_event(self, protocol: str, model: str) -> float:
        start = time.perf_counter()
        took = 0.0
        async for chunk in await self._aio.models.generate_content_stream(
            model=model, contents="Say something long."
        ):
            if not took and self._text(chunk):
                took = time.perf_counter() - start
        return took

    async def open_stream(self, protocol: str, model: str) -> Closer:
        gen = await self._aio.models.generate_content_stream(model=model, contents="Say something long.")
        await gen.__anext__()
        return gen.aclose  # type: ignore[no-any-return]


ALL_CLIENTS: tuple[type[Client], ...] = (
    RawBytes,
    RawOrjson,
    TokenHotNative,
    TokenHotText,
    TokenHotUnified,
    TokenHotCore,
    OpenAIClient,
    OpenAIAiohttp,
    AnthropicClient,
    AnthropicAiohttp,
    GoogleGenAIClient,
)
