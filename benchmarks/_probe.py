"""Measurements that need a fresh process: memory (open streams, one huge stream), cold start.

Run by the harness as ``python -m benchmarks._probe <what> ...``; prints one JSON line.
"""

from __future__ import annotations

import asyncio
import gc
import json
import resource
import sys
from typing import Any

__all__ = ["COLD_PHASES", "COLD_SCRIPTS", "IMPORT_SCRIPTS"]


def _rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize()


def _peak() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _client(name: str) -> Any:
    from ._clients import ALL_CLIENTS

    for cls in ALL_CLIENTS:
        if cls.__name__ == name:
            return cls()
    raise SystemExit(f"no client {name}")


async def _open_many(name: str, protocol: str, base: str, count: int) -> dict[str, Any]:
    from ._clients import model_name
    from ._server import raise_fd_limit

    raise_fd_limit()
    client = _client(name)
    await client.start(base, count + 10)
    model = model_name(protocol, "open")
    try:
        for _ in range(3):  # warm: imports, first connection, caches
            close = await client.open_stream(protocol, model)
            await close()
        await asyncio.sleep(0.05)
        gc.collect()
        before = _rss()
        closers = await asyncio.gather(*(client.open_stream(protocol, model) for _ in range(count)))
        gc.collect()
        held = _rss()
        for close in closers:
            await close()
    finally:
        await client.aclose()
    return {"open_kib": (held - before) / count / 1024}


async def _big(name: str, base: str, megabytes: int) -> dict[str, Any]:
    from ._clients import model_name

    client = _client(name)
    await client.start(base, 4)
    received = 0

    def sink(piece: str) -> None:
        nonlocal received
        received += 1

    try:
        await client.stream("chat", model_name("chat", "n50"), sink)
        gc.collect()
        before = _rss()
        start_peak = _peak()
        received = 0
        await client.stream("chat", model_name("chat", f"mb{megabytes}"), sink)
        after = _rss()
        peak = _peak()
    finally:
        await client.aclose()
    growth = max(after, peak if peak > start_peak else after) - before
    return {"growth_mib": growth / 2**20, "events": received}


COLD_SCRIPTS: dict[str, str] = {
    "aiohttp": """
import asyncio, aiohttp, orjson
async def main():
    async with aiohttp.ClientSession() as s:
        async with s.post(BASE + "/v1/chat/completions", data=orjson.dumps(
                {"model": "gpt-bench", "messages": [{"role": "user", "content": "Hi"}]}),
                headers={"Authorization": "Bearer sk-bench", "Content-Type": "application/json"}) as r:
            orjson.loads(await r.read())
asyncio.run(main())
""",
    "aiotokenhot": """
import asyncio
from aiotokenhot import AsyncTokenHot
async def main():
    async with AsyncTokenHot(api_key="sk-bench", base_url=BASE) as th:
        await th.chat.completions.create(model="gpt-bench", messages=[{"role": "user", "content": "Hi"}])
asyncio.run(main())
""",
    "openai": """
import asyncio
from openai import AsyncOpenAI
async def main():
    async with AsyncOpenAI(api_key="sk-bench", base_url=BASE + "/v1") as c:
        await c.chat.completions.create(model="gpt-bench", messages=[{"role": "user", "content": "Hi"}])
asyncio.run(main())
""",
    "anthropic": """
import asyncio
from anthropic import AsyncAnthropic
async def main():
    async with AsyncAnthropic(api_key="sk-bench", base_url=BASE) as c:
        await c.messages.create(model="claude-bench", max_tokens=64,
                                messages=[{"role": "user", "content": "Hi"}])
asyncio.run(main())
""",
    "google-genai": """
import asyncio
from google import genai
async def main():
    c = genai.Client(api_key="sk-bench", http_options={"base_url": BASE, "api_version": "v1beta"})
    await c.aio.models.generate_content(model="gemini-bench", contents="Hi")
    await c.aio.aclose()
asyncio.run(main())
""",
}

#: aiotokenhot's cold start cut into phases (each mark is a wall time since the script's start);
#: the script prints one JSON object, phase -> ms.
COLD_PHASES = """
import json
_marks = {}
def _mark(name):
    _marks[name] = (_t.perf_counter() - _t0) * 1000
import asyncio, aiohttp
_mark("import aiohttp (+ asyncio)")
import pydantic
class _Probe(pydantic.BaseModel):
    x: int
_mark("pydantic: import and a first model class")
from aiotokenhot import AsyncTokenHot
_mark("import aiotokenhot + AsyncTokenHot")
async def main():
    async with AsyncTokenHot(api_key="sk-bench", base_url=BASE) as th:
        _mark("client object")
        completions = th.chat.completions
        _mark("th.chat.completions (chat modules and types at first use)")
        await completions.create(model="gpt-bench", messages=[{"role": "user", "content": "Hi"}])
        _mark("first request (session, connect, send, validate)")
asyncio.run(main())
_mark("asyncio.run teardown")
_last, _out = 0.0, {}
for _name, _at in _marks.items():
    _out[_name], _last = _at - _last, _at
_out["total"] = _last
print(json.dumps(_out))
"""

IMPORT_SCRIPTS: dict[str, str] = {
    "aiohttp": "import aiohttp",
    "aiotokenhot": "import aiotokenhot",
    "aiotokenhot (+ AsyncTokenHot)": "from aiotokenhot import AsyncTokenHot",
    "openai": "import openai",
    "anthropic": "import anthropic",
    "google-genai": "from google import genai",
}


def timed_script(body: str, base: str) -> str:
    """``body`` wrapped so that it prints its own wall time (interpreter start-up excluded).

    The script writes the bytecode of what it imports even under ``PYTHONDONTWRITEBYTECODE``:
    an installed package has it (pip compiles at install), so after the harness's warm-up run
    every library, the SDK from this source tree included, loads from bytecode instead of
    compiling its source in every timed process.
    """
    return (f"import sys as _s, time as _t\n_s.dont_write_bytecode = False\n"
            f"_t0 = _t.perf_counter()\nBASE = {base!r}\n{body}\n"
            "print(_t.perf_counter() - _t0)\n")


def main(argv: list[str]) -> None:
    what = argv[0]
    if what == "open":
        result = asyncio.run(_open_many(argv[1], argv[2], argv[3], int(argv[4])))
    elif what == "big":
        result = asyncio.run(_big(argv[1], argv[2], int(argv[3])))
    else:
        raise SystemExit(f"unknown probe {what}")
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
