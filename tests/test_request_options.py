"""One way to give a public method its keywords: a TypedDict per protocol, checked on every call."""

from __future__ import annotations

import inspect
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aiotokenhot import AsyncTokenHot, InvalidRequestError, RequestOptions, RequestOptionsParams, Timeout
from aiotokenhot.protocols._resource import Resource
from aiotokenhot.protocols.chat import ChatCompletionParams, ChatCompletionStreamParams
from aiotokenhot.testing import FakeTokenHot
from tests._public_api import METHODS, public_methods, resolve

HELLO = [{"role": "user", "content": "Hello there"}]


def test_every_namespace_is_covered() -> None:
    """The list above misses no Resource subclass that has public methods."""
    th = AsyncTokenHot(api_key="sk-test")
    covered = {type(method.__self__) for _, method in public_methods(th)}
    with_methods = {
        cls for cls in _subclasses(Resource)
        if any(not n.startswith("_") and inspect.isfunction(m) for n, m in vars(cls).items())
    }
    assert with_methods <= covered


def _subclasses(cls: type) -> set[type]:
    out = set()
    for sub in cls.__subclasses__():
        out |= {sub} | _subclasses(sub)
    return out


async def test_a_typo_raises_type_error_naming_the_public_method() -> None:
    async with AsyncTokenHot(api_key="sk-test", base_url="http://127.0.0.1:9") as th:
        with pytest.raises(TypeError) as info:
            await th.chat.completions.create(model="gpt-5.4", messages=HELLO, temprature=0.2)  # type: ignore[call-overload]
    assert str(info.value) == (
        "ChatCompletions.create() got an unexpected keyword argument 'temprature' "
        "(did you mean 'temperature'?)"
    )


def test_the_method_list_is_complete() -> None:
    assert "th.chat.completions.create" in METHODS and "th.videos.wait" in METHODS
    assert len(METHODS) >= 30


@pytest.mark.parametrize("label", METHODS)
async def test_every_public_method_rejects_unknown_keywords_before_sending(
    fake: FakeTokenHot, th: AsyncTokenHot, label: str
) -> None:
    method = resolve(th, label)
    with pytest.raises(TypeError, match=r"\.\w+\(\) got an unexpected keyword argument 'bogus_kw'"):
        outcome = method(bogus_kw=1)
        if inspect.isawaitable(outcome):
            await outcome
    assert fake.requests == [], label


async def test_a_missing_required_keyword_is_a_type_error(th: AsyncTokenHot) -> None:
    missing = r"\(\) missing required keyword argument"
    with pytest.raises(TypeError, match=rf"^Messages\.create{missing} 'max_tokens'$"):
        await th.messages.create(model="claude-sonnet-4-5", messages=HELLO)  # type: ignore[call-overload]
    with pytest.raises(TypeError, match=rf"^ChatCompletions\.stream{missing} 'messages'$"):
        th.chat.completions.stream(model="gpt-5.4")  # type: ignore[call-arg]


def test_help_shows_every_keyword_with_its_type() -> None:
    th = AsyncTokenHot(api_key="sk-test")
    signature = inspect.signature(th.chat.completions.create)
    names = list(signature.parameters)
    assert names[:3] == ["stream", "model", "messages"]  # required keywords first
    assert names[-5:] == ["timeout", "max_retries", "extra_headers", "extra_query", "extra_body"]
    assert set(names) == {"stream", *ChatCompletionStreamParams.__annotations__}
    assert signature.parameters["temperature"].annotation == "float | None"
    assert signature.parameters["temperature"].default is None
    assert signature.parameters["model"].default is inspect.Parameter.empty
    assert "best_of" not in inspect.signature(th.completions.stream).parameters


def test_create_and_stream_share_one_definition() -> None:
    """``stream`` takes exactly ``create``'s keywords (plus what only streams take)."""
    th = AsyncTokenHot(api_key="sk-test")
    create = set(inspect.signature(th.chat.completions.create).parameters) - {"stream"}
    stream = set(inspect.signature(th.chat.completions.stream).parameters)
    assert stream == create == set(ChatCompletionStreamParams.__annotations__)
    assert set(ChatCompletionParams.__annotations__) == stream - {"stream_options"}
    for resource in (th.responses, th.messages):
        assert set(inspect.signature(resource.create).parameters) - {"stream"} == set(
            inspect.signature(resource.stream).parameters)


async def test_per_call_options_reach_the_wire(fake: FakeTokenHot, th: AsyncTokenHot) -> None:
    await th.chat.completions.create(
        model="gpt-5.4", messages=HELLO, temperature=None, seed=7,
        extra_headers={"X-Trace": "t-1"}, extra_query={"trace": "q"}, extra_body={"vendor_flag": True},
    )
    sent = fake.requests_to("/v1/chat/completions")[-1]
    assert sent.headers["X-Trace"] == "t-1"
    assert sent.query == {"trace": "q"}
    assert sent.json == {"model": "gpt-5.4", "messages": HELLO, "seed": 7, "vendor_flag": True}


async def test_a_bad_per_call_option_fails_before_sending(fake: FakeTokenHot, th: AsyncTokenHot) -> None:
    with pytest.raises(InvalidRequestError, match="max_retries"):
        await th.models.list(max_retries=-1)
    with pytest.raises(InvalidRequestError, match="stream_options needs a streamed answer"):
        await th.chat.completions.create(model="gpt-5.4", messages=HELLO,
                                         stream_options={"include_usage": True})
    assert fake.requests == []


def test_split_separates_body_fields_from_options() -> None:
    fields, options = RequestOptions.split(
        {"model": "m", "temperature": None, "top_p": 0.5, "timeout": 3, "extra_headers": {"A": "b"}})
    assert fields == {"model": "m", "top_p": 0.5}
    assert options == RequestOptions(timeout=3, extra_headers={"A": "b"})
    assert set(RequestOptionsParams.__annotations__) == {
        "timeout", "max_retries", "extra_headers", "extra_query", "extra_body"}


@given(
    fields=st.dictionaries(st.sampled_from(["model", "n", "seed", "user", "stop"]),
                           st.none() | st.integers() | st.text(max_size=5)),
    timeout=st.none() | st.floats(min_value=0.1, max_value=100) | st.builds(Timeout),
    retries=st.none() | st.integers(min_value=0, max_value=5),
)
def test_split_keeps_every_field_and_option(
    fields: dict[str, Any], timeout: Any, retries: int | None
) -> None:
    body, options = RequestOptions.split({**fields, "timeout": timeout, "max_retries": retries})
    assert body == {k: v for k, v in fields.items() if v is not None}
    assert (options.timeout, options.max_retries) == (timeout, retries)
