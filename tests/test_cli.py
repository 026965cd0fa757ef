"""The ``aiotokenhot`` command line: every command, against the in-process fake gateway."""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import re
import signal
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import anyio
import pytest
from aiohttp import web
from hypothesis import given
from hypothesis import strategies as st

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
    assert out.startswith("When it comes to hello, ") and out.endswith(".\n")


def test_chat_reads_the_prompt_from_stdin(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import io

    monkeypatch.setattr(sys, "stdin", io.StringIO("piped question\n"))
    assert main(["chat", "--fake", "-m", "gpt-5.4", "--system", "be brief"]) == 0
    assert "piped question" in capsys.readouterr().out


def test_chat_json_prints_the_raw_protocol_events(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["chat", "--fake", "-m", "claude-opus-4-6", "--json", "hi"]) == 0
    events = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert events[0]["event"] == "message_start"
    assert events[-1]["event"] == "message_stop"
    text = "".join(e["data"]["delta"].get("text", "") for e in events
                   if e["event"] == "content_block_delta")
    assert text.endswith(".") and len(text.split()) > 3


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
    progress = captured.err.splitlines()  # not a terminal: plain lines, no bar drawing
    assert any(line.startswith("video: ") and "running" in line for line in progress)
    assert any(line.startswith("video: 100% ") and "succeeded" in line for line in progress)
    assert progress[-1].startswith("download: 100% 262k/262k [")
    assert "\r" not in captured.err and "\033[" not in captured.err


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
        answer = reply.choices[0].message.content
        assert "ping" in answer and not answer.startswith("Echo:")  # prose replies by default
        proc.send_signal(signal.SIGINT)
        await proc.communicate()
    assert proc.returncode == 0


def test_demo_tours_every_feature_and_its_files_are_where_it_says(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out_dir = tmp_path / "tour"
    assert main(["demo", "--batch-size", "60", "--out", str(out_dir)]) == 0
    out = capsys.readouterr().out
    for expected in ("Chat Completions", "Responses", "Anthropic Messages", "Gemini",
                     "th.stream(...)", "stopped: 20 results saved",
                     "20 already done were skipped, 40 sent (the gateway saw 40 requests)",
                     "results.jsonl: 60 lines", "video: 100%", "downloaded boat.mp4",
                     "sent cat.png as image/png",
                     "City: City(name='Paris', population=42, landmarks=['Paris'])"):
        assert expected in out
    assert "Echo:" not in out  # replies read like replies
    tail = out[out.index(f"The demo's files are in {out_dir}:"):].splitlines()[1:]
    listed = [Path(line.split()[0]) for line in tail]
    assert {p.name for p in listed} >= {"boat.mp4", "results.jsonl", "cat-with-hat.png"}
    for path in listed:
        assert path.parent == out_dir and path.stat().st_size > 0
    ids = {json.loads(line)["custom_id"]
           for line in (out_dir / "results.jsonl").read_text().splitlines()}
    assert len(ids) == 60


def test_python_dash_m_runs_the_cli() -> None:
    import subprocess

    done = subprocess.run([sys.executable, "-m", "aiotokenhot", "--version"], cwd=ROOT,
                          capture_output=True, text=True, env=clean_env(), check=False)
    assert done.returncode == 0 and done.stdout.startswith("aiotokenhot ")


# -- help, colour, progress, user errors --------------------------------------------------------

COMMANDS = ["chat", "batch", "models", "video", "fake-server", "demo"]


def run_cli(*argv: str, **env: str) -> subprocess.CompletedProcess[str]:
    """The installed entry point's way: ``python -m aiotokenhot ...`` in a fresh process."""
    return subprocess.run([sys.executable, "-m", "aiotokenhot", *argv], cwd=ROOT,
                          capture_output=True, text=True, env=clean_env(**env), check=False,
                          timeout=60)


@pytest.mark.parametrize("command", ["", *COMMANDS])
def test_every_command_explains_itself_with_examples(command: str) -> None:
    done = run_cli(*([command] if command else []), "--help")
    assert done.returncode == 0 and done.stderr == ""
    assert "examples:" in done.stdout
    assert f"aiotokenhot {command}".strip() in done.stdout.split("examples:", 1)[1]


def test_every_option_of_every_command_has_help() -> None:
    from aiotokenhot.cli import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    assert sorted(sub.choices) == sorted(COMMANDS)
    for name, command in sub.choices.items():
        assert command.description, name
        for action in command._actions:
            assert action.help, f"{name} {action.option_strings or action.dest}"


def test_a_usage_error_is_one_line_with_exit_code_2() -> None:
    done = run_cli("batch", "--concurrency", "many", "in.jsonl", "-o", "out.jsonl")
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert "argument -c/--concurrency: invalid int value: 'many'" in done.stderr


@pytest.mark.parametrize("port", ["70000", "-1", "http"])
def test_fake_server_refuses_an_invalid_port_in_one_line(port: str) -> None:
    done = run_cli("fake-server", "--port", port)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert "is not a port number (0-65535)" in done.stderr


def test_fake_server_on_a_busy_port_says_so_in_one_line() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = run_cli("fake-server", "--port", str(port))
    assert done.returncode == 2
    assert done.stderr == (f"aiotokenhot: error: port {port} on 127.0.0.1 is already in use: stop "
                           "what listens there or pick another with --port (0: any free port)\n")


def test_demo_refuses_a_batch_too_small_to_stop_part_way(capsys: pytest.CaptureFixture[str],
                                                        tmp_path: Path) -> None:
    assert main(["demo", "--batch-size", "2", "--out", str(tmp_path)]) == 2
    assert "--batch-size must be at least 3" in capsys.readouterr().err
    assert not list(tmp_path.iterdir())  # refused before anything was written


def test_a_missing_input_file_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    done = run_cli("batch", "--fake", str(tmp_path / "nope.jsonl"), "-o", str(tmp_path / "o"))
    assert done.returncode != 0 and "Traceback" not in done.stderr
    assert "batch:" not in done.stderr  # no progress bar for a run that never started
    assert done.stderr.splitlines()[-1].startswith("aiotokenhot: error: ")
    assert "nope.jsonl" in done.stderr.splitlines()[-1]


def test_batch_progress_off_a_terminal_is_periodic_plain_lines(tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps(batch_line(i)) + "\n" for i in range(100)))
    # --rpm 3000 paces 100 requests over at least 2 s, whatever the machine's speed
    done = run_cli("batch", "--fake", str(src), "-o", str(tmp_path / "out.jsonl"),
                   "--progress-every", "0", "--rpm", "3000")
    assert done.returncode == 0, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.startswith("batch: ")]
    assert len(lines) >= 2 and "\r" not in done.stderr
    assert re.fullmatch(r"batch: 100% 100/100 \[\d\d:\d\d<00:00, [\d.]+req/s, ok=100, "
                        r"failed=0, in flight=0, tokens=[\d,]+\]", lines[-1])


def test_resumed_batch_progress_rate_counts_only_requests_sent_in_this_run(tmp_path: Path) -> None:
    src, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    src.write_text("".join(json.dumps(batch_line(i)) + "\n" for i in range(150)))
    assert run_cli("batch", "--fake", str(src), "-o", str(out), "-q").returncode == 0
    src.write_text("".join(json.dumps(batch_line(i)) + "\n" for i in range(300)) + "{oops\n")

    done = run_cli("batch", "--fake", str(src), "-o", str(out), "--progress-every", "0")
    assert "150 ok, 0 failed, 1 bad lines, 150 already done" in done.stderr
    lines = [line for line in done.stderr.splitlines() if line.startswith("batch: ")]
    assert lines and "301/301" in lines[-1]
    summary_rate = float(re.findall(r"([\d.]+) req/s", done.stderr)[-1])
    rates = [float(r) for line in lines for r in re.findall(r"([\d.]+)req/s", line)]
    assert rates, lines
    # the 150 skipped lines and the bad one, counted over almost no time, would inflate the rate
    # far past what the summary reports; requests sent in this run alone keep them in step
    assert all(rate <= summary_rate * 5 for rate in rates), (rates, summary_rate)
    assert summary_rate / 5 <= rates[-1], (rates, summary_rate)


def test_quiet_and_progress_none_show_no_progress(tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps(batch_line(i)) + "\n" for i in range(10)))
    for flag in (["--quiet"], ["--progress", "none"]):
        out = tmp_path / f"out{len(flag)}.jsonl"
        done = run_cli("batch", "--fake", str(src), "-o", str(out), *flag)
        assert done.returncode == 0 and "batch:" not in done.stderr
        assert "10 ok, 0 failed" in done.stderr  # the summary stays


def test_progress_bar_draws_in_place_and_colour_follows_no_color(tmp_path: Path) -> None:
    from aiotokenhot.cli._progress import Progress, bold, red, use_color

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    term = Terminal()
    bar = Progress("batch", mode="bar", total=10, unit="req", stream=term)
    for n in range(1, 11):
        bar.update(n, postfix=f"ok={n}")
    bar.close()
    drawn = term.getvalue()
    assert "\r" in drawn and "100%" in drawn and "10/10" in drawn and "req/s" in drawn
    assert use_color(term) and red("x", term) == "\033[31mx\033[0m"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("NO_COLOR", "1")
        assert not use_color(term) and red("x", term) == "x" and bold("y", term) == "y"
    assert not use_color(io.StringIO())  # not a terminal: never colour


def stderr_on_a_terminal(*argv: str, **env: str) -> str:
    """Run the CLI with stderr on a pseudo-terminal; what it wrote there."""
    import pty

    master, child = pty.openpty()
    try:
        done = subprocess.run([sys.executable, "-m", "aiotokenhot", *argv], cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=child, env=clean_env(**env),
                              timeout=60, check=False)
        assert done.returncode == 2
        os.close(child)
        child = -1
        chunks = []
        while True:
            try:
                chunk = os.read(master, 4096)
            except OSError:  # EIO: the child side is closed and drained
                break
            if not chunk:
                break
            chunks.append(chunk)
        return b"".join(chunks).decode()
    finally:
        os.close(master)
        if child != -1:
            os.close(child)


def test_errors_are_red_on_a_terminal_unless_no_color() -> None:
    coloured = stderr_on_a_terminal("chat", "-m", "gpt-5.4", "hi")
    assert coloured.startswith("\033[31maiotokenhot: error: no API key")
    plain = stderr_on_a_terminal("chat", "-m", "gpt-5.4", "hi", NO_COLOR="1")
    assert plain.startswith("aiotokenhot: error: no API key") and "\033[" not in plain


def test_no_color_keeps_errors_and_output_plain(tmp_path: Path) -> None:
    done = run_cli("chat", "-m", "gpt-5.4", "hi", NO_COLOR="1")
    assert done.returncode == 2 and "\033[" not in done.stderr
    done = run_cli("demo", "--batch-size", "8", "--out", str(tmp_path), NO_COLOR="1")
    assert done.returncode == 0, done.stderr
    assert "\033[" not in done.stdout and "== four protocols" in done.stdout


@given(st.one_of(st.integers(min_value=-10**6, max_value=10**6).map(str), st.text(max_size=8)))
def test_a_port_is_accepted_exactly_when_it_is_0_to_65535(text: str) -> None:
    from aiotokenhot.cli._fake import port_number

    try:
        valid = 0 <= int(text) <= 65535
    except ValueError:
        valid = False
    if valid:
        assert port_number(text) == int(text)
    else:
        with pytest.raises(argparse.ArgumentTypeError, match=r"not a port number \(0-65535\)"):
            port_number(text)
