"""Benchmarks: aiotokenhot against the raw-aiohttp ceiling and the official SDKs.

Run ``make bench`` (or ``python -m benchmarks [--quick]``); results go to
``benchmarks/RESULTS.md``. Kept import-free so the cold-start probes measure only what they load.
"""
