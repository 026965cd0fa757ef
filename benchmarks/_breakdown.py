"""Where a stream's CPU goes, per event, without the network: the profile behind the targets.

For each protocol the same pre-rendered realistic payload is pushed through each stage alone: the SSE
decoder, ``orjson.loads`` (the raw ceiling's parse), and each stream's ``_on_event`` (JSON →
typed event → accumulation). The rest of a full stream's cost (aiohttp, the async iterator)
is the difference to the stream table's µs CPU/event.
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Callable
from functools import partial
from importlib.util import find_spec
from typing import Any

from ._payloads import PROTOCOLS, stream_events
from ._report import Row, Table

__all__ = ["breakdown"]

_NATIVE = {
    "chat": ("aiotokenhot.protocols.chat._stream", "ChatCompletionStream"),
    "responses": ("aiotokenhot.protocols.responses._stream", "ResponseStream"),
    "messages": ("aiotokenhot.protocols.messages._stream", "MessageStream"),
    "gemini": ("aiotokenhot.protocols.gemini._stream", "GenerateContentStream"),
}
_UNIFIED = {"chat": "openai", "responses": "responses", "messages": "anthropic", "gemini": "gemini"}


async def _never() -> Any:
    raise RuntimeError("not opened: the breakdown feeds events by hand")


def _stream_classes(protocol: str) -> dict[str, type[Any]]:
    found: dict[str, type[Any]] = {}
    module, name = _NATIVE[protocol]
    try:
        found["native _on_event"] = getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError):
        pass
    try:
        from aiotokenhot.unified._registry import record

        found["unified _on_event"] = record(_UNIFIED[protocol]).unified()
    except (ImportError, KeyError):
        pass
    if protocol == "chat":
        from ._core import CoreChatStream

        found["core-only _on_event (small model)"] = CoreChatStream
    return found


def _per_event(fn: Callable[[], int], reps: int) -> float:
    """Best of ``reps`` runs, in µs per event (``fn`` returns how many events it handled)."""
    best = float("inf")
    for _ in range(reps):
        start = time.process_time()
        count = fn()
        best = min(best, (time.process_time() - start) / max(count, 1) * 1e6)
    return best


def _decode(chunks: list[bytes]) -> int:
    from aiotokenhot.streams import SSEDecoder

    decoder = SSEDecoder()
    return sum(len(decoder.feed(c)) for c in chunks)


def _parse(datas: list[bytes]) -> int:
    import orjson

    loads = orjson.loads
    for d in datas:
        loads(d)
    return len(datas)


def _feed(cls: type[Any], events: list[Any]) -> int:
    on_event = cls(_never)._on_event
    for sse in events:
        on_event(sse)
    return len(events)


def _feed_and_read(cls: type[Any], read: Callable[[Any], Any], events: list[Any]) -> int:
    """``_feed`` plus the user's attribute read of each event handed out."""
    on_event = cls(_never)._on_event
    for sse in events:
        event = on_event(sse)
        if event is not None:
            read(event)
    return len(events)


def _validate_once(model: type[Any], datas: list[bytes]) -> int:
    """The public model's own ``model_validate_json`` of each event: validating once, eagerly."""
    validate = model.model_validate_json
    for d in datas:
        validate(d)
    return len(datas)


_MODELS = {
    "chat": ("aiotokenhot.protocols.chat", "ChatCompletionChunk"),
    "gemini": ("aiotokenhot.protocols.gemini", "GenerateContentResponse"),
}


def breakdown(n: int, reps: int = 3) -> Table:
    from aiotokenhot.streams import SSEDecoder

    table = Table("Where the time goes: CPU per event, realistic streams, no network (best of runs)",
                  ["µs/event"], "µs/event", False, "orjson.loads")
    for protocol in PROTOCOLS:
        body = b"".join(stream_events(protocol, n, real=True))
        chunks = [body[i:i + 65536] for i in range(0, len(body), 65536)]
        decoder = SSEDecoder()
        events = [sse for c in chunks for sse in decoder.feed(c)]
        datas = [e.data for e in events if e.data != b"[DONE]"]
        stages: list[tuple[str, Callable[[], int]]] = [("SSE decoder", partial(_decode, chunks))]
        if find_spec("orjson") is not None:
            stages.append(("orjson.loads", partial(_parse, datas)))
        classes = _stream_classes(protocol)
        stages += [(label, partial(_feed, cls, events)) for label, cls in classes.items()]
        if "native _on_event" in classes:
            from ._clients import ATTRIBUTE_READ

            stages.append(("native _on_event + attribute read",
                           partial(_feed_and_read, classes["native _on_event"],
                                   ATTRIBUTE_READ[protocol], events)))
        if protocol in _MODELS:
            module, name = _MODELS[protocol]
            try:
                model = getattr(importlib.import_module(module), name)
            except (ImportError, AttributeError):
                model = None
            if model is not None:
                stages.append((f"{name}.model_validate_json alone",
                               partial(_validate_once, model, datas)))
        for label, fn in stages:
            try:
                cost = _per_event(fn, reps)
            except Exception as exc:  # a module mid-change must not stop the run
                table.notes.append(f"{protocol} · {label}: {type(exc).__name__}: {exc}")
                continue
            table.rows.append(Row(label, protocol, "aiotokenhot" if "_on_event" in label else "raw",
                                  {"µs/event": cost}))
    table.notes.append("`_on_event` is the protocol's whole per-event work: JSON → typed event "
                       "(pydantic-core `validate_json`) plus accumulation for `final()`; the "
                       "stream table's µs CPU/event adds aiohttp and the async iteration (and, "
                       "for the typed row, the user's attribute reads). `_on_event` is the "
                       "streams' internal hook: a stream code without it shows here as a note")
    return table
