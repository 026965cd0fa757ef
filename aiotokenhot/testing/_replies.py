"""Deterministic reply text shared by every fake route, so tests can predict it."""

from __future__ import annotations

import hashlib
from typing import Any

__all__ = ["count_tokens", "reply_pieces", "text_of"]

_VOCAB = ("alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india",
          "juliett", "kilo", "lima", "mike", "november", "oscar", "papa")


def reply_pieces(prompt: str, words: int) -> list[str]:
    """The reply to ``prompt`` as stream pieces (one word each, spaces kept with the word).

    Joined, the pieces are ``"Echo: <first words of prompt> <filler...>"``; the filler is drawn
    from a fixed vocabulary seeded by the prompt, so a given prompt always gets the same reply.
    """
    head = ["Echo:", *prompt.split()[:8]]
    seed = hashlib.sha256(prompt.encode()).digest()
    body = [_VOCAB[seed[i % len(seed)] % len(_VOCAB)] for i in range(max(0, words - len(head)))]
    out = (head + body)[: max(1, words)]
    return [w if i == len(out) - 1 else w + " " for i, w in enumerate(out)]


def count_tokens(text: str) -> int:
    """The fake's token count: whitespace-separated words (at least 1 for non-empty text)."""
    return len(text.split())


def text_of(content: Any) -> str:
    """Plain text from any protocol's content: string, parts list, or blocks."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(t for t in (text_of(p) for p in content) if t)
    if isinstance(content, dict):
        for key in ("text", "input_text", "output_text"):
            if isinstance(content.get(key), str):
                return str(content[key])
        for key in ("content", "parts"):
            if key in content:
                return text_of(content[key])
    return ""
