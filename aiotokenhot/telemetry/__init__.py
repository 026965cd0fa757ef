"""OpenTelemetry GenAI spans and metrics for every model call (the ``otel`` extra).

With ``pip install 'aiotokenhot[otel]'`` and a tracer or meter provider configured, every chat,
responses, messages, Gemini, text-completion and unified call gets one ``CLIENT`` span named
``"{gen_ai.operation.name} {gen_ai.request.model}"`` and the GenAI client metrics
(``gen_ai.client.operation.duration``, ``gen_ai.client.token.usage`` and, for streams,
``gen_ai.client.operation.time_to_first_chunk`` / ``time_per_output_chunk``). Pass
``telemetry=False`` to the client to turn it off, or a :class:`Telemetry` to choose providers
and content capture. Nothing here imports OpenTelemetry until telemetry is on.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ._seam import note_event

__all__ = ["Telemetry", "note_event"]


@dataclass(frozen=True)
class Telemetry:
    """Telemetry settings for ``AsyncTokenHot(telemetry=Telemetry(...))``.

    - ``tracer_provider`` / ``meter_provider``: OpenTelemetry providers; None uses the global ones.
    - ``capture_content``: record prompts (``gen_ai.input.messages``, the request's own message
      shape as JSON) and reply text (``gen_ai.output.messages``) on spans. Off unless True, or
      None with ``OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true``. The API key is never
      recorded.
    """

    tracer_provider: Any = None
    meter_provider: Any = None
    capture_content: bool | None = None
