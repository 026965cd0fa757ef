"""The built-in fake gateway: ``from aiotokenhot.testing import FakeTokenHot``."""

from ._server import FakeTokenHot, Fault, RecordedRequest

__all__ = ["FakeTokenHot", "Fault", "RecordedRequest"]
