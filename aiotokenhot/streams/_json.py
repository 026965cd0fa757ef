"""JSON of one event, the same for every protocol: fast parse, one tolerant fallback.

Some gateways cut a text piece between the two UTF-16 halves of a character and write each
half as a JSON escape (``"ab\\ud83d"`` then ``"\\ude00c"``). Strict parsers refuse such
strings. :class:`EventJSON` reads them with the standard library's parser instead and keeps a
trailing high surrogate back until the string at the same place in the next event completes
it, so no delivered piece holds half a character that a later piece completes: the pieces
become ``"ab"`` and ``"😀c"``. The place of a string is its path of keys; a list item with an
``index`` field is named by that index (so choice 1 never completes choice 0's character).
"""

from __future__ import annotations

import json
from typing import Any

import pydantic_core

__all__ = ["EventJSON"]

_from_json = pydantic_core.from_json
Path = tuple[Any, ...]


class EventJSON:
    """Parses a stream's events; holds the surrogate halves waiting for their partner."""

    __slots__ = ("carry",)

    def __init__(self) -> None:
        #: path -> a high surrogate held back from the last string seen there
        self.carry: dict[Path, str] = {}

    def tolerant(self, data: bytes) -> Any:
        """The slow path: JSON that only a surrogate-tolerant parser accepts (else ValueError)."""
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise ValueError("not UTF-8") from None
        obj = json.loads(text)  # ValueError (JSONDecodeError) if it is really broken
        return self.repair(obj)

    def repair(self, obj: Any) -> Any:
        """``obj`` with split surrogate pairs joined across events (see the module doc)."""
        return _walk(obj, (), self.carry)


def _walk(value: Any, path: Path, carry: dict[Path, str]) -> Any:
    if isinstance(value, str):
        held = carry.pop(path, None)
        if held is not None:  # the two halves become one character
            value = (held + value).encode("utf-16-le", "surrogatepass").decode(
                "utf-16-le", "surrogatepass")
        if value and "\ud800" <= value[-1] <= "\udbff":
            carry[path] = value[-1]
            value = value[:-1]
        return value
    if isinstance(value, dict):
        return {k: _walk(v, (*path, k), carry) for k, v in value.items()}
    if isinstance(value, list):
        out = []
        for pos, item in enumerate(value):
            key = item.get("index", pos) if isinstance(item, dict) else pos
            out.append(_walk(item, (*path, key if isinstance(key, int) else pos), carry))
        return out
    return value
