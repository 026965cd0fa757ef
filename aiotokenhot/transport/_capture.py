"""The answers one public call received, for the results' ``request_id`` and ``with_raw_response``.

:meth:`Transport.request` and :meth:`Transport.open` report every success answer here; a public
method (see ``protocols._resource.accepts``) opens a :func:`recording` around its work and reads
the last answer afterwards. Outside a recording, reporting costs one context-variable lookup.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Protocol

__all__ = ["Answer", "recording", "report"]


class Answer(Protocol):
    """What is kept of an answer: an ``HTTPResult`` (body read) or an open aiohttp response."""

    @property
    def status(self) -> int: ...

    @property
    def headers(self) -> Mapping[str, str]: ...


_ANSWERS: ContextVar[list[Answer] | None] = ContextVar("aiotokenhot_answers", default=None)


def report(answer: Answer) -> None:
    answers = _ANSWERS.get()
    if answers is not None:
        answers.append(answer)


@contextmanager
def recording() -> Iterator[list[Answer]]:
    """The list the answers of the enclosed calls are appended to (an enclosing recording's
    list when there is one, so an outer ``with_raw_response`` sees inner answers too)."""
    answers = _ANSWERS.get()
    if answers is not None:
        yield answers
        return
    answers = []
    token = _ANSWERS.set(answers)
    try:
        yield answers
    finally:
        _ANSWERS.reset(token)
