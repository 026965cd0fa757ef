"""Gemini ``embedContent`` / ``batchEmbedContents`` request bodies (``th.gemini.embed_content``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..._exceptions import InvalidRequestError

__all__ = ["TASK_TYPES", "batch_embed_body", "embed_body"]

TASK_TYPES = frozenset({
    "TASK_TYPE_UNSPECIFIED", "RETRIEVAL_QUERY", "RETRIEVAL_DOCUMENT", "SEMANTIC_SIMILARITY",
    "CLASSIFICATION", "CLUSTERING", "QUESTION_ANSWERING", "FACT_VERIFICATION",
    "CODE_RETRIEVAL_QUERY",
})


def _content(value: Any, where: str) -> dict[str, Any]:
    if isinstance(value, str):
        if not value:
            raise InvalidRequestError(f"{where} must not be empty")
        return {"parts": [{"text": value}]}
    if isinstance(value, dict) and isinstance(value.get("parts"), list) and value["parts"]:
        return value
    raise InvalidRequestError(f"{where} must be a string or a {{parts: [...]}} object")


def embed_body(
    model_name: str,
    content: Any,
    *,
    task_type: str | None = None,
    title: str | None = None,
    output_dimensionality: int | None = None,
    where: str = "content",
) -> dict[str, Any]:
    """One ``EmbedContentRequest`` (``model`` is ``models/<name>``)."""
    if task_type is not None and task_type.upper() not in TASK_TYPES:
        raise InvalidRequestError(f"task_type must be one of {', '.join(sorted(TASK_TYPES))}")
    if output_dimensionality is not None and (
        isinstance(output_dimensionality, bool) or not isinstance(output_dimensionality, int)
        or output_dimensionality < 1
    ):
        raise InvalidRequestError("output_dimensionality must be a positive integer")
    if title is not None and (task_type or "").upper() != "RETRIEVAL_DOCUMENT":
        raise InvalidRequestError("title is only for task_type='RETRIEVAL_DOCUMENT'")
    body: dict[str, Any] = {"model": f"models/{model_name}", "content": _content(content, where)}
    if task_type is not None:
        body["taskType"] = task_type.upper()
    if title is not None:
        body["title"] = title
    if output_dimensionality is not None:
        body["outputDimensionality"] = output_dimensionality
    return body


def batch_embed_body(
    model_name: str,
    contents: Sequence[Any],
    *,
    task_type: str | None = None,
    output_dimensionality: int | None = None,
) -> dict[str, Any]:
    """A ``batchEmbedContents`` body: one request per content, sharing the settings."""
    if isinstance(contents, (str, bytes)) or not isinstance(contents, Sequence) or not contents:
        raise InvalidRequestError("contents must be a non-empty list of strings or contents")
    return {"requests": [embed_body(model_name, c, task_type=task_type,
                                    output_dimensionality=output_dimensionality,
                                    where=f"contents[{i}]")
                         for i, c in enumerate(contents)]}
