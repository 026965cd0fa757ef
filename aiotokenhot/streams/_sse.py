"""An incremental, pure server-sent-events decoder: bytes in, events out.

It works on bytes, not text: the only bytes it splits on (LF, CR, colon) are ASCII, so a UTF-8
character cut across two network chunks is rejoined for free, and the JSON payload goes to the
parser as bytes without a decode step. This is the per-chunk hot path of every stream.
"""

from __future__ import annotations

from .._exceptions import EventTooLargeError

__all__ = ["DEFAULT_MAX_EVENT_SIZE", "SSEDecoder", "SSEEvent"]

DEFAULT_MAX_EVENT_SIZE = 16 * 1024 * 1024
_BOM = b"\xef\xbb\xbf"
# ``event:`` lines → decoded names, shared by every decoder: protocols use a few dozen names
_EVENT_NAMES: dict[bytes, str] = {}
_MAX_EVENT_NAMES = 512


class SSEEvent:
    """One dispatched event. ``data`` is the raw payload (lines joined by LF)."""

    __slots__ = ("data", "event", "id", "retry")

    def __init__(self, event: str, data: bytes, id: str | None = None, retry: int | None = None):
        self.event = event
        self.data = data
        self.id = id
        self.retry = retry

    def text(self) -> str:
        """``data`` as text (undecodable bytes replaced)."""
        return self.data.decode("utf-8", "replace")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SSEEvent):
            return NotImplemented
        return (self.event, self.data, self.id, self.retry) == (
            other.event, other.data, other.id, other.retry)

    def __repr__(self) -> str:
        return f"SSEEvent(event={self.event!r}, data={self.data[:80]!r}, id={self.id!r})"


class SSEDecoder:
    """Feed it chunks as they arrive; it returns the events each chunk completes.

    Follows the WHATWG event-stream rules: LF, CRLF and CR line ends; ``data`` lines joined by
    LF; comment lines (``: PING``) and unknown fields ignored; a leading BOM dropped; an event
    with no ``data:`` line is not dispatched. At a clean end of input, :meth:`finish` delivers a
    pending event whose lines are all complete (the closing blank line missing, as some servers
    write their last event); a half-written last line is a cut stream and stays pending.
    ``max_event_size`` bounds one event (its pending line plus its data) so a never-ending line
    cannot grow memory without limit.
    """

    __slots__ = (
        "_data",
        "_data_size",
        "_event",
        "_last_id",
        "_max",
        "_partial",
        "_partial_size",
        "_retry",
        "_skip_lf",
        "_start",
    )

    def __init__(self, max_event_size: int = DEFAULT_MAX_EVENT_SIZE) -> None:
        if max_event_size <= 0:
            raise ValueError("max_event_size must be positive")
        self._max = max_event_size
        self._partial: list[bytes] = []  # pieces of an unterminated line
        self._partial_size = 0
        self._data: list[bytes] = []
        self._data_size = 0
        self._event = ""
        self._last_id: str | None = None
        self._retry: int | None = None
        self._skip_lf = False  # previous chunk ended in CR: a leading LF belongs to it
        self._start: bytes | None = b""  # held back until we can tell whether a BOM leads

    def feed(self, chunk: bytes) -> list[SSEEvent]:
        if not chunk:
            return []
        if self._start is not None:
            chunk = self._strip_bom(chunk)
            if not chunk:
                return []
        if self._skip_lf:
            self._skip_lf = False
            if chunk[:1] == b"\n":
                chunk = chunk[1:]
                if not chunk:
                    return []
        if b"\r" in chunk:
            self._skip_lf = chunk[-1:] == b"\r"
            chunk = chunk.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        cut = chunk.rfind(b"\n")
        if cut < 0:
            self._partial.append(chunk)
            self._partial_size += len(chunk)
            if self._partial_size + self._data_size > self._max:
                raise EventTooLargeError(self._max)
            return []
        if self._partial:
            self._partial.append(chunk[:cut])
            block = b"".join(self._partial)
            self._partial = []
            self._partial_size = 0
        else:
            block = chunk[:cut]
        rest = chunk[cut + 1 :]
        if rest:
            self._partial.append(rest)
            self._partial_size = len(rest)
        return self._lines(block.split(b"\n"))

    def _strip_bom(self, chunk: bytes) -> bytes:
        start = self._start + chunk if self._start else chunk  # (no copy of a first chunk)
        if len(start) < 3 and _BOM.startswith(start):
            self._start = start
            return b""
        self._start = None
        return start[3:] if start.startswith(_BOM) else start

    def _lines(self, lines: list[bytes]) -> list[SSEEvent]:
        # The per-event hot path: state lives in locals and is written back once per feed;
        # ``data:`` and ``event:`` lines take the short branches, anything else the general one.
        events: list[SSEEvent] = []
        append = events.append
        data = self._data
        size = self._data_size
        name = self._event
        last_id = self._last_id
        retry = self._retry
        limit = self._max
        names = _EVENT_NAMES
        for line in lines:
            if not line:
                if data:
                    payload = data[0] if len(data) == 1 else b"\n".join(data)
                    append(SSEEvent(name or "message", payload, last_id, retry))
                    data = []
                    size = 0
                name = ""
                retry = None
                continue
            head = line[:6]
            if head == b"data: ":
                value = line[6:]
            elif head == b"event:":
                known = names.get(line)  # keyed by the whole line: no slicing when known
                if known is None:
                    value = line[7:] if line[6:7] == b" " else line[6:]
                    known = value.decode("utf-8", "replace")
                    if len(names) < _MAX_EVENT_NAMES:
                        names[line] = known
                name = known
                continue
            elif line[:1] == b":":
                continue
            else:
                colon = line.find(b":")
                if colon < 0:
                    field, value = line, b""
                else:
                    field, value = line[:colon], line[colon + 1 :]
                    if value[:1] == b" ":
                        value = value[1:]
                if field != b"data":
                    if field == b"event":
                        name = value.decode("utf-8", "replace")
                    elif field == b"id" and b"\x00" not in value:
                        last_id = value.decode("utf-8", "replace")
                    elif field == b"retry" and value.isdigit():
                        retry = int(value)
                    # unknown fields are ignored, as the spec says
                    continue
            size += len(value) + 1
            if size > limit:
                self._data, self._data_size, self._event = data, size, name
                self._last_id, self._retry = last_id, retry
                raise EventTooLargeError(limit)
            data.append(value)
        self._data = data
        self._data_size = size
        self._event = name
        self._last_id = last_id
        self._retry = retry
        if size + self._partial_size > limit:
            raise EventTooLargeError(limit)
        return events

    def finish(self) -> list[SSEEvent]:
        """The end of input was clean: deliver the last event if all its lines are complete.

        Returns that event (or nothing). A half-written last line is left pending, so
        :meth:`pending` still reports the cut.
        """
        if self._partial or self._start:
            return []
        return self._lines([b""])

    def pending(self) -> bool:
        """True when an event (or a line) was started but not finished."""
        return bool(self._data or self._partial)
