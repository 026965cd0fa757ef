"""The answers one public call received, for the results' ``request_id`` and ``with_raw_response``.

:meth:`Transport.request` and :meth:`Transport.open` report every success answer here; a public
method (see ``protocols._resource.accepts``) opens a :func:`recording` around its work and reads
the last answer afterwards. Outside a recording, reporting costs one context-variable lookup.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar, Token
from typing import Protocol

__all__ = ["Answer", "begin", "end", "recording", "report"]


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


def begin() -> tuple[list[Answer], Token[list[Answer] | None] | None]:
    """Start recording (the hot-path form of :func:`recording`): ``(answers, token)``; pass
    the token to :func:`end` (``None`` when an enclosing recording's list is reused)."""
    answers = _ANSWERS.get()
    if answers is not None:
        return answers, None
    answers = []
    return answers, _ANSWERS.set(answers)


def end(token: Token[list[Answer] | None] | None) -> None:
    if token is not None:
        _ANSWERS.reset(token)


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
