"""Embeddings: OpenAI-style ``th.embeddings.create`` and Gemini's embedContent routes."""

from __future__ import annotations

import base64
import json
import math
import struct
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aiotokenhot import AsyncTokenHot, InvalidRequestError, ResponseValidationError
from aiotokenhot.batch import run_batch
from aiotokenhot.protocols.embeddings import decode_base64_floats
from aiotokenhot.testing import FakeTokenHot
from aiotokenhot.testing._embeddings import fake_embedding


async def test_vectors_travel_as_base64_and_come_back_as_floats(fake: FakeTokenHot,
                                                               th: AsyncTokenHot) -> None:
    result = await th.embeddings.create(model="text-embedding-3-small", input=["red", "green"],
                                        dimensions=16)

    assert result.vectors == [fake_embedding("red", 16), fake_embedding("green", 16)]
    assert result.dimensions == 16 and result.model == "text-embedding-3-small"
    assert result.usage is not None and result.usage.prompt_tokens == 2
    assert math.isclose(sum(v * v for v in result.vectors[0]), 1.0, rel_tol=1e-5)
    sent = fake.requests_to("/v1/embeddings")[0]
    assert sent.json == {"model": "text-embedding-3-small", "input": ["red", "green"],
                         "encoding_format": "base64", "dimensions": 16}


async def test_float_encoding_on_request_gives_the_same_vectors(fake: FakeTokenHot,
                                                                th: AsyncTokenHot) -> None:
    packed = await th.embeddings.create(model="text-embedding-3-small", input="red", dimensions=8)
    plain = await th.embeddings.create(model="text-embedding-3-small", input="red", dimensions=8,
                                       encoding_format="float")

    assert plain.vectors == packed.vectors
    assert fake.requests_to("/v1/embeddings")[1].json["encoding_format"] == "float"


async def test_token_id_inputs_pass_through(fake: FakeTokenHot, th: AsyncTokenHot) -> None:
    one = await th.embeddings.create(model="text-embedding-3-small", input=[15339, 1917], dimensions=4)
    many = await th.embeddings.create(model="text-embedding-3-small", input=[[1, 2], (3, 4)],
                                      dimensions=4)

    assert one.vectors == [fake_embedding("15339 1917", 4)]
    assert len(many.vectors) == 2
    assert fake.requests_to("/v1/embeddings")[1].json["input"] == [[1, 2], [3, 4]]


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"input": ""}, "must not be empty"),
    ({"input": []}, "non-empty list"),
    ({"input": ["ok", ""]}, r"input\[1\] is empty"),
    ({"input": ["ok", 3.5]}, r"input\[1\] must be"),
    ({"input": "x", "dimensions": 0}, "dimensions must be a positive integer"),
    ({"input": "x", "encoding_format": "hex"}, "encoding_format"),
    ({"input": ["x"] * 2049}, "at most 2048"),
])
async def test_bad_input_is_refused_before_sending(fake: FakeTokenHot, th: AsyncTokenHot,
                                                   kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidRequestError, match=message):
        await th.embeddings.create(model="text-embedding-3-small", **kwargs)  # type: ignore[arg-type]
    assert fake.requests == []


@given(st.lists(st.floats(width=32, allow_nan=False), max_size=64))
def test_base64_decoding_is_exact_for_float32(values: list[float]) -> None:
    encoded = base64.b64encode(struct.pack(f"<{len(values)}f", *values)).decode()
    assert decode_base64_floats(encoded) == values


def test_truncated_base64_vectors_are_reported() -> None:
    with pytest.raises(ResponseValidationError, match="whole number of float32"):
        decode_base64_floats(base64.b64encode(b"\x00\x00\x80").decode())


async def test_gemini_embed_content_and_batch(fake: FakeTokenHot, th: AsyncTokenHot) -> None:
    one = await th.gemini.embed_content("gemini-embedding-001", content="hello",
                                        task_type="retrieval_document", title="Greeting",
                                        output_dimensionality=8)
    batch = await th.gemini.batch_embed_contents("gemini-embedding-001", contents=["a", "b"])

    assert one.values == fake_embedding("hello", 8)
    assert batch.vectors == [fake_embedding("a", 768), fake_embedding("b", 768)]
    first, second = fake.requests_to("/v1beta/models/gemini-embedding-001:")
    assert first.path.endswith(":embedContent")
    assert first.json == {"model": "models/gemini-embedding-001",
                          "content": {"parts": [{"text": "hello"}]}, "taskType": "RETRIEVAL_DOCUMENT",
                          "title": "Greeting", "outputDimensionality": 8}
    assert second.path.endswith(":batchEmbedContents")
    assert [r["content"] for r in second.json["requests"]] == [{"parts": [{"text": "a"}]},
                                                               {"parts": [{"text": "b"}]}]
    with pytest.raises(InvalidRequestError, match="title is only for"):
        await th.gemini.embed_content("gemini-embedding-001", content="x", title="t")


async def test_a_batch_of_embedding_lines(fake: FakeTokenHot, th: AsyncTokenHot, tmp_path: Path) -> None:
    lines = [{"custom_id": f"doc-{i}", "method": "POST", "url": "/v1/embeddings",
              "body": {"model": "text-embedding-3-small", "input": f"document {i}", "dimensions": 4}}
             for i in range(5)]
    lines.append({"custom_id": "gem", "method": "POST",
                  "url": "/v1beta/models/gemini-embedding-001:batchEmbedContents",
                  "body": {"requests": [{"model": "models/gemini-embedding-001",
                                         "content": {"parts": [{"text": "x"}]}}]}})
    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps(line) + "\n" for line in lines))

    summary = await run_batch(th, src, output=tmp_path / "out.jsonl", progress=None)

    assert summary.ok == 6
    results = {r["custom_id"]: r for r in map(json.loads, (tmp_path / "out.jsonl").read_text().splitlines())}
    assert results["doc-3"]["response"]["body"]["data"][0]["embedding"] == fake_embedding("document 3", 4)
    assert results["gem"]["response"]["body"]["embeddings"][0]["values"] == fake_embedding("x", 768)
