"""The built-in fake gateway: ``from aiotokenhot.testing import FakeTokenHot``.

For pytest, ``pytest_plugins = ["aiotokenhot.testing.pytest_plugin"]`` in the root
``conftest.py`` provides the ``fake_tokenhot`` fixture (see :mod:`.pytest_plugin`).
"""

from ._server import FakeTokenHot, Fault, RecordedRequest

__all__ = ["FakeTokenHot", "Fault", "RecordedRequest"]
