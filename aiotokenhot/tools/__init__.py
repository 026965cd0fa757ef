"""Tools the model may call, and the loop that runs them: ``th.run_tools`` / ``th.stream_tools``.

A layer on top of the unified calls (like ``batch``): it sends the conversation with
``th.complete`` / ``th.stream``, so it works the same over every protocol and with a fallback
chain (``model=[...]``).
"""

from __future__ import annotations

from ._loop import ToolLoopParams, ToolResult, ToolRunResult, ToolStream, run_tools
from ._tool import Tool, ToolLike, output_text

__all__ = [
    "Tool",
    "ToolLike",
    "ToolLoopParams",
    "ToolResult",
    "ToolRunResult",
    "ToolStream",
    "output_text",
    "run_tools",
]
