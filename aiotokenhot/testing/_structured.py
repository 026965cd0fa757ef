"""The fake gateway's structured outputs: deterministic JSON that satisfies the asked schema.

Every protocol's route calls :func:`schema_reply` when the request asks for JSON of a schema
(chat ``response_format``, Responses ``text.format``, Anthropic ``output_format``, Gemini
``responseJsonSchema`` / ``responseSchema``). Strings echo the prompt's first words, numbers
are 42 / 1.5, arrays hold one item, ``anyOf`` takes its first non-null branch, ``$ref`` is
followed. A prompt containing "refuse" gets a refusal instead; one containing "malformed"
gets JSON that does not match the schema.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["REFUSAL", "schema_reply", "schema_sample", "wants_refusal"]

REFUSAL = "I can't help with that request."


def wants_refusal(prompt: str) -> bool:
    return "refuse" in prompt.lower()


def schema_sample(schema: Any, prompt: str, defs: dict[str, Any] | None = None, depth: int = 0) -> Any:
    """A value of ``schema`` (JSON Schema, any key casing Gemini uses)."""
    if not isinstance(schema, dict) or depth > 8:
        return None
    defs = {**(defs or {}), **schema.get("$defs", {}), **schema.get("definitions", {})}
    ref = schema.get("$ref")
    if isinstance(ref, str):
        return schema_sample(defs.get(ref.rsplit("/", 1)[-1]), prompt, defs, depth + 1)
    for key in ("anyOf", "oneOf", "allOf"):
        branches = schema.get(key)
        if isinstance(branches, list) and branches:
            chosen = next((b for b in branches if isinstance(b, dict) and b.get("type") != "null"),
                          branches[0])
            return schema_sample(chosen, prompt, defs, depth + 1)
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
        return {name: schema_sample(sub, prompt, defs, depth + 1) for name, sub in props.items()}
    if kind == "array":
        return [schema_sample(schema.get("items") or {}, prompt, defs, depth + 1)]
    if kind == "integer":
        return 42
    if kind == "number":
        return 1.5
    if kind == "boolean":
        return True
    if kind == "null":
        return None
    return " ".join(prompt.split()[:4]) or "alpha"


def schema_reply(schema: Any, prompt: str) -> str:
    """The JSON text of the reply (a value that breaks the schema for a "malformed" prompt)."""
    if "malformed" in prompt.lower():
        return json.dumps({"unexpected": True})
    return json.dumps(schema_sample(schema, prompt), separators=(",", ":"))
