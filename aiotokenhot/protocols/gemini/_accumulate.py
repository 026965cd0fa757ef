"""The Gemini accumulator: ``streamGenerateContent`` chunks (plain JSON dicts) merged into one answer.

Rules:

- a candidate is identified by its ``index`` field (its position only when the field is absent);
- its parts are kept in order; adjacent text parts (answer and thought runs apart) are joined
  when the result is built;
- every other field, of a candidate or of the chunk (``finishReason``, ``usageMetadata``...),
  keeps its latest non-null value: a later chunk without a field never erases it, and a
  usage-only chunk after the finish still counts; ``responseId`` and ``modelVersion`` keep their
  first non-empty value;
- camelCase and snake_case keys are both read (some gateways write snake_case).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from itertools import groupby
from typing import Any

import pydantic_core
from pydantic.alias_generators import to_snake

from ...streams._fold import CallPieces
from ._types import Candidate, Content, GenerateContentResponse, Part

__all__ = [
    "CandidateState", "GeminiAccumulator", "function_call_id", "merge_parts",
]

_SNAKE: dict[str, str] = {}
#: chunk fields whose first non-empty value stands (a gateway's empty placeholder is replaced)
_FIRST = frozenset({"response_id", "model_version"})


def function_call_id(response_id: str | None, position: int, name: str, raw_arguments: str) -> str:
    """An id for a function call Gemini sent without one: the same for the same reply and call
    (so a streamed and a derived result agree), different across replies."""
    seed = f"{response_id or ''}|{position}|{name}|{raw_arguments}".encode()
    return "call_" + hashlib.sha256(seed).hexdigest()[:24]


def _text(value: Any) -> str:
    if value is None:
        return ""
    if value.__class__ is not str:
        raise TypeError("a function call's id and name must be strings")
    return value


def _snake(key: str) -> str:
    """``key`` in snake_case, cached (callers try ``_SNAKE`` first)."""
    name = to_snake(key)
    if len(_SNAKE) < 1024:
        _SNAKE[key] = name
    return name


@dataclass(slots=True, eq=False)
class CandidateState:
    """What one candidate accumulated: parts in order (a plain answer-text part as a bare str),
    its role, the latest value of every other field (snake_case keys), and the growing
    ``content``, ``reasoning`` and ``calls`` lists the unified stream reads."""

    parts: list[Any] = field(default_factory=list)  # str or dict
    role: str | None = None
    fields: dict[str, Any] = field(default_factory=dict)
    content: list[str] = field(default_factory=list)
    reasoning: list[str] = field(default_factory=list)
    calls: list[CallPieces] = field(default_factory=list)

    def build(self, index: int) -> Candidate:
        content = Content(role=self.role or "model", parts=_merge(self.parts))
        return Candidate.model_validate({**self.fields, "content": content, "index": index})


@dataclass(slots=True, eq=False)
class GeminiAccumulator:
    """Folds Gemini stream chunks, as JSON dicts, into the answer they describe."""

    candidates: dict[int, CandidateState] = field(default_factory=dict)
    fields: dict[str, Any] = field(default_factory=dict)  # usage_metadata, model_version...
    chunks: int = 0
    #: the answer text the last chunk added to candidate 0 (``""`` if none)
    text: str = ""

    def add(self, chunk: dict[str, Any]) -> Any:
        """Fold one chunk (the answer text it adds to candidate 0 is then :attr:`text`); returns
        what it did to candidate 0 (see :class:`~aiotokenhot.streams._fold.Fold`)."""
        self.chunks += 1
        self.text = ""
        fields = self.fields
        candidates = None
        for key, value in chunk.items():
            if key == "candidates":
                candidates = value
            elif value is not None:
                name = _SNAKE.get(key) or _snake(key)
                if name not in _FIRST or not fields.get(name):
                    fields[name] = value
        if candidates is None:
            return None
        if candidates.__class__ is not list:
            raise TypeError("candidates must be a list")
        change: Any = None
        accumulated = self.candidates
        for position, candidate in enumerate(candidates):
            if candidate.__class__ is not dict:
                raise TypeError("a candidate must be an object")
            index = candidate.get("index")
            if index is None:
                index = position
            elif index.__class__ is not int:
                raise TypeError("a candidate's index must be an integer")
            acc = accumulated.get(index)
            if acc is None:
                acc = accumulated[index] = CandidateState()
                if index == 0:
                    change = True  # the candidate itself is new
            for key, value in candidate.items():
                if key == "content":
                    if value is not None:
                        done = self._content(acc, value, index == 0)
                        if index == 0 and done is not None:
                            change = done if change is None else True
                elif value is not None and key != "index":
                    acc.fields[_SNAKE.get(key) or _snake(key)] = value
        return change

    def _content(self, acc: CandidateState, content: Any, primary: bool) -> Any:
        if content.__class__ is not dict:
            raise TypeError("a candidate's content must be an object")
        role = content.get("role")
        if role is not None:
            if role.__class__ is not str:
                raise TypeError("a content role must be a string")
            acc.role = role
        parts = content.get("parts")
        if not parts:
            return None
        if parts.__class__ is not list:
            raise TypeError("content parts must be a list")
        change: Any = None
        text = ""
        for part in parts:
            if part.__class__ is not dict:
                raise TypeError("a part must be an object")
            piece = part.get("text")
            if piece is not None and piece.__class__ is not str:
                raise TypeError("a part's text must be a string")
            if len(part) == 1 and piece is not None:  # the common part: answer text only
                acc.parts.append(piece)
                acc.content.append(piece)
                text += piece
                change = piece if change is None else True
                continue
            change = True
            part = {_SNAKE.get(k) or _snake(k): v for k, v in part.items()}
            acc.parts.append(part)
            if piece is not None:
                if part.get("thought"):
                    acc.reasoning.append(piece)
                else:
                    acc.content.append(piece)
                    text += piece
            call = part.get("function_call")
            if call is not None:
                if call.__class__ is not dict:
                    raise TypeError("a function call must be an object")
                args = call.get("args")
                name = _text(call.get("name"))
                raw = pydantic_core.to_json(args if args is not None else {}).decode()
                given = _text(call.get("id")) or function_call_id(
                    self.fields.get("response_id"), len(acc.calls), name, raw)
                acc.calls.append(CallPieces(given, name, [raw]))
        if primary:
            self.text += text
        return change

    def snapshot(self) -> GenerateContentResponse:
        """The answer as far as it arrived: candidates by index, the latest chunk-level fields."""
        return GenerateContentResponse.model_validate({
            **self.fields,
            "candidates": [acc.build(i) for i, acc in sorted(self.candidates.items())],
        })


def merge_parts(parts: list[Part]) -> list[Part]:
    """Join runs of adjacent text parts (answer and thought runs apart); keep other parts as is.

    A run keeps its first part's fields and the first ``thought_signature`` seen in it.
    """
    return _merge([p.model_dump(exclude_none=True) for p in parts])


def _run(part: Any) -> bool | None:
    """Whether a part is a thought; None when it is not a text part."""
    if part.__class__ is str:
        return False
    if (part.get("text") is None or part.get("function_call") is not None
            or part.get("inline_data") is not None):
        return None
    return bool(part.get("thought"))


def _merge(parts: list[Any]) -> list[Part]:
    """Parts in order, each run of adjacent text parts (answer and thought apart) joined into one:
    the run's first part's fields, the texts joined, the first ``thought_signature`` seen."""
    out: list[Part] = []
    for thought, group in groupby(parts, _run):
        run = list(group)
        if thought is None:
            out += [Part.model_validate(p) for p in run]
            continue
        first = run[0]
        merged: dict[str, Any] = {"text": first} if first.__class__ is str else dict(first)
        merged["text"] = "".join(p if p.__class__ is str else p["text"] for p in run)
        signature = next((p["thought_signature"] for p in run
                          if p.__class__ is not str and p.get("thought_signature")), None)
        if signature is not None:
            merged["thought_signature"] = signature
        out.append(Part.model_validate(merged))
    return out
