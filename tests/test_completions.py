"""Legacy /v1/completions against the fake gateway."""

from __future__ import annotations

from typing import Any

import pytest

from aiotokenhot import AsyncTokenHot, IncompleteStreamError, InvalidRequestError, StreamError
from aiotokenhot.protocols.completions import TextCompletion, TextCompletionChunk
from aiotokenhot.testing import FakeTokenHot

MODEL = "gpt-3.5-turbo-instruct"


async def test_create_with_a_string_prompt(fake: FakeTokenHot, th: AsyncTokenHot) -> None:
    completion = await th.completions.create(model=MODEL, prompt="Once upon a time",
                                             max_tokens=6, temperature=0)

    assert isinstance(completion, TextCompletion)
    assert completion.object == "text_completion"
    assert completion.text.startswith("Echo: Once upon a time ")
    assert len(completion.text.split()) == 6
    assert completion.choices[0].finish_reason == "length"
    assert completion.usage is not None
    assert completion.usage.prompt_tokens == 4 and completion.usage.completion_tokens == 6
    assert fake.requests[-1].json == {"model": MODEL, "prompt": "Once upon a time",
                                      "max_tokens": 6, "temperature": 0}


async def test_a_list_prompt_gets_one_choice_per_prompt(th: AsyncTokenHot) -> None:
    completion = await th.completions.create(model=MODEL, prompt=["Roses are", "Violets are"])

    assert [c.index for c in completion.choices] == [0, 1]
    assert completion.choices[0].text.startswith("Echo: Roses are")
    assert completion.choices[1].text.startswith("Echo: Violets are")


async def test_stream_text_and_final(th: AsyncTokenHot) -> None:
    whole = await th.completions.create(model=MODEL, prompt=["Roses are", "Violets are"])

    async with th.completions.stream(model=MODEL, prompt=["Roses are", "Violets are"],
                                     stream_options={"include_usage": True}) as stream:
        chunks = [chunk async for chunk in stream]

    assert all(isinstance(c, TextCompletionChunk) for c in chunks)
    final = stream.final()
    assert [c.text for c in final.choices] == [c.text for c in whole.choices]
    assert [c.finish_reason for c in final.choices] == ["stop", "stop"]
    assert final.usage == whole.usage


async def test_text_yields_the_first_choice(th: AsyncTokenHot) -> None:
    async with th.completions.stream(model=MODEL, prompt="Once upon a time") as stream:
        text = "".join([piece async for piece in stream.text()])
    assert text == stream.final().text
    assert text.startswith("Echo: Once upon a time")


async def test_errors_and_truncation_in_the_stream(fake: FakeTokenHot, th: AsyncTokenHot) -> None:
    fake.error_event_after(2)
    with pytest.raises(StreamError):
        async with th.completions.stream(model=MODEL, prompt="Once upon a time") as stream:
            await stream.until_done()

    fake.truncate_after(3)
    with pytest.raises(IncompleteStreamError) as caught:
        async with th.completions.stream(model=MODEL, prompt="Once upon a time") as stream:
            await stream.until_done()
    partial = caught.value.partial
    assert isinstance(partial, TextCompletion)
    assert partial.text == "Echo: Once upon "


@pytest.mark.parametrize(
    ("prompt", "extra"),
    [([], {}), (["a", 1], {}), ({"text": "hi"}, {}), (None, {}), ("hi", {"n": 0}),
     ("hi", {"max_tokens": -1}), ("hi", {"temperature": 9})],
)
async def test_bad_arguments_are_refused(
    fake: FakeTokenHot, th: AsyncTokenHot, prompt: Any, extra: dict[str, Any]
) -> None:
    with pytest.raises(InvalidRequestError):
        await th.completions.create(model=MODEL, prompt=prompt, **extra)
    assert fake.requests == []


async def test_token_prompts_are_sent_as_given(fake: FakeTokenHot, th: AsyncTokenHot) -> None:
    await th.completions.create(model=MODEL, prompt=[[1, 2, 3], [4, 5]])
    assert fake.requests[-1].json["prompt"] == [[1, 2, 3], [4, 5]]
