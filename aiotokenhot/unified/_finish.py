"""Why a reply ended, normalised: the one rule every protocol's adapter uses.

Each protocol names its known reasons in a table (``{"stop": "stop", "length": "length"...}``).
A reason the table does not know is never read as a normal stop:

- error-like names (``network_error``, ``failed``, ``timeout``, ``aborted``...) → ``error``;
- safety-like names (``sensitive``, ``SAFETY``, ``content_filter``, ``blocked``...) →
  ``content_filter``;
- anything else, the empty string included → ``other`` (the catch-all).

``raw_reason`` always keeps what the protocol sent. A reply that ends normally while it holds
tool calls ends in ``tool_calls`` whatever the protocol said (Gemini says STOP). A stream that
reached its terminator without any reason ends in ``stop``.
"""

from __future__ import annotations

from collections.abc import Mapping

from ._events import Finish, FinishReason

__all__ = ["normalize_finish"]

_ERROR_LIKE = ("error", "fail", "abort", "timeout", "timed_out", "network", "cancel",
               "interrupt", "exception", "disconnect", "malformed", "unexpected")
_SAFETY_LIKE = ("safety", "sensitive", "filter", "block", "prohibit", "refus", "recitation",
                "spii", "moderat", "policy", "harm", "unsafe", "censor", "violat")


def normalize_finish(raw: str | None, known: Mapping[str, FinishReason],
                     has_tool_calls: bool) -> Finish:
    """The unified :class:`Finish` for a protocol's raw reason (see the module doc)."""
    if raw is None:
        reason: FinishReason = "stop"
    else:
        found = known.get(raw)
        reason = found if found is not None else _unknown(raw)
    if reason == "stop" and has_tool_calls:
        reason = "tool_calls"
    return Finish(reason, raw)


def _unknown(raw: str) -> FinishReason:
    name = raw.lower()
    if any(word in name for word in _ERROR_LIKE):
        return "error"
    if any(word in name for word in _SAFETY_LIKE):
        return "content_filter"
    return "other"
