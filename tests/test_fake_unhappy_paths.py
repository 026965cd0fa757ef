"""The fake gateway as a tool for testing an app's unhappy paths: unknown models, every fault
knob, prose replies and the pytest fixture used the way the README shows it."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from hypothesis import given
from hypothesis import strategies as st

from aiotokenhot import NotFoundError
from aiotokenhot.testing import FakeTokenHot
from aiotokenhot.testing._replies import reply_pieces

pytest_plugins = ["pytester"]

USER = [{"role": "user", "content": "Hello there"}]


async def raw_post(fake: FakeTokenHot, path: str, body: dict[str, Any]) -> tuple[int, Any]:
    async with aiohttp.ClientSession() as session, session.post(
        fake.base_url + path, json=body, headers={"Authorization": f"Bearer {fake.api_key}"}
    ) as resp:
        return resp.status, await resp.json()


async def test_an_unknown_model_is_404_in_each_protocols_error_shape() -> None:
    async with FakeTokenHot(unknown_models=["gpt-9", "claude-9", "gemini-9"]) as fake:
        status, body = await raw_post(fake, "/v1/chat/completions",
                                      {"model": "gpt-9", "messages": USER})
        assert status == 404 and body["error"]["code"] == "model_not_found"
        assert body["error"]["message"].startswith("The model `gpt-9` does not exist")
        status, body = await raw_post(fake, "/v1/messages",
                                      {"model": "claude-9", "max_tokens": 9, "messages": USER})
        assert status == 404
        assert body == {"type": "error", "error": {"type": "not_found_error",
                                                   "message": "model: claude-9"}}
        status, body = await raw_post(fake, "/v1beta/models/gemini-9:generateContent",
                                      {"contents": [{"parts": [{"text": "hi"}]}]})
        assert status == 404 and body["error"]["status"] == "NOT_FOUND"
        assert body["error"]["code"] == 404 and "models/gemini-9" in body["error"]["message"]


@pytest.mark.parametrize("path", ["/v1/chat/completions", "/v1/completions", "/v1/messages"])
async def test_a_body_that_is_not_a_json_object_is_400_in_the_protocols_error_shape(
        path: str) -> None:
    async with FakeTokenHot() as fake, aiohttp.ClientSession() as session, session.post(
        fake.base_url + path, data=b"[1, 2]",
        headers={"Authorization": f"Bearer {fake.api_key}", "Content-Type": "application/json"},
    ) as resp:
        assert resp.status == 400
        error = (await resp.json())["error"]
        assert error["type"] == "invalid_request_error"
        assert error["message"] == "the body must be a JSON object"


async def test_the_client_raises_not_found_for_an_unknown_model_and_others_still_work() -> None:
    async with FakeTokenHot() as fake, fake.client(max_retries=0) as th:
        fake.unknown_models.add("gpt-9")  # can change while the gateway runs
        with pytest.raises(NotFoundError) as chat:
            await th.chat.completions.create(model="gpt-9", messages=USER)
        assert chat.value.status_code == 404
        with pytest.raises(NotFoundError):
            await th.responses.create(model="gpt-9", input="hi")
        with pytest.raises(NotFoundError):
            async for _ in th.stream(model="gpt-9", messages=USER):
                pass
        fake.unknown_models.update({"claude-9", "gemini-9"})
        with pytest.raises(NotFoundError):
            await th.messages.create(model="claude-9", max_tokens=16, messages=USER)
        with pytest.raises(NotFoundError):
            await th.gemini.generate_content("gemini-9", contents="hi")
        ok = await th.chat.completions.create(model="gpt-5.4", messages=USER)
        assert ok.choices[0].message.content


async def test_unknown_models_are_left_out_of_the_model_list() -> None:
    async with FakeTokenHot(unknown_models=["gpt-5.4"]) as fake, fake.client() as th:
        ids = [m.id for m in await th.models.list()]
        assert ids and "gpt-5.4" not in ids and "claude-opus-4-6" in ids
        with pytest.raises(NotFoundError):
            await th.models.retrieve("gpt-5.4")


async def test_fail_next_sends_retry_after_and_extra_headers(fake: FakeTokenHot) -> None:
    fake.fail_next(1, 429, retry_after=2, headers={"x-ratelimit-remaining-requests": "0"})
    async with aiohttp.ClientSession() as session, session.post(
        fake.base_url + "/v1/chat/completions", json={"model": "m", "messages": USER},
        headers={"Authorization": f"Bearer {fake.api_key}"},
    ) as resp:
        assert resp.status == 429
        assert resp.headers["Retry-After"] == "2"
        assert resp.headers["x-ratelimit-remaining-requests"] == "0"


async def test_hang_up_next_drops_the_connection_and_the_client_retries(fake: FakeTokenHot) -> None:
    fake.hang_up_next(1, path="/v1/chat/completions")
    async with fake.client(max_retries=1) as th:
        reply = await th.chat.completions.create(model="gpt-5.4", messages=USER)
    assert reply.choices[0].message.content
    assert fake.request_count == 2 and not fake.faults


def test_every_fault_method_documents_itself() -> None:
    for name in ("inject", "fail_next", "delay_next", "hang_up_next", "disconnect_after",
                 "truncate_after", "malformed_after", "error_event_after", "stall_after"):
        doc = getattr(FakeTokenHot, name).__doc__ or ""
        assert len(doc.split()) >= 25, name
        assert "path" in doc, name


async def test_prose_replies_read_like_answers_about_the_prompt() -> None:
    async with FakeTokenHot(replies="prose", reply_words=20) as fake, fake.client() as th:
        reply = await th.chat.completions.create(
            model="gpt-5.4", messages=[{"role": "user", "content": "How do connection pools work?"}])
    text = reply.choices[0].message.content or ""
    assert "connection pools" in text and text.endswith(".") and not text.startswith("Echo")
    with pytest.raises(ValueError, match="replies must be one of"):
        FakeTokenHot(replies="lorem")


@given(st.text(max_size=80), st.integers(min_value=1, max_value=60))
def test_reply_length_and_determinism(prompt: str, words: int) -> None:
    echo = reply_pieces(prompt, words)
    assert len(echo) == words and echo == reply_pieces(prompt, words)
    assert echo[0].startswith("Echo:")
    prose = reply_pieces(prompt, words, "prose")
    assert 1 <= len(prose) <= words and prose == reply_pieces(prompt, words, "prose")
    assert all(p.count(" ") <= 1 for p in echo + prose)  # one word per piece


def test_the_pytest_fixture_used_as_the_readme_shows(pytester: pytest.Pytester) -> None:
    pytester.makeconftest('pytest_plugins = ["aiotokenhot.testing.pytest_plugin"]\n')
    pytester.makeini("[pytest]\nasyncio_mode = strict\n")
    pytester.makepyfile(test_app=textwrap.dedent('''
        import pytest
        from aiotokenhot import NotFoundError, RateLimitError


        @pytest.mark.asyncio
        async def test_my_app_sees_a_rate_limit(fake_tokenhot):
            fake_tokenhot.fail_next(3, 429, retry_after=0)
            async with fake_tokenhot.client(max_retries=1) as th:
                with pytest.raises(RateLimitError):
                    await th.chat.completions.create(
                        model="gpt-5.4", messages=[{"role": "user", "content": "hi"}])


        @pytest.mark.fake_tokenhot(unknown_models=["gpt-9"], reply_words=4)
        @pytest.mark.asyncio
        async def test_marker_options(fake_tokenhot):
            async with fake_tokenhot.client() as th:
                with pytest.raises(NotFoundError):
                    await th.chat.completions.create(
                        model="gpt-9", messages=[{"role": "user", "content": "hi"}])
                ok = await th.chat.completions.create(
                    model="gpt-5.4", messages=[{"role": "user", "content": "hi"}])
            assert len(ok.choices[0].message.content.split()) == 4


        def test_sync_tests_get_it_too(fake_tokenhot):
            assert fake_tokenhot.base_url.startswith("http://127.0.0.1:")
    '''))
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-q")
    result.assert_outcomes(passed=3)


def test_the_readme_fixture_snippets_pass_as_written(pytester: pytest.Pytester) -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    blocks = [b for b in re.findall(r"```python\n(.*?)```", readme, re.S)
              if "def test_" in b and "fake_tokenhot" in b]
    assert len(blocks) >= 2
    plugin_line = 'pytest_plugins = ["aiotokenhot.testing.pytest_plugin"]'
    assert any(plugin_line in b for b in blocks)
    pytester.makeconftest(plugin_line + "\n")
    pytester.makeini("[pytest]\nasyncio_mode = strict\n")
    for i, block in enumerate(blocks):
        code = "\n".join(line for line in block.splitlines() if not line.startswith("pytest_plugins"))
        pytester.makepyfile(**{f"test_readme_{i}": code})
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-q")
    result.assert_outcomes(passed=len(blocks))


def test_the_example_project_tests_its_unhappy_paths() -> None:
    project = Path(__file__).resolve().parent.parent / "examples" / "testing_your_app"
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
                          cwd=project, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stdout[-3000:]
    assert "4 passed" in done.stdout


def test_the_plugin_is_not_active_unless_asked(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_x="def test_x(fake_tokenhot):\n    pass\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-q")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*fixture 'fake_tokenhot' not found*"])


def test_serving_in_thread_stops_cleanly() -> None:
    from aiotokenhot.testing.pytest_plugin import serving_in_thread

    started = time.monotonic()
    with serving_in_thread(FakeTokenHot()) as fake:
        url = fake.base_url
    assert url.startswith("http://127.0.0.1:") and time.monotonic() - started < 30
    with pytest.raises(RuntimeError, match="not started"):
        _ = fake.base_url
