"""The results file: one JSON line per finished id, appended atomically, resumable.

Each result is one ``os.write`` of one complete line on an ``O_APPEND`` descriptor, so a
reader sees whole lines only, and a crash (even ``kill -9``) can at worst leave a torn *last*
line. Opening the file repairs that tail (cuts it away) and returns the ids already done, so
a rerun sends exactly the ids that are missing.
"""

from __future__ import annotations

import os
from typing import Any

import pydantic_core

from .._exceptions import InvalidRequestError

__all__ = ["ResultLog", "scan_output"]

_SCAN_CHUNK = 1 << 20


def _line_id(raw: bytes) -> str | None:
    try:
        obj: Any = pydantic_core.from_json(raw)
    except ValueError:
        return None
    cid = obj.get("custom_id") if isinstance(obj, dict) else None
    return cid if isinstance(cid, str) else None


def scan_output(path: str) -> tuple[set[str], int]:
    """Ids already in ``path`` and the byte length of its valid prefix.

    A last line with no newline, or that is not a result object, is a torn write: it is
    left out of the prefix (the caller truncates it). A broken line anywhere else means the
    file is not one of ours (or two runs wrote to it at once) and is refused.
    """
    done: set[str] = set()
    try:
        handle = open(path, "rb")  # noqa: SIM115
    except FileNotFoundError:
        return done, 0
    with handle:
        good = 0
        pending: bytes | None = None  # the previous line, judged once we know if it was last
        for line_no, raw in enumerate(handle):
            if pending is not None:
                cid = _line_id(pending)
                if cid is None:
                    raise InvalidRequestError(
                        f"{path} line {line_no} is not a batch result line; refusing to append to it"
                    )
                done.add(cid)
                good += len(pending)
            pending = raw
        if pending is not None and pending.endswith(b"\n"):
            cid = _line_id(pending)
            if cid is not None:
                done.add(cid)
                good += len(pending)
    return done, good


class ResultLog:
    """Append-only JSONL writer for results (open with :meth:`open`, then :meth:`append`)."""

    def __init__(self, path: str, *, fsync: bool = False) -> None:
        self.path = path
        self.fsync = fsync
        self.repaired_bytes = 0
        self._fd: int | None = None

    def open(self) -> set[str]:
        """Repair a torn tail, open for appending and return the ids already done."""
        done, good = scan_output(self.path)
        try:
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        except OSError as exc:
            raise InvalidRequestError(f"cannot write {self.path}: {exc.strerror}") from None
        size = os.fstat(fd).st_size
        if size > good:
            os.ftruncate(fd, good)
            self.repaired_bytes = size - good
            os.fsync(fd)
        self._fd = fd
        return done

    def append(self, line: bytes) -> None:
        """Write one complete line (``line`` ends with a newline) in a single system call."""
        fd = self._fd
        if fd is None:
            raise RuntimeError("ResultLog is not open")
        view = memoryview(line)
        while view:
            # one call for a regular file in practice; loop only in case of a short write
            written = os.write(fd, view)
            view = view[written:]
        if self.fsync:
            os.fsync(fd)

    def close(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)
