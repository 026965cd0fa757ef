"""OpenTelemetry GenAI spans and metrics for every protocol, read back with the SDK's in-memory
span exporter and metric reader, against the fake gateway."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import HistogramDataPoint, InMemoryMetricReader
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

from aiotokenhot import (
    APIConnectionError,
    AsyncTokenHot,
    ModelPrice,
    RateLimitError,
    Telemetry,
)
from aiotokenhot.testing import FakeTokenHot, Fault

MESSAGES = [{"role": "user", "content": "tell me a story"}]
PRICES = {
    "gpt-5.4": ModelPrice(input=Decimal("1.25"), output=Decimal("10"), cached_input=Decimal("0.125")),
    "claude-opus-4-6": ModelPrice(input=5, output=25, cached_input="0.5", cache_write="6.25"),
    "gemini-2.5-flash": ModelPrice(input="0.30", output="2.50", cached_input="0.03"),
}
SECONDS_BUCKETS = (0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48,
                   40.96, 81.92)
TOKEN_BUCKETS = (1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304,
                 16777216, 67108864)


@dataclass
class Recorded:
    exporter: InMemorySpanExporter
    reader: InMemoryMetricReader
    telemetry: Telemetry

    def spans(self) -> list[ReadableSpan]:
        return list(self.exporter.get_finished_spans())

    def span(self) -> ReadableSpan:
        spans = self.spans()
        assert len(spans) == 1, [s.name for s in spans]
        return spans[0]

    def points(self, name: str) -> list[HistogramDataPoint]:
        data = self.reader.get_metrics_data()
        found: list[HistogramDataPoint] = []
        for resource in data.resource_metrics if data else ():
            for scope in resource.scope_metrics:
                for metric in scope.metrics:
                    if metric.name == name:
                        found.extend(metric.data.data_points)  # type: ignore[arg-type]
        return found


@pytest.fixture
def otel() -> Iterator[Recorded]:
    exporter = InMemorySpanExporter()
    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(SimpleSpanProcessor(exporter))
    reader = InMemoryMetricReader()
    meter_provider = MeterProvider(metric_readers=[reader])
    yield Recorded(exporter, reader, Telemetry(tracer_provider, meter_provider))
    meter_provider.shutdown()
    tracer_provider.shutdown()


@pytest.fixture
async def th(fake: FakeTokenHot, otel: Recorded) -> AsyncIterator[AsyncTokenHot]:
    async with fake.client(max_retries=0, telemetry=otel.telemetry, prices=PRICES) as client:
        yield client


def usd(tokens: int, per_million: str) -> Decimal:
    return Decimal(tokens) * Decimal(per_million) / 1_000_000


def check_common(span: ReadableSpan, fake: FakeTokenHot, *, operation: str, provider: str,
                 model: str, stream: bool) -> dict[str, Any]:
    attrs = dict(span.attributes or {})
    assert span.name == f"{operation} {model}"
    assert span.kind is SpanKind.CLIENT
    assert attrs["gen_ai.operation.name"] == operation
    assert attrs["gen_ai.provider.name"] == provider
    assert attrs["gen_ai.request.model"] == model
    assert attrs["gen_ai.request.stream"] is stream
    assert attrs["server.address"] == "127.0.0.1"
    assert attrs["server.port"] == fake.port
    return attrs


# -- one span per call, on every protocol -----------------------------------------------------------


async def test_chat_call_span_carries_request_and_response_attributes_and_cost(
    th: AsyncTokenHot, fake: FakeTokenHot, otel: Recorded
) -> None:
    reply = await th.chat.completions.create(
        model="gpt-5.4", messages=MESSAGES, max_tokens=64, temperature=0.5, top_p=0.9,
        stop=["END"], seed=7,
    )
    attrs = check_common(otel.span(), fake, operation="chat", provider="openai", model="gpt-5.4",
                         stream=False)
    assert attrs["gen_ai.request.max_tokens"] == 64
    assert attrs["gen_ai.request.temperature"] == 0.5
    assert attrs["gen_ai.request.top_p"] == 0.9
    assert attrs["gen_ai.request.stop_sequences"] == ("END",)
    assert attrs["gen_ai.request.seed"] == 7
    assert attrs["gen_ai.response.model"] == reply.model
    assert attrs["gen_ai.response.id"] == reply.id
    assert attrs["gen_ai.response.finish_reasons"] == ("stop",)
    assert reply.usage is not None
    assert attrs["gen_ai.usage.input_tokens"] == reply.usage.prompt_tokens
    assert attrs["gen_ai.usage.output_tokens"] == reply.usage.completion_tokens
    expected = usd(reply.usage.prompt_tokens, "1.25") + usd(reply.usage.completion_tokens, "10")
    assert reply.usage.cost == expected
    assert attrs["aiotokenhot.usage.cost"] == pytest.approx(float(expected))
    assert "error.type" not in attrs
    assert otel.span().status.status_code is StatusCode.UNSET


async def test_chat_stream_span_lasts_until_the_end_and_times_the_chunks(
    th: AsyncTokenHot, fake: FakeTokenHot, otel: Recorded
) -> None:
    async with th.chat.completions.stream(
        model="gpt-5.4", messages=MESSAGES, stream_options={"include_usage": True}
    ) as stream:
        chunks = 0
        async for _ in stream:
            chunks += 1
            assert otel.spans() == []  # not ended while the stream is read
    final = stream.final()
    attrs = check_common(otel.span(), fake, operation="chat", provider="openai", model="gpt-5.4",
                         stream=True)
    assert final.usage is not None
    assert attrs["gen_ai.usage.output_tokens"] == final.usage.completion_tokens
    assert attrs["gen_ai.response.finish_reasons"] == ("stop",)
    assert attrs["gen_ai.response.time_to_first_chunk"] > 0
    assert final.usage.cost == usd(final.usage.prompt_tokens, "1.25") + usd(
        final.usage.completion_tokens, "10")
    [first] = otel.points("gen_ai.client.operation.time_to_first_chunk")
    assert first.count == 1
    [per_chunk] = otel.points("gen_ai.client.operation.time_per_output_chunk")
    assert per_chunk.count == chunks - 1
    assert tuple(per_chunk.explicit_bounds) == SECONDS_BUCKETS


async def test_responses_call_and_stream(th: AsyncTokenHot, fake: FakeTokenHot, otel: Recorded) -> None:
    whole = await th.responses.create(model="gpt-5.4", input="tell me a story", max_output_tokens=99)
    async with th.responses.stream(model="gpt-5.4", input="tell me a story") as stream:
        await stream.until_done()
    streamed = stream.final()
    plain, live = otel.spans()
    attrs = check_common(plain, fake, operation="chat", provider="openai", model="gpt-5.4",
                         stream=False)
    assert attrs["gen_ai.request.max_tokens"] == 99
    assert attrs["gen_ai.response.id"] == whole.id
    assert attrs["gen_ai.response.finish_reasons"] == ("completed",)
    live_attrs = check_common(live, fake, operation="chat", provider="openai", model="gpt-5.4",
                              stream=True)
    assert live_attrs["gen_ai.response.id"] == streamed.id
    for result in (whole, streamed):
        assert result.usage is not None and result.usage.input is not None
        assert result.usage.output is not None
        assert result.usage.cost == usd(result.usage.input, "1.25") + usd(result.usage.output, "10")


async def test_messages_call_and_stream(th: AsyncTokenHot, fake: FakeTokenHot, otel: Recorded) -> None:
    whole = await th.messages.create(model="claude-opus-4-6", max_tokens=50, messages=MESSAGES,
                                     top_k=5)
    async with th.messages.stream(model="claude-opus-4-6", max_tokens=50, messages=MESSAGES) as s:
        await s.until_done()
    streamed = s.final()
    plain, live = otel.spans()
    attrs = check_common(plain, fake, operation="chat", provider="anthropic",
                         model="claude-opus-4-6", stream=False)
    assert attrs["gen_ai.request.max_tokens"] == 50
    assert attrs["gen_ai.request.top_k"] == 5
    assert attrs["gen_ai.response.finish_reasons"] == (whole.stop_reason,)
    assert attrs["gen_ai.usage.input_tokens"] == whole.usage.input_tokens
    check_common(live, fake, operation="chat", provider="anthropic", model="claude-opus-4-6",
                 stream=True)
    for result in (whole, streamed):
        assert result.usage.cost == usd(result.usage.input_tokens, "5") + usd(
            result.usage.output_tokens, "25")


async def test_gemini_call_and_stream(th: AsyncTokenHot, fake: FakeTokenHot, otel: Recorded) -> None:
    whole = await th.gemini.generate_content(
        "gemini-2.5-flash", contents="tell me a story",
        generation_config={"maxOutputTokens": 40, "temperature": 0.2, "topK": 3},
    )
    async with th.gemini.stream_generate_content("gemini-2.5-flash", contents="tell me") as s:
        await s.until_done()
    streamed = s.final()
    plain, live = otel.spans()
    attrs = check_common(plain, fake, operation="generate_content", provider="gcp.gemini",
                         model="gemini-2.5-flash", stream=False)
    assert attrs["gen_ai.request.max_tokens"] == 40
    assert attrs["gen_ai.request.temperature"] == 0.2
    assert attrs["gen_ai.request.top_k"] == 3
    assert attrs["gen_ai.response.finish_reasons"] == ("STOP",)
    check_common(live, fake, operation="generate_content", provider="gcp.gemini",
                 model="gemini-2.5-flash", stream=True)
    for result in (whole, streamed):
        usage = result.usage_metadata
        assert usage is not None and usage.prompt_token_count is not None
        output = (usage.candidates_token_count or 0) + (usage.thoughts_token_count or 0)
        assert usage.cost == usd(usage.prompt_token_count, "0.30") + usd(output, "2.50")


@pytest.mark.parametrize(
    ("model", "provider", "operation"),
    [("gpt-5.4", "openai", "chat"), ("claude-opus-4-6", "anthropic", "chat"),
     ("gemini-2.5-flash", "gcp.gemini", "generate_content")],
)
async def test_unified_complete_and_stream_name_the_protocol_that_carried_them(
    th: AsyncTokenHot, fake: FakeTokenHot, otel: Recorded, model: str, provider: str, operation: str
) -> None:
    done = await th.complete(model=model, messages=MESSAGES, max_tokens=30)
    async with th.stream(model=model, messages=MESSAGES, max_tokens=30) as stream:
        await stream.until_done()
    streamed = stream.final()
    plain, live = otel.spans()
    check_common(plain, fake, operation=operation, provider=provider, model=model, stream=False)
    live_attrs = check_common(live, fake, operation=operation, provider=provider, model=model,
                              stream=True)
    assert live_attrs["gen_ai.request.max_tokens"] == 30
    for completion in (done, streamed):
        assert completion.usage is not None
        assert completion.cost is not None
        assert completion.cost == completion.usage.cost
        assert completion.cost > 0


# -- metrics -------------------------------------------------------------------------------------------


async def test_duration_and_token_metrics_use_the_conventions_names_units_and_buckets(
    th: AsyncTokenHot, otel: Recorded
) -> None:
    reply = await th.chat.completions.create(model="gpt-5.4", messages=MESSAGES)
    [duration] = otel.points("gen_ai.client.operation.duration")
    assert duration.count == 1
    assert tuple(duration.explicit_bounds) == SECONDS_BUCKETS
    assert duration.attributes is not None
    assert duration.attributes["gen_ai.response.model"] == reply.model
    assert "gen_ai.response.id" not in duration.attributes  # span-only: unbounded cardinality
    tokens = {p.attributes["gen_ai.token.type"]: p for p in otel.points("gen_ai.client.token.usage")
              if p.attributes}
    assert reply.usage is not None
    assert tokens["input"].sum == reply.usage.prompt_tokens
    assert tokens["output"].sum == reply.usage.completion_tokens
    assert tuple(tokens["input"].explicit_bounds) == TOKEN_BUCKETS
    assert otel.points("gen_ai.client.operation.time_to_first_chunk") == []  # streams only
    data = otel.reader.get_metrics_data()
    units = {m.name: m.unit for r in data.resource_metrics for s in r.scope_metrics for m in s.metrics}
    assert units["gen_ai.client.operation.duration"] == "s"
    assert units["gen_ai.client.token.usage"] == "{token}"


# -- however a stream ends, its span ends once -----------------------------------------------------


async def test_a_stream_left_by_break_ends_its_span_once_without_error(
    th: AsyncTokenHot, otel: Recorded
) -> None:
    async with th.chat.completions.stream(model="gpt-5.4", messages=MESSAGES) as stream:
        async for _ in stream:
            break
    await stream.aclose()  # a second close must not end the span again
    span = otel.span()
    assert "error.type" not in (span.attributes or {})
    assert "gen_ai.response.finish_reasons" not in (span.attributes or {})
    [duration] = otel.points("gen_ai.client.operation.duration")
    assert duration.count == 1


async def test_a_stream_opened_and_closed_unread_ends_its_span(
    th: AsyncTokenHot, otel: Recorded
) -> None:
    async with th.messages.stream(model="claude-opus-4-6", max_tokens=20, messages=MESSAGES):
        pass
    assert otel.span().name == "chat claude-opus-4-6"


async def test_a_cancelled_task_ends_the_stream_span_with_its_error_type(
    fake: FakeTokenHot, otel: Recorded
) -> None:
    fake.chunk_delay = 0.05
    started = asyncio.Event()

    async def reader(th: AsyncTokenHot) -> None:
        async with th.chat.completions.stream(model="gpt-5.4", messages=MESSAGES) as stream:
            async for _ in stream:
                started.set()

    async with fake.client(max_retries=0, telemetry=otel.telemetry) as th:
        task = asyncio.create_task(reader(th))
        await started.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    span = otel.span()
    assert (span.attributes or {})["error.type"] == "CancelledError"
    assert span.status.status_code is StatusCode.ERROR


async def test_a_mid_stream_disconnect_records_the_error(
    th: AsyncTokenHot, fake: FakeTokenHot, otel: Recorded
) -> None:
    fake.disconnect_after(3)
    with pytest.raises(APIConnectionError):
        async with th.chat.completions.stream(model="gpt-5.4", messages=MESSAGES) as stream:
            async for _ in stream:
                pass
    span = otel.span()
    assert (span.attributes or {})["error.type"] == "APIConnectionError"
    assert span.status.status_code is StatusCode.ERROR
    [duration] = otel.points("gen_ai.client.operation.duration")
    assert duration.attributes is not None
    assert duration.attributes["error.type"] == "APIConnectionError"


async def test_an_error_answer_records_its_status_and_retries_are_span_events(
    fake: FakeTokenHot, otel: Recorded
) -> None:
    fake.fail_next(3, status=429, retry_after=0)
    async with fake.client(max_retries=2, telemetry=otel.telemetry) as th:
        with pytest.raises(RateLimitError):
            await th.chat.completions.create(model="gpt-5.4", messages=MESSAGES)
    span = otel.span()
    assert (span.attributes or {})["error.type"] == "429"
    retries = [e for e in span.events if e.name == "retry"]
    assert [e.attributes["attempt"] for e in retries if e.attributes] == [1, 2]


async def test_a_stream_retried_before_its_first_event_keeps_one_span(
    fake: FakeTokenHot, otel: Recorded
) -> None:
    fake.fail_next(1, status=503)
    async with fake.client(max_retries=1, telemetry=otel.telemetry) as th, \
            th.chat.completions.stream(model="gpt-5.4", messages=MESSAGES) as stream:
        await stream.until_done()
    span = otel.span()
    assert [e.name for e in span.events] == ["retry"]
    assert "error.type" not in (span.attributes or {})


@pytest.mark.parametrize("streamed", [False, True], ids=["complete", "stream"])
async def test_a_fallback_is_an_event_on_the_next_models_span(
    th: AsyncTokenHot, fake: FakeTokenHot, otel: Recorded, streamed: bool
) -> None:
    fake.inject(Fault(status=503, path="/v1/messages"))
    chain = ["claude-opus-4-6", "gpt-5.4"]
    if streamed:
        async with th.stream(model=chain, messages=MESSAGES) as stream:
            await stream.until_done()
        answered = stream.final()
    else:
        answered = await th.complete(model=chain, messages=MESSAGES)
    assert answered.model == "gpt-5.4"
    failed, fell_back = otel.spans()
    assert failed.name == "chat claude-opus-4-6"
    assert (failed.attributes or {})["error.type"] == "503"
    assert [e.name for e in failed.events] == []
    assert fell_back.name == "chat gpt-5.4"
    assert "error.type" not in (fell_back.attributes or {})
    [event] = fell_back.events
    assert event.name == "fallback"
    assert dict(event.attributes or {}) == {
        "aiotokenhot.fallback.model": "claude-opus-4-6",
        "aiotokenhot.fallback.protocol": "anthropic",
        "error.type": "503",
    }
    # the event was taken up: the task's next call to that model has none
    await th.complete(model="gpt-5.4", messages=MESSAGES)
    assert [e.name for e in otel.spans()[-1].events] == []


async def test_media_costs_are_counted_and_a_gemini_image_is_priced_by_its_tokens(
    fake: FakeTokenHot, otel: Recorded
) -> None:
    prices = {"gpt-image-2": ModelPrice(per_image="0.04"),
              "gemini-2.5-flash-image": ModelPrice(input="0.30", output="30", per_image="0.5")}
    async with fake.client(max_retries=0, telemetry=otel.telemetry, prices=prices) as th:
        images = await th.images.generate(model="gpt-image-2", prompt="two foxes", n=2)
        kite = await th.images.generate(model="gemini-2.5-flash-image", prompt="a kite")
    assert images.cost == Decimal("0.08")
    # the Gemini image call is a generateContent span priced by its token usage, as it is
    # billed, and counted once (not per image as well)
    span = otel.span()
    assert span.name == "generate_content gemini-2.5-flash-image"
    assert kite.cost is not None and kite.cost > 0
    assert (span.attributes or {})["aiotokenhot.usage.cost"] == float(kite.cost)
    costs = {(p.attributes or {}).get("gen_ai.operation.name"): p.value  # type: ignore[attr-defined]
             for p in otel.points("aiotokenhot.client.cost")}
    assert costs == {"image_generation": 0.08, "generate_content": float(kite.cost)}


# -- what is never recorded, and when nothing is -----------------------------------------------------


async def test_content_and_key_are_not_recorded_by_default(
    th: AsyncTokenHot, fake: FakeTokenHot, otel: Recorded
) -> None:
    reply = await th.chat.completions.create(model="gpt-5.4", messages=MESSAGES)
    dumped = repr([(s.name, dict(s.attributes or {}), [e.attributes for e in s.events])
                   for s in otel.spans()])
    assert "tell me a story" not in dumped
    assert (reply.choices[0].message.content or "x") not in dumped
    assert fake.api_key not in dumped


async def test_content_is_recorded_when_the_user_opts_in(
    fake: FakeTokenHot, otel: Recorded
) -> None:
    telemetry = Telemetry(otel.telemetry.tracer_provider, otel.telemetry.meter_provider,
                          capture_content=True)
    async with fake.client(max_retries=0, telemetry=telemetry) as th:
        reply = await th.chat.completions.create(model="gpt-5.4", messages=MESSAGES)
    attrs = dict(otel.span().attributes or {})
    assert "tell me a story" in str(attrs["gen_ai.input.messages"])
    assert str(reply.choices[0].message.content) in str(attrs["gen_ai.output.messages"])
    assert fake.api_key not in repr(attrs)


async def test_telemetry_false_records_nothing(fake: FakeTokenHot, otel: Recorded) -> None:
    async with fake.client(max_retries=0, telemetry=False) as th:
        await th.chat.completions.create(model="gpt-5.4", messages=MESSAGES)
        async with th.chat.completions.stream(model="gpt-5.4", messages=MESSAGES) as stream:
            await stream.until_done()
        assert th._transport.instrumentation is None
    assert otel.spans() == []


async def test_non_genai_endpoints_get_no_span(th: AsyncTokenHot, otel: Recorded) -> None:
    await th.models.list()
    assert otel.spans() == []


def test_the_cli_chat_gets_a_span_in_both_output_modes() -> None:
    # as under `opentelemetry-instrument aiotokenhot chat ...`: a global provider set up first
    script = (
        "import json\n"
        "from opentelemetry import trace\n"
        "from opentelemetry.sdk.trace import TracerProvider\n"
        "from opentelemetry.sdk.trace.export import SimpleSpanProcessor\n"
        "from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter\n"
        "from aiotokenhot.cli import main\n"
        "exporter = InMemorySpanExporter()\n"
        "provider = TracerProvider()\n"
        "provider.add_span_processor(SimpleSpanProcessor(exporter))\n"
        "trace.set_tracer_provider(provider)\n"
        "assert main(['chat', '--fake', '-m', 'claude-opus-4-6', '--json', 'hi']) == 0\n"
        "assert main(['chat', '--fake', '-m', 'claude-opus-4-6', 'hi']) == 0\n"
        "spans = [{'name': s.name, 'attributes': dict(s.attributes)} "
        "for s in exporter.get_finished_spans()]\n"
        "print('SPANS', json.dumps(spans))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60,
                          check=False)
    assert done.returncode == 0, done.stderr
    spans = json.loads(done.stdout.rpartition("SPANS ")[2])
    assert [s["name"] for s in spans] == ["chat claude-opus-4-6"] * 2
    raw, unified = (s["attributes"] for s in spans)
    for attrs in (raw, unified):
        assert attrs["gen_ai.provider.name"] == "anthropic"
        assert attrs["gen_ai.request.stream"] is True
        assert "error.type" not in attrs
        assert attrs["gen_ai.response.time_to_first_chunk"] >= 0
    assert unified["gen_ai.usage.output_tokens"] > 0  # the raw events are printed, not parsed


def test_nothing_of_opentelemetry_is_imported_until_an_application_uses_it() -> None:
    script = (
        "import asyncio, sys\n"
        "from aiotokenhot.testing import FakeTokenHot\n"
        "async def main():\n"
        "    ask = {'model': 'gpt-5.4', 'messages': [{'role': 'user', 'content': 'hi'}]}\n"
        "    async with FakeTokenHot() as fake:\n"
        "        for telemetry in (None, False):\n"
        "            async with fake.client(telemetry=telemetry) as th:\n"
        "                await th.chat.completions.create(**ask)\n"
        "                async with th.chat.completions.stream(**ask) as s:\n"
        "                    await s.until_done()\n"
        "asyncio.run(main())\n"
        "print(sorted(m for m in sys.modules if m.startswith('opentelemetry')))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60,
                          check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_asking_for_telemetry_without_the_extra_is_a_clear_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from aiotokenhot import ConfigurationError
    from aiotokenhot.telemetry import _seam

    monkeypatch.setattr(_seam, "otel_installed", lambda: False)
    with pytest.raises(ConfigurationError, match=r"aiotokenhot\[otel\]"):
        AsyncTokenHot("sk-test", "http://127.0.0.1:9", telemetry=True)
    # the default quietly stays off
    assert not AsyncTokenHot("sk-test", "http://127.0.0.1:9")._transport.instrumentation.enabled  # type: ignore[union-attr]


async def test_a_stream_replayed_after_a_cut_before_any_event_keeps_one_span(
    fake: FakeTokenHot, otel: Recorded
) -> None:
    fake.disconnect_after(0)
    async with fake.client(max_retries=1, telemetry=otel.telemetry) as th, \
            th.chat.completions.stream(model="gpt-5.4", messages=MESSAGES) as stream:
        await stream.until_done()
    span = otel.span()
    [retry] = [e for e in span.events if e.name == "retry"]
    assert retry.attributes is not None and retry.attributes["error.type"] == "APIConnectionError"
    assert "error.type" not in (span.attributes or {})
    assert (span.attributes or {})["gen_ai.response.finish_reasons"] == ("stop",)


async def test_a_stream_abandoned_by_break_without_async_with_ends_its_span_when_collected(
    th: AsyncTokenHot, otel: Recorded
) -> None:
    import gc

    with pytest.warns(ResourceWarning, match=r"abandoned before its end"):
        async for _ in th.chat.completions.stream(model="gpt-5.4", messages=MESSAGES):
            break
        for _ in range(5):  # the abandoned stream is closed once it is collected
            gc.collect()
            await asyncio.sleep(0)
    span = otel.span()
    assert "error.type" not in (span.attributes or {})
    [duration] = otel.points("gen_ai.client.operation.duration")
    assert duration.count == 1
