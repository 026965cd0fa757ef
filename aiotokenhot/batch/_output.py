"""The results file: one JSON line per finished id, appended atomically, resumable.

Each result is one ``os.write`` of one complete line on an ``O_APPEND`` descriptor, so a
reader sees whole lines only, and a crash (even ``kill -9``) or a full disk can at worst leave
a torn *last* line. Opening the file takes an exclusive lock (one writer per file), checks
that every line is a result line, repairs a torn tail (cuts it away, and says so) and returns
the ids already done, so a rerun sends exactly the ids that are missing.

A *result line* has exactly the keys ``custom_id`` (a non-empty string), ``response``
(``null`` or ``{"status_code": int, "body": ...}``) and ``error`` (``null`` or an object with
a string ``message``), at least one of the two not null (``id`` is also allowed, as in
OpenAI's batch output files). A file holding anything else is refused and never modified.

Locking: on POSIX ``fcntl.flock`` on the open file, released when the process ends (even by
``kill -9``). On Windows no lock is taken: do not point two runs at one output file there.
"""

from __future__ import annotations

import errno
import os
from typing import Any

import pydantic_core

from .._exceptions import InvalidRequestError, TokenHotError

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

__all__ = ["BatchOutputError", "OutputScan", "ResultLog", "is_result", "scan_output"]

_RESULT_KEYS = frozenset({"custom_id", "response", "error"})
_OPTIONAL_KEYS = frozenset({"id"})
_TORN_PREFIX = b'{"custom_id":'  # how every line this writer produces begins


class BatchOutputError(TokenHotError):
    """The results file cannot be written (disk full, locked by another run, I/O error).

    ``errno`` is the operating system's error number when there is one. Lines written before
    the failure are intact; a torn last line, if any, is repaired by the next run.
    """

    def __init__(self, message: str, *, errno: int | None = None) -> None:
        super().__init__(message)
        self.errno = errno


def is_result(obj: Any) -> bool:
    """True when ``obj`` (a parsed JSON line) has the full shape of a batch result line."""
    if not isinstance(obj, dict):
        return False
    keys = obj.keys()
    if not keys >= _RESULT_KEYS or not keys <= _RESULT_KEYS | _OPTIONAL_KEYS:
        return False
    cid, response, error = obj["custom_id"], obj["response"], obj["error"]
    if not isinstance(cid, str) or not cid:
        return False
    if response is None and error is None:
        return False
    if response is not None and not (
        isinstance(response, dict)
        and isinstance(response.get("status_code"), int)
        and not isinstance(response.get("status_code"), bool)
        and "body" in response
    ):
        return False
    return error is None or (isinstance(error, dict) and isinstance(error.get("message"), str))


def _parse_result(raw: bytes) -> tuple[str, bool] | None:
    """``(custom_id, failed)`` of a result line, None if it is not one."""
    try:
        obj: Any = pydantic_core.from_json(raw)
    except ValueError:
        return None
    return (obj["custom_id"], obj["error"] is not None) if is_result(obj) else None


class OutputScan:
    """What an existing results file holds: done ids, the valid prefix and what is wrong."""

    def __init__(self) -> None:
        self.done: set[str] = set()
        self.good = 0  # byte length of the prefix made of whole result lines
        self.duplicates = 0  # lines whose id an earlier line already had
        self.lines = 0  # whole result lines
        self.failed = 0  # ... of which with an error
        self.torn = b""  # the cut-off last line, if any


def scan_output(path: str) -> OutputScan:
    """Read ``path`` (missing: empty) and check every line is a result line.

    A last line with no newline that begins like one of our lines (or is a start of that
    beginning) is a torn write, left out of the valid prefix for the caller to cut. Anything
    else that is not a result line means the file is not a results file:
    :class:`InvalidRequestError`, file untouched.
    """
    scan = OutputScan()
    try:
        handle = open(path, "rb")  # noqa: SIM115
    except FileNotFoundError:
        return scan
    except OSError as exc:
        raise InvalidRequestError(f"cannot read {path}: {exc.strerror}") from None
    with handle:
        for line_no, raw in enumerate(handle, 1):
            if not raw.endswith(b"\n") and (
                raw.startswith(_TORN_PREFIX) or _TORN_PREFIX.startswith(raw)
            ):
                scan.torn = raw  # the last line, cut short (even if only its newline is missing)
                break
            parsed = _parse_result(raw)
            if parsed is None:
                raise InvalidRequestError(
                    f"{path} line {line_no} is not a batch result line: this does not look like "
                    "a results file, refusing to write to it (give a new or a results file)"
                )
            cid, failed = parsed
            if cid in scan.done:
                scan.duplicates += 1
            else:
                scan.done.add(cid)
            scan.lines += 1
            scan.failed += failed
            scan.good += len(raw)
    return scan


class ResultLog:
    """Append-only JSONL writer for results (open with :meth:`open`, then :meth:`append`)."""

    def __init__(self, path: str, *, fsync: bool = False) -> None:
        self.path = path
        self.fsync = fsync
        self.repaired_bytes = 0
        self.duplicates = 0
        self._fd: int | None = None
        self._size = 0

    def open(self) -> set[str]:
        """Lock the file, check it, repair a torn tail; returns the ids already done.

        Raises :class:`InvalidRequestError` (not a results file, cannot be opened) or
        :class:`BatchOutputError` (another run holds the lock).
        """
        try:
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o666)
        except OSError as exc:
            raise InvalidRequestError(f"cannot write {self.path}: {exc.strerror}") from None
        try:
            _lock(fd, self.path)
            scan = scan_output(self.path)
            size = os.fstat(fd).st_size
            if size > scan.good:
                os.ftruncate(fd, scan.good)
                os.fsync(fd)
                self.repaired_bytes = size - scan.good
        except BaseException:
            os.close(fd)
            raise
        self.duplicates = scan.duplicates
        self._size = scan.good
        self._fd = fd
        return scan.done

    def append(self, line: bytes) -> None:
        """Write one complete line (``line`` ends with a newline) in a single system call.

        On failure (e.g. a full disk) what was written of this line is cut away when
        possible (else the next run repairs it) and :class:`BatchOutputError` is raised.
        """
        fd = self._fd
        if fd is None:
            raise RuntimeError("ResultLog is not open")
        view = memoryview(line)
        try:
            while view:
                # one call for a regular file in practice; loop only in case of a short write
                written = os.write(fd, view)
                view = view[written:]
            if self.fsync:
                os.fsync(fd)
        except OSError as exc:
            try:
                os.ftruncate(fd, self._size)
            except OSError:
                pass  # left torn: the next open cuts it
            reason = "the disk is full" if exc.errno in (errno.ENOSPC, errno.EDQUOT) else (
                exc.strerror or type(exc).__name__)
            raise BatchOutputError(
                f"cannot write to {self.path}: {reason}; the results so far are kept, "
                "rerun the same command to resume", errno=exc.errno,
            ) from None
        self._size += len(line)

    def close(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)  # also releases the lock


def _lock(fd: int, path: str) -> None:
    if fcntl is None:  # pragma: no cover - Windows: no lock (documented)
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
            raise BatchOutputError(
                f"{path} is in use by another batch run (one writer per output file); "
                "wait for it to finish or choose another output", errno=exc.errno,
            ) from None
        raise BatchOutputError(f"cannot lock {path}: {exc.strerror}", errno=exc.errno) from None
