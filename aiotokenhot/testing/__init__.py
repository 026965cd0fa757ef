"""The built-in fake gateway: ``from aiotokenhot.testing import FakeTokenHot``.

For pytest, ``pytest_plugins = ["aiotokenhot.testing.pytest_plugin"]`` in the root
``conftest.py`` provides the ``fake_tokenhot`` fixture (see :mod:`.pytest_plugin`).
"""

from ._embeddings import fake_embedding
from ._media import fake_png
from ._server import FakeTokenHot, Fault, RecordedRequest

__all__ = ["FakeTokenHot", "Fault", "RecordedRequest", "fake_embedding", "fake_png"]
