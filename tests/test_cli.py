"""The ``aiotokenhot`` command line: every command, against the in-process fake gateway."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from pathlib import Path
from typing import Any

import anyio
import pytest
from aiohttp import web

from aiotokenhot import AsyncTokenHot
from aiotokenhot.cli import main
from aiotokenhot.testing import FakeTokenHot

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def no_real_gateway(monkeypatch: pytest.MonkeyPatch) -> None:
    """Never reach a real gateway from these tests, whatever the developer's shell holds."""
    monkeypatch.delenv("TOKENHOT_API_KEY", raising=False)
    monkeypatch.delenv("TOKENHOT_BASE_URL", raising=False)


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TOKENHOT_")}
    return {**env, **extra}


def batch_line(i: int) -> dict[str, Any]:
    return {"custom_id": f"q{i}", "method": "POST", "url": "/v1/chat/completions",
            "body": {"model": "gpt-5.4", "messages": [{"role": "user", "content": f"item {i}"}]}}


def test_without_a_key_a_clear_message_says_what_to_set(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["chat", "-m", "gpt-5.4", "hi"], ["models"], ["batch", "in.jsonl", "-o", "o"],
                 ["video", "sora-2", "a cat", "-o", "v.mp4"]):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert "set the TOKENHOT_API_KEY environment variable" in err
        assert "--fake" in err and "Traceback" not in err


@pytest.mark.parametrize(("model", "protocol"), [
    ("gpt-5.4", "auto"), ("gpt-5.4", "responses"), ("claude-opus-4-6", "auto"),
    ("gemini-2.5-flash", "auto"),
])
def test_chat_streams_a_reply_over_each_protocol(
    capsys: pytest.CaptureFixture[str], model: str, protocol: str
) -> None:
    assert main(["chat", "--fake", "-m", model, "--protocol", protocol, "hello", "there"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Echo: hello there ") and out.endswith("\n")


def test_chat_reads_the_prompt_from_stdin(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import io

    monkeypatch.setattr(sys, "stdin", io.StringIO("piped question\n"))
    assert main(["chat", "--fake", "-m", "gpt-5.4", "--system", "be brief"]) == 0
    assert capsys.readouterr().out.startswith("Echo: piped question")


def test_chat_json_prints_the_raw_protocol_events(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["chat", "--fake", "-m", "claude-opus-4-6", "--json", "hi"]) == 0
    events = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert events[0]["event"] == "message_start"
    assert events[-1]["event"] == "message_stop"
    text = "".join(e["data"]["delta"].get("text", "") for e in events
                   if e["event"] == "content_block_delta")
    assert text.startswith("Echo: hi")


def test_chat_rejects_a_bad_argument_before_sending(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["chat", "--fake", "-m", "gpt-5.4", "--max-tokens", "0", "hi"]) == 2
    assert "max_tokens" in capsys.readouterr().err


def test_chat_checks_temperature_like_the_native_methods(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["chat", "--fake", "-m", "gpt-5.4", "--temperature", "5", "hi"]) == 2
    assert "temperature must be between 0.0 and 2.0" in capsys.readouterr().err


def test_models_lists_ids(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["models", "--fake"]) == 0
    ids = capsys.readouterr().out.split()
    assert "gpt-5.4" in ids and "claude-opus-4-6" in ids
    assert main(["models", "--fake", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["data"]


def test_video_waits_with_progress_and_downloads(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    target = tmp_path / "out.mp4"
    assert main(["video", "--fake", "doubao-seedance-2.0", "a paper boat", "-o", str(target)]) == 0
    captured = capsys.readouterr()
    assert captured.out.strip() == str(target)
    assert target.stat().st_size > 0
    progress = captured.err.splitlines()
    assert any("running" in line for line in progress) and "succeeded 100%" in progress[-1]


def test_batch_reports_bad_lines_and_a_rerun_resumes(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    src = tmp_path / "in.jsonl"
    rows = [json.dumps(batch_line(i)) for i in range(20)]
    rows.insert(3, "{oops")
    rows.append(json.dumps({**batch_line(99), "url": "/v2/whatever"}))
    src.write_text("\n".join(rows) + "\n")
    out = tmp_path / "out.jsonl"

    assert main(["batch", "--fake", str(src), "-o", str(out), "-c", "4", "--rpm", "60000"]) == 1
    err = capsys.readouterr().err
    assert "line 4: not valid JSON" in err
    assert "line 22: unknown url '/v2/whatever'" in err
    assert "20 ok, 0 failed, 2 bad lines" in err
    assert len(out.read_text().splitlines()) == 20

    assert main(["batch", "--fake", str(src), "-o", str(out)]) == 1
    assert "0 ok, 0 failed, 2 bad lines, 20 already done" in capsys.readouterr().err
    assert len(out.read_text().splitlines()) == 20


def test_batch_shards_merge_to_the_whole(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps(batch_line(i)) + "\n" for i in range(30)))
    ids: list[str] = []
    for k in range(2):
        out = tmp_path / f"out-{k}.jsonl"
        assert main(["batch", "--fake", str(src), "-o", str(out), "--shard", f"{k}/2"]) == 0
        ids += [json.loads(line)["custom_id"] for line in out.read_text().splitlines()]
    assert sorted(ids) == sorted(f"q{i}" for i in range(30))
    assert main(["batch", "--fake", str(src), "-o", str(tmp_path / "x"), "--shard", "2/2"]) == 2
    assert "shard must be K/N" in capsys.readouterr().err


async def test_batch_ctrl_c_stops_cleanly_and_the_rerun_completes(tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps(batch_line(i)) + "\n" for i in range(150)))
    out = tmp_path / "out.jsonl"
    fake = FakeTokenHot()

    @web.middleware
    async def slow(req: web.Request, handler: Any) -> web.StreamResponse:
        await asyncio.sleep(0.03)
        return await handler(req)  # type: ignore[no-any-return]

    fake.app.middlewares.append(slow)
    async with fake:
        env = clean_env(TOKENHOT_API_KEY=fake.api_key, TOKENHOT_BASE_URL=fake.base_url)
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "aiotokenhot", "batch", str(src), "-o", str(out), "-c", "4",
            cwd=ROOT, env=env, stderr=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        )
        while not out.exists() or out.read_bytes().count(b"\n") < 20:
            assert proc.returncode is None
            await anyio.sleep(0.01)
        proc.send_signal(signal.SIGINT)
        _, err = await proc.communicate()
        assert proc.returncode == 130, err.decode()
        assert b"cancelled in" in err and b"Traceback" not in err
        assert fake.api_key.encode() not in err
        lines = [json.loads(line) for line in out.read_text().splitlines()]
        assert 20 <= len(lines) < 150 and len({x["custom_id"] for x in lines}) == len(lines)
        assert fake.in_flight == 0

        rerun = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "aiotokenhot", "batch", str(src), "-o", str(out), "-c", "8",
            cwd=ROOT, env=env, stderr=asyncio.subprocess.PIPE,
        )
        _, err = await rerun.communicate()
        assert rerun.returncode == 0, err.decode()
    final = [json.loads(line)["custom_id"] for line in out.read_text().splitlines()]
    assert sorted(final) == sorted(f"q{i}" for i in range(150))


async def test_fake_server_serves_until_ctrl_c() -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "aiotokenhot", "fake-server", "--port", "0", cwd=ROOT,
        env=clean_env(), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    assert proc.stdout is not None
    with anyio.fail_after(30):
        first = (await proc.stdout.readline()).decode()
        base_url = first.rsplit(" ", 1)[-1].strip()
        assert base_url.startswith("http://127.0.0.1:")
        key_line = (await proc.stdout.readline(), await proc.stdout.readline())[1].decode()
        key = key_line.strip().split("=", 1)[1]
        async with AsyncTokenHot(key, base_url) as th:
            reply = await th.chat.completions.create(
                model="gpt-5.4", messages=[{"role": "user", "content": "ping"}])
        assert reply.choices[0].message.content.startswith("Echo: ping")
        proc.send_signal(signal.SIGINT)
        await proc.communicate()
    assert proc.returncode == 0


def test_demo_tours_every_feature(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--batch-size", "40"]) == 0
    out = capsys.readouterr().out
    for expected in ("Chat Completions", "Responses", "Anthropic Messages", "Gemini",
                     "th.stream(...)", "40 ok, 0 failed", "40 already done", "succeeded 100%",
                     "downloaded boat.mp4"):
        assert expected in out


def test_python_dash_m_runs_the_cli() -> None:
    import subprocess

    done = subprocess.run([sys.executable, "-m", "aiotokenhot", "--version"], cwd=ROOT,
                          capture_output=True, text=True, env=clean_env(), check=False)
    assert done.returncode == 0 and done.stdout.startswith("aiotokenhot ")
