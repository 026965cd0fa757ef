"""A pytest plugin: the ``fake_tokenhot`` fixture, a started :class:`FakeTokenHot` per test.

Enable it in the ``conftest.py`` at the root of your tests (it is not registered as a
``pytest11`` entry point, so installing aiotokenhot never adds fixtures to anyone's test run
unasked)::

    pytest_plugins = ["aiotokenhot.testing.pytest_plugin"]

or for one run: ``pytest -p aiotokenhot.testing.pytest_plugin``. Then::

    async def test_my_app_survives_a_503(fake_tokenhot):
        fake_tokenhot.fail_next(1, 503)
        async with fake_tokenhot.client() as th:
            ...

The fake gateway runs on its own event loop in a background thread, so the fixture is a plain
(synchronous) fixture: it works with pytest-asyncio in strict or auto mode, with anyio's pytest
plugin, whatever loop scope the test uses, and in synchronous tests that start their own loop.
Configure it per test with the ``fake_tokenhot`` marker, whose keywords go to the
:class:`FakeTokenHot` constructor::

    @pytest.mark.fake_tokenhot(reply_words=5, unknown_models=["gpt-9"])
    async def test_short_replies(fake_tokenhot): ...

Fault methods and attributes (``fail_next``, ``unknown_models``, ``requests``...) may be used
from the test while the gateway serves requests: they are plain list/set operations.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from ._server import FakeTokenHot

__all__ = ["fake_tokenhot", "serving_in_thread"]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "fake_tokenhot(**options): FakeTokenHot constructor options for the fake_tokenhot fixture",
    )


@contextlib.contextmanager
def serving_in_thread(fake: FakeTokenHot) -> Iterator[FakeTokenHot]:
    """Run ``fake`` on a fresh event loop in a daemon thread for the ``with`` block.

    Entering starts the gateway (raising what ``start()`` raised, e.g. a busy port) and yields
    it; leaving stops it and joins the thread.
    """
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="FakeTokenHot", daemon=True)
    thread.start()
    try:
        asyncio.run_coroutine_threadsafe(fake.start(), loop).result(timeout=30)
        try:
            yield fake
        finally:
            asyncio.run_coroutine_threadsafe(fake.stop(), loop).result(timeout=30)
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=30)
        loop.close()


@pytest.fixture
def fake_tokenhot(request: pytest.FixtureRequest) -> Iterator[FakeTokenHot]:
    """A started :class:`FakeTokenHot` on 127.0.0.1 (a free port), stopped after the test.

    ``fake_tokenhot.client()`` is an ``AsyncTokenHot`` pointed at it; ``base_url`` and
    ``api_key`` configure any other client (the official SDKs too). Options come from the
    ``@pytest.mark.fake_tokenhot(...)`` marker (its keywords are the constructor's).
    """
    marker = request.node.get_closest_marker("fake_tokenhot")
    options: dict[str, Any] = dict(marker.kwargs) if marker is not None else {}
    with serving_in_thread(FakeTokenHot(**options)) as fake:
        yield fake
