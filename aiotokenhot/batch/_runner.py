"""The fan-out engine: a producer, a fixed pool of workers and one writer, joined by small queues.

    input ──producer──▶ [items: N] ──▶ N workers ──▶ [done: N] ──▶ writer ──▶ JSONL / iterator

The producer reads the input lazily and validates it (bad lines are reported there); the
workers pace, send and retry; the single writer appends finished results to the output (so
lines never interleave) and, with ``ordered=True``, restores input order through a bounded
reorder window. Queues hold at most N entries, so memory stays flat for any input size.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TextIO, TypedDict

import anyio
import anyio.abc
import anyio.to_thread
import pydantic_core
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream
from typing_extensions import Unpack

from .._closing import AsyncContext
from .._config import TimeoutTypes
from .._exceptions import (
    APIStatusError,
    AuthenticationError,
    ConfigurationError,
    InvalidRequestError,
    RateLimitError,
    ResponseValidationError,
    TokenHotError,
)
from ..transport import RequestOptions
from ._input import BadLine, BatchItem, BatchSource, Shard, check_entry, count_lines, iter_source
from ._output import ResultLog
from ._pacing import Pacer, estimate_tokens, usage_tokens
from ._summary import BatchSummary, ProgressLine

if TYPE_CHECKING:
    from .._client import AsyncTokenHot

__all__ = ["BatchResult", "BatchRun", "run_batch"]

log = logging.getLogger("aiotokenhot.batch")

_FATAL = (ConfigurationError, AuthenticationError)  # every item would fail the same way


@dataclass(frozen=True)
class BatchResult:
    """One finished request: the answer (``status_code``, parsed ``body``) or an ``error``.

    An HTTP error answer has both: its status and error body, and ``error`` describing it.
    A request that never got an answer has ``status_code`` None.
    """

    custom_id: str
    line: int
    status_code: int | None
    body: Any
    error: dict[str, Any] | None
    attempts: int
    latency: float
    tokens: int | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    def to_dict(self) -> dict[str, Any]:
        """The output-file shape: ``{"custom_id", "response": {"status_code", "body"}, "error"}``."""
        response = None
        if self.status_code is not None:
            response = {"status_code": self.status_code, "body": self.body}
        return {"custom_id": self.custom_id, "response": response, "error": self.error}

    def to_line(self) -> bytes:
        return pydantic_core.to_json(self.to_dict()) + b"\n"


def _error_dict(exc: TokenHotError) -> dict[str, Any]:
    info: dict[str, Any] = {"type": type(exc).__name__, "message": str(exc)}
    if isinstance(exc, APIStatusError) and exc.error_code:
        info["code"] = exc.error_code
    return info


def _unwrap(exc: BaseException) -> BaseException:
    """The single error inside (nested) exception groups, else the group itself."""
    inner = getattr(exc, "exceptions", None)
    while isinstance(inner, tuple) and len(inner) == 1 and isinstance(inner[0], BaseException):
        exc = inner[0]
        inner = getattr(exc, "exceptions", None)
    return exc


def _check_paths(source: BatchSource, output: str | None) -> None:
    """Refuse, before anything is sent, an input that cannot be read or is the output itself."""
    if not isinstance(source, (str, os.PathLike)):
        return
    path = os.fspath(source)
    if not os.path.isfile(path):
        reason = "is a directory" if os.path.isdir(path) else "no such file"
        raise InvalidRequestError(f"cannot read {path}: {reason}")
    if output is not None and (
        os.path.realpath(path) == os.path.realpath(output)
        or (os.path.exists(output) and os.path.samefile(path, output))
    ):
        raise InvalidRequestError(
            f"input and output are the same file ({path}); results go to a separate file"
        )


class BatchRun(AsyncContext):
    """A running (or runnable) fan-out; see :func:`run_batch` for the two ways to drive it."""

    def __init__(
        self,
        client: AsyncTokenHot,
        requests: BatchSource,
        *,
        output: str | os.PathLike[str] | None = None,
        concurrency: int = 16,
        rpm: float | None = None,
        tpm: float | None = None,
        shard: str | tuple[int, int] | Shard | None = None,
        ordered: bool = False,
        fsync: bool = False,
        progress: bool | None = False,
        progress_stream: TextIO | None = None,
        on_bad_line: Callable[[BadLine], None] | None = None,
        max_retries: int | None = None,
        timeout: TimeoutTypes | None = None,
        pacer: Pacer | None = None,
        limiter: anyio.CapacityLimiter | None = None,
    ) -> None:
        if isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 1:
            raise InvalidRequestError("concurrency must be a positive integer")
        if max_retries is not None and max_retries < 0:
            raise InvalidRequestError("max_retries must be >= 0")
        if pacer is not None and (rpm is not None or tpm is not None):
            raise InvalidRequestError("give either rpm/tpm or a shared pacer, not both")
        try:
            self.pacer = pacer or Pacer(rpm, tpm)
        except ValueError as exc:
            raise InvalidRequestError(str(exc)) from None
        self._limiter = limiter
        self.summary = BatchSummary()
        self.shard = None if shard is None else Shard.parse(shard)
        self._client = client
        self._transport = client._transport
        self._source = requests
        self._output = None if output is None else os.fspath(output)
        _check_paths(requests, self._output)
        #: True once the output is open and checked and sending may begin (set-up is over)
        self.set_up = False
        self._concurrency = concurrency
        self._ordered = ordered
        self._fsync = fsync
        stream = progress_stream or sys.stderr
        self._progress = ProgressLine(self.summary, stream) if (
            progress or (progress is None and stream.isatty())) else None
        self._on_bad_line = on_bad_line
        self._max_retries = client.max_retries if max_retries is None else max_retries
        self._options = RequestOptions.make(timeout=timeout, max_retries=0)  # retries are ours
        self._results_send, self._results_recv = anyio.create_memory_object_stream[BatchResult](
            concurrency
        )
        self._collect = True
        self._window = anyio.Semaphore(max(64, 4 * concurrency)) if ordered else None
        self._log: ResultLog | None = None
        self._pipeline: anyio.CancelScope | None = None
        self._task_group: anyio.abc.TaskGroup | None = None
        self._error: BaseException | None = None
        self._finished = False

    # -- the two ways to drive it ------------------------------------------------------------

    def __await__(self) -> Generator[Any, None, BatchSummary]:
        return self._run_to_end().__await__()

    async def _run_to_end(self) -> BatchSummary:
        self._collect = False
        self._results_send.close()
        self._results_recv.close()
        await self._engine()
        if self._error is not None:
            raise self._error
        return self.summary

    async def __aenter__(self) -> BatchRun:
        self._task_group = anyio.create_task_group()
        await self._task_group.__aenter__()
        self._task_group.start_soon(self._engine)
        return self

    async def _leave(self, exc: BaseException | None) -> None:
        group, self._task_group = self._task_group, None
        if group is None:
            return
        if exc is not None or not self._finished:
            group.cancel_scope.cancel()  # leaving early cancels what is still running
        try:
            await group.__aexit__(None, None, None)
        finally:
            self._results_send.close()
            self._results_recv.close()
        if exc is None and self._error is not None:
            raise self._error

    def __aiter__(self) -> BatchRun:
        return self

    async def __anext__(self) -> BatchResult:
        try:
            return await self._results_recv.receive()
        except (anyio.EndOfStream, anyio.ClosedResourceError):
            error, self._error = self._error, None
            if error is not None:
                raise error from None
            raise StopAsyncIteration from None

    # -- engine --------------------------------------------------------------------------------

    async def _engine(self) -> None:
        summary = self.summary
        try:
            done: set[str] = set()
            if self._output is not None:
                self._log = ResultLog(self._output, fsync=self._fsync)
                done = await anyio.to_thread.run_sync(self._log.open)
                summary.repaired_bytes = self._log.repaired_bytes
                summary.duplicates = self._log.duplicates
                if summary.repaired_bytes:
                    log.warning("%s: cut a torn last line (%d bytes) left by an interrupted run",
                                self._output, summary.repaired_bytes)
            if self._progress is not None:
                try:
                    summary.total_lines = await anyio.to_thread.run_sync(count_lines, self._source)
                except OSError:
                    summary.total_lines = None
            summary.started = time.monotonic()
            self.set_up = True
            async with anyio.create_task_group() as outer:
                if self._progress is not None:
                    outer.start_soon(self._show_progress)
                await self._pipeline_run(done)
                outer.cancel_scope.cancel()
            self._finished = True
        except anyio.get_cancelled_exc_class():
            summary.cancelled = True
            raise
        except Exception as exc:
            self._error = _unwrap(exc)
        finally:
            summary.finished = time.monotonic()
            summary.rate_limited = self.pacer.rate_limited
            if self._log is not None:
                self._log.close()
            self._results_send.close()
            if self._progress is not None:
                self._progress.close()

    async def _pipeline_run(self, done: set[str]) -> None:
        n = self._concurrency
        items_send, items_recv = anyio.create_memory_object_stream[tuple[int, BatchItem]](n)
        done_send, done_recv = anyio.create_memory_object_stream[tuple[int, BatchResult]](n)
        try:
            async with anyio.create_task_group() as tg:
                self._pipeline = tg.cancel_scope
                tg.start_soon(self._produce, items_send, done)
                tg.start_soon(self._write, done_recv)
                try:
                    async with anyio.create_task_group() as workers:
                        for _ in range(n):
                            workers.start_soon(self._work, items_recv, done_send)
                finally:
                    done_send.close()  # the writer drains what is left, then ends
        finally:
            for stream in (items_send, items_recv, done_send, done_recv):
                stream.close()

    def _fail(self, exc: BaseException) -> None:
        """A fatal error: keep the first, stop the pipeline (the file stays consistent)."""
        if self._error is None:
            self._error = exc
        if self._pipeline is not None:
            self._pipeline.cancel()

    async def _show_progress(self) -> None:
        assert self._progress is not None
        while True:
            self._progress.update()
            await anyio.sleep(0.25)

    async def _produce(
        self, items: MemoryObjectSendStream[tuple[int, BatchItem]], done: set[str]
    ) -> None:
        summary = self.summary
        seen: set[str] = set()
        index = 0
        async with items:
            try:
                async for line, entry in iter_source(self._source):
                    summary.lines_read = line
                    item = summary.admit(
                        check_entry(line, entry, seen=seen, done=done, shard=self.shard),
                        self._on_bad_line)
                    if item is None:
                        continue
                    if self._window is not None:
                        await self._window.acquire()
                    summary.dispatched += 1
                    await items.send((index, item))
                    index += 1
            except Exception as exc:
                self._fail(exc)

    async def _work(
        self,
        items: MemoryObjectReceiveStream[tuple[int, BatchItem]],
        finished: MemoryObjectSendStream[tuple[int, BatchResult]],
    ) -> None:
        async for index, item in items:
            result = await self._execute(item)
            if result is None:
                return
            await finished.send((index, result))

    async def _execute(self, item: BatchItem) -> BatchResult | None:
        """Send one item with pacing and retries; None after a fatal error."""
        summary, pacer = self.summary, self.pacer
        estimate = estimate_tokens(item.body) if pacer.tpm is not None else 0
        attempt = 0
        started: float | None = None
        while True:
            await pacer.acquire(estimate)
            if started is None:
                started = time.monotonic()
            summary.in_flight += 1
            error: TokenHotError
            try:
                if self._limiter is None:
                    answer = await self._transport.request(
                        item.method, item.url, json=item.body, options=self._options
                    )
                else:
                    async with self._limiter:
                        answer = await self._transport.request(
                            item.method, item.url, json=item.body, options=self._options
                        )
            except _FATAL as exc:
                self._fail(exc)
                return None
            except TokenHotError as exc:
                error = exc
            else:
                try:
                    body = answer.json()
                except ResponseValidationError:
                    body = answer.text()
                tokens = usage_tokens(body)
                summary.add_cost(answer.cost)
                if tokens is not None:
                    summary.tokens += tokens
                    pacer.correct(tokens - estimate)
                return BatchResult(item.custom_id, item.line, answer.status, body, None,
                                   attempt + 1, time.monotonic() - started, tokens)
            finally:
                summary.in_flight -= 1
            if isinstance(error, RateLimitError):
                pacer.on_rate_limited()
            policy = self._transport.retry_policy
            if not (policy.should_retry(error) and attempt < self._max_retries):
                status = error.status_code if isinstance(error, APIStatusError) else None
                body = error.body if isinstance(error, APIStatusError) else None
                return BatchResult(item.custom_id, item.line, status, body, _error_dict(error),
                                   attempt + 1, time.monotonic() - started)
            summary.retried += 1
            await anyio.sleep(policy.wait_after(error, attempt))
            attempt += 1

    async def _write(self, finished: MemoryObjectReceiveStream[tuple[int, BatchResult]]) -> None:
        if self._window is None:
            async for _, result in finished:
                await self._emit(result)
            return
        pending: dict[int, BatchResult] = {}
        expected = 0
        async for index, result in finished:
            pending[index] = result
            while expected in pending:
                await self._emit(pending.pop(expected))
                expected += 1
                self._window.release()

    async def _emit(self, result: BatchResult) -> None:
        summary = self.summary
        if self._log is not None:
            self._log.append(result.to_line())  # one write: the id is done once this returns
        if result.ok:
            summary.ok += 1
        else:
            summary.failed += 1
        summary.latencies.append(result.latency)
        if self._collect:
            await self._results_send.send(result)


class BatchOptions(TypedDict, total=False):
    """The keywords of :func:`run_batch`: those of :class:`BatchRun` (defaults there)."""

    output: str | os.PathLike[str] | None
    concurrency: int
    rpm: float | None
    tpm: float | None
    shard: str | tuple[int, int] | Shard | None
    ordered: bool
    fsync: bool
    progress: bool | None
    progress_stream: TextIO | None
    on_bad_line: Callable[[BadLine], None] | None
    max_retries: int | None
    timeout: TimeoutTypes | None
    pacer: Pacer | None
    limiter: anyio.CapacityLimiter | None


def run_batch(
    client: AsyncTokenHot, requests: BatchSource, **options: Unpack[BatchOptions]
) -> BatchRun:
    """Fan ``requests`` out over ``client`` with bounded concurrency and optional budgets.

    ``requests``: a JSONL path, or an (async) iterable of dicts in the OpenAI batch-line shape
    ``{"custom_id", "method", "url", "body"}``; read lazily. Two ways to drive the run::

        summary = await run_batch(th, "in.jsonl", output="out.jsonl", concurrency=64)

        async with run_batch(th, requests, ordered=True) as run:
            async for result in run:      # BatchResult, as each finishes (or in input order)
                ...
        print(run.summary.format())

    With ``output``, each finished id is appended as one line and a rerun with the same output
    skips the ids already there (exactly once across crashes). ``rpm``/``tpm`` are smooth
    budgets (tokens estimated before sending, corrected from usage); 429 answers slow the pace
    down. ``shard="K/N"`` keeps only the ids whose stable hash falls on worker K of N.
    ``progress=None`` shows a live line when ``progress_stream`` (stderr) is a terminal.
    Bad input lines are counted in ``summary.bad`` and passed to ``on_bad_line``.
    ``pacer`` / ``limiter`` share one budget / one in-flight bound among several runs (the Ray
    adapter gives every batch of a worker the same ones).
    """
    return BatchRun(client, requests, **options)
