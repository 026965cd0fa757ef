"""Run the fan-out inside Ray Data: ``Dataset.map_batches(TokenHotMapper, ...)``.

``pip install "aiotokenhot[ray]"``. Each Ray worker (actor) builds one :class:`TokenHotMapper`,
which holds one client, one rpm/tpm budget and one in-flight bound for every batch it is
given; the batches themselves go through :func:`~aiotokenhot.batch.run_batch`::

    import ray
    from aiotokenhot.batch.ray import TokenHotMapper

    ds = ray.data.read_text("requests.jsonl")          # one JSONL request per row ("text")
    results = ds.map_batches(
        TokenHotMapper,
        fn_constructor_kwargs={"concurrency": 32, "rpm": 3000},   # per worker
        compute=ray.data.ActorPoolStrategy(size=4),               # 4 workers
        batch_size=256,
        num_cpus=0,                                  # network-bound: no CPU reservation needed
    )
    results.write_json("results/")

Input rows are either a ``text`` column of JSONL lines (as ``read_text`` gives) or the
columns ``custom_id``, ``method``, ``url``, ``body`` (body as an object or a JSON string).
Output rows: ``custom_id``, ``status_code``, ``response`` (the answer body as JSON text) and
``error`` (JSON text, or None). A bad input row comes out with ``error.type == "BadLine"``,
never dropped; its line number counts rows within its batch. Exactly-once resume across runs
is the job of the JSONL output of ``run_batch``/``aiotokenhot batch`` (use ``--shard K/N``
for several machines without Ray); a Ray dataset is recomputed as a whole.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import anyio
import pydantic_core

from .._client import AsyncTokenHot
from .._config import TimeoutTypes
from ._input import BadLine
from ._pacing import Pacer
from ._runner import run_batch

__all__ = ["TokenHotMapper"]

_COLUMNS = ("custom_id", "method", "url", "body")


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


class TokenHotMapper:
    """An async callable class for ``map_batches``: one client per Ray worker.

    Constructor arguments (pass them as ``fn_constructor_kwargs``) are per worker:
    ``concurrency`` bounds the requests in flight across all the batches the worker runs at
    once, ``rpm``/``tpm`` are the worker's budgets. The key comes from ``api_key`` or the
    workers' ``TOKENHOT_API_KEY`` (give it through Ray's ``runtime_env`` env_vars).
    """

    def __init__(
        self,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        concurrency: int = 16,
        rpm: float | None = None,
        tpm: float | None = None,
        max_retries: int | None = None,
        timeout: TimeoutTypes | None = None,
        client_options: Mapping[str, Any] | None = None,
    ) -> None:
        self._api_key = api_key
        self._base_url = base_url
        self._client_options = dict(client_options or {})
        self.concurrency = concurrency
        self.pacer = Pacer(rpm, tpm)
        self.max_retries = max_retries
        self.timeout = timeout
        self._client: AsyncTokenHot | None = None
        self._limiter: anyio.CapacityLimiter | None = None

    def _ensure_client(self) -> tuple[AsyncTokenHot, anyio.CapacityLimiter]:
        """Made on first use, inside the worker's event loop, then shared by every batch."""
        if self._client is None or self._limiter is None:
            self._client = AsyncTokenHot(self._api_key, self._base_url, **self._client_options)
            self._limiter = anyio.CapacityLimiter(self.concurrency)
        return self._client, self._limiter

    async def __call__(self, batch: Mapping[str, Any]) -> dict[str, list[Any]]:
        client, limiter = self._ensure_client()
        bad: list[BadLine] = []
        out: dict[str, list[Any]] = {"custom_id": [], "status_code": [], "response": [],
                                     "error": []}
        async with run_batch(client, _rows(batch), concurrency=self.concurrency,
                             pacer=self.pacer, limiter=limiter, ordered=True,
                             on_bad_line=bad.append, max_retries=self.max_retries,
                             timeout=self.timeout) as run:
            async for result in run:
                out["custom_id"].append(result.custom_id)
                out["status_code"].append(result.status_code)
                out["response"].append(
                    None if result.body is None else pydantic_core.to_json(result.body).decode())
                out["error"].append(
                    None if result.error is None else pydantic_core.to_json(result.error).decode())
        for line in bad:
            out["custom_id"].append(line.custom_id)
            out["status_code"].append(None)
            out["response"].append(None)
            out["error"].append(pydantic_core.to_json(
                {"type": "BadLine", "message": str(line)}).decode())
        return out

    async def aclose(self) -> None:
        """Close the worker's client (Ray does not call this; the process exit does the rest)."""
        client, self._client = self._client, None
        if client is not None:
            await client.aclose()
