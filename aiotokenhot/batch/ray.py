"""Batch fan-out on a Ray cluster: one rate budget for every worker, exactly-once output, one view.

``pip install "aiotokenhot[ray]"``. Two levels:

:class:`ClusterBatch` runs a whole job from a driver (or ``aiotokenhot batch IN -o DIR --ray``)::

    from aiotokenhot.batch.ray import ClusterBatch

    job = ClusterBatch("requests.jsonl", "results/", rpm=3000, concurrency=64, workers=4)
    summary = job.run(progress=True)     # job.progress() from another thread: live totals
    print(summary.format())

``rpm``, ``tpm`` and ``concurrency`` hold for the whole cluster: a coordinator actor hands the
workers start times in leases (see :mod:`aiotokenhot.batch._cluster`), and a 429 seen by any
worker slows them all. Results go to ``results/part-*.jsonl`` in the single-machine line
format; a rerun of the same job skips every id already there.

:class:`TokenHotMapper` is the callable class for your own ``Dataset.map_batches`` pipelines::

    ds = ray.data.read_text("requests.jsonl")          # one JSONL request per row ("text")
    results = ds.map_batches(
        TokenHotMapper,
        fn_constructor_kwargs={"concurrency": 32, "budget": budget_actor(rpm=3000)},
        compute=ray.data.ActorPoolStrategy(size=4),
        batch_size=256,
        num_cpus=0,                                  # network-bound: no CPU reservation needed
    )

With ``budget`` the rate budget is the cluster's (without it, ``rpm``/``tpm`` are per worker).
Input rows are either a ``text`` column of JSONL lines (as ``read_text`` gives) or the columns
``custom_id``, ``method``, ``url``, ``body`` (body as an object or a JSON string). Output rows:
``custom_id``, ``status_code``, ``response`` (the answer body as JSON text) and ``error`` (JSON
text, or None). A bad input row comes out with ``error.type == "BadLine"``, never dropped; its
line number counts rows within its batch. With ``output_dir`` the results are written there
instead (exactly once, resumable) and each batch returns one row of counts.
"""

from __future__ import annotations

import os
import shutil
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from typing import Any, TextIO

import anyio
import anyio.to_thread
import pydantic_core

from .._client import AsyncTokenHot
from .._config import TimeoutTypes, normalize_base_url, resolve_api_key
from .._exceptions import InvalidRequestError, TokenHotError
from ._cluster import (
    COUNTERS,
    SUMMED,
    ClusterBudget,
    DirScan,
    LeasedPacer,
    add_cost,
    batch_key,
    hold_lock,
    journal_path,
    part_path,
    scan_dir,
    seal,
    seal_leftovers,
    summary_from,
    take_lock,
)
from ._input import BadLine, BatchSource, check_entry, is_file_object
from ._pacing import Pacer
from ._runner import BatchRun, _check_paths, _unwrap, run_batch
from ._summary import BatchSummary, ProgressLine

__all__ = ["ClusterBatch", "TokenHotMapper", "budget_actor"]

_COLUMNS = ("custom_id", "method", "url", "body")
_WORKERS_LOCK = ".workers.lock"
_DRIVER_LOCK = ".driver.lock"
_TODO = "_todo"


def _plain(value: Any) -> Any:
    """Python values from what Ray hands over (numpy arrays and scalars inside rows)."""
    if hasattr(value, "tolist") and not isinstance(value, (str, bytes)):
        value = value.tolist()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _rows(batch: Mapping[str, Any]) -> list[Any]:
    """One request dict (or BadLine) per row of a column batch."""
    if "custom_id" not in batch and "text" in batch:
        rows: list[Any] = []
        for i, line in enumerate(_plain(batch["text"]), 1):
            try:
                rows.append(pydantic_core.from_json(line))
            except ValueError:
                rows.append(BadLine(i, "not valid JSON"))
        return rows
    columns = {k: _plain(batch[k]) for k in _COLUMNS if k in batch}
    size = len(next(iter(columns.values()), []))
    rows = []
    for i in range(size):
        row = {k: v[i] for k, v in columns.items()}
        if isinstance(row.get("body"), str):
            try:
                row["body"] = pydantic_core.from_json(row["body"])
            except ValueError:
                rows.append(BadLine(i + 1, "body is not valid JSON", row.get("custom_id")))
                continue
        rows.append(row)
    return rows


class _Coordinator:
    """The Ray actor behind a cluster budget: a :class:`ClusterBudget`, one call at a time."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.state = ClusterBudget(*args, **kwargs)

    def lease(self, **kwargs: Any) -> dict[str, Any]:
        return self.state.lease(**kwargs)

    def release(self, worker: str, report: dict[str, float] | None = None) -> None:
        self.state.release(worker, report)

    def snapshot(self) -> dict[str, Any]:
        return self.state.snapshot()

    def pids(self) -> dict[str, int | None]:
        return self.state.pids()

    def finish(self) -> dict[str, Any]:
        self.state.finished = time.time()
        return self.state.snapshot()


def budget_actor(
    *,
    rpm: float | None = None,
    tpm: float | None = None,
    concurrency: int = 16,
    total: int | None = None,
    ttl: float = 10.0,
    name: str | None = None,
) -> Any:
    """Start the coordinator actor of a cluster-wide budget and return its handle.

    ``rpm``/``tpm``: budgets for all workers together; ``concurrency``: requests in flight
    across all workers; ``total``: requests in the job (for the ETA); ``ttl``: seconds after
    which a silent worker's share is handed to the others. Pass the handle to
    :class:`TokenHotMapper` as ``budget``. The actor lives as long as the driver (or until
    ``ray.kill``).
    """
    import ray

    try:
        ClusterBudget(rpm, tpm, concurrency)  # check the arguments here, in the caller
    except ValueError as exc:
        raise InvalidRequestError(str(exc)) from None
    actor = ray.remote(num_cpus=0, max_restarts=0)(_Coordinator)
    options: dict[str, Any] = {"name": name} if name else {}
    return actor.options(**options).remote(rpm, tpm, concurrency, total=total, ttl=ttl)


class TokenHotMapper:
    """An async callable class for ``map_batches``: one client per Ray worker.

    Constructor arguments (pass them as ``fn_constructor_kwargs``): ``concurrency`` bounds the
    requests this worker has in flight across all the batches it runs at once. ``budget`` (a
    :func:`budget_actor` handle) makes the rate budget and the concurrency the cluster's;
    without it ``rpm``/``tpm`` are this worker's. ``output_dir`` (a path every worker can
    reach): results are written there exactly once instead of returned. The key comes from
    ``api_key`` or the workers' ``TOKENHOT_API_KEY`` (give it through Ray's ``runtime_env``
    env_vars; a local Ray passes the driver's environment on).
    """

    def __init__(
        self,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        concurrency: int = 16,
        rpm: float | None = None,
        tpm: float | None = None,
        budget: Any = None,
        output_dir: str | None = None,
        max_retries: int | None = None,
        timeout: TimeoutTypes | None = None,
        client_options: Mapping[str, Any] | None = None,
        heartbeat: float = 2.0,
    ) -> None:
        if budget is not None and (rpm is not None or tpm is not None):
            raise InvalidRequestError("give rpm/tpm to budget_actor(), not to a mapper with a budget")
        self._api_key = api_key
        self._base_url = base_url
        self._client_options = dict(client_options or {})
        self.concurrency = concurrency
        self._budget = budget
        self._tpm = tpm
        self.pacer: Pacer | None = None if budget is not None else Pacer(rpm, tpm)
        self.max_retries = max_retries
        self.timeout = timeout
        self.output_dir = output_dir
        self.worker = f"{os.uname().nodename if hasattr(os, 'uname') else 'host'}-{os.getpid()}-" \
                      f"{uuid.uuid4().hex[:8]}"
        self._heartbeat = heartbeat
        self._client: AsyncTokenHot | None = None
        self._limiter: anyio.CapacityLimiter | None = None
        self._totals: dict[str, float] = dict.fromkeys(COUNTERS, 0.0)
        self._live: list[BatchRun] = []
        self._calls = 0
        if output_dir is not None:
            os.makedirs(os.path.dirname(journal_path(output_dir, "x")), exist_ok=True)
            # held for the life of this process: a new run waits until old workers are gone
            self._workers_lock = os.open(os.path.join(output_dir, _WORKERS_LOCK),
                                         os.O_RDWR | os.O_CREAT, 0o666)
            take_lock(self._workers_lock, _WORKERS_LOCK, shared=True, wait=60.0)

    def _ensure_client(self) -> tuple[AsyncTokenHot, anyio.CapacityLimiter, Pacer]:
        """Made on first use, inside the worker's event loop, then shared by every batch."""
        if self._client is None or self._limiter is None or self.pacer is None:
            self._client = AsyncTokenHot(self._api_key, self._base_url, **self._client_options)
            self._limiter = anyio.CapacityLimiter(self.concurrency)
            if self._budget is not None:
                budget = self._budget
                self.pacer = LeasedPacer(lambda **kw: budget.lease.remote(**kw), self.worker,
                                         self._limiter, report=self._report, tpm=self._tpm)
        assert self.pacer is not None
        return self._client, self._limiter, self.pacer

    def _report(self) -> dict[str, float]:
        report = dict(self._totals)
        for run in self._live:
            s = run.summary
            for name in (*SUMMED, "in_flight"):
                report[name] += float(getattr(s, name))
        report["rate_limited"] = float(self.pacer.rate_limited if self.pacer else 0)
        return report

    async def _beat(self) -> None:
        assert isinstance(self.pacer, LeasedPacer)
        while True:
            await anyio.sleep(self._heartbeat)
            await self.pacer.renew()

    async def __call__(self, batch: Mapping[str, Any]) -> dict[str, list[Any]]:
        client, limiter, pacer = self._ensure_client()
        self._calls += 1
        try:
            async with anyio.create_task_group() as tg:
                if isinstance(pacer, LeasedPacer):
                    tg.start_soon(self._beat)
                if self.output_dir is None:
                    out = await self._returned(client, limiter, pacer, _rows(batch))
                else:
                    out = await self._written(client, limiter, pacer, _rows(batch))
                tg.cancel_scope.cancel()
        except Exception as exc:  # one failure inside the heartbeat's task group: unwrapped
            inner = _unwrap(exc)
            if isinstance(inner, TokenHotError):
                raise _Carried.of(inner) from None
            if inner is exc:
                raise
            raise inner from None
        finally:
            self._calls -= 1
            if self._calls == 0 and self._budget is not None:
                await self._budget.release.remote(self.worker, self._report())
        return out

    async def _run(self, client: AsyncTokenHot, limiter: anyio.CapacityLimiter, pacer: Pacer,
                   rows: list[Any], **kwargs: Any) -> BatchRun:
        run = run_batch(client, rows, concurrency=max(1, min(self.concurrency, len(rows))),
                        pacer=pacer, limiter=limiter, max_retries=self.max_retries,
                        timeout=self.timeout, **kwargs)
        return run

    def _absorb(self, run: BatchRun) -> None:
        s = run.summary
        for name in SUMMED:
            self._totals[name] += float(getattr(s, name))

    async def _returned(self, client: AsyncTokenHot, limiter: anyio.CapacityLimiter, pacer: Pacer,
                        rows: list[Any]) -> dict[str, list[Any]]:
        bad: list[BadLine] = []
        out: dict[str, list[Any]] = {"custom_id": [], "status_code": [], "response": [],
                                     "error": []}
        run = await self._run(client, limiter, pacer, rows, ordered=True, on_bad_line=bad.append)
        self._live.append(run)
        try:
            async with run:
                async for result in run:
                    out["custom_id"].append(result.custom_id)
                    out["status_code"].append(result.status_code)
                    out["response"].append(
                        None if result.body is None else pydantic_core.to_json(result.body).decode())
                    out["error"].append(None if result.error is None
                                        else pydantic_core.to_json(result.error).decode())
        finally:
            self._live.remove(run)
            self._absorb(run)
        for line in bad:
            out["custom_id"].append(line.custom_id)
            out["status_code"].append(None)
            out["response"].append(None)
            out["error"].append(pydantic_core.to_json(
                {"type": "BadLine", "message": str(line)}).decode())
        return out

    async def _written(self, client: AsyncTokenHot, limiter: anyio.CapacityLimiter, pacer: Pacer,
                       rows: list[Any]) -> dict[str, list[Any]]:
        assert self.output_dir is not None
        ids = [r["custom_id"] for r in rows
               if isinstance(r, dict) and isinstance(r.get("custom_id"), str)]
        key = batch_key(ids)
        counts: dict[str, list[Any]] = {"batch": [key], "ok": [0], "failed": [0], "bad": [0],
                                        "skipped": [0]}
        if await anyio.to_thread.run_sync(os.path.exists, part_path(self.output_dir, key)):
            # finished before (a retried task)
            counts["skipped"] = [len(ids)]
            return counts
        if not ids:  # nothing to send: only bad rows
            run = await self._run(client, limiter, pacer, rows)
            counts["bad"] = [(await run).bad]
            return counts
        journal = journal_path(self.output_dir, key)
        run = await self._run(client, limiter, pacer, rows, output=journal)
        self._live.append(run)
        try:
            summary = await run
        finally:
            self._live.remove(run)
            self._absorb(run)
        await anyio.to_thread.run_sync(seal, self.output_dir, key)
        counts.update(ok=[summary.ok], failed=[summary.failed], bad=[summary.bad],
                      skipped=[summary.skipped])
        return counts

    async def aclose(self) -> None:
        """Close the worker's client (Ray does not call this; the process exit does the rest)."""
        client, self._client = self._client, None
        if client is not None:
            await client.aclose()


# -- the driver -------------------------------------------------------------------------------------


def _read_entries(source: BatchSource) -> Iterator[tuple[int, Any]]:
    """``(line, entry)`` pairs from a JSONL path, an open file or an iterable (driver side)."""
    if isinstance(source, (str, os.PathLike)):
        try:
            handle = open(os.fspath(source), "rb")  # noqa: SIM115
        except OSError as exc:
            raise InvalidRequestError(f"cannot read {os.fspath(source)}: {exc.strerror}") from None
        with handle:
            yield from _read_entries(handle)
        return
    if is_file_object(source):
        for line, raw in enumerate(source, 1):  # type: ignore[arg-type]
            if raw.strip():
                try:
                    yield line, pydantic_core.from_json(raw)
                except ValueError:
                    yield line, BadLine(line, "not valid JSON")
        return
    if isinstance(source, Mapping) or not hasattr(source, "__iter__"):
        raise InvalidRequestError("requests must be a JSONL path, an open file or an iterable")
    yield from enumerate(source, 1)  # type: ignore[arg-type]


class _Carried(Exception):
    """An SDK error on its way from a Ray worker to the driver.

    SDK errors take keyword-only arguments, which pickling cannot replay; this carries the
    class name, the arguments and the attributes, and :meth:`rebuild` makes the error again.
    """

    def __init__(self, name: str, error_args: tuple[Any, ...], state: dict[str, Any]) -> None:
        super().__init__(name)
        self.name, self.error_args, self.state = name, tuple(error_args), dict(state)

    def __reduce__(self) -> tuple[Any, ...]:
        return (_Carried, (self.name, self.error_args, self.state))

    @classmethod
    def of(cls, exc: TokenHotError) -> _Carried:
        return cls(type(exc).__name__, exc.args, dict(vars(exc)))

    def rebuild(self) -> TokenHotError:
        from .. import _exceptions

        klass = getattr(_exceptions, self.name, None)
        if not (isinstance(klass, type) and issubclass(klass, TokenHotError)):
            return TokenHotError(*self.error_args)
        error = klass.__new__(klass)
        Exception.__init__(error, *self.error_args)
        vars(error).update(self.state)
        return error


def _sdk_error(exc: BaseException) -> TokenHotError | None:
    """The SDK error inside the wrappers Ray puts around an error raised by a worker."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, TokenHotError):
            return current
        if isinstance(current, _Carried) and hasattr(current, "state"):
            return current.rebuild()
        seen.add(id(current))
        grouped = getattr(current, "exceptions", None)
        inner = getattr(current, "cause", None)
        if isinstance(grouped, tuple) and grouped and isinstance(grouped[0], BaseException):
            current = grouped[0]
        else:
            current = inner if isinstance(inner, BaseException) else current.__cause__
    return None


class ClusterBatch:
    """One batch job on a Ray cluster, exactly once into a directory of JSONL parts.

    ``requests``: a JSONL path, an open JSONL file or an iterable of request dicts (the
    single-machine input). ``output_dir``: a directory every worker can reach (created);
    results land in ``part-*.jsonl`` files, each published atomically. ``rpm``, ``tpm``,
    ``concurrency``: budgets for the whole cluster. ``workers``: Ray actors sending requests
    (``(min, max)`` lets Ray Data autoscale between them). ``batch_size``: requests per Ray
    batch (and per part). ``lease_ttl``: seconds after which a silent worker's share of the
    concurrency is given to others. The key comes from ``api_key`` or ``TOKENHOT_API_KEY``
    (which a local Ray passes on; on a cluster set it in the workers' environment).
    """

    def __init__(
        self,
        requests: BatchSource,
        output_dir: str | os.PathLike[str],
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        concurrency: int = 16,
        rpm: float | None = None,
        tpm: float | None = None,
        workers: int | tuple[int, int] = 2,
        batch_size: int = 64,
        max_retries: int | None = None,
        timeout: TimeoutTypes | None = None,
        client_options: Mapping[str, Any] | None = None,
        on_bad_line: Callable[[BadLine], None] | None = None,
        lease_ttl: float = 10.0,
    ) -> None:
        if isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 1:
            raise InvalidRequestError("concurrency must be a positive integer")
        if batch_size < 1:
            raise InvalidRequestError("batch_size must be at least 1")
        try:
            Pacer(rpm, tpm)
        except ValueError as exc:
            raise InvalidRequestError(str(exc)) from None
        _check_paths(requests, None)
        self.requests = requests
        self.output_dir = os.path.abspath(os.fspath(output_dir))
        if os.path.exists(self.output_dir) and not os.path.isdir(self.output_dir):
            raise InvalidRequestError(f"{self.output_dir} is not a directory (--ray writes a "
                                      "directory of parts)")
        if isinstance(requests, (str, os.PathLike)) and os.path.abspath(os.fspath(requests)) \
                .startswith(self.output_dir + os.sep):
            raise InvalidRequestError("the input must not live inside the output directory")
        self.api_key = api_key
        self.base_url = base_url
        self.concurrency = concurrency
        self.rpm = rpm
        self.tpm = tpm
        self.workers = workers
        self.batch_size = batch_size
        self.max_retries = max_retries
        self.timeout = timeout
        self.client_options = dict(client_options or {})
        self.on_bad_line = on_bad_line
        self.lease_ttl = lease_ttl
        self._coordinator: Any = None
        self._prepared: BatchSummary | None = None
        self._final: BatchSummary | None = None
        #: True once the directory is locked and checked and sending may begin
        self.set_up = False

    # -- the pieces of run() ---------------------------------------------------------------------

    def _prepare(self, summary: BatchSummary) -> tuple[list[str], int, DirScan]:
        """Recover a dead run's journals, read what is done, write what is left to send."""
        directory = self.output_dir
        seal_leftovers(directory)
        shutil.rmtree(os.path.join(directory, _TODO), ignore_errors=True)
        before = scan_dir(directory)
        summary.duplicates = before.duplicates
        done = set(before.done)
        seen: set[str] = set()
        todo_dir = os.path.join(directory, _TODO)
        os.makedirs(todo_dir)
        files: list[str] = []
        handle = None
        count = 0
        try:
            for line, entry in _read_entries(self.requests):
                summary.lines_read = line
                checked = summary.admit(check_entry(line, entry, seen=seen, done=done, shard=None),
                                        self.on_bad_line)
                if checked is None:
                    continue
                if count % self.batch_size == 0:
                    if handle is not None:
                        handle.close()
                    files.append(os.path.join(todo_dir, f"chunk-{len(files):06d}.jsonl"))
                    handle = open(files[-1], "wb")  # noqa: SIM115
                handle.write(pydantic_core.to_json({  # type: ignore[union-attr]
                    "custom_id": checked.custom_id, "method": checked.method, "url": checked.url,
                    "body": checked.body}) + b"\n")
                count += 1
        finally:
            if handle is not None:
                handle.close()
        summary.dispatched = count
        return files, count, before

    def _execute(self, files: list[str]) -> None:
        import ray

        sizes = self.workers if isinstance(self.workers, tuple) else (self.workers, self.workers)
        # resolved here, from the driver's environment, so workers need none of their own;
        # the key travels in the actors' constructor arguments only (never logs or runtime_env)
        secret = resolve_api_key(self.api_key)
        kwargs: dict[str, Any] = {
            "base_url": normalize_base_url(self.base_url), "concurrency": self.concurrency,
            "budget": self._coordinator, "output_dir": self.output_dir,
            "max_retries": self.max_retries, "timeout": self.timeout,
            "client_options": self.client_options,
            "heartbeat": max(0.2, self.lease_ttl / 4),
        }
        if secret is not None:
            kwargs["api_key"] = secret.reveal()
        context = ray.data.DataContext.get_current()
        previous = context.raise_original_map_exception
        context.raise_original_map_exception = True  # worker errors reach _sdk_error intact
        try:
            ds = ray.data.read_text(files).map_batches(
                TokenHotMapper, fn_constructor_kwargs=kwargs,
                compute=ray.data.ActorPoolStrategy(min_size=sizes[0], max_size=sizes[1]),
                batch_size=self.batch_size, num_cpus=0,
            )
            for _ in ds.iter_batches(batch_size=None):
                pass
        finally:
            context.raise_original_map_exception = previous

    def progress(self) -> BatchSummary:
        """Live totals over all workers (done, failed, rate, ETA); callable from any thread.

        Before the workers start: an empty summary; once :meth:`run` returned: its summary.
        """
        import ray

        coordinator = self._coordinator
        if coordinator is None:
            return self._final or BatchSummary()  # not started, or finished
        try:
            live = summary_from(ray.get(coordinator.snapshot.remote()))
        except Exception:  # the job ended meanwhile
            return self._final or BatchSummary()
        if self._prepared is not None:  # what the driver's read of the input found
            live.bad, live.skipped = self._prepared.bad, self._prepared.skipped
        return live

    def worker_pids(self) -> dict[str, int | None]:
        """Process ids of the workers holding a share now (for tests and diagnostics)."""
        import ray

        coordinator = self._coordinator
        try:
            return {} if coordinator is None else ray.get(coordinator.pids.remote())
        except Exception:  # the job ended meanwhile
            return {}

    def run(self, *, progress: bool | None = False, progress_stream: TextIO | None = None,
            on_started: Callable[[ClusterBatch], None] | None = None) -> BatchSummary:
        """Run the job to the end and return its summary (totals counted from the output).

        ``progress=None`` shows a live line when ``progress_stream`` (stderr) is a terminal.
        ``on_started(job)`` runs once the workers are about to start. Raises
        :class:`InvalidRequestError` for set-up errors and :class:`BatchOutputError` when
        another run holds the directory. Starts a local Ray when none is running.
        """
        import ray

        summary = self._prepared = BatchSummary()
        os.makedirs(self.output_dir, exist_ok=True)
        with hold_lock(os.path.join(self.output_dir, _DRIVER_LOCK),
                       what=f"{self.output_dir} is in use by another batch run (one driver per "
                            "output directory); wait for it to finish or choose another output"):
            # the workers of a killed run may take a moment to die: wait until they have
            with hold_lock(os.path.join(self.output_dir, _WORKERS_LOCK), wait=60.0,
                           what=f"workers of an earlier run still hold {self.output_dir}"):
                files, count, before = self._prepare(summary)
            self.set_up = True
            summary.started = time.monotonic()
            stream = progress_stream or sys.stderr
            show = progress or (progress is None and stream.isatty())
            snapshot: dict[str, Any] | None = None
            if count:
                if not ray.is_initialized():
                    ray.init(include_dashboard=False, log_to_driver=False)
                self._coordinator = budget_actor(rpm=self.rpm, tpm=self.tpm,
                                                 concurrency=self.concurrency, total=count,
                                                 ttl=self.lease_ttl)
                if on_started is not None:
                    on_started(self)
                stop = threading.Event()
                shower = threading.Thread(target=self._show, args=(stream, stop), daemon=True)
                if show:
                    ray.data.DataContext.get_current().enable_progress_bars = False
                    shower.start()
                try:
                    self._execute(files)
                except Exception as exc:
                    cause = _sdk_error(exc)
                    if cause is None:
                        raise
                    raise cause from None  # e.g. a wrong key: the same error as on one machine
                finally:
                    stop.set()
                    if show:
                        shower.join()
                    coordinator, self._coordinator = self._coordinator, None
                    try:
                        snapshot = ray.get(coordinator.finish.remote())
                    except Exception:  # gone with a failing job: the error above matters
                        snapshot = None
                    ray.kill(coordinator)
            shutil.rmtree(os.path.join(self.output_dir, _TODO), ignore_errors=True)
            after = scan_dir(self.output_dir)
        summary.finished = time.monotonic()
        summary.ok = after.ok - before.ok
        summary.failed = after.failed - before.failed
        summary.duplicates = after.duplicates
        if snapshot is not None:
            counters = snapshot["counters"]
            summary.retried = int(counters["retried"])
            summary.rate_limited = int(counters["rate_limited"])
            summary.tokens = int(counters["tokens"])
            add_cost(summary, counters)
        self._final = summary
        return summary

    def _show(self, stream: TextIO, stop: threading.Event) -> None:
        line: ProgressLine | None = None
        while not stop.wait(0.5):
            current = self.progress()
            if line is None:
                line = ProgressLine(current, stream)
            line.summary = current
            line.update()
        if line is not None:
            line.close()
