"""Deterministic reply text shared by every fake route, so tests can predict it."""

from __future__ import annotations

import hashlib
from typing import Any

__all__ = ["REPLY_STYLES", "count_tokens", "prose", "reply_pieces", "text_of", "topic_of"]

_STOPWORD_TEXT = (
    "a an the and or but of to in on at for with from by about as is are was were be been do "
    "does did can could should would will shall may might must i me my we our you your it its "
    "this that these those what why how when where which who whom whose please tell give "
    "explain say me us them they he she his her there here some any make makes made handle "
    "briefly quickly simply short one line summarise summarize describe"
)
_STOPWORDS = frozenset(_STOPWORD_TEXT.split(" "))
_OPENERS = (
    "Good question about {topic}.",
    "Here is the short version on {topic}.",
    "When it comes to {topic}, a few things matter.",
    "On {topic}, the answer is simpler than it looks.",
)
_BODY = (
    "It mostly comes down to latency, cost and how much state you keep.",
    "Start with the simplest setup and measure before tuning.",
    "Reusing what you already have usually beats building something new.",
    "The details depend on your workload, but the pattern holds.",
    "Small, steady steps tend to work better than one big change.",
    "If in doubt, try it on a sample first and compare.",
    "Write down the trade-off you chose so the next person knows why.",
)

#: ``FakeTokenHot(replies=...)``: "echo" repeats the prompt first (what tests predict), "prose"
#: answers in short sentences about the prompt's topic (what the demo and fake-server show).
REPLY_STYLES = ("echo", "prose")


def topic_of(prompt: str) -> str:
    """Up to four content words of ``prompt`` (no stop words or punctuation), or "this"."""
    words = [w.strip(".,;:!?\"'()[]{}") for w in prompt.split()]
    kept = [w for w in words if w and w.lower() not in _STOPWORDS and not w.startswith("#")]
    return " ".join(kept[:4]) or "this"


def prose(prompt: str, words: int) -> list[str]:
    """At least ``words`` words of plausible answer about ``prompt`` (deterministic)."""
    seed = hashlib.sha256(prompt.encode()).digest()
    out = _OPENERS[seed[0] % len(_OPENERS)].format(topic=topic_of(prompt)).split()
    i = seed[1]
    while len(out) < words:
        out += _BODY[i % len(_BODY)].split()
        i += 1 + seed[2] % 3
    return out


def reply_pieces(prompt: str, words: int, style: str = "echo") -> list[str]:
    """The reply to ``prompt`` as ``words`` stream pieces (one word each, spaces kept with the word).

    ``style="echo"`` (the default): ``"Echo: <first 8 words of prompt> <answer...>"``, so tests
    can predict how a reply starts; ``style="prose"``: only the answer, short sentences about the
    prompt's topic, ending on a full sentence when one ends in the second half (so it may be a
    few words shorter). Either way a given prompt always gets the same reply.
    """
    head = ["Echo:", *prompt.split()[:8]] if style == "echo" else []
    body = prose(prompt, max(0, words - len(head)))
    out = (head + body)[: max(1, words)]
    if style == "prose":  # end on a full sentence when one ends in the second half
        ends = [i for i, w in enumerate(out) if w.endswith(".") and i + 1 >= len(out) / 2]
        out = out[: ends[-1] + 1] if ends else out
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
