"""Spans and metrics with the OpenTelemetry API, named by the GenAI semantic conventions.

Imported only when telemetry is on (the ``otel`` extra installed).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from opentelemetry import metrics, trace
from opentelemetry.trace import SpanKind, Status, StatusCode

from .._version import __version__
from ._seam import error_type

if TYPE_CHECKING:
    from ._extract import Answer, Request
    from ._seam import Call

__all__ = ["Recorder", "error_type", "providers_configured"]

#: the conventions' bucket boundaries: seconds (duration, time to first chunk, time per chunk)
SECONDS_BUCKETS = (0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48,
                   40.96, 81.92)
#: and tokens
TOKEN_BUCKETS = (1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304,
                 16777216, 67108864)
#: metric attributes the conventions allow (span-only attributes stay off the metrics)
_METRIC_KEYS = ("gen_ai.operation.name", "gen_ai.provider.name", "gen_ai.request.model",
                "server.address", "server.port")
COST_ATTRIBUTE = "aiotokenhot.usage.cost"


def providers_configured() -> bool:
    """True once the application has set a global tracer or meter provider."""
    return not isinstance(trace.get_tracer_provider(), trace.ProxyTracerProvider) or (
        type(metrics.get_meter_provider()).__name__ != "_ProxyMeterProvider"
    )


class Recorder:
    """The tracer and the four GenAI client instruments (plus a cost counter)."""

    def __init__(self, tracer_provider: Any, meter_provider: Any, capture_content: bool,
                 server: dict[str, Any]) -> None:
        self.capture_content = capture_content
        self.server = server
        self.tracer = trace.get_tracer("aiotokenhot", __version__, tracer_provider=tracer_provider)
        meter = metrics.get_meter("aiotokenhot", __version__, meter_provider=meter_provider)

        def seconds(name: str, description: str) -> metrics.Histogram:
            return meter.create_histogram(name, unit="s", description=description,
                                          explicit_bucket_boundaries_advisory=SECONDS_BUCKETS)

        self.duration = seconds("gen_ai.client.operation.duration", "GenAI operation duration.")
        self.tokens = meter.create_histogram(
            "gen_ai.client.token.usage", unit="{token}",
            description="Number of input and output tokens used.",
            explicit_bucket_boundaries_advisory=TOKEN_BUCKETS)
        self.ttfc = seconds("gen_ai.client.operation.time_to_first_chunk",
                            "Time to receive the first chunk of a streamed response.")
        self.tpoc = seconds("gen_ai.client.operation.time_per_output_chunk",
                            "Time between consecutive chunks of a streamed response.")
        self.cost = meter.create_counter(
            "aiotokenhot.client.cost", unit="USD",
            description="What the calls cost, from the client's price table.")

    def metric_attributes(self, request: Request) -> dict[str, Any]:
        """The attributes every metric point of ``request`` carries."""
        return {k: v for k, v in {**request.attributes, **self.server}.items() if k in _METRIC_KEYS}

    def start_span(self, request: Request) -> Any:
        attributes = {**request.attributes, **self.server}
        if self.capture_content and request.prompt is not None:
            attributes["gen_ai.input.messages"] = _dump(request.prompt)
        return self.tracer.start_span(request.span_name, kind=SpanKind.CLIENT, attributes=attributes)

    def first_chunk(self, attrs: dict[str, Any], seconds: float) -> None:
        self.ttfc.record(seconds, attrs)

    def next_chunk(self, attrs: dict[str, Any], seconds: float) -> None:
        self.tpoc.record(seconds, attrs)

    def end(self, call: Call, answer: Answer | None, error: BaseException | None,
            seconds: float) -> None:
        span = call._span
        attrs = dict(call.metric_attributes)
        span_attrs: dict[str, Any] = {}
        if answer is not None:
            if answer.model:
                attrs["gen_ai.response.model"] = span_attrs["gen_ai.response.model"] = answer.model
            if answer.id:
                span_attrs["gen_ai.response.id"] = answer.id
            if answer.finish_reasons:
                span_attrs["gen_ai.response.finish_reasons"] = answer.finish_reasons
            if answer.input_tokens is not None:
                span_attrs["gen_ai.usage.input_tokens"] = answer.input_tokens
                self.tokens.record(answer.input_tokens, {**attrs, "gen_ai.token.type": "input"})
            if answer.output_tokens is not None:
                span_attrs["gen_ai.usage.output_tokens"] = answer.output_tokens
                self.tokens.record(answer.output_tokens, {**attrs, "gen_ai.token.type": "output"})
            if answer.cache_read:
                span_attrs["gen_ai.usage.cache_read.input_tokens"] = answer.cache_read
            if answer.cache_write:
                span_attrs["gen_ai.usage.cache_creation.input_tokens"] = answer.cache_write
            if answer.reasoning:
                span_attrs["gen_ai.usage.reasoning.output_tokens"] = answer.reasoning
            if self.capture_content and answer.text is not None:
                span_attrs["gen_ai.output.messages"] = _dump([{
                    "role": "assistant", "parts": [{"type": "text", "content": answer.text}],
                    "finish_reason": answer.finish_reasons[0] if answer.finish_reasons else None,
                }])
        if call.first_chunk is not None:
            span_attrs["gen_ai.response.time_to_first_chunk"] = call.first_chunk
        if call.cost is not None:
            span_attrs[COST_ATTRIBUTE] = float(call.cost)
            self.cost.add(float(call.cost), attrs)
        if error is not None:
            attrs["error.type"] = span_attrs["error.type"] = error_type(error)
        self.duration.record(seconds, attrs)
        if span is None:
            return
        span.set_attributes(span_attrs)
        if error is not None:
            span.set_status(Status(StatusCode.ERROR, type(error).__name__))
        span.end()


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)
