"""Concurrent batch fan-out with exactly-once resume: ``from aiotokenhot.batch import run_batch``.

Requests in the OpenAI batch-line shape ``{"custom_id", "method", "url", "body"}`` are sent
through the client's transport with bounded concurrency, optional rpm/tpm budgets and retries;
results stream back as :class:`BatchResult` and/or are appended to a JSONL file that a rerun
resumes from. ``aiotokenhot.batch.ray`` runs the same fan-out on a Ray cluster (optional extra):
one rate budget for all workers and exactly-once output to a directory of JSONL parts.
"""

from ._input import KNOWN_ROUTES, BadLine, BatchItem, Shard
from ._output import BatchOutputError, ResultLog
from ._pacing import Pacer
from ._runner import BatchResult, BatchRun, run_batch
from ._summary import BatchSummary

__all__ = [
    "KNOWN_ROUTES",
    "BadLine",
    "BatchItem",
    "BatchOutputError",
    "BatchResult",
    "BatchRun",
    "BatchSummary",
    "Pacer",
    "ResultLog",
    "Shard",
    "run_batch",
]
