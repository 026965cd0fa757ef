"""Placeholder: filled by the unified-stream issue."""

from __future__ import annotations

from typing import Any


class UnifiedStream:
    """Placeholder."""


class Completion:
    """Placeholder."""


def open_stream(client: Any, **kwargs: Any) -> UnifiedStream:
    raise NotImplementedError


async def complete(client: Any, **kwargs: Any) -> Completion:
    raise NotImplementedError


class TextDelta:
    """Placeholder."""


class ReasoningDelta:
    """Placeholder."""


class ToolCallDelta:
    """Placeholder."""


class Usage:
    """Placeholder."""


class Finish:
    """Placeholder."""
