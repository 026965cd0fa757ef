"""``with_raw_response`` on every method, ``request_id`` on every result, ``with_options`` per call."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import AsyncIterator
from pathlib import Path

import pydantic
import pytest
from aiohttp import web

from aiotokenhot import (
    AsyncTokenHot,
    ConfigurationError,
    InvalidRequestError,
    RawResponse,
    ResponseTooLargeError,
    RetryPolicy,
)
from aiotokenhot.protocols._raw import RawView
from aiotokenhot.protocols.chat import ChatCompletion, ChatCompletionStream, ParsedChatCompletion
from aiotokenhot.protocols.models import ModelList
from aiotokenhot.testing import FakeTokenHot
from tests._public_api import METHODS, resolve

HELLO = [{"role": "user", "content": "Hello there"}]


# -- with_raw_response ----------------------------------------------------------------------------


async def test_raw_response_has_status_headers_body_and_the_parsed_result(
    fake: FakeTokenHot, th: AsyncTokenHot
) -> None:
    raw = await th.chat.completions.with_raw_response.create(model="gpt-5.4", messages=HELLO)

    assert isinstance(raw, RawResponse)
    assert raw.status_code == 200
    assert raw.headers["Content-Type"].startswith("application/json")
    assert raw.request_id == raw.headers["X-Oneapi-Request-Id"]
    assert raw.json()["object"] == "chat.completion"
    completion = raw.parse()
    assert isinstance(completion, ChatCompletion)
    assert completion.id == raw.json()["id"]
    assert completion.request_id == raw.request_id
    assert raw.content is not None and raw.text() == raw.content.decode()
    assert len(fake.requests) == 1


async def test_raw_stream_is_open_and_readable(th: AsyncTokenHot) -> None:
    raw = await th.chat.completions.with_raw_response.stream(model="gpt-5.4", messages=HELLO)
    assert raw.status_code == 200
    assert raw.headers["Content-Type"].startswith("text/event-stream")
    assert raw.content is None  # the body is the stream itself
    stream = raw.parse()
    assert isinstance(stream, ChatCompletionStream)
    assert stream.request_id == raw.request_id is not None
    async with stream:
        text = "".join([piece async for piece in stream.text()])
    assert text.startswith("Echo: Hello there")


async def test_raw_of_a_method_with_several_requests_is_the_last_answer(
    fake: FakeTokenHot, th: AsyncTokenHot
) -> None:
    task = await th.videos.create(model="sora-2", prompt="a red fox", seconds=4)
    raw = await th.videos.with_raw_response.wait(task, poll_interval=0.01)
    assert raw.parse().succeeded
    assert raw.json()["id"] == task.id
    assert raw.request_id == f"fake-req-{len(fake.requests)}"


async def test_raw_download_has_the_headers_and_no_body(th: AsyncTokenHot, tmp_path: Path) -> None:
    task = await th.videos.wait(await th.videos.create(model="sora-2", prompt="fox", seconds=4),
                                poll_interval=0.01)
    raw = await th.videos.with_raw_response.download(task, tmp_path / "fox.mp4")
    assert raw.status_code == 200
    assert raw.content is None
    assert raw.parse().stat().st_size > 0


def resource_classes() -> list[type]:
    th = AsyncTokenHot(api_key="sk-test")
    return sorted({type(resolve(th, label).__self__) for label in METHODS}, key=lambda c: c.__name__)


@pytest.mark.parametrize("resource", resource_classes(), ids=lambda c: c.__name__)
def test_every_public_method_has_a_raw_variant(resource: type) -> None:
    view_class = resource.__dict__["with_raw_response"].view_class
    assert issubclass(view_class, RawView)
    public = {n for n, m in inspect.getmembers(resource) if not n.startswith("_") and inspect.isfunction(m)}
    assert public == {n for n in vars(view_class) if not n.startswith("_")}


async def test_raw_variants_of_simple_methods(fake: FakeTokenHot, th: AsyncTokenHot) -> None:
    listed = await th.models.with_raw_response.list()
    assert isinstance(listed.parse(), ModelList)
    tokens = await th.gemini.with_raw_response.count_tokens("gemini-2.5-flash", contents="hi there")
    assert tokens.parse().total_tokens == tokens.json()["totalTokens"]
    message = await th.messages.with_raw_response.create(model="claude-sonnet-4-5", max_tokens=32,
                                                         messages=HELLO)
    assert message.parse().text.startswith("Echo: Hello there")


# -- request_id -----------------------------------------------------------------------------------


async def test_every_result_carries_its_request_id(fake: FakeTokenHot, th: AsyncTokenHot) -> None:
    completion = await th.chat.completions.create(model="gpt-5.4", messages=HELLO)
    response = await th.responses.create(model="gpt-5.4", input="Hello there")
    message = await th.messages.create(model="claude-sonnet-4-5", max_tokens=32, messages=HELLO)
    models = await th.models.list()
    image = await th.images.generate(model="gpt-image-1", prompt="a red fox")
    speech = await th.audio.speech(model="tts-1", input="hi", voice="alloy")
    ids = [r.request_id for r in (completion, response, message, models, image, speech)]
    assert ids == [f"fake-req-{n}" for n in range(1, 7)]
    # nested parts and models built by hand carry none
    assert completion.choices[0].message.request_id is None
    assert ChatCompletion.model_validate(completion.model_dump()).request_id is None
    assert "request_id" not in completion.model_dump()


async def test_a_stream_has_its_request_id_once_open(th: AsyncTokenHot) -> None:
    stream = th.chat.completions.stream(model="gpt-5.4", messages=HELLO)
    assert stream.request_id is None
    async with stream:
        assert stream.request_id is not None and stream.request_id.startswith("fake-req-")


# -- with_options ---------------------------------------------------------------------------------


async def test_with_options_changes_headers_base_url_and_key_per_call(fake: FakeTokenHot) -> None:
    async with FakeTokenHot(api_key="sk-other") as other, fake.client(max_retries=0) as th:
        traced = th.with_options(default_headers={"X-Trace": "abc"}, timeout=5, max_retries=1)
        await traced.models.list()
        assert fake.requests[-1].headers["X-Trace"] == "abc"
        assert (traced.timeout.total, traced.max_retries) == (5, 1)
        assert traced.pool is th.pool

        moved = th.with_options(base_url=other.base_url + "/v1", api_key="sk-other")
        await moved.models.list()
        assert len(other.requests) == 1
        assert other.requests[0].headers["Authorization"] == "Bearer sk-other"

        await th.models.list()  # the original client is unchanged
        assert "X-Trace" not in fake.requests[-1].headers
        assert len(other.requests) == 1


def test_with_options_checks_its_values() -> None:
    th = AsyncTokenHot(api_key="sk-test")
    with pytest.raises(ConfigurationError):
        th.with_options(base_url="ftp://example.com")
    with pytest.raises(ConfigurationError):
        th.with_options(api_key="  ")
    assert "sk-test" not in repr(th.with_options(api_key="sk-new"))


def test_with_options_takes_the_transport_options() -> None:
    th = AsyncTokenHot(api_key="sk-test")
    patient = RetryPolicy(initial_delay=0.1, max_delay=0.2)
    assert th.with_options(retry_policy=patient).retry_policy is patient
    assert th.with_options(timeout=3).retry_policy is th.retry_policy  # kept unless given
    with pytest.raises(InvalidRequestError, match="retry_policy"):
        th.with_options(retry_policy="fast")  # type: ignore[arg-type]
    with pytest.raises(InvalidRequestError, match="max_response_size"):
        th.with_options(max_response_size=0)


async def test_with_options_bounds_or_unbounds_response_bodies(th: AsyncTokenHot) -> None:
    small = th.with_options(max_response_size=16)
    with pytest.raises(ResponseTooLargeError):
        await small.models.list()
    assert (await small.with_options(timeout=30).with_options(max_response_size=None).models.list()).data
    with pytest.raises(ResponseTooLargeError):  # a limit is kept when another option changes
        await small.with_options(timeout=30).models.list()


# -- structured outputs and embeddings ----------------------------------------------------------


class City(pydantic.BaseModel):
    name: str
    population: int


async def test_parse_and_embedding_methods_have_request_ids_and_raw_variants(
    fake: FakeTokenHot, th: AsyncTokenHot
) -> None:
    parsed = await th.chat.completions.parse(model="gpt-5.4", messages=HELLO, response_format=City)
    raw = await th.gemini.with_raw_response.parse("gemini-2.5-flash", contents="Hello there",
                                                  response_schema=City)
    vectors = await th.embeddings.create(model="text-embedding-3-small", input="red")
    one = await th.gemini.embed_content("gemini-embedding-001", content="hello")

    assert isinstance(parsed.choices[0].message.parsed, City)
    assert isinstance(raw.parse().parsed, City) and raw.status_code == 200
    assert raw.json()["candidates"]
    ids = [parsed.request_id, raw.request_id, vectors.request_id, one.request_id]
    assert ids == [f"fake-req-{n}" for n in range(1, 5)]
    with pytest.raises(TypeError, match=r"Embeddings.create\(\) got an unexpected keyword argument 'inputs'"):
        await th.embeddings.create(model="text-embedding-3-small", inputs="red")  # type: ignore[call-arg]
    assert len(fake.requests) == 4


async def test_create_stream_true_with_a_class_gives_a_parsed_final(th: AsyncTokenHot) -> None:
    stream = await th.chat.completions.create(model="gpt-5.4", messages=HELLO, response_format=City,
                                              stream=True)
    async with stream:
        text = "".join([piece async for piece in stream.text()])
    final = stream.final()
    assert isinstance(final, ParsedChatCompletion)
    assert final.parsed == City.model_validate_json(text)


def test_the_raw_responses_example_prints_ids_and_headers() -> None:
    import os
    import subprocess
    import sys

    example = Path(__file__).resolve().parent.parent / "examples" / "raw_responses.py"
    env = {k: v for k, v in os.environ.items() if not k.startswith("TOKENHOT_")}
    done = subprocess.run([sys.executable, str(example)], capture_output=True, text=True, env=env,
                          timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("request id fake-req-1: Echo: What is a request id for?")
    assert lines[1].startswith("raw: HTTP 200, application/json") and "request id fake-req-2" in lines[1]
    assert lines[2] == "parsed: stop"
    assert lines[3].startswith("streamed (request id fake-req-3): Echo: Stream this")


# -- request ids under concurrency ------------------------------------------------------------------


@pytest.fixture
async def echo_ids() -> AsyncIterator[str]:
    """A gateway whose answer to model ``m`` has request id ``id-m`` (and says ``m``), after a
    short pause so that many requests are in flight at once."""

    async def answer(request: web.Request) -> web.Response:
        model = (await request.json())["model"]
        await asyncio.sleep(0.01)
        return web.json_response(
            {"id": "c", "object": "chat.completion", "created": 1, "model": model,
             "choices": [{"index": 0, "finish_reason": "stop",
                          "message": {"role": "assistant", "content": "ok"}}]},
            headers={"X-Request-Id": f"id-{model}"})

    app = web.Application()
    app.router.add_post("/v1/chat/completions", answer)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    yield f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"  # type: ignore[union-attr]
    await runner.cleanup()


async def test_each_concurrent_call_gets_its_own_request_id(echo_ids: str) -> None:
    async with AsyncTokenHot(api_key="sk-test", base_url=echo_ids) as th:

        async def worker(name: str) -> list[tuple[str, str | None]]:
            seen = []
            for turn in range(3):  # one task, several calls in turn
                done = await th.chat.completions.create(model=f"{name}-{turn}", messages=HELLO)
                seen.append((done.model, done.request_id))
            return seen

        runs = await asyncio.gather(*(worker(f"w{i}") for i in range(20)))
        raws = await asyncio.gather(*(
            th.chat.completions.with_raw_response.create(model=f"raw{i}", messages=HELLO)
            for i in range(20)))

    assert all(rid == f"id-{model}" for run in runs for model, rid in run)
    assert [raw.request_id for raw in raws] == [f"id-raw{i}" for i in range(20)]
    assert all(raw.parse().request_id == raw.request_id for raw in raws)


async def test_answers_of_other_tasks_never_join_a_recording() -> None:
    from aiotokenhot.transport._capture import begin, end, recording, report

    class Answer:
        def __init__(self) -> None:
            self.status = 200
            self.headers: dict[str, str] = {}

    mine, theirs, before = Answer(), Answer(), Answer()
    started = asyncio.Event()
    go_on = asyncio.Event()

    async def bystander() -> list[object]:  # started before the recording: reports into none
        with recording() as own:
            pass
        started.set()
        await go_on.wait()
        report(before)
        return list(own)

    task = asyncio.create_task(bystander())
    await started.wait()
    with recording() as answers:
        report(mine)

        async def child() -> list[object]:  # started inside it: records its own answers
            inner, token = begin()
            report(theirs)
            end(token)
            return inner

        child_answers = await asyncio.create_task(child())
        go_on.set()
        assert await task == []
        with recording() as nested:  # a nested recording of the same task shares the list
            assert nested is answers
    report(Answer())  # after the recording: kept nowhere

    assert answers == [mine]
    assert child_answers == [theirs]
