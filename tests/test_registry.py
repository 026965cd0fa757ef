"""One record per protocol, and every part of the SDK that needs to know protocols reads it."""

from __future__ import annotations

import pytest

from aiotokenhot.batch._input import KNOWN_ROUTES
from aiotokenhot.cli import build_parser
from aiotokenhot.testing import FakeTokenHot
from aiotokenhot.unified import PROTOCOLS, REGISTRY, UnifiedStream, pick_protocol
from aiotokenhot.unified._registry import auth_family, record


def test_each_unified_protocol_has_a_record_with_its_streams() -> None:
    assert PROTOCOLS == ("openai", "responses", "anthropic", "gemini")
    for name in PROTOCOLS:
        r = record(name)
        assert issubclass(r.unified(), UnifiedStream) and r.unified().protocol == name
        assert r.adapter().name == name


@pytest.mark.parametrize(("path", "family"), [
    ("/v1/chat/completions", "bearer"), ("/v1/responses", "bearer"),
    ("/v1/messages", "x-api-key"), ("/v1/messages/count_tokens", "x-api-key"),
    ("/v1beta/models/gemini-2.5-flash:streamGenerateContent", "x-goog-api-key"),
    ("/v1/images/generations", "bearer"),
])
def test_auth_family_comes_from_the_route_prefixes(path: str, family: str) -> None:
    assert auth_family(path) == family


async def test_the_transport_sends_each_protocols_auth_header(fake: FakeTokenHot) -> None:
    async with fake.client(max_retries=0) as th:
        await th.messages.create(model="claude-opus-4-6", max_tokens=8,
                                 messages=[{"role": "user", "content": "hi"}])
        await th.chat.completions.create(model="gpt-5.4", messages=[{"role": "user", "content": "hi"}])
    messages, chat = fake.requests[-2:]
    assert messages.headers.get("x-api-key") == fake.api_key
    assert "x-api-key" not in chat.headers


def test_batch_routes_and_cli_choices_are_the_registrys() -> None:
    for r in REGISTRY:
        assert set(r.batch_routes) <= KNOWN_ROUTES
    chat = build_parser().parse_args(["chat", "-m", "m", "--protocol", "gemini", "x"])
    assert chat.protocol == "gemini"
    with pytest.raises(SystemExit):
        build_parser().parse_args(["chat", "-m", "m", "--protocol", "completions", "x"])


def test_auto_follows_the_records_model_rules() -> None:
    assert [pick_protocol(m, "auto") for m in ("claude-x", "Gemini-2", "gpt-5.4")] == [
        "anthropic", "gemini", "openai"]
    assert pick_protocol("claude-x", "responses") == "responses"
