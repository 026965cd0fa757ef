"""Progress and colour for the command line: tqdm bars on a terminal, plain lines elsewhere.

One place decides how the CLI shows progress (``--progress auto|bar|lines|none``, ``--quiet``)
and whether it may use colour (a terminal, and ``NO_COLOR`` unset: https://no-color.org).
Progress goes to stderr, so stdout stays clean for results and pipes.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TextIO

import anyio

if TYPE_CHECKING:
    from tqdm import tqdm

    from ..batch import BatchRun, BatchSummary

__all__ = [
    "PLAIN_EVERY",
    "Progress",
    "add_progress_options",
    "bold",
    "count_input",
    "progress_mode",
    "red",
    "track_batch",
    "use_color",
    "video_download_progress",
    "video_task_progress",
]

PLAIN_EVERY = 5.0  # seconds between plain progress lines (not on a terminal)
_PLAIN_FORMAT = "{desc}: {percentage:3.0f}% {n_fmt}/{total_fmt} [{elapsed}<{remaining}, {rate_fmt}{postfix}]"
_PLAIN_NO_TOTAL = "{desc}: {n_fmt} [{elapsed}, {rate_fmt}{postfix}]"
_PLAIN_NO_RATE = "{desc}: {percentage:3.0f}% [{elapsed}<{remaining}{postfix}]"
_BAR_NO_RATE = "{l_bar}{bar}| [{elapsed}<{remaining}{postfix}]"


def use_color(stream: TextIO) -> bool:
    """Colour only on a terminal, and never when ``NO_COLOR`` is set (to anything non-empty)."""
    if os.environ.get("NO_COLOR"):
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def _paint(code: str, text: str, stream: TextIO) -> str:
    return f"\033[{code}m{text}\033[0m" if use_color(stream) else text


def bold(text: str, stream: TextIO | None = None) -> str:
    """``text`` in bold when ``stream`` (stdout) takes colour."""
    return _paint("1", text, stream or sys.stdout)


def red(text: str, stream: TextIO | None = None) -> str:
    """``text`` in red when ``stream`` (stderr) takes colour."""
    return _paint("31", text, stream or sys.stderr)


def _screen(stream: TextIO) -> tuple[int, int] | None:
    """None when the terminal reports its size (tqdm then follows resizes), else a fixed
    (columns, rows): ``COLUMNS``/``LINES`` or 100x24. A pseudo-terminal may report 0x0, with
    which tqdm would draw nothing."""
    try:
        size = os.get_terminal_size(stream.fileno())
        if size.columns > 0 and size.lines > 0 and "COLUMNS" not in os.environ:
            return None
    except (AttributeError, OSError, ValueError):
        pass
    fallback = shutil.get_terminal_size((100, 24))
    return fallback.columns or 100, fallback.lines or 24


def add_progress_options(parser: argparse.ArgumentParser) -> None:
    """``--progress MODE``, ``--quiet`` and ``--progress-every`` on a command that shows progress."""
    group = parser.add_argument_group("progress display (on stderr)")
    group.add_argument(
        "--progress", choices=["auto", "bar", "lines", "none"], default="auto",
        help="auto (default): a live bar on a terminal, a plain line every few seconds "
             "otherwise (logs, CI); bar: always the live bar; lines: always plain lines; "
             "none: no progress")
    group.add_argument("-q", "--quiet", action="store_true",
                       help="no progress display (same as --progress none); errors and the "
                            "final summary are still printed")
    group.add_argument("--progress-every", type=float, default=PLAIN_EVERY, metavar="SECONDS",
                       help=f"seconds between plain progress lines ({PLAIN_EVERY:g})")


def progress_mode(args: argparse.Namespace, stream: TextIO | None = None) -> str:
    """``"bar"``, ``"lines"`` or ``"none"`` for this run (``auto`` decided by the terminal)."""
    if getattr(args, "quiet", False):
        return "none"
    mode = str(getattr(args, "progress", "auto"))
    if mode == "auto":
        out = stream or sys.stderr
        return "bar" if getattr(out, "isatty", lambda: False)() else "lines"
    return mode


class Progress:
    """A progress display with a total: a tqdm bar (``mode="bar"``), a plain line at most every
    ``every`` seconds plus one at the end (``"lines"``), or nothing (``"none"``).

    ``update(n, total, postfix, uncounted)`` sets the absolute position, of which ``uncounted``
    units were not work of this run (lines already done on a resume, bad lines): they move the
    bar but are left out of the rate and ETA. ``started`` (a ``time.monotonic()`` value, default
    now) is when the work began, so a display made late still shows a true rate.
    ``close()`` prints the last state.
    Units: whatever ``unit`` names (``"req"``, ``"%"``, ``"B"`` with ``unit_scale``).
    """

    def __init__(self, desc: str, *, mode: str, total: float | None = None, unit: str = "it",
                 unit_scale: bool = False, every: float = PLAIN_EVERY,
                 stream: TextIO | None = None, show_rate: bool = True,
                 started: float | None = None) -> None:
        self.desc = desc
        self.mode = mode
        self.total = total
        self.unit = unit
        self.unit_scale = unit_scale
        self.every = every
        self.stream = stream or sys.stderr
        self.n: float = 0
        self.postfix = ""
        self.uncounted: float = 0
        self._started = time.monotonic() if started is None else started
        self._last_line = -1e9
        self._printed: tuple[float, str] | None = None
        self._show_rate = show_rate
        self._closed = False
        self._bar: tqdm[Any] | None = None
        if mode == "bar":
            from tqdm import tqdm

            screen = _screen(self.stream)
            self._bar = tqdm(total=total, desc=desc, unit=unit, unit_scale=unit_scale,
                             file=self.stream, dynamic_ncols=screen is None,
                             ncols=screen and screen[0], nrows=screen and screen[1],
                             mininterval=0.1,
                             smoothing=0.1, leave=True,
                             bar_format=None if show_rate else _BAR_NO_RATE,
                             colour="green" if use_color(self.stream) else None)
            ago = time.monotonic() - self._started  # tqdm times with time.time()
            self._bar.start_t -= ago
            self._bar.last_print_t -= ago

    def update(self, n: float, total: float | None = None, postfix: str | None = None,
               uncounted: float | None = None) -> None:
        if uncounted is not None and uncounted > self.uncounted:
            more = uncounted - self.uncounted
            self.uncounted = uncounted
            if self._bar is not None:  # moved past without entering tqdm's rate
                self._bar.n += more
                self._bar.last_print_n += more
                self._bar.initial += more
        if total is not None:
            self.total = total
        if postfix is not None:
            self.postfix = postfix
        self.n = n
        if self._bar is not None:
            if total is not None and self._bar.total != total:
                self._bar.total = total
            if postfix is not None:
                self._bar.set_postfix_str(postfix, refresh=False)
            self._bar.update(n - self._bar.n)
        elif self.mode == "lines":
            now = time.monotonic()
            if now - self._last_line >= self.every:
                self._line(now)

    def _line(self, now: float) -> None:
        from tqdm import tqdm

        self._last_line = now
        self._printed = (self.n, self.postfix)
        plain = _PLAIN_FORMAT if self.total else _PLAIN_NO_TOTAL
        text = tqdm.format_meter(
            self.n, self.total or 0, now - self._started, prefix=self.desc, unit=self.unit,
            unit_scale=self.unit_scale, postfix=self.postfix or None, initial=self.uncounted,
            bar_format=plain if self._show_rate else _PLAIN_NO_RATE)
        self.stream.write(text + "\n")
        self.stream.flush()

    def close(self) -> None:
        """Show the final state (once)."""
        if self._closed:
            return
        self._closed = True
        if self._bar is not None:
            self._bar.close()
        elif self.mode == "lines" and self._printed != (self.n, self.postfix):
            self._line(time.monotonic())


# -- batch ------------------------------------------------------------------------------------------


def count_input(path: Any) -> int | None:
    """Lines in a batch input file (the bar's total), or None when that cannot be known."""
    from ..batch._input import count_lines

    try:
        return count_lines(path)
    except (OSError, TypeError):
        return None  # the run itself reports a missing or unreadable input


def _batch_postfix(s: BatchSummary) -> str:
    parts = [f"ok={s.ok}", f"failed={s.failed}"]
    if s.bad:
        parts.append(f"bad={s.bad}")
    if s.skipped:
        parts.append(f"already done={s.skipped}")
    parts.append(f"in flight={s.in_flight}")
    parts.append(f"tokens={s.tokens:,}")
    cost_text: Callable[[], str] | None = getattr(s, "cost_text", None)
    cost = cost_text() if cost_text is not None else ""
    if cost:
        parts.append(f"cost={cost}")
    return ", ".join(parts)


async def track_batch(run: BatchRun, *, mode: str, total: int | None = None, source: Any = None,
                      every: float = PLAIN_EVERY, stream: TextIO | None = None,
                      interval: float = 0.1) -> BatchSummary:
    """Await ``run`` (a :class:`~aiotokenhot.batch.BatchRun` made with ``progress=False``) while a
    bar (or plain lines) shows its input lines handled out of ``total`` (counted from the
    ``source`` file in a worker thread when not given), the rate and the ETA."""
    if mode == "none":
        return await run
    if total is None and source is not None:
        total = await anyio.to_thread.run_sync(count_input, source)
    summary = run.summary
    bars: list[Progress] = []  # made once the run has read input: a set-up error shows no bar

    def show() -> None:
        if not bars:
            if not summary.lines_read:
                return
            bars.append(Progress("batch", mode=mode, total=total, unit="req", every=every,
                                 stream=stream, started=summary.started))
        # the rate counts requests sent in this run, as the summary's req/s does
        not_sent = summary.skipped + summary.bad
        bars[0].update(summary.done + not_sent, postfix=_batch_postfix(summary),
                       uncounted=not_sent)

    async def ticker() -> None:
        while True:
            show()
            await anyio.sleep(interval)

    error: Exception | None = None
    try:
        async with anyio.create_task_group() as tg:
            tg.start_soon(ticker)
            try:
                result = await run
            except Exception as exc:  # raised as is, not inside an exception group
                error = exc
            finally:
                tg.cancel_scope.cancel()
        if error is not None:
            raise error
        return result
    finally:
        show()
        if bars:
            bars[0].close()


# -- video --------------------------------------------------------------------------------------


def video_task_progress(mode: str, *, every: float = 0.0, stream: TextIO | None = None,
                        label: str = "video") -> tuple[Callable[[Any], None], Progress]:
    """An ``on_progress(task)`` callback for ``videos.wait`` drawing a 0-100 % bar with the
    task's status, and the :class:`Progress` to ``close()`` afterwards. Plain lines are printed
    when the status or the percentage changes (at most every ``every`` seconds)."""
    bar = Progress(label, mode=mode, total=100, unit="%", every=every, stream=stream,
                   show_rate=False)
    seen: list[tuple[str, float | None]] = []

    def on_progress(task: Any) -> None:
        state = (str(task.status), task.progress)
        if bar.mode == "lines" and seen and seen[-1] == state and not task.done:
            return
        seen.append(state)
        pct = 100 if task.succeeded else round(task.progress or 0)
        bar.update(min(100, pct), postfix=str(task.status))
        if task.done:
            bar.close()

    return on_progress, bar


def video_download_progress(mode: str, *, every: float = PLAIN_EVERY, stream: TextIO | None = None,
                            label: str = "download") -> tuple[Callable[[int, int | None], None],
                                                               Progress]:
    """An ``on_progress(received_bytes, total_bytes)`` callback for ``videos.download``: a bytes
    bar (B, kB, MB) with rate and ETA, and the :class:`Progress` to ``close()`` afterwards."""
    bar = Progress(label, mode=mode, unit="B", unit_scale=True, every=every, stream=stream)

    def on_progress(received: int, total: int | None) -> None:
        bar.update(received, total=total)

    return on_progress, bar
