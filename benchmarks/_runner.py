"""The scenarios: streams (realistic, uniform, token-paced), fan-out, time to first event,
memory, cold start; and the targets, kept here as data (:data:`GOALS`)."""

from __future__ import annotations

import asyncio
import gc
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from ._clients import (
    ALL_CLIENTS,
    AnthropicAiohttp,
    AnthropicClient,
    Client,
    ClientUnavailable,
    GoogleGenAIClient,
    OpenAIAiohttp,
    OpenAIClient,
    RawBytes,
    RawOrjson,
    TokenHotCore,
    TokenHotNative,
    TokenHotText,
    TokenHotUnified,
    model_name,
)
from ._payloads import PROTOCOLS, expected_text
from ._probe import COLD_PHASES, COLD_SCRIPTS, IMPORT_SCRIPTS, timed_script
from ._report import Report, Row, Table, Target

__all__ = ["GOALS", "SCENARIOS", "Goal", "Settings", "run"]

ROOT = Path(__file__).resolve().parent.parent
OURS = TokenHotNative.name
STREAM_REF = RawOrjson.name
RAW_REF = RawBytes.name
SCENARIOS = ("stream", "uniform", "paced", "breakdown", "fanout", "ttfe", "memory", "cold",
             "telemetry")
REALISTIC = "Stream, realistic"
UNIFORM = "Stream, uniform"
CPU = "µs CPU/event"


@dataclass(frozen=True)
class Goal:
    """One target: ``client``'s ``column`` in the table whose title starts with ``table``,
    divided by (or, for ``speed``, dividing) the ``reference`` row's on the same protocol.

    ``speed`` goals are "at least ``goal`` × the reference's speed" (reference cost / ours);
    the others are "at most ``goal`` × the reference's cost" (ours / reference cost).
    """

    what: str
    table: str
    client: str
    protocol: str
    column: str
    reference: str
    goal: float
    speed: bool


def _goals() -> tuple[Goal, ...]:
    goals: list[Goal] = []
    # the loop users write, on realistic streams: CPU per event against the parsing ceiling
    for protocol, goal in (("chat", 0.40), ("messages", 0.40), ("responses", 0.50),
                           ("gemini", 0.30)):
        goals.append(Goal(f"typed events, attribute read · {protocol}", REALISTIC, OURS,
                          protocol, CPU, STREAM_REF, goal, True))
    for label, client in ((".text()", TokenHotText.name), ("th.stream()", TokenHotUnified.name)):
        for protocol in PROTOCOLS:
            goals.append(Goal(f"{label} · {protocol}", REALISTIC, client, protocol, CPU,
                              STREAM_REF, 0.55, True))
    goals += [
        Goal("fan-out CPU per request, 500 in flight", "Fan-out: 500 in flight", OURS, "chat",
             "µs CPU/req", RAW_REF, 1.2, False),
        Goal("time to first event (median)", "Time to first event", OURS, "chat", "median ms",
             STREAM_REF, 1.3, False),
        Goal("cold start (import + client + first request)", "Cold start: a fresh", "aiotokenhot",
             "chat", "import+client+first request ms", "aiohttp", 1.3, False),
        Goal("memory per open stream", "Memory: streams open", OURS, "chat", "KiB/stream",
             RAW_REF, 1.5, False),
    ]
    return tuple(goals)


#: the targets every run is checked against (ratios within one run; see RESULTS.md).
GOALS: tuple[Goal, ...] = _goals()
#: RSS growth over the big stream that still counts as flat: this many MiB, or 5% of its size.
FLAT_MIB = 16.0


@dataclass
class Settings:
    chunks: int = 20_000
    stream_reps: int = 3
    paced_events: int = 2_000
    pace_us: int = 1_000
    paced_reps: int = 2
    fanout: tuple[tuple[int, int, int], ...] = ((2_000, 100, 0), (5_000, 500, 50))
    fanout_reps: int = 3
    ttfe_streams: int = 200
    open_streams: int = 1_000
    big_mb: int = 200
    cold_reps: int = 5
    scenarios: tuple[str, ...] = SCENARIOS
    clients: tuple[type[Client], ...] = ALL_CLIENTS
    verbose: bool = True

    @classmethod
    def quick(cls) -> Settings:
        return cls(chunks=2_000, stream_reps=1, paced_events=300, paced_reps=1,
                   fanout=((500, 100, 0), (1_000, 500, 50)), fanout_reps=1, ttfe_streams=50,
                   open_streams=200, big_mb=20, cold_reps=2)


# which (client, protocol) pairs run the per-request scenarios: each peer on its own protocol
_PAIRS: tuple[tuple[type[Client], str], ...] = (
    (RawBytes, "chat"),
    (RawOrjson, "chat"),
    (TokenHotNative, "chat"),
    (TokenHotUnified, "chat"),
    (TokenHotCore, "chat"),
    (TokenHotNative, "responses"),
    (TokenHotNative, "messages"),
    (TokenHotNative, "gemini"),
    (OpenAIClient, "chat"),
    (OpenAIAiohttp, "chat"),
    (AnthropicClient, "messages"),
    (AnthropicAiohttp, "messages"),
    (GoogleGenAIClient, "gemini"),
)


class PayloadServer:
    """The payload server in its own process (see ``_server``)."""

    def __enter__(self) -> PayloadServer:
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "benchmarks._server"], cwd=ROOT,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        )
        assert self._proc.stdout is not None
        line = self._proc.stdout.readline().decode()
        if not line.startswith("PORT "):
            self._proc.kill()
            self._proc.wait()
            self._proc.stdout.close()
            raise RuntimeError(f"the payload server did not start: {line!r}")
        self.base_url = f"http://127.0.0.1:{int(line.split()[1])}"
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._proc.stdin is not None
        self._proc.stdin.close()
        try:
            self._proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
        if self._proc.stdout is not None:
            self._proc.stdout.close()


class Harness:
    def __init__(self, settings: Settings, base_url: str) -> None:
        self.s = settings
        self.base = base_url
        self.report = Report(ours=OURS)

    def log(self, message: str) -> None:
        if self.s.verbose:
            print(message, flush=True)

    def skip(self, client: type[Client] | Client, protocol: str, reason: str) -> None:
        line = f"{client.name} [{protocol}]: {reason}"
        if line not in self.report.skipped:
            self.report.skipped.append(line)
            self.log(f"  skipped {line}")

    def allowed(self, cls: type[Client]) -> bool:
        return cls in self.s.clients

    async def start(self, cls: type[Client], protocol: str, limit: int) -> Client | None:
        """A started client that passed a short, checked stream (or None, with a reason)."""
        client = cls()
        try:
            await client.start(self.base, limit)
        except ClientUnavailable as exc:
            self.skip(cls, protocol, str(exc))
            return None
        try:
            pieces: list[str] = []
            await client.stream(protocol, model_name(protocol, "n8"), pieces.append)
            if cls.family != "raw" or cls is not RawBytes:
                got = "".join(pieces)
                if got != expected_text(8):
                    raise AssertionError(f"wrong text {got[:60]!r}")
        except Exception as exc:  # a protocol not built yet, or a client that fails here
            await client.aclose()
            self.skip(cls, protocol, f"cannot stream here: {type(exc).__name__}: {str(exc)[:160]}")
            return None
        return client

    # -- 1. stream throughput ----------------------------------------------------------------

    async def streams(self) -> None:
        await self._streams(real=True)

    async def uniform(self) -> None:
        await self._streams(real=False)

    async def _streams(self, real: bool) -> None:
        n = self.s.chunks
        kind = REALISTIC if real else UNIFORM
        table = Table(f"{kind}: one stream of {n:,} text events, text collected and checked",
                      [CPU, "events/s", "wall events/s"], "events/s", True, STREAM_REF)
        options = (f"n{n}", "real") if real else (f"n{n}",)
        for protocol in PROTOCOLS:
            self.log(f"{kind.lower()} · {protocol}")
            model, expected = model_name(protocol, *options), expected_text(n)
            for _ in range(3 if real else 1):  # each pre-rendered variant
                await self._warm_server(protocol, model)
            active: list[Client] = []
            for cls in self.s.clients:
                if protocol in cls.protocols and (real or cls.family != "peer"):
                    client = await self.start(cls, protocol, 8)
                    if client is not None:
                        active.append(client)
            samples: dict[str, list[tuple[float, float]]] = {c.name: [] for c in active}
            for _ in range(self.s.stream_reps):
                for client in list(active):  # round-robin so drift hits every client alike
                    pieces: list[str] = []
                    gc.collect()
                    wall0, cpu0 = time.perf_counter(), time.process_time()
                    try:
                        await client.stream(protocol, model, pieces.append)
                    except Exception as exc:
                        self.skip(client, protocol, f"failed: {type(exc).__name__}: {exc}")
                        active.remove(client)
                        continue
                    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
                    if type(client) is not RawBytes and "".join(pieces) != expected:
                        raise AssertionError(f"{client.name} returned the wrong text on {protocol}")
                    samples[client.name].append((n / wall, cpu / n * 1e6))
            for client in active:
                rates = samples[client.name]
                if not rates:
                    continue
                cpu = statistics.median(c for _, c in rates)
                table.rows.append(Row(client.name, protocol, client.family, {
                    CPU: cpu,
                    "events/s": 1e6 / cpu,
                    "wall events/s": statistics.median(r for r, _ in rates),
                }))
                self.log(f"  {client.name:42} {cpu:7.2f} µs  {1e6 / cpu:>12,.0f} ev/s")
                await client.aclose()
        if real:
            table.notes.append(
                "realistic streams: Chat chunks with a random `obfuscation` string each and "
                "`usage: null` until a final usage chunk; Responses text deltas with "
                "`obfuscation`; Anthropic with a `ping` every 10 deltas; Gemini with "
                "`usageMetadata` growing chunk by chunk and a `responseId` that changes per "
                "stream (three variants served in turn, so no two consecutive streams are equal)")
        else:
            table.notes.append("uniform streams: chunks differ only in their text (the best case "
                               "for any byte-level shortcut); official SDKs are left out here")
        table.notes.append(
            f"median of {self.s.stream_reps} run(s), clients taking turns; `{CPU}` = "
            "time.process_time() of the client process over the stream / text events (pings, "
            "start and stop events count in the cost, not the count); the server runs in "
            "another process; `events/s` = 1 / CPU per event; `wall events/s` also counts time "
            "spent waiting for a core or for bytes (noisy on a shared machine)")
        self.report.tables.append(table)

    # -- 1b. token-paced stream ----------------------------------------------------------------

    async def paced(self) -> None:
        n, step = self.s.paced_events, self.s.pace_us
        table = Table(f"Token-paced chat stream: {n:,} events, one per write, {step} µs apart",
                      ["µs CPU/event", "median latency µs", "p95 latency µs",
                       "added latency µs"], "µs CPU/event", False, STREAM_REF)
        self.log(f"token-paced stream · {n} events, {step} µs apart")
        model = model_name("chat", f"n{n}", f"pace{step}")
        classes = (RawOrjson, TokenHotNative, TokenHotText, TokenHotUnified, OpenAIAiohttp,
                   OpenAIClient)
        active = [c for c in [await self.start(cls, "chat", 4) for cls in classes
                              if self.allowed(cls)] if c is not None]
        cpu: dict[str, list[float]] = {c.name: [] for c in active}
        lat: dict[str, list[float]] = {c.name: [] for c in active}
        try:
            for _ in range(self.s.paced_reps):
                for client in list(active):
                    got: list[tuple[str, int]] = []

                    def sink(piece: str, got: list[tuple[str, int]] = got,
                             clock: Callable[[], int] = time.perf_counter_ns) -> None:
                        got.append((piece, clock()))

                    gc.collect()
                    cpu0 = time.process_time()
                    try:
                        await client.stream("chat", model, sink)
                    except Exception as exc:
                        self.skip(client, "chat", f"paced failed: {type(exc).__name__}: {exc}")
                        active.remove(client)
                        continue
                    cpu[client.name].append((time.process_time() - cpu0) / n * 1e6)
                    if len(got) != n:
                        raise AssertionError(f"{client.name} saw {len(got)} of {n} paced events")
                    lat[client.name] += [(at - int(piece[1:-1])) / 1000 for piece, at in got]
        finally:
            for client in active:
                await client.aclose()
        ref = statistics.median(lat[STREAM_REF]) if lat.get(STREAM_REF) else None
        for client in active:
            if not lat[client.name]:
                continue
            got_lat = sorted(lat[client.name])
            median = statistics.median(got_lat)
            table.rows.append(Row(client.name, "chat", client.family, {
                "µs CPU/event": statistics.median(cpu[client.name]),
                "median latency µs": median,
                "p95 latency µs": got_lat[min(len(got_lat) - 1, int(len(got_lat) * 0.95))],
                "added latency µs": median - ref if ref is not None else float("nan"),
            }))
            self.log(f"  {client.name:42} {table.rows[-1].values['µs CPU/event']:7.1f} µs CPU"
                     f"  {median:8.0f} µs latency")
        table.notes.append(
            "a realistic chat stream sent one event per network write on a fixed 1 ms grid, as a "
            "model emits tokens; each text piece carries its send time (`time.perf_counter_ns`, "
            "the system-wide monotonic clock), and latency is the time from the server's write to "
            "the piece reaching the user's loop; `added latency` is the median minus the raw "
            "aiohttp + SSE + orjson row's; CPU per event here includes the event loop waking up "
            "for every read, which is why it is far above the bulk-stream figure")
        self.report.tables.append(table)

    async def telemetry(self) -> None:
        from ._telemetry import telemetry_tables

        self.log("telemetry cost")
        count, concurrency, _ = self.s.fanout[0]
        self.report.tables += await asyncio.to_thread(
            telemetry_tables, self.base, self.s.chunks, count, concurrency, 3 * self.s.stream_reps,
            self.log)

    async def breakdown(self) -> None:
        from ._breakdown import breakdown

        self.log("where the time goes (no network)")
        self.report.tables.append(breakdown(self.s.chunks))

    # -- 2. fan-out --------------------------------------------------------------------------

    async def _start_pairs(self, limit: int) -> list[tuple[Client, str]]:
        started = []
        for cls, protocol in _PAIRS:
            if self.allowed(cls):
                client = await self.start(cls, protocol, limit)
                if client is not None:
                    started.append((client, protocol))
        return started

    async def fanout(self) -> None:
        for count, concurrency, hold in self.s.fanout:
            held = f", server holds each {hold} ms" if hold else ""
            table = Table(f"Fan-out: {count:,} requests, {concurrency} in flight{held}",
                          ["req/s", "µs CPU/req"], "req/s", True, RAW_REF)
            self.log(f"fan-out · {count} @ {concurrency}{held}")
            model_options = (f"hold{hold}",) if hold else ()
            reps = self.s.fanout_reps
            active = await self._start_pairs(concurrency)
            runs: dict[int, list[tuple[float, float]]] = {id(c): [] for c, _ in active}
            try:
                for client, protocol in list(active):  # warm: open every connection once
                    try:
                        await self._burst(client, protocol, model_name(protocol, *model_options),
                                          concurrency, concurrency)
                    except Exception as exc:
                        self.skip(client, protocol, f"fan-out failed: {type(exc).__name__}: {exc}")
                        active.remove((client, protocol))
                for _ in range(reps):
                    for client, protocol in list(active):  # round-robin: drift hits all alike
                        gc.collect()
                        wall0, cpu0 = time.perf_counter(), time.process_time()
                        try:
                            await self._burst(client, protocol,
                                              model_name(protocol, *model_options),
                                              count, concurrency)
                        except Exception as exc:
                            self.skip(client, protocol,
                                      f"fan-out failed: {type(exc).__name__}: {exc}")
                            active.remove((client, protocol))
                            await client.aclose()
                            continue
                        wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
                        runs[id(client)].append((count / wall, cpu / count * 1e6))
            finally:
                for client, _ in active:
                    await client.aclose()
            for client, protocol in active:
                rates = runs[id(client)]
                table.rows.append(Row(client.name, protocol, client.family, {
                    "req/s": statistics.median(r for r, _ in rates),
                    "µs CPU/req": statistics.median(c for _, c in rates),
                }))
                self.log(f"  {client.name:42} {protocol:9} {table.rows[-1].values['req/s']:>9,.0f} req/s"
                         f"  {table.rows[-1].values['µs CPU/req']:6.1f} µs")
            table.notes.append(f"median of {reps} run(s), clients taking turns, after a warm-up "
                               "burst; connection limit = requests in flight for every client")
            self.report.tables.append(table)

    async def _warm_server(self, protocol: str, model: str) -> None:
        """Have the server render (and cache) this payload before anything is timed."""
        client = RawBytes()
        await client.start(self.base, 2)
        try:
            await client.stream(protocol, model, print)
        finally:
            await client.aclose()

    @staticmethod
    async def _burst(client: Client, protocol: str, model: str, count: int, workers: int) -> None:
        left = count

        async def worker() -> None:
            nonlocal left
            while left > 0:
                left -= 1
                await client.request(protocol, model)

        await asyncio.gather(*(worker() for _ in range(min(workers, count))))

    # -- 3. time to first event --------------------------------------------------------------

    async def ttfe(self) -> None:
        count = self.s.ttfe_streams
        table = Table(f"Time to first event: {count} sequential short streams",
                      ["median ms", "p95 ms"], "median ms", False, STREAM_REF)
        self.log("time to first event")
        active = await self._start_pairs(8)
        times: dict[int, list[float]] = {id(c): [] for c, _ in active}
        try:
            for client, protocol in list(active):
                try:
                    for _ in range(5):
                        await client.first_event(protocol, model_name(protocol, "n8"))
                except Exception as exc:
                    self.skip(client, protocol, f"failed: {type(exc).__name__}: {exc}")
                    active.remove((client, protocol))
            for _ in range(count):  # clients take turns stream by stream: same conditions
                for client, protocol in active:
                    model = model_name(protocol, "n8")
                    times[id(client)].append(await client.first_event(protocol, model) * 1000)
        finally:
            for client, _ in active:
                await client.aclose()
        for client, protocol in active:
            got = sorted(times[id(client)])
            table.rows.append(Row(client.name, protocol, client.family, {
                "median ms": statistics.median(got),
                "p95 ms": got[min(len(got) - 1, int(len(got) * 0.95))],
            }))
            self.log(f"  {client.name:42} {protocol:9} {table.rows[-1].values['median ms']:.3f} ms")
        table.notes.append("from the call that opens the stream to the first text piece in hand "
                           "(compared with the raw client that parses events; the bytes-only row "
                           "stops at the first bytes); each stream is then consumed to its end, so "
                           "its connection is reused; median of the streams, clients taking turns")
        self.report.tables.append(table)

    # -- 4. memory ---------------------------------------------------------------------------

    def _probe(self, *args: str) -> dict[str, Any]:
        out = subprocess.run([sys.executable, "-m", "benchmarks._probe", *args], cwd=ROOT,
                             capture_output=True, text=True, timeout=600)
        if out.returncode != 0:
            raise RuntimeError(out.stderr.strip().splitlines()[-1] if out.stderr.strip() else
                               f"exit {out.returncode}")
        return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]

    async def memory(self) -> None:
        count = self.s.open_streams
        table = Table(f"Memory: streams open at once ({count:,})", ["KiB/stream"],
                      "KiB/stream", False, RAW_REF)
        self.log(f"memory · {count} open streams")
        for cls, protocol in _PAIRS:
            if not self.allowed(cls) or cls is RawOrjson:
                continue
            if not self._available(cls, protocol):
                continue
            try:
                result = await asyncio.to_thread(
                    self._probe, "open", cls.__name__, protocol, self.base, str(count))
            except Exception as exc:
                self.skip(cls, protocol, f"memory probe failed: {exc}")
                continue
            table.rows.append(Row(cls.name, protocol, cls.family, {"KiB/stream": result["open_kib"]}))
            self.log(f"  {cls.name:42} {protocol:9} {result['open_kib']:.1f} KiB/stream")
        table.notes.append("fresh process per client; RSS growth from a warmed-up client to all "
                           "streams open (first events read), divided by the number of streams")
        self.report.tables.append(table)

        mb = self.s.big_mb
        big = Table(f"Memory: one {mb} MB chat stream", ["RSS growth MiB", "events"],
                    "RSS growth MiB", False, RAW_REF)
        self.log(f"memory · one {mb} MB stream")
        for cls in (RawBytes, RawOrjson, TokenHotNative, TokenHotCore, OpenAIAiohttp):
            if not self.allowed(cls) or not self._available(cls, "chat"):
                continue
            try:
                result = await asyncio.to_thread(self._probe, "big", cls.__name__, self.base, str(mb))
            except Exception as exc:
                self.skip(cls, "chat", f"big-stream probe failed: {exc}")
                continue
            big.rows.append(Row(cls.name, "chat", cls.family, {
                "RSS growth MiB": result["growth_mib"], "events": result["events"]}))
            self.log(f"  {cls.name:42} {result['growth_mib']:.1f} MiB growth")
        big.notes.append("fresh process per client; peak RSS while streaming minus RSS before; "
                         "chunks carry ~2 KB of `obfuscation` padding each, as OpenAI's do, so the "
                         "body is large but the text small — growth shows buffering, not text kept")
        self.report.tables.append(big)

    def _available(self, cls: type[Client], protocol: str) -> bool:
        """Whether ``cls`` streamed ``protocol`` in this run (or, alone, can start)."""
        if any(s.startswith(f"{cls.name} [{protocol}]") for s in self.report.skipped):
            return False
        if cls.family == "peer":
            module = {"openai": "openai", "anthropic": "anthropic"}.get(cls.name.split()[0], "google.genai")
            try:
                found = find_spec(module) is not None
            except ModuleNotFoundError:
                found = False
            if not found:
                self.skip(cls, protocol, f"{module} is not installed")
                return False
        return True

    # -- 5. cold start -----------------------------------------------------------------------

    def _timed(self, body: str) -> float:
        return float(self._script(body)[-1]) * 1000

    def _script(self, body: str) -> list[str]:
        """Run ``body`` in a fresh interpreter (wall clock started) and return its output lines
        (the last one is the script's wall time in seconds)."""
        out = subprocess.run([sys.executable, "-c", timed_script(body, self.base)], cwd=ROOT,
                             capture_output=True, text=True, timeout=120)
        if out.returncode != 0:
            raise RuntimeError((out.stderr.strip().splitlines() or ["?"])[-1])
        return out.stdout.strip().splitlines()

    async def _cold_phases(self, reps: int) -> Table:
        """aiotokenhot's cold start cut into phases, to show where the time goes."""
        table = Table("Cold start: where aiotokenhot's time goes", ["ms", "share of total"], "ms", False,
                      "import aiohttp (+ asyncio)", ours="total")
        runs: list[dict[str, float]] = []
        for _ in range(reps):
            try:
                runs.append(json.loads((await asyncio.to_thread(self._script, COLD_PHASES))[-2]))
            except Exception as exc:
                self.report.skipped.append(f"cold start phases: {exc}")
                return table
        total = statistics.median(r["total"] for r in runs)
        for phase in runs[0]:
            ms = statistics.median(r[phase] for r in runs)
            table.rows.append(Row(phase, "chat", "aiotokenhot",
                                  {"ms": ms, "share of total": ms / total if total else 0.0}))
        table.notes.append(f"median of {reps} fresh processes; each phase's wall time, in script "
                           "order; `× import aiohttp` compares each phase with importing aiohttp "
                           "(which the raw aiohttp script pays too)")
        return table

    async def cold(self) -> None:
        reps = self.s.cold_reps
        table = Table("Cold start: a fresh process", ["import+client+first request ms"],
                      "import+client+first request ms", False, "aiohttp", ours="aiotokenhot")
        imports = Table("Cold start: import alone", ["import ms"], "import ms", False, "aiohttp",
                        ours="aiotokenhot (+ AsyncTokenHot)")
        self.log("cold start")
        modules = {"aiohttp": "aiohttp", "openai": "openai", "anthropic": "anthropic",
                   "google-genai": "google.genai"}
        jobs: list[tuple[Table, str, str]] = []
        for target, scripts in ((table, COLD_SCRIPTS), (imports, IMPORT_SCRIPTS)):
            for lib, body in scripts.items():
                if not _installed(modules.get(lib, "aiotokenhot")):
                    self.report.skipped.append(f"cold start {lib}: not installed")
                    continue
                try:
                    await asyncio.to_thread(self._timed, body)  # warm bytecode and file caches
                except Exception as exc:
                    self.report.skipped.append(f"cold start {lib}: {exc}")
                    continue
                jobs.append((target, lib, body))
        times: dict[tuple[str, str], list[float]] = {(t.title, lib): [] for t, lib, _ in jobs}
        for _ in range(reps):  # libraries take turns, so a busy moment hits them alike
            for target, lib, body in jobs:
                times[(target.title, lib)].append(await asyncio.to_thread(self._timed, body))
        for target, lib, _ in jobs:
            ms = statistics.median(times[(target.title, lib)])
            family = ("raw" if lib == "aiohttp" else
                      "aiotokenhot" if lib.startswith("aiotokenhot") else "peer")
            # one row per library: every row is compared with aiohttp's ("chat") row
            target.rows.append(Row(lib, "chat", family, {target.key: ms}))
            self.log(f"  {lib:34} {ms:7.1f} ms")
        for target in (table, imports):
            target.notes.append(f"median of {reps} fresh processes per library, libraries taking "
                                "turns, after one warm-up; wall time from the script's first line "
                                "(interpreter start-up excluded); the protocol column means nothing "
                                "here")
        self.report.tables += [table, imports, await self._cold_phases(reps)]

    # -- targets -----------------------------------------------------------------------------

    def targets(self) -> None:
        out = self.report.targets
        for goal in GOALS:
            out.append(_check(self.report.tables, goal))
        big = next((t for t in self.report.tables if t.title.startswith("Memory: one")), None)
        row = big.row(OURS, "chat") if big else None
        limit = max(FLAT_MIB, self.s.big_mb * 0.05)
        what = f"flat RSS over one {self.s.big_mb} MB stream"
        if big is not None and row is not None:
            growth = row.values["RSS growth MiB"]
            out.append(Target(what, f"growth < {limit:.0f} MiB", f"{growth:.1f} MiB",
                              growth < limit, f"{limit - growth:+.1f} MiB"))
        else:
            out.append(Target(what, f"growth < {limit:.0f} MiB", "—", None))


def _check(tables: list[Table], goal: Goal) -> Target:
    """Measure ``goal`` in ``tables`` (the first whose title starts with ``goal.table``)."""
    wording = f"{'≥' if goal.speed else '≤'} {goal.goal:.2f}× {goal.reference}"
    prefix, _, contains = goal.table.partition(": ")
    table = next((t for t in tables if t.title.startswith(prefix) and contains in t.title), None)
    mine = table.row(goal.client, goal.protocol) if table else None
    ref = table.row(goal.reference, goal.protocol) if table else None
    if table is not None and ref is None:
        ref = table.row(goal.reference, "chat")
    a = mine.values.get(goal.column) if mine else None
    b = ref.values.get(goal.column) if ref else None
    if not a or not b:
        return Target(goal.what, wording, "—", None, line=goal.goal, speed=goal.speed)
    ratio = b / a if goal.speed else a / b
    met = ratio >= goal.goal if goal.speed else ratio <= goal.goal
    # the margin: how far from the line, in the ratio's units and as a share of the goal
    room = ratio - goal.goal if goal.speed else goal.goal - ratio
    return Target(goal.what, wording, f"{ratio:.2f}×", met,
                  f"{room:+.2f}× ({room / goal.goal:+.1%})", ratio, goal.goal, goal.speed)


def _installed(module: str) -> bool:
    try:
        return find_spec(module) is not None
    except ModuleNotFoundError:
        return False


@contextmanager
def _server() -> Iterator[PayloadServer]:
    with PayloadServer() as server:
        yield server


async def _run(settings: Settings, base_url: str) -> Report:
    harness = Harness(settings, base_url)
    steps = {"stream": harness.streams, "uniform": harness.uniform, "paced": harness.paced,
             "breakdown": harness.breakdown, "fanout": harness.fanout, "ttfe": harness.ttfe,
             "memory": harness.memory, "cold": harness.cold, "telemetry": harness.telemetry}
    for name in settings.scenarios:
        await steps[name]()
    harness.targets()
    return harness.report


def run(settings: Settings) -> Report:
    """Start the payload server, run the chosen scenarios, and return the report."""
    from ._server import raise_fd_limit

    raise_fd_limit()
    with _server() as server:
        return asyncio.run(_run(settings, server.base_url))
