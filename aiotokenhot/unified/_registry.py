"""One record per wire protocol: everything outside the protocol's package needs to know.

The client (``protocol="auto"``), the transport (which auth header a path takes), the batch
runner (which routes a line may target), the CLI (``--protocol`` choices) and the fake
gateway (auth and error dialect per path) all read :data:`REGISTRY`. Classes are named by
import path and loaded on first use, so reading a record imports no protocol module.

Adding a protocol = one package under ``aiotokenhot/protocols/`` (types, native stream with
its fold, ``_unified.py`` adapter; see ``unified/_adapter.py``) + one record here.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from .._exceptions import InvalidRequestError

if TYPE_CHECKING:
    from ._adapter import UnifiedAdapter
    from ._stream import UnifiedStream

__all__ = [
    "PROTOCOLS",
    "REGISTRY",
    "AuthFamily",
    "ProtocolRecord",
    "auth_family",
    "batch_routes",
    "pick_protocol",
    "record",
]

#: how a path is authenticated: ``Authorization: Bearer``, Anthropic's ``x-api-key`` or
#: Google's ``x-goog-api-key`` (the bearer header is sent with all of them)
AuthFamily = Literal["bearer", "x-api-key", "x-goog-api-key"]


def _load(path: str) -> Any:
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)


@dataclass(frozen=True)
class ProtocolRecord:
    """What the rest of the SDK knows about one protocol."""

    #: the name users pass as ``protocol=`` (and the fake gateway's dialect)
    name: str
    #: path prefixes the protocol owns (auth family; batch routes when ``batch`` is True)
    routes: tuple[str, ...]
    auth: AuthFamily
    #: ``"module:Class"`` of the native stream
    native_stream: str
    #: ``"module:Class"`` of its :class:`UnifiedStream` subclass (None: not in the unified API)
    unified_stream: str | None = None
    #: ``protocol="auto"`` picks this protocol for a model name when this returns True
    model_rule: Callable[[str], bool] | None = None
    #: exact routes a batch line may target with a whole (non-streamed) request
    batch_routes: tuple[str, ...] = field(default=())

    def unified(self) -> type[UnifiedStream]:
        """The unified stream class (imports the protocol's package)."""
        if self.unified_stream is None:
            raise InvalidRequestError(f"the {self.name} protocol is not in the unified API")
        cls: type[UnifiedStream] = _load(self.unified_stream)
        return cls

    def adapter(self) -> UnifiedAdapter:
        adapter = self.unified().adapter
        if adapter is None:
            raise InvalidRequestError(f"the {self.name} unified stream names no adapter")
        return adapter


def _named(word: str) -> Callable[[str], bool]:
    def rule(model: str) -> bool:
        return word in model.lower()

    rule.__doc__ = f"model names containing {word!r}"
    return rule


REGISTRY: tuple[ProtocolRecord, ...] = (
    ProtocolRecord(
        "openai", ("/v1/chat/completions",), "bearer",
        "aiotokenhot.protocols.chat._stream:ChatCompletionStream",
        "aiotokenhot.protocols.chat._unified:ChatUnifiedStream",
        batch_routes=("/v1/chat/completions",),
    ),
    ProtocolRecord(
        "responses", ("/v1/responses",), "bearer",
        "aiotokenhot.protocols.responses._stream:ResponseStream",
        "aiotokenhot.protocols.responses._unified:ResponsesUnifiedStream",
        batch_routes=("/v1/responses", "/v1/responses/compact"),
    ),
    ProtocolRecord(
        "anthropic", ("/v1/messages", "/v1/complete"), "x-api-key",
        "aiotokenhot.protocols.messages._stream:MessageStream",
        "aiotokenhot.protocols.messages._unified:AnthropicUnifiedStream",
        model_rule=_named("claude"),
        batch_routes=("/v1/messages", "/v1/complete"),
    ),
    ProtocolRecord(
        "gemini", ("/v1beta/",), "x-goog-api-key",
        "aiotokenhot.protocols.gemini._stream:GenerateContentStream",
        "aiotokenhot.protocols.gemini._unified:GeminiUnifiedStream",
        model_rule=_named("gemini"),
    ),
    ProtocolRecord(
        "completions", ("/v1/completions",), "bearer",
        "aiotokenhot.protocols.completions._stream:TextCompletionStream",
        batch_routes=("/v1/completions",),
    ),
)
#: the protocol ``auto`` falls back to when no model rule matches
DEFAULT_PROTOCOL = "openai"
_BY_NAME = {r.name: r for r in REGISTRY}
#: protocols of the unified API (``th.stream(protocol=...)``, the CLI's ``--protocol``)
PROTOCOLS: tuple[str, ...] = tuple(r.name for r in REGISTRY if r.unified_stream)
_AUTH = sorted(((prefix, r.auth) for r in REGISTRY for prefix in r.routes),
               key=lambda item: -len(item[0]))


def record(name: str) -> ProtocolRecord:
    """The record of ``name`` (``KeyError`` for an unknown name)."""
    return _BY_NAME[name]


def pick_protocol(model: str, protocol: str) -> str:
    """``auto``: the first record whose model rule matches (Claude → Anthropic Messages,
    Gemini → Gemini), else Chat Completions. A forced protocol must be in the unified API."""
    if protocol != "auto":
        if protocol not in PROTOCOLS:
            raise InvalidRequestError(
                f"protocol must be 'auto' or one of {', '.join(PROTOCOLS)}; got {protocol!r}"
            )
        return protocol
    for r in REGISTRY:
        if r.model_rule is not None and r.unified_stream and r.model_rule(model):
            return r.name
    return DEFAULT_PROTOCOL


def auth_family(path: str) -> AuthFamily:
    """The auth family of a request path (longest matching route prefix; bearer otherwise)."""
    for prefix, family in _AUTH:
        if path.startswith(prefix):
            return family
    return "bearer"


def batch_routes() -> frozenset[str]:
    """Every protocol's whole-answer routes."""
    return frozenset(route for r in REGISTRY for route in r.batch_routes)
