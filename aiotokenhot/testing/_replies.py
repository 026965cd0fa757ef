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

_VOCAB = ("alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india",
          "juliett", "kilo", "lima", "mike", "november", "oscar", "papa")

#: ``FakeTokenHot(replies=...)``: "echo" repeats the prompt first (what tests predict), "prose"
#: answers in short sentences about the prompt's topic (what the demo and fake-server show).
REPLY_STYLES = ("echo", "prose")


_ARTICLES = frozenset(("a", "an", "the"))


def topic_of(prompt: str) -> str:
    """What ``prompt`` asks about, to name in a reply: its last run of content words (no stop
    words, punctuation or ``#`` marks; at most four), with the article before it ("What belongs
    in a good error message?" -> "a good error message"), or "this"."""
    words = [w.strip(".,;:!?\"'()[]{}") for w in prompt.split()]
    words = [w for w in words if w and not w.startswith("#")]
    runs: list[tuple[int, int]] = []
    for i, w in enumerate(words):
        if w.lower() in _STOPWORDS:
            continue
        if runs and runs[-1][1] == i:
            runs[-1] = (runs[-1][0], i + 1)
        else:
            runs.append((i, i + 1))
    if not runs:
        return "this"
    start, end = runs[-1]
    kept = words[start:min(end, start + 4)]
    if start and words[start - 1].lower() in _ARTICLES:
        kept.insert(0, words[start - 1].lower())
    return " ".join(kept)


def prose(prompt: str, words: int) -> list[str]:
    """A plausible answer about ``prompt`` (deterministic), as words: whole sentences, as many
    as fit in ``words`` (at least the opening one, cut if it is longer than ``words``)."""
    seed = hashlib.sha256(prompt.encode()).digest()
    out = _OPENERS[seed[0] % len(_OPENERS)].format(topic=topic_of(prompt)).split()
    start, step = seed[1], 1 + seed[2] % 3
    for j in range(len(_BODY)):
        sentence = _BODY[(start + j * step) % len(_BODY)].split()
        if len(out) + len(sentence) <= words:
            out += sentence
    return out[: max(1, words)]


def reply_pieces(prompt: str, words: int, style: str = "echo") -> list[str]:
    """The reply to ``prompt`` as stream pieces (one word each, spaces kept with the word).

    ``style="echo"`` (the default): exactly ``words`` pieces, ``"Echo: <first 8 words of
    prompt> <filler...>"``, the filler drawn from a fixed vocabulary seeded by the prompt, so
    tests can predict the whole reply; ``style="prose"``: whole
    sentences about the prompt's topic, as many as fit in ``words`` (so often a few words
    fewer). Either way a given prompt always gets the same reply.
    """
    if style == "echo":
        head = ["Echo:", *prompt.split()[:8]]
        seed = hashlib.sha256(prompt.encode()).digest()
        filler = [_VOCAB[seed[i % len(seed)] % len(_VOCAB)]
                  for i in range(max(0, words - len(head)))]
        out = (head + filler)[: max(1, words)]
    else:
        out = prose(prompt, words)
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
