"""What a call cost: price tables given by the user or loaded from the gateway, ``usage.cost`` on
every protocol's result (None when the price is unknown), the batch summary and the CLI line."""

from __future__ import annotations

import io
import json
import wave
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aiotokenhot import AsyncTokenHot, InvalidRequestError, ModelPrice, PriceTable
from aiotokenhot._pricing import TokenCounts
from aiotokenhot.batch import run_batch
from aiotokenhot.cli import main
from aiotokenhot.protocols.audio._wav import pcm_to_wav, wav_seconds
from aiotokenhot.telemetry._extract import read_answer
from aiotokenhot.testing import FakeTokenHot

MESSAGES = [{"role": "user", "content": "what does it cost"}]
GPT = ModelPrice(input="1.25", output="10", cached_input="0.125")


def per_million(tokens: int, price: str) -> Decimal:
    return Decimal(tokens) * Decimal(price) / 1_000_000


# -- the price type ------------------------------------------------------------------------------


def test_prices_are_decimals_whatever_number_type_they_are_given_in() -> None:
    price = ModelPrice(input=3, output="15", cached_input=0.3, per_image=Decimal("0.04"))
    assert price.input == Decimal(3)
    assert price.output == Decimal(15)
    assert price.cached_input == Decimal("0.3")  # a float goes through its repr, not its binary value
    assert price.per_image == Decimal("0.04")
    assert price.cache_write is None


@pytest.mark.parametrize("bad", [-1, "ten", float("nan"), float("inf"), True, [1]])
def test_a_bad_price_is_a_clear_error(bad: object) -> None:
    with pytest.raises(InvalidRequestError, match=r"ModelPrice\.input"):
        ModelPrice(input=bad)  # type: ignore[arg-type]


def test_a_price_table_takes_only_model_prices() -> None:
    with pytest.raises(InvalidRequestError, match=r"must be an aiotokenhot\.ModelPrice"):
        AsyncTokenHot("sk-test", "http://127.0.0.1:9", prices={"gpt-5.4": {"input": 1}})  # type: ignore[dict-item]


def test_a_kind_of_token_without_a_price_makes_the_cost_unknown_not_a_guess() -> None:
    no_cache_price = ModelPrice(input=1, output=2)
    assert no_cache_price.tokens_cost(TokenCounts(input=10, output=5)) == Decimal("0.00002")
    assert no_cache_price.tokens_cost(TokenCounts(input=10, cached_input=4, output=5)) is None
    assert ModelPrice(per_image="0.04").media_cost(images=3) == Decimal("0.12")
    assert ModelPrice(per_image="0.04").media_cost(video_seconds=5) is None


@given(
    st.integers(0, 10**7), st.integers(0, 10**7), st.integers(0, 10**7), st.integers(0, 10**7),
    st.decimals(0, 1000, places=4), st.decimals(0, 1000, places=4),
)
def test_cost_is_exact_and_adds_up_across_kinds_of_tokens(
    fresh: int, cached: int, written: int, out: int, price_in: Decimal, price_out: Decimal
) -> None:
    price = ModelPrice(input=price_in, output=price_out, cached_input=price_in / 10,
                       cache_write=price_in * 2)
    whole = price.tokens_cost(TokenCounts(fresh, cached, written, out))
    parts = [price.tokens_cost(TokenCounts(input=fresh)), price.tokens_cost(TokenCounts(cached_input=cached)),
             price.tokens_cost(TokenCounts(cache_write=written)), price.tokens_cost(TokenCounts(output=out))]
    assert whole is not None and all(p is not None for p in parts)
    assert whole == sum(p for p in parts if p is not None)
    assert whole >= 0


def test_lookups_are_exact_answering_model_first() -> None:
    table = PriceTable({"gpt-5.4": GPT, "gemini-2.5-flash": ModelPrice(input=1, output=1)})
    assert table.lookup("gpt-5.4-2026-03-05", "gpt-5.4") is GPT  # the dated answer falls back to the ask
    assert table.lookup("gpt-5") is None  # no family or prefix guessing
    assert table.lookup("models/gemini-2.5-flash") is table["gemini-2.5-flash"]


def test_cached_prompt_tokens_are_priced_apart_on_every_protocol() -> None:
    chat = read_answer("chat", {"usage": {"prompt_tokens": 100, "completion_tokens": 20,
                                          "prompt_tokens_details": {"cached_tokens": 60}}})
    assert chat.counts == TokenCounts(input=40, cached_input=60, output=20)
    claude = read_answer("messages", {"usage": {"input_tokens": 10, "output_tokens": 5,
                                                "cache_read_input_tokens": 70,
                                                "cache_creation_input_tokens": 20}})
    assert claude.counts == TokenCounts(10, 70, 20, 5)
    assert claude.input_tokens == 100
    gemini = read_answer("gemini", {"usageMetadata": {
        "promptTokenCount": 100, "cachedContentTokenCount": 30, "candidatesTokenCount": 8,
        "thoughtsTokenCount": 12}})
    assert gemini.counts == TokenCounts(input=70, cached_input=30, output=20)


# -- cost on results ---------------------------------------------------------------------------------


async def test_usage_cost_on_a_priced_model_and_none_on_an_unpriced_one(fake: FakeTokenHot) -> None:
    async with fake.client(max_retries=0, telemetry=False, prices={"gpt-5.4": GPT}) as th:
        priced = await th.chat.completions.create(model="gpt-5.4", messages=MESSAGES)
        unpriced = await th.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
        done = await th.complete(model="gpt-4o-mini", messages=MESSAGES)
    assert priced.usage is not None and unpriced.usage is not None
    assert priced.usage.cost == per_million(priced.usage.prompt_tokens, "1.25") + per_million(
        priced.usage.completion_tokens, "10")
    assert unpriced.usage.cost is None
    assert done.cost is None
    assert "cost" not in priced.usage.to_dict()  # the figure is not part of the wire data


MEDIA_PRICES = {
    "gpt-image-2": ModelPrice(per_image="0.04"),
    "sora-2": ModelPrice(per_video_second="0.10"),
    "tts-1": ModelPrice(per_audio_minute="0.015"),
    "whisper-1": ModelPrice(per_audio_minute="0.006"),
    "dall-e-3": ModelPrice(input=5, output=40),  # priced, but not per image
}


async def test_images_cost_per_image_and_none_without_a_per_image_price(fake: FakeTokenHot) -> None:
    async with fake.client(max_retries=0, telemetry=False, prices=MEDIA_PRICES) as th:
        two = await th.images.generate(model="gpt-image-2", prompt="two foxes", n=2)
        no_image_price = await th.images.generate(model="dall-e-3", prompt="a lighthouse")
        unpriced = await th.images.generate(model="gpt-image-1", prompt="a fox")
    assert len(two.data) == 2
    assert two.cost == Decimal("0.08")
    assert no_image_price.cost is None
    assert unpriced.cost is None
    assert "cost" not in two.model_dump()


async def test_a_finished_video_costs_its_seconds_and_a_queued_one_nothing_yet(
    fake: FakeTokenHot,
) -> None:
    fake.video_polls = 1
    async with fake.client(max_retries=0, telemetry=False, prices=MEDIA_PRICES) as th:
        task = await th.videos.create(model="sora-2", prompt="a paper boat", seconds="8")
        done = await th.videos.wait(task, poll_interval=0.01)
        again = await th.videos.retrieve(task.id)
    assert task.cost is None  # queued: nothing generated yet
    assert done.seconds == 8.0
    assert done.cost == Decimal("0.80")
    assert again.cost == Decimal("0.80")


async def test_audio_costs_per_minute_when_its_length_is_known(fake: FakeTokenHot) -> None:
    async with fake.client(max_retries=0, telemetry=False, prices=MEDIA_PRICES) as th:
        wav = await th.audio.speech(model="tts-1", input="Hi", voice="alloy", response_format="wav")
        mp3 = await th.audio.speech(model="tts-1", input="Hi", voice="alloy")
        # the fake reports 1 s per 32,000 bytes: 96,000 bytes are 3 s, 0.05 minutes
        verbose = await th.audio.transcriptions.create(
            file=("a.mp3", b"ID3" + bytes(95997)), response_format="verbose_json")
        plain = await th.audio.transcriptions.create(file=("a.mp3", b"ID3" + bytes(95997)))
    with wave.open(io.BytesIO(wav.data)) as header:
        seconds = Decimal(header.getnframes()) / header.getframerate()
    assert wav.cost is not None and seconds > 0
    assert abs(wav.cost - seconds / 60 * Decimal("0.015")) < Decimal("1e-15")
    assert mp3.cost is None  # an MP3's length is not stated: no guess
    assert verbose.duration == 3.0
    assert verbose.cost == Decimal("0.0003")
    assert plain.duration is None and plain.cost is None


def test_a_streamed_wav_header_with_placeholder_sizes_has_no_length() -> None:
    pcm = bytes(4800)
    good = pcm_to_wav(pcm, "audio/L16;rate=24000")
    assert wav_seconds(good) == 0.1
    streamed = good[:40] + (0xFFFFFFFF).to_bytes(4, "little") + good[44:]
    assert wav_seconds(streamed) is None
    assert wav_seconds(b"ID3 not a wav") is None


async def test_without_prices_nothing_is_attached(fake: FakeTokenHot) -> None:
    async with fake.client(max_retries=0, telemetry=False) as th:
        reply = await th.chat.completions.create(model="gpt-5.4", messages=MESSAGES)
        assert th._transport.instrumentation is None
    assert reply.usage is not None and reply.usage.cost is None


async def test_prices_load_from_the_gateway_price_list(fake: FakeTokenHot) -> None:
    fake.state["xai_routes"] = True
    async with fake.client(max_retries=0, telemetry=False,
                           prices={"grok-3-mini": ModelPrice(input=9, output=9)}) as th:
        added = await th.load_prices()
        assert added == 2  # grok-4.1 and its alias; the caller's grok-3-mini entry is kept
        grok = th.prices["grok-4.1"]
        assert grok == th.prices["grok-4.1-latest"]
        # 20000 (1/100 cent per million) is $2.00 per million tokens
        assert (grok.input, grok.cached_input, grok.output) == (Decimal(2), Decimal("0.5"), Decimal(10))
        assert th.prices["grok-3-mini"].input == 9
        reply = await th.chat.completions.create(model="grok-4.1", messages=MESSAGES)
    assert reply.usage is not None
    assert reply.usage.cost == per_million(reply.usage.prompt_tokens, "2") + per_million(
        reply.usage.completion_tokens, "10")


async def test_prices_loaded_later_price_the_next_calls(fake: FakeTokenHot) -> None:
    fake.state["xai_routes"] = True
    fake.state["language_models"] = [{"id": "gpt-5.4", "prompt_text_token_price": 12500,
                                      "completion_text_token_price": 100000, "aliases": []}]
    async with fake.client(max_retries=0, telemetry=False) as th:
        assert await th.load_prices() == 1
        async with th.chat.completions.stream(model="gpt-5.4", messages=MESSAGES,
                                              stream_options={"include_usage": True}) as s:
            await s.until_done()
    usage = s.final().usage
    assert usage is not None
    assert usage.cost == per_million(usage.prompt_tokens, "1.25") + per_million(
        usage.completion_tokens, "10")


# -- batch and CLI -------------------------------------------------------------------------------


def batch_lines(n: int, model: str = "gpt-5.4") -> str:
    return "".join(json.dumps({
        "custom_id": f"q{i}", "method": "POST", "url": "/v1/chat/completions",
        "body": {"model": model, "messages": [{"role": "user", "content": f"item {i}"}]},
    }) + "\n" for i in range(n))


async def test_batch_summary_keeps_the_running_cost(fake: FakeTokenHot, tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text(batch_lines(5) + batch_lines(2, "unpriced-model").replace('"q', '"u'))
    out = tmp_path / "out.jsonl"
    async with fake.client(max_retries=0, telemetry=False, prices={"gpt-5.4": GPT}) as th:
        summary = await run_batch(th, src, output=out, concurrency=3)
    expected = Decimal(0)
    for line in out.read_text().splitlines():
        row = json.loads(line)
        if row["custom_id"].startswith("q"):
            usage = row["response"]["body"]["usage"]
            expected += per_million(usage["prompt_tokens"], "1.25") + per_million(
                usage["completion_tokens"], "10")
    assert summary.ok == 7
    assert summary.priced == 5
    assert summary.cost == expected
    assert f"cost ${expected:.6f} (5 priced)" in summary.format()


def test_cli_batch_line_shows_the_cost_from_a_price_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TOKENHOT_API_KEY", raising=False)
    src = tmp_path / "in.jsonl"
    src.write_text(batch_lines(4))
    prices = tmp_path / "prices.json"
    prices.write_text(json.dumps({"gpt-5.4": {"input": "1.25", "output": "10"}}))
    assert main(["batch", "--fake", str(src), "-o", str(tmp_path / "o.jsonl"),
                 "--prices", str(prices)]) == 0
    assert "(4 priced)" in capsys.readouterr().err
    prices.write_text(json.dumps({"gpt-5.4": {"input": "free"}}))
    assert main(["batch", "--fake", str(src), "-o", str(tmp_path / "p.jsonl"),
                 "--prices", str(prices)]) == 2
    assert "ModelPrice.input is not a number" in capsys.readouterr().err


KEYS = st.sampled_from([
    "usage", "usageMetadata", "choices", "candidates", "model", "id", "prompt_tokens", "input_tokens",
    "output_tokens", "completion_tokens", "promptTokenCount", "candidatesTokenCount",
    "cache_read_input_tokens", "prompt_tokens_details", "cached_tokens", "finish_reason", "content",
    "text", "status", "output", "stop_reason", "parts", "finishReason", "message"])
JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-10, 10**6) | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(KEYS, inner, max_size=5),
    max_leaves=20,
)


@settings(max_examples=400)
@given(st.sampled_from(["chat", "completions", "responses", "messages", "gemini", "embeddings"]),
       st.dictionaries(KEYS, JSON, max_size=6) | JSON)
def test_reading_any_gateway_answer_never_raises_and_never_counts_negative_tokens(
    family: str, body: object
) -> None:
    answer = read_answer(family, body)
    if answer.counts is not None:
        assert all(n >= 0 for n in answer.counts)
