"""The answers one public call received, for the results' ``request_id`` and ``with_raw_response``.

:meth:`Transport.request` and :meth:`Transport.open` report every success answer here; a public
method (see ``protocols._resource.accepts``) opens a recording around its work and reads the last
answer afterwards. A recording belongs to the task that opened it: answers received by that task
(also in calls nested inside the recorded one) are kept, those of other tasks are not.

Each task keeps one mutable :class:`_Slot` in a context variable, set on the task's first
recorded call and reused by the next ones. Setting a context variable on every call instead
costs new context objects per request, and at hundreds of requests in flight that work shows
up as extra garbage-collector passes. Outside a recording, reporting costs one
context-variable lookup.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Protocol

__all__ = ["Answer", "begin", "end", "recording", "report"]


class Answer(Protocol):
    """What is kept of an answer: an ``HTTPResult`` (body read) or an open aiohttp response."""

    @property
    def status(self) -> int: ...

    @property
    def headers(self) -> Mapping[str, str]: ...


class _Slot:
    """One task's recording: the list of its answers while a recording is open, else None."""

    __slots__ = ("answers", "owner")

    def __init__(self, owner: int) -> None:
        self.answers: list[Answer] | None = None
        #: ``id()`` of the task that made the slot (0: none). An id, not the task: the task's
        #: context refers to the slot. While that task lives no other task has its id; a slot
        #: inherited from a task that has ended is owned by at most one live task, the one
        #: that reuses the id, so a recording is never shared between two running tasks.
        self.owner = owner


_SLOT: ContextVar[_Slot | None] = ContextVar("aiotokenhot_answers", default=None)


def _task_id() -> int:
    try:
        return id(asyncio.current_task())
    except RuntimeError:  # no running event loop (synchronous code)
        return 0


def report(answer: Answer) -> None:
    slot = _SLOT.get()
    if slot is not None:
        answers = slot.answers
        # a slot inherited from the task that started this one is not this task's
        if answers is not None and slot.owner == _task_id():
            answers.append(answer)


def begin() -> tuple[list[Answer], _Slot | None]:
    """Start recording (the hot-path form of :func:`recording`): ``(answers, token)``; pass
    the token to :func:`end` (``None`` when an enclosing recording's list is reused)."""
    task = _task_id()
    slot = _SLOT.get()
    if slot is None or slot.owner != task:
        slot = _Slot(task)
        _SLOT.set(slot)  # once per task
    elif slot.answers is not None:
        return slot.answers, None
    answers: list[Answer] = []
    slot.answers = answers
    return answers, slot


def end(token: _Slot | None) -> None:
    if token is not None:
        token.answers = None


@contextmanager
def recording() -> Iterator[list[Answer]]:
    """The list the answers of the enclosed calls are appended to (an enclosing recording's
    list when there is one, so an outer ``with_raw_response`` sees inner answers too)."""
    answers, token = begin()
    try:
        yield answers
    finally:
        end(token)
