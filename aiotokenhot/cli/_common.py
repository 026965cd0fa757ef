"""What every command shares: the client (real or fake gateway), error reporting, Ctrl-C."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from .._config import API_KEY_ENV, resolve_api_key
from .._exceptions import ConfigurationError, InvalidRequestError, TokenHotError

__all__ = ["EXIT_ERROR", "EXIT_INTERRUPTED", "EXIT_USAGE", "CLIError", "open_client", "run_command"]

EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130
Command = Callable[[argparse.Namespace], Awaitable[int]]


class CLIError(Exception):
    """A message for the user and an exit code: printed as is, never as a traceback."""

    def __init__(self, message: str, code: int = EXIT_ERROR) -> None:
        super().__init__(message)
        self.code = code


@contextlib.asynccontextmanager
async def open_client(args: argparse.Namespace, **fake_options: Any) -> AsyncIterator[Any]:
    """An AsyncTokenHot for the command: in-process fake gateway with ``--fake``, else the
    key from ``TOKENHOT_API_KEY`` (checked up front so a missing key is one clear line)."""
    from .._client import AsyncTokenHot

    if getattr(args, "fake", False):
        from ..testing import FakeTokenHot

        fake_options.setdefault("replies", "prose")  # replies that read like replies
        async with FakeTokenHot(record=False, **fake_options) as fake, fake.client() as th:
            yield th
        return
    if resolve_api_key(None) is None:
        raise CLIError(
            f"no API key: set the {API_KEY_ENV} environment variable "
            "(or add --fake to try the command against the built-in fake gateway)",
            EXIT_USAGE,
        )
    async with AsyncTokenHot(base_url=getattr(args, "base_url", None)) as th:
        yield th


def _error(message: str) -> None:
    from ._help import stderr_error

    stderr_error(message)


def run_command(command: Command, args: argparse.Namespace) -> int:
    """Run an async command; Ctrl-C (or SIGTERM) cancels it cleanly and exits 130."""

    async def guarded() -> int:
        loop = asyncio.get_running_loop()
        task = asyncio.current_task()
        assert task is not None
        interrupted: list[int] = []

        def interrupt() -> None:
            interrupted.append(1)
            task.cancel()

        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(sig, interrupt)
        try:
            return await command(args)
        except asyncio.CancelledError:
            if not interrupted:
                raise
            print("\ninterrupted", file=sys.stderr)
            return EXIT_INTERRUPTED

    try:
        return asyncio.run(guarded())
    except CLIError as exc:
        _error(str(exc))
        return exc.code
    except (ConfigurationError, InvalidRequestError) as exc:
        _error(str(exc))
        return EXIT_USAGE
    except TokenHotError as exc:
        _error(f"{type(exc).__name__}: {exc}")
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return EXIT_ERROR
    except OSError as exc:  # a file the user named: missing, unreadable, a full disk...
        _error(f"{exc.strerror or exc}" + (f": {exc.filename}" if exc.filename else ""))
        return EXIT_ERROR
