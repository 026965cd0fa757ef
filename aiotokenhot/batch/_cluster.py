"""One budget and one durable output for a batch spread over many worker processes.

Nothing here imports Ray: :class:`ClusterBudget` is the state a single coordinator holds (Ray
makes it an actor), :class:`LeasedPacer` is a worker's view of it, and the ``*_dir`` helpers
lay out the durable output directory. Keeping them plain makes them testable without a cluster.

**Leases.** A worker does not ask the coordinator before each request: it asks for a *lease*,
a few request start times booked on the one cluster-wide schedule (the same smooth GCRA budget
as :class:`~aiotokenhot.batch.Pacer`, so the cluster never exceeds ``rpm``/``tpm`` whatever
the number of workers), plus its share of the cluster's ``concurrency``. A lease covers about
``lease_seconds`` of the worker's share of the rate; start times that went stale unused are
dropped, never bunched up. A 429 seen by any worker halves the one shared rate. Workers that
stop sending heartbeats for ``ttl`` seconds are forgotten and their concurrency share goes to
the others; a worker that joins gets its share as the others report their in-flight count.

**Output directory.** ``part-<key>.jsonl`` files hold finished result lines (the single-machine
format). A batch appends its results one line at a time to ``_inflight/<key>.jsonl`` (a journal:
a kill loses only in-flight requests) and, once complete, the journal is renamed to its part
(atomic). ``<key>`` is derived from the batch's ids, so a retried batch finds its own journal
and resumes it. Leftover journals of a dead run are sealed into parts by the next run.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import math
import os
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import anyio

from ._output import BatchOutputError, ResultLog, scan_output
from ._pacing import Pacer
from ._summary import BatchSummary

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

__all__ = [
    "ClusterBudget",
    "DirScan",
    "LeasedPacer",
    "add_cost",
    "batch_key",
    "hold_lock",
    "journal_path",
    "part_path",
    "scan_dir",
    "seal_leftovers",
]

#: counters every worker reports (cumulative over its life); ``cost`` in USD, of the ``priced``
#: answers (summed as floats across workers: exact to far below a millionth of a dollar)
COUNTERS = ("ok", "failed", "retried", "rate_limited", "tokens", "in_flight", "cost", "priced")
#: counters a worker's batch summary keeps and its reports carry
SUMMED = ("ok", "failed", "retried", "tokens", "cost", "priced")
COST_QUANTUM = Decimal("1e-12")  # USD: what the float sum is rounded to
#: seconds: a leased start later than this is dropped (the next lease books fresh ones). Used
#: later, a worker that stalled would send its past starts back to back on top of the others'
#: on-time starts: up to (rate x this) requests over the budget in a window.
_STALE = 0.05


# -- the coordinator's state ------------------------------------------------------------------------


@dataclass
class _Worker:
    granted: int = 0
    in_use: int = 0
    last_seen: float = 0.0
    pid: int | None = None


class ClusterBudget:
    """The cluster-wide rpm/tpm schedule, concurrency shares and progress counters.

    ``rpm``/``tpm``: budgets for the whole cluster (None: none). ``concurrency``: requests in
    flight across all workers. ``total``: how many requests the job has (for the ETA).
    """

    def __init__(
        self,
        rpm: float | None = None,
        tpm: float | None = None,
        concurrency: int = 16,
        *,
        total: int | None = None,
        lease_seconds: float = 0.5,
        ttl: float = 30.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        self.pacer = Pacer(rpm, tpm, clock=clock)
        self.concurrency = concurrency
        self.total = total
        self.lease_seconds = lease_seconds
        self.ttl = ttl
        self.started = clock()
        self.finished: float | None = None
        self._clock = clock
        self._workers: dict[str, _Worker] = {}  # holding a share now
        self._reports: dict[str, dict[str, float]] = {}  # every worker's last report, kept

    def lease(
        self,
        worker: str,
        *,
        want: int,
        in_use: int = 0,
        tokens_each: int = 0,
        token_delta: int = 0,
        rate_limited: int = 0,
        report: dict[str, float] | None = None,
        pid: int | None = None,
    ) -> dict[str, Any]:
        """Book up to ``want`` request starts for ``worker``; also a heartbeat and a report.

        ``in_use``: the worker's requests in flight; ``tokens_each``: the estimated tokens of
        each request to book; ``token_delta``: usage minus estimates since the last lease;
        ``rate_limited``: 429 answers since the last lease. Returns ``{"starts": [...]`` (clock
        times), ``"limit"``: the worker's concurrency share, ``"tpm"``: the cluster's ``}``.
        """
        now = self._clock()
        self._expire(now)
        state = self._workers.get(worker)
        if state is None:
            state = self._workers[worker] = _Worker()
        state.last_seen, state.in_use = now, in_use
        if pid is not None:
            state.pid = pid
        if report is not None:
            self._reports[worker] = dict(report)
        for _ in range(rate_limited):
            self.pacer.on_rate_limited()
        if token_delta:
            self.pacer.correct(token_delta)
        state.granted = self._share(worker)
        starts: list[float] = []
        if state.granted and want > 0:
            starts = [self.pacer.reserve(tokens_each) for _ in range(self._lease_size(want, tokens_each))]
        return {"starts": starts, "limit": state.granted, "tpm": self.pacer.tpm}

    def release(self, worker: str, report: dict[str, float] | None = None) -> None:
        """The worker has nothing to send for now: its concurrency share is freed."""
        self._workers.pop(worker, None)
        if report is not None:
            self._reports[worker] = {**report, "in_flight": 0.0}

    def _expire(self, now: float) -> None:
        for name, state in list(self._workers.items()):
            if now - state.last_seen > self.ttl:
                del self._workers[name]  # gone: its share is free, its last report stays

    def _share(self, worker: str) -> int:
        """Fair share of ``concurrency`` minus what the others still hold or use."""
        names = sorted(self._workers)
        base, extra = divmod(self.concurrency, len(names))
        fair = base + (1 if names.index(worker) < extra else 0)
        others = sum(max(s.granted, s.in_use) for n, s in self._workers.items() if n != worker)
        return max(0, min(fair, self.concurrency - others))

    def _lease_size(self, want: int, tokens_each: int) -> int:
        pacer = self.pacer
        rates: list[float] = []  # requests per second allowed now
        rpm = pacer.rpm or pacer._adaptive_rpm
        if rpm is not None:
            rates.append(rpm / 60.0 * pacer.factor())
        if pacer.tpm is not None:
            rates.append(pacer.tpm / 60.0 * pacer.factor() / max(tokens_each, 1))
        if not rates:
            return want
        per_worker = min(rates) * self.lease_seconds / max(1, len(self._workers))
        return max(1, min(want, math.ceil(per_worker)))

    def pids(self) -> dict[str, int | None]:
        return {name: state.pid for name, state in self._workers.items()}

    def snapshot(self) -> dict[str, Any]:
        """Counters summed over every worker (live and gone), plus the job's clock."""
        totals = dict.fromkeys(COUNTERS, 0.0)
        for worker, report in self._reports.items():
            for name in COUNTERS:
                if name != "in_flight" or worker in self._workers:
                    totals[name] += report.get(name, 0.0)
        return {"counters": totals, "elapsed": (self.finished or self._clock()) - self.started,
                "total": self.total, "workers": len(self._workers),
                "rate_factor": self.pacer.factor(), "rate_limited_seen": self.pacer.rate_limited}


def summary_from(snapshot: dict[str, Any]) -> BatchSummary:
    """A :class:`BatchSummary` view of a coordinator snapshot (live progress)."""
    counters = snapshot["counters"]
    summary = BatchSummary(
        ok=int(counters["ok"]), failed=int(counters["failed"]), retried=int(counters["retried"]),
        rate_limited=int(counters["rate_limited"]), tokens=int(counters["tokens"]),
        in_flight=int(counters["in_flight"]),
    )
    add_cost(summary, counters)
    summary.started = time.monotonic() - snapshot["elapsed"]
    total = snapshot["total"]
    if total is not None:
        summary.total_lines = summary.lines_read = summary.dispatched = total
    return summary


def add_cost(summary: BatchSummary, counters: dict[str, float]) -> None:
    """The cluster's running cost (the workers' ``cost``/``priced`` counters) on ``summary``."""
    priced = int(counters.get("priced", 0))
    if priced:
        summary.priced = priced
        summary.cost = Decimal(counters.get("cost", 0.0)).quantize(COST_QUANTUM)


# -- the worker's side ----------------------------------------------------------------------------

Lease = Callable[..., Awaitable[dict[str, Any]]]


class LeasedPacer(Pacer):
    """A :class:`Pacer` whose start times come from the cluster schedule, a lease at a time.

    ``lease(**kwargs)`` reaches :meth:`ClusterBudget.lease` (in Ray: the coordinator actor).
    ``limiter`` is the worker's in-flight bound; its size follows the worker's share.
    ``report()`` returns the worker's cumulative counters, sent along with every lease.
    """

    def __init__(
        self,
        lease: Lease,
        worker: str,
        limiter: anyio.CapacityLimiter,
        *,
        report: Callable[[], dict[str, float]] | None = None,
        tpm: float | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(clock=clock)
        self.tpm = tpm  # only tells the runner to estimate tokens; the budget is the cluster's
        self._lease = lease
        self._worker = worker
        self._limiter = limiter
        self._report = report
        self._slots: deque[float] = deque()
        self._lock = anyio.Lock()
        self._token_delta = 0
        self._new_429 = 0
        self.limit = 0

    def reserve(self, tokens: int = 0) -> float:  # pragma: no cover - acquire() is the API
        raise NotImplementedError("a LeasedPacer books start times through acquire()")

    async def acquire(self, tokens: int = 0) -> None:
        async with self._lock:
            wait = 0.05
            while True:
                now = self._clock()
                while self._slots and self._slots[0] < now - _STALE:
                    self._slots.popleft()  # unused budget is lost, never spent in a burst
                if self._slots:
                    break
                await self.renew(want=max(1, int(self._limiter.total_tokens)), tokens_each=tokens)
                if not self._slots:
                    await anyio.sleep(wait)  # no share of the cluster right now
                    wait = min(1.0, wait * 2)
            start = self._slots.popleft()
        delay = start - self._clock()
        if delay > 0:
            await anyio.sleep(delay)

    async def renew(self, *, want: int = 0, tokens_each: int = 0) -> None:
        """One lease call: a heartbeat (``want=0``) or a request for start times."""
        delta, self._token_delta = self._token_delta, 0
        seen, self._new_429 = self._new_429, 0
        answer = await self._lease(
            worker=self._worker, want=want, in_use=self._limiter.borrowed_tokens,
            tokens_each=tokens_each, token_delta=delta, rate_limited=seen,
            report=None if self._report is None else self._report(), pid=os.getpid(),
        )
        self._slots.extend(answer["starts"])
        self.limit = int(answer["limit"])
        self.tpm = answer.get("tpm")  # the runner estimates tokens when the cluster has a tpm
        self._limiter.total_tokens = max(1, self.limit)

    def correct(self, delta_tokens: int) -> None:
        self._token_delta += delta_tokens

    def on_rate_limited(self) -> None:
        """A 429: report it with the next lease and drop the starts booked at the old pace."""
        self.rate_limited += 1
        self._new_429 += 1
        self._slots.clear()


# -- the output directory ---------------------------------------------------------------------------

_INFLIGHT = "_inflight"


def batch_key(ids: Sequence[str]) -> str:
    """A name for a batch that a retry of the same batch reproduces."""
    digest = hashlib.blake2b(digest_size=10)
    for cid in ids:
        digest.update(cid.encode("utf-8") + b"\0")
    return digest.hexdigest()


def part_path(directory: str, key: str) -> str:
    return os.path.join(directory, f"part-{key}.jsonl")


def journal_path(directory: str, key: str) -> str:
    return os.path.join(directory, _INFLIGHT, f"{key}.jsonl")


@dataclass
class DirScan:
    """What an output directory holds: done ids, line counts and duplicates."""

    done: set[str] = field(default_factory=set)
    ok: int = 0
    failed: int = 0
    duplicates: int = 0
    parts: int = 0


def scan_dir(directory: str) -> DirScan:
    """Read every part (checking each is a results file, as the single-machine runner does)."""
    scan = DirScan()
    if not os.path.isdir(directory):
        return scan
    for name in sorted(os.listdir(directory)):
        if not (name.startswith("part-") and name.endswith(".jsonl")):
            continue
        one = scan_output(os.path.join(directory, name))
        scan.parts += 1
        for cid in one.done:
            if cid in scan.done:
                scan.duplicates += 1
            else:
                scan.done.add(cid)
        scan.duplicates += one.duplicates
        scan.ok += one.lines - one.failed
        scan.failed += one.failed
    return scan


def seal(directory: str, key: str) -> None:
    """Publish a finished batch: its journal becomes its part (one atomic rename)."""
    os.replace(journal_path(directory, key), part_path(directory, key))


def seal_leftovers(directory: str, *, wait: float = 30.0) -> int:
    """Seal the journals a dead run left (torn tails cut); returns how many were sealed.

    A journal still locked (a worker of the old run not yet reaped) is waited for up to
    ``wait`` seconds, then :class:`BatchOutputError`.
    """
    inflight = os.path.join(directory, _INFLIGHT)
    if not os.path.isdir(inflight):
        return 0
    sealed = 0
    for name in sorted(os.listdir(inflight)):
        if not name.endswith(".jsonl"):
            continue
        key = name[: -len(".jsonl")]
        path = os.path.join(inflight, name)
        log = ResultLog(path)
        deadline = time.monotonic() + wait
        while True:
            try:
                done = log.open()
                break
            except BatchOutputError as exc:
                if exc.errno is None or time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        log.close()
        if done:
            target = part_path(directory, key)
            if os.path.exists(target):  # a part of that name already: keep both
                target = part_path(directory, f"{key}-{int(time.time() * 1000)}")
            os.replace(path, target)
            sealed += 1
        else:
            os.unlink(path)
    return sealed


@contextlib.contextmanager
def hold_lock(path: str, *, shared: bool = False, wait: float = 0.0, what: str = "") -> Iterator[int]:
    """An flock on ``path`` (created) for the ``with`` body; BatchOutputError if taken."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    try:
        take_lock(fd, path, shared=shared, wait=wait, what=what)
        yield fd
    finally:
        os.close(fd)


def take_lock(fd: int, path: str, *, shared: bool = False, wait: float = 0.0, what: str = "") -> None:
    if fcntl is None:  # pragma: no cover - Windows: no lock (documented)
        return
    mode = (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB
    deadline = time.monotonic() + wait
    while True:
        try:
            fcntl.flock(fd, mode)
            return
        except OSError as exc:
            if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise BatchOutputError(f"cannot lock {path}: {exc.strerror}", errno=exc.errno) from None
            if time.monotonic() >= deadline:
                raise BatchOutputError(what or f"{path} is locked by another run",
                                       errno=exc.errno) from None
            time.sleep(0.1)
