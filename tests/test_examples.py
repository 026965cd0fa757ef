"""Every example runs against the fake gateway and does what its docstring says."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from types import ModuleType

import aiohttp
import anyio
import pytest
from aiohttp import WSMsgType, web

from aiotokenhot import AsyncTokenHot
from aiotokenhot.testing import FakeTokenHot

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def run_example(name: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TOKENHOT_")}  # fake gateway
    done = subprocess.run([sys.executable, str(EXAMPLES / name)], capture_output=True, text=True,
                          env=env, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


def load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name.removesuffix(".py"), EXAMPLES / name)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_quickstart_runs() -> None:
    out = run_example("quickstart.py").splitlines()
    assert [line.split(":")[0] for line in out] == ["reply", "stream", "unified", "complete"]
    assert all("Echo: Say hello to the async world" in line for line in out)


def test_batch_fanout_resumes_and_shards() -> None:
    out = run_example("batch_fanout.py")
    assert "interrupted after" in out
    assert "200 lines for 200 ids, all distinct: True" in out
    assert "total 200" in out


@pytest.fixture
async def relay() -> AsyncIterator[tuple[FakeTokenHot, AsyncTokenHot, aiohttp.ClientSession]]:
    """The example app served as ``serve()`` does (an AppRunner: handlers are not cancelled
    by aiohttp when a client leaves, so the app must notice the disconnect itself)."""
    app_module = load("stream_to_websocket.py")
    async with FakeTokenHot(reply_words=40, chunk_delay=0.02) as fake, fake.client() as th:
        runner = web.AppRunner(app_module.make_app(th))
        await runner.setup()
        try:
            site = web.TCPSite(runner, "127.0.0.1", 0)
            await site.start()
            port = runner.addresses[0][1]
            async with aiohttp.ClientSession(f"http://127.0.0.1:{port}") as session:
                yield fake, th, session
        finally:
            await runner.cleanup()


async def test_websocket_relays_the_same_text_as_a_direct_stream(
    relay: tuple[FakeTokenHot, AsyncTokenHot, aiohttp.ClientSession],
) -> None:
    _fake, th, client = relay
    page = await client.get("/")
    assert "new WebSocket" in await page.text()
    ask = [{"role": "user", "content": "relay this please"}]
    direct = "".join([piece async for piece in th.stream(model="claude-opus-4-6", messages=ask).text()])

    async with client.ws_connect("/ws") as ws:
        await ws.send_json({"model": "claude-opus-4-6", "prompt": "relay this please"})
        relayed = []
        while True:
            event = await ws.receive_json(timeout=10)
            if event["type"] == "done":
                break
            assert event["type"] == "delta"
            relayed.append(event["text"])
    assert "".join(relayed) == direct
    assert len(relayed) > 1  # token by token, not one block


async def test_closing_the_socket_cancels_the_upstream_stream(
    relay: tuple[FakeTokenHot, AsyncTokenHot, aiohttp.ClientSession],
) -> None:
    fake, th, client = relay
    # after two events the upstream sends only keep-alives for a minute: only a cancel ends it
    fake.stall_after(2, seconds=60, ping_interval=0.05)
    ws = await client.ws_connect("/ws")
    await ws.send_json({"model": "gpt-5.4", "prompt": "a long answer"})
    first = await ws.receive_json(timeout=10)
    assert first["type"] == "delta"
    assert th.pool.acquired_connections() == 1  # the upstream stream is open
    await ws.close()
    with anyio.fail_after(10):
        while th.pool.acquired_connections() or fake.in_flight:  # the gateway saw the hang-up too
            await anyio.sleep(0.01)


async def test_a_new_prompt_replaces_the_reply_in_progress(
    relay: tuple[FakeTokenHot, AsyncTokenHot, aiohttp.ClientSession],
) -> None:
    _fake, th, client = relay
    async with client.ws_connect("/ws") as ws:
        await ws.send_json({"model": "gpt-5.4", "prompt": "first"})
        assert (await ws.receive_json(timeout=10))["text"].startswith("Echo")
        await ws.send_json({"model": "gpt-5.4", "prompt": "second"})
        texts = []
        while True:
            msg = await ws.receive(timeout=10)
            assert msg.type == WSMsgType.TEXT
            event = json.loads(msg.data)
            if event["type"] == "done":
                break
            texts.append(event["text"])
    assert "second" in "".join(texts)
    assert th.pool.acquired_connections() == 0


def test_openai_chat_example_streams_and_calls_a_tool() -> None:
    out = run_example("openai_chat.py")
    assert out.startswith("Echo: Say hello to the async world")
    assert "tool call: get_weather({'city': 'Paris'})" in out


def test_anthropic_gemini_example_runs_both_protocols() -> None:
    out = run_example("anthropic_gemini.py")
    assert "claude wants get_weather(" in out
    assert "gemini: Echo: Name three colours" in out
    assert "countTokens:" in out


def test_unified_stream_example_gives_one_answer_per_protocol() -> None:
    out = run_example("unified_stream.py")
    for route in ("via auto", "via responses"):
        assert route in out
    assert out.count("[calling get_weather]") >= 4
    assert "finish: tool_calls" in out and "finish: stop" in out


def test_video_task_example_waits_and_downloads(tmp_path: Path) -> None:
    target = tmp_path / "clip.mp4"
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / "video_task.py"), "doubao-seedance-2.0", str(target)],
        capture_output=True, text=True, timeout=60, check=False,
        env={k: v for k, v in os.environ.items() if not k.startswith("TOKENHOT_")},
    )
    assert done.returncode == 0, done.stderr
    assert "succeeded" in done.stdout
    assert target.stat().st_size > 0
    assert [p.name for p in tmp_path.iterdir()] == ["clip.mp4"]  # no temp file left behind


def test_images_example_saves_every_family(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / "images.py"), str(tmp_path)],
        capture_output=True, text=True, timeout=60, check=False,
        env={k: v for k, v in os.environ.items() if not k.startswith("TOKENHOT_")},
    )
    assert done.returncode == 0, done.stderr
    saved = sorted(p.name for p in tmp_path.iterdir())
    assert saved == ["kite.png", "lighthouse.png", "merged.png"]
    assert (tmp_path / "lighthouse.png").read_bytes().startswith(b"\x89PNG")


def test_tool_loop_example_answers_with_tools_over_a_fallback_chain() -> None:
    out = run_example("tool_loop.py")
    assert "[tool get_weather -> " in out and "[tool convert_temperature -> 34.7]" in out
    assert '"model": "gpt-5.4"' in out and '"fell_back_from": ["claude-opus-4-6"]' in out
    assert 'answer: {"answer": "Echo: Is Lisbon warm today?' in out


async def test_tool_loop_example_stops_upstream_when_the_client_leaves() -> None:
    app_module = load("tool_loop.py")
    async with FakeTokenHot(tool_calls=2) as fake, fake.client() as th:
        fake.stall_after(2, seconds=60, ping_interval=0.05)  # the first reply never ends
        runner = app_module.make_runner(th)
        await runner.setup()
        try:
            site = web.TCPSite(runner, "127.0.0.1", 0)
            await site.start()
            port = runner.addresses[0][1]
            async with aiohttp.ClientSession(f"http://127.0.0.1:{port}") as session:
                resp = await session.post("/ask", json={"question": "Is Oslo cold?"})
                with anyio.fail_after(10):
                    while not fake.in_flight:
                        await anyio.sleep(0.01)
                assert th.pool.acquired_connections() == 1
                resp.close()  # the browser goes away while the model is still answering
            with anyio.fail_after(10):
                while th.pool.acquired_connections() or fake.in_flight:
                    await anyio.sleep(0.01)
        finally:
            await runner.cleanup()
def test_structured_outputs_example_parses_a_local_photo_on_three_protocols() -> None:
    out = run_example("structured_outputs.py").splitlines()
    assert [line.split(":", 1)[0] for line in out] == ["gpt-5.4", "claude-opus-4-6", "gemini-2.5-flash"]
    assert all(": Photo(subject='" in line and "people=42)" in line for line in out)
    # a schema answer names what the prompt is about, the same over every JSON-schema route
    assert out[0].split(": ", 1)[1] == out[2].split(": ", 1)[1] == (
        "Photo(subject='photo', colours=['photo'], people=42)")
def test_telemetry_prints_genai_spans_and_costs() -> None:
    out = run_example("telemetry.py")
    assert out.count('"name": "chat gpt-5.4"') == 2
    assert '"name": "generate_content gemini-2.5-flash"' in out
    assert '"gen_ai.provider.name": "anthropic"' in out
    costs = [line for line in out.splitlines() if line.startswith("cost:")]
    assert len(costs) == 4
    assert all("$None" not in line for line in costs[:3])
    assert costs[3].startswith("cost: claude-opus-4-6 None")
    assert "Say hello to the async world" not in out  # no prompt recorded without opting in
