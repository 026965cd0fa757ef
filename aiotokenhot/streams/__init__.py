"""Stream decoders: the incremental SSE decoder and the stream object every protocol builds on."""

from ._sse import DEFAULT_MAX_EVENT_SIZE, SSEDecoder, SSEEvent
from ._stream import Stream

__all__ = ["DEFAULT_MAX_EVENT_SIZE", "SSEDecoder", "SSEEvent", "Stream"]
