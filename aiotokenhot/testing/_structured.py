"""The fake gateway's structured outputs: deterministic JSON that satisfies the asked schema.

Every protocol's route calls :func:`schema_reply` when the request asks for JSON of a schema
(chat ``response_format``, Responses ``text.format``, Anthropic ``output_format``, Gemini
``responseJsonSchema`` / ``responseSchema``). A string named like a name (``name``, ``title``,
``city``, ``*_name``...) gets the prompt's last capitalised word ("Tell me about Paris" ->
"Paris"), other strings what the prompt is about (with any leading ``#n`` mark), numbers
are 42 / 1.5, arrays hold one item, ``anyOf`` takes its first non-null branch, ``$ref`` is
followed. A prompt containing "refuse" gets a refusal instead; one containing "malformed"
gets JSON that does not match the schema.
"""

from __future__ import annotations

import json
from typing import Any

from ._replies import _STOPWORDS, topic_of

__all__ = ["REFUSAL", "sample_string", "schema_reply", "schema_sample", "wants_refusal"]

REFUSAL = "I can't help with that request."


def wants_refusal(prompt: str) -> bool:
    return "refuse" in prompt.lower()


_NAME_KEYS = frozenset(("name", "names", "title", "city", "cities", "country", "countries",
                        "place", "places", "location", "person", "people", "author", "authors",
                        "capital", "label", "company", "brand", "product"))
_PUNCTUATION = ".,;:!?\"'()[]{}"


def _is_name_key(key: str) -> bool:
    low = key.lower()
    return low in _NAME_KEYS or low.endswith(("_name", "_names")) or (
        low.endswith("name") and len(low) > 4)


def _proper_name(prompt: str) -> str:
    """The prompt's last capitalised word that is not a stop word ("Tell me about Paris" ->
    "Paris"), else the capitalised last word of its topic, else "Alpha"."""
    words = [w.strip(_PUNCTUATION) for w in prompt.split() if not w.startswith("#")]
    capitalised = [w for w in words if w[:1].isupper() and w.lower() not in _STOPWORDS]
    if capitalised:
        return capitalised[-1]
    topic = topic_of(prompt)
    return topic.split()[-1].capitalize() if topic != "this" else "Alpha"


def _phrase(prompt: str) -> str:
    """What the prompt is about, keeping a leading ``#n`` mark (so choices ``n > 1`` differ)."""
    marks = [w for w in prompt.split() if w.startswith("#")][:1]
    topic = topic_of(prompt)
    return " ".join([*marks, topic if topic != "this" else "alpha"])


def schema_sample(schema: Any, prompt: str, defs: dict[str, Any] | None = None, depth: int = 0,
                  key: str = "") -> Any:
    """A value of ``schema`` (JSON Schema, any key casing Gemini uses) for the property ``key``."""
    if not isinstance(schema, dict) or depth > 8:
        return None
    defs = {**(defs or {}), **schema.get("$defs", {}), **schema.get("definitions", {})}
    ref = schema.get("$ref")
    if isinstance(ref, str):
        return schema_sample(defs.get(ref.rsplit("/", 1)[-1]), prompt, defs, depth + 1, key)
    for combinator in ("anyOf", "oneOf", "allOf"):
        branches = schema.get(combinator)
        if isinstance(branches, list) and branches:
            chosen = next((b for b in branches if isinstance(b, dict) and b.get("type") != "null"),
                          branches[0])
            return schema_sample(chosen, prompt, defs, depth + 1, key)
    enum = schema.get("enum")
    if isinstance(enum, list) and enum:
        return enum[0]
    if "const" in schema:
        return schema["const"]
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    kind = str(kind).lower() if kind else ("object" if "properties" in schema else "string")
    if kind == "object":
        props = schema.get("properties") or {}
        return {name: schema_sample(sub, prompt, defs, depth + 1, str(name))
                for name, sub in props.items()}
    if kind == "array":
        return [schema_sample(schema.get("items") or {}, prompt, defs, depth + 1, key)]
    if kind == "integer":
        return 42
    if kind == "number":
        return 1.5
    if kind == "boolean":
        return True
    if kind == "null":
        return None
    return sample_string(prompt, key)


def sample_string(prompt: str, key: str = "") -> str:
    """A string for the property ``key`` answering ``prompt``: a proper name for a name-like
    key, else what the prompt is about."""
    return _proper_name(prompt) if _is_name_key(key) else _phrase(prompt)


def schema_reply(schema: Any, prompt: str) -> str:
    """The JSON text of the reply (a value that breaks the schema for a "malformed" prompt)."""
    if "malformed" in prompt.lower():
        return json.dumps({"unexpected": True})
    return json.dumps(schema_sample(schema, prompt), separators=(",", ":"))
